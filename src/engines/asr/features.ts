import { z } from 'zod';

/**
 * Log-mel filterbank features for Pasokh's own CTC models, computed exactly as the training recipe
 * computes them (models/asr-fa/recipe/features.py); the spec comes from the model's manifest so a
 * retrained model with other settings needs no code change. The golden fixture
 * fixtures/asr/golden_features.json, written by the recipe, pins the two implementations together.
 */
export const FeatureSpecSchema = z.object({
  type: z.literal('log-mel'),
  sampleRate: z.number().int().positive(),
  winLength: z.number().int().positive(),
  hopLength: z.number().int().positive(),
  nFft: z.number().int().positive().refine((n) => (n & (n - 1)) === 0, 'nFft must be a power of two'),
  window: z.literal('hann-periodic'),
  center: z.literal(false),
  preemphasis: z.number().min(0).max(1).default(0),
  scale: z.literal('int16/32768'),
  power: z.literal(2),
  nMels: z.number().int().positive(),
  fMin: z.number().min(0),
  fMax: z.number().positive(),
  melScale: z.literal('htk'),
  melNorm: z.null().optional(),
  logEps: z.number().positive(),
  normalize: z.enum(['per-utterance-per-bin-mean-std', 'none']),
  normEps: z.number().positive().default(1e-5),
  layout: z.literal('[batch, nMels, frames]'),
});
export type FeatureSpec = z.infer<typeof FeatureSpecSchema>;

const hzToMel = (f: number) => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number) => 700 * (10 ** (m / 2595) - 1);

/** Triangular HTK-mel filters evaluated at FFT bin frequencies, unnormalised: [nMels][nFft/2+1]. */
export function melFilterbank(spec: FeatureSpec): Float64Array[] {
  const bins = spec.nFft / 2 + 1;
  const lo = hzToMel(spec.fMin);
  const hi = hzToMel(spec.fMax);
  const pts = Array.from({ length: spec.nMels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (spec.nMels + 1)));
  const out: Float64Array[] = [];
  for (let m = 0; m < spec.nMels; m++) {
    const [l, c, r] = [pts[m], pts[m + 1], pts[m + 2]];
    const row = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      const f = (k * spec.sampleRate) / spec.nFft;
      row[k] = Math.max(0, Math.min((f - l) / (c - l), (r - f) / (r - c)));
    }
    out.push(row);
  }
  return out;
}

/** In-place iterative radix-2 complex FFT. */
function fft(re: Float64Array, im: Float64Array, cos: Float64Array, sin: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = -sin[k * step];
        const a = start + k;
        const b = a + half;
        const tr = re[b] * wr - im[b] * wi;
        const ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

export function numFrames(spec: FeatureSpec, samples: number): number {
  return samples < spec.winLength ? 0 : 1 + Math.floor((samples - spec.winLength) / spec.hopLength);
}

/**
 * Incremental feature extractor: the raw log-mel frames of audio pushed so far are kept, so
 * re-decoding a growing utterance for partials costs only the new frames' FFTs.
 */
export class LogMelExtractor {
  private readonly filters: Array<{ start: number; weights: Float64Array }>;
  private readonly window: Float64Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private samples = new Float64Array(0);
  private sampleCount = 0;
  private frames: Float32Array[] = [];

  constructor(readonly spec: FeatureSpec) {
    // Keep each filter's non-zero span only: the triangles are narrow, this makes the mel step ~5x cheaper.
    this.filters = melFilterbank(spec).map((row) => {
      let a = row.findIndex((v) => v > 0);
      if (a < 0) a = 0;
      let b = row.length - 1;
      while (b > a && row[b] === 0) b--;
      return { start: a, weights: row.slice(a, b + 1) };
    });
    this.window = Float64Array.from({ length: spec.winLength }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / spec.winLength));
    this.cos = Float64Array.from({ length: spec.nFft / 2 }, (_, k) => Math.cos((2 * Math.PI * k) / spec.nFft));
    this.sin = Float64Array.from({ length: spec.nFft / 2 }, (_, k) => Math.sin((2 * Math.PI * k) / spec.nFft));
    this.re = new Float64Array(spec.nFft);
    this.im = new Float64Array(spec.nFft);
  }

  get frameCount(): number {
    return this.frames.length;
  }

  /** Appends int16 PCM at spec.sampleRate and computes every frame that is now complete. */
  push(pcm: Int16Array): void {
    const { winLength, hopLength, preemphasis } = this.spec;
    if (this.sampleCount + pcm.length > this.samples.length) {
      const grown = new Float64Array(Math.max(this.samples.length * 2, this.sampleCount + pcm.length, 4096));
      grown.set(this.samples.subarray(0, this.sampleCount));
      this.samples = grown;
    }
    for (let i = 0; i < pcm.length; i++) this.samples[this.sampleCount + i] = pcm[i] / 32768;
    this.sampleCount += pcm.length;
    const total = numFrames(this.spec, this.sampleCount);
    for (let f = this.frames.length; f < total; f++) {
      const off = f * hopLength;
      this.re.fill(0);
      this.im.fill(0);
      for (let n = 0; n < winLength; n++) {
        let x = this.samples[off + n];
        if (preemphasis > 0) x -= preemphasis * (off + n > 0 ? this.samples[off + n - 1] : 0);
        this.re[n] = x * this.window[n];
      }
      fft(this.re, this.im, this.cos, this.sin);
      const frame = new Float32Array(this.filters.length);
      for (let m = 0; m < this.filters.length; m++) {
        const { start, weights } = this.filters[m];
        let e = 0;
        for (let k = 0; k < weights.length; k++) {
          const re = this.re[start + k];
          const im = this.im[start + k];
          e += weights[k] * (re * re + im * im);
        }
        frame[m] = Math.log(e + this.spec.logEps);
      }
      this.frames.push(frame);
    }
  }

  /** Normalised features of everything pushed so far, laid out [nMels, frames] (row-major). */
  features(): { data: Float32Array; frames: number } {
    return normalizeFrames(this.frames, this.spec);
  }
}

export function normalizeFrames(frames: readonly Float32Array[], spec: FeatureSpec): { data: Float32Array; frames: number } {
  const T = frames.length;
  const M = spec.nMels;
  const data = new Float32Array(M * T);
  for (let m = 0; m < M; m++) {
    let mean = 0;
    for (let t = 0; t < T; t++) mean += frames[t][m];
    mean /= Math.max(T, 1);
    let varSum = 0;
    for (let t = 0; t < T; t++) varSum += (frames[t][m] - mean) ** 2;
    const scale = spec.normalize === 'none' ? 1 : 1 / (Math.sqrt(varSum / Math.max(T, 1)) + spec.normEps);
    const shift = spec.normalize === 'none' ? 0 : mean;
    for (let t = 0; t < T; t++) data[m * T + t] = (frames[t][m] - shift) * scale;
  }
  return { data, frames: T };
}

/** One-shot features of a whole utterance. */
export function computeFeatures(pcm: Int16Array, spec: FeatureSpec): { data: Float32Array; frames: number } {
  const ex = new LogMelExtractor(spec);
  ex.push(pcm);
  return ex.features();
}
