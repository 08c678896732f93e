import { concatPcm } from '../../src/audio/pcm.js';
const HOP = 80; // 10 ms at 8 kHz
const PIECE = 100; // frames: the sentence is compared one second at a time
const DRIFT = 6; // frames: how far each second may have moved against the previous one

export interface Heard {
  /** Where the sentence starts, in ms of bot audio received. */
  atMs: number;
  /** The worst-matching second of the sentence: 1 = the same sound contour throughout. */
  score: number;
}

/**
 * Whether, and where, the audio a simulated caller received holds a rendering of a sentence in
 * the bot's own voice.
 *
 * eSpeak NG is not sample-exact from run to run (its fricatives are noise, and a pause may come
 * out 10 ms longer), so the comparison is on contours — per 10 ms, the loudness of the signal and
 * of its first difference (which follows the hiss of consonants) — and one second at a time,
 * each second free to slide a few frames against the one before. The score is the worst second,
 * so one wrong word in the sentence shows: the same sentence scores about 0.98, the same sentence
 * with one word changed clearly less.
 */
export function bestMatch(received: readonly Int16Array[], expected: Int16Array): Heard | null {
  const heard = contour(concatPcm(received));
  const want = contour(expected);
  const frames = want.length / 2;
  if (frames === 0 || heard.length < want.length) return null;

  // Where the whole sentence lines up best …
  let start = 0;
  let best = -Infinity;
  for (let at = 0; at + frames <= heard.length / 2; at++) {
    const score = correlation(heard, at, want, 0, frames);
    if (score > best) (best = score), (start = at);
  }

  // … then each second of it, allowing the timing to drift a little.
  let drift = 0;
  let worst = Infinity;
  for (let from = 0; from < frames; from += PIECE) {
    const length = Math.min(PIECE, frames - from);
    const piece = length < PIECE / 2 && frames >= PIECE ? { from: frames - PIECE, length: PIECE } : { from, length };
    let pieceBest = -Infinity;
    let pieceDrift = drift;
    for (let d = drift - DRIFT; d <= drift + DRIFT; d++) {
      const at = start + piece.from + d;
      if (at < 0 || at + piece.length > heard.length / 2) continue;
      const score = correlation(heard, at, want, piece.from, piece.length);
      if (score > pieceBest) (pieceBest = score), (pieceDrift = d);
    }
    drift = pieceDrift;
    worst = Math.min(worst, pieceBest);
  }
  return { atMs: start * (HOP / 8), score: worst };
}

/** Pearson correlation of `length` frames of two contours (both features of each frame). */
function correlation(a: Float64Array, aFrame: number, b: Float64Array, bFrame: number, length: number): number {
  const n = length * 2;
  const ao = aFrame * 2;
  const bo = bFrame * 2;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) (ma += a[ao + i]), (mb += b[bo + i]);
  ma /= n;
  mb /= n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[ao + i] - ma;
    const y = b[bo + i] - mb;
    cov += x * y;
    va += x * x;
    vb += y * y;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

function contour(pcm: Int16Array): Float64Array {
  const frames = Math.floor(pcm.length / HOP);
  const out = new Float64Array(frames * 2);
  for (let f = 0; f < frames; f++) {
    let energy = 0;
    let hiss = 0;
    for (let j = f * HOP; j < (f + 1) * HOP; j++) {
      energy += pcm[j] * pcm[j];
      const d = pcm[j] - (j > 0 ? pcm[j - 1] : 0);
      hiss += d * d;
    }
    out[2 * f] = Math.log10(energy / HOP + 1);
    out[2 * f + 1] = Math.log10(hiss / HOP + 1);
  }
  return out;
}
