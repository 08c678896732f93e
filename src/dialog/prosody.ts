/**
 * The melody at a pause: a sentence's end falls in pitch; a pause in the middle of a sentence
 * usually does not (the voice stays up, or rises, on the word before the rest). Read from the
 * caller's last speech before the silence, so the end-of-turn decision (turn_end.ts) can wait
 * when the words look complete but the voice says more is coming.
 *
 * Pitch by normalised autocorrelation over 40 ms frames (10 ms hop) of telephone-band audio,
 * 70–400 Hz; a frame is voiced when its best correlation is strong and it is not near silence.
 */

const MIN_HZ = 70;
const MAX_HZ = 400;

export interface PitchTrack {
  /** Hz per 10 ms frame; 0 where unvoiced. */
  f0: Float32Array;
  frameMs: number;
}

export function pitchTrack(pcm: Int16Array, sampleRate: number): PitchTrack {
  const hop = Math.round(sampleRate / 100);
  const win = hop * 4;
  const minLag = Math.floor(sampleRate / MAX_HZ);
  const maxLag = Math.ceil(sampleRate / MIN_HZ);
  const frames = Math.max(0, Math.floor((pcm.length - win - maxLag) / hop) + 1);
  const f0 = new Float32Array(frames);
  let peak = 1;
  for (let i = 0; i < pcm.length; i++) peak = Math.max(peak, Math.abs(pcm[i]));
  // Running sums of x and x², so that each lagged window's energy costs O(1): this runs on the
  // call's event loop at every pause, and the correlation itself is the only loop left per lag.
  const sum = new Float64Array(pcm.length + 1);
  const sq = new Float64Array(pcm.length + 1);
  for (let i = 0; i < pcm.length; i++) {
    sum[i + 1] = sum[i] + pcm[i];
    sq[i + 1] = sq[i] + pcm[i] * pcm[i];
  }
  const x = new Float64Array(win);
  for (let f = 0; f < frames; f++) {
    const start = f * hop;
    const mean = (sum[start + win] - sum[start]) / win;
    let energy = 0;
    for (let i = 0; i < win; i++) {
      x[i] = pcm[start + i] - mean;
      energy += x[i] * x[i];
    }
    // Below −35 dB of the loudest sample: silence or breath, not a voiced sound.
    if (Math.sqrt(energy / win) < peak * 0.018) continue;
    let best = 0;
    let bestLag = 0;
    for (let lag = minLag; lag <= maxLag; lag++) {
      const from = start + lag;
      let xy = 0;
      for (let i = 0; i < win; i++) xy += x[i] * pcm[from + i];
      // Σ x·(y − mean) = Σ x·y, as Σ x = 0; Σ (y − mean)² from the running sums.
      const s1 = sum[from + win] - sum[from];
      const yy = sq[from + win] - sq[from] - 2 * mean * s1 + win * mean * mean;
      const r = xy / Math.sqrt(energy * Math.max(0, yy) + 1e-9);
      if (r > best) [best, bestLag] = [r, lag];
    }
    if (best >= 0.6 && bestLag > 0) f0[f] = sampleRate / bestLag;
  }
  return { f0, frameMs: 1000 / (sampleRate / hop) };
}

export interface PauseMelody {
  /** Semitones of the last voiced stretch (its final 100 ms of voicing) against the median of the speech before it; negative = lower. */
  finalSemitones: number;
  /** Voiced frames the reading rests on. */
  voicedFrames: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/**
 * How the voice ends in `pcm` (the caller's speech up to the pause, ~2 s is enough). Null when too
 * little of it is voiced to tell. Octave jumps of the tracker are folded back to the median.
 */
export function pauseMelody(pcm: Int16Array, sampleRate: number): PauseMelody | null {
  const { f0 } = pitchTrack(pcm, sampleRate);
  const voiced: number[] = [];
  for (const hz of f0) if (hz > 0) voiced.push(hz);
  if (voiced.length < 15) return null;
  const ref = median(voiced);
  const fold = (hz: number) => (hz > ref * 1.7 ? hz / 2 : hz < ref / 1.7 ? hz * 2 : hz);
  const tail = voiced.slice(-10).map(fold);
  const last = median(tail);
  return { finalSemitones: 12 * Math.log2(last / ref), voicedFrames: voiced.length };
}
