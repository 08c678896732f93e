/** Small PCM helpers shared by the adapters, engines and tools. Samples are mono Int16. */

/** Int16 → Float32 in [-1, 1). */
export function int16ToFloat32(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i] / 32768;
  return out;
}

/** Float32 in [-1, 1] → Int16, rounded and clipped (NaN becomes 0). */
export function float32ToInt16(samples: ArrayLike<number>): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i] * 32768);
    out[i] = Number.isNaN(v) ? 0 : v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

export function concatPcm(parts: readonly Int16Array[]): Int16Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Int16Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Root mean square on the Int16 scale (0 for an empty buffer). */
export function rms(pcm: Int16Array): number {
  if (pcm.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i] * pcm[i];
  return Math.sqrt(sum / pcm.length);
}

/** Level relative to full scale (a full-scale square wave is 0 dBFS); silence is -Infinity. */
export function dbfs(pcm: Int16Array): number {
  const r = rms(pcm);
  return r === 0 ? -Infinity : 20 * Math.log10(r / 32768);
}

/** Milliseconds of audio in `samples` at `sampleRate`. */
export function durationMs(samples: number, sampleRate: number): number {
  return (samples * 1000) / sampleRate;
}

/** A sine tone, handy for tests and line checks. */
export function sineWave(freqHz: number, sampleRate: number, samples: number, amplitude = 0.5, phase = 0): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) {
    out[i] = Math.round(amplitude * 32767 * Math.sin(phase + (2 * Math.PI * freqHz * i) / sampleRate));
  }
  return out;
}
