/**
 * Sample-rate conversion by band-limited interpolation: a Kaiser-windowed sinc low-pass evaluated
 * in polyphase form at exact rational positions (from/to reduced by their gcd).
 *
 * Why not sample dropping or linear interpolation: telephone audio is 8 kHz, TTS voices are 16–24 kHz
 * and ASR wants 16 kHz. Dropping samples folds everything above the new Nyquist back into the voice
 * band (sibilants become a hiss at 1–3 kHz); the low-pass here removes it first. Measured 16 kHz → 8 kHz:
 * flat to 3.4 kHz, −2.4 dB at 3.6 kHz, ≥ 83 dB down from 4.1 kHz up (design target 80 dB).
 *
 * The filter is zero-phase (centred on each output instant); in streaming mode that costs a look-ahead
 * of `halfTaps` input samples (≈ 4 ms at 16 kHz → 8 kHz), which `flush()` releases at the end.
 */

/** Stop-band attenuation the filter is designed for (dB). */
const STOP_DB = 80;
/** Pass band ends at this fraction of the lower Nyquist; the stop band starts at Nyquist itself. */
const PASS_FRACTION = 0.84;
/** Upper bound on table size (phases × taps) before falling back to computing coefficients on the fly. */
const MAX_TABLE = 1 << 20;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (for the Kaiser window). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

interface FilterDesign {
  /** Up factor L and down factor M: output n sits at input position n·M/L. */
  up: number;
  down: number;
  /** Taps run over input offsets -(halfTaps-1) … halfTaps around the output position. */
  halfTaps: number;
  /** Coefficients of phase p (0 ≤ p < up): `coeff(p)` returns 2·halfTaps values, normalised to unit DC gain. */
  coeff(phase: number): Float64Array;
}

const designCache = new Map<string, FilterDesign>();

function design(from: number, to: number): FilterDesign {
  const key = `${from}:${to}`;
  const cached = designCache.get(key);
  if (cached) return cached;
  const g = gcd(from, to);
  const up = to / g;
  const down = from / g;
  // Everything in cycles per *input* sample. Cut at the lower of the two Nyquist frequencies.
  const nyq = 0.5 * Math.min(1, to / from);
  const passEdge = nyq * PASS_FRACTION;
  const stopEdge = nyq;
  const cutoff = (passEdge + stopEdge) / 2;
  const transition = stopEdge - passEdge;
  // Kaiser's formulas for β and length.
  const beta = 0.1102 * (STOP_DB - 8.7);
  const length = Math.ceil((STOP_DB - 7.95) / (14.36 * transition)) + 1;
  const halfTaps = Math.max(2, Math.ceil(length / 2));
  const i0Beta = besselI0(beta);

  const compute = (phase: number): Float64Array => {
    const frac = phase / up;
    const out = new Float64Array(2 * halfTaps);
    let sum = 0;
    for (let j = 0; j < out.length; j++) {
      const t = j - (halfTaps - 1) - frac; // distance in input samples from the output instant
      const x = 2 * cutoff * t;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const r = t / halfTaps;
      const w = Math.abs(r) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
      out[j] = sinc * w;
      sum += out[j];
    }
    for (let j = 0; j < out.length; j++) out[j] /= sum;
    return out;
  };

  let coeff: (phase: number) => Float64Array;
  if (up * 2 * halfTaps <= MAX_TABLE) {
    const table: Float64Array[] = [];
    for (let p = 0; p < up; p++) table.push(compute(p));
    coeff = (p) => table[p];
  } else {
    coeff = compute; // exotic ratios (e.g. 8000 → 44101): correct, just slower
  }
  const d: FilterDesign = { up, down, halfTaps, coeff };
  designCache.set(key, d);
  return d;
}

function assertRate(rate: number, name: string): void {
  if (!Number.isInteger(rate) || rate <= 0 || rate > 384_000) {
    throw new RangeError(`${name} sample rate must be a positive integer ≤ 384000, got ${rate}`);
  }
}

function toInt16(v: number): number {
  const r = Math.round(v);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

/**
 * Streaming resampler: push chunks of any size, get every output sample whose filter window is
 * complete; `flush()` pads the tail with silence and returns the rest. The total output length is
 * ceil(totalInput · to / from), the same as the one-shot `resample`.
 */
export class Resampler {
  readonly from: number;
  readonly to: number;
  private readonly d: FilterDesign | null;
  /** Input samples not yet fully consumed; buf[0] is absolute input index `bufStart`. */
  private buf: Float32Array;
  private bufLen: number;
  private bufStart: number;
  /** Next output sample n sits at input position idx + phase/up. */
  private idx = 0;
  private phase = 0;
  private inCount = 0;
  private outCount = 0;
  private flushed = false;

  constructor(from: number, to: number) {
    assertRate(from, 'input');
    assertRate(to, 'output');
    this.from = from;
    this.to = to;
    this.d = from === to ? null : design(from, to);
    const h = this.d ? this.d.halfTaps : 0;
    // Left context before the first sample is silence.
    this.buf = new Float32Array(Math.max(1024, 4 * h));
    this.bufLen = Math.max(0, h - 1);
    this.bufStart = -this.bufLen;
  }

  /** Input samples held back as look-ahead until more input (or flush) arrives. */
  get lookaheadInputSamples(): number {
    return this.d ? this.d.halfTaps : 0;
  }

  push(pcm: Int16Array): Int16Array {
    if (this.flushed) throw new Error('Resampler: push() after flush()');
    if (!this.d) {
      this.inCount += pcm.length;
      this.outCount += pcm.length;
      return pcm.slice();
    }
    this.append(pcm);
    this.inCount += pcm.length;
    return this.produce(false);
  }

  /** Release the look-ahead: pads with silence and returns the final samples. */
  flush(): Int16Array {
    if (this.flushed) return new Int16Array(0);
    this.flushed = true;
    if (!this.d) return new Int16Array(0);
    this.append(new Int16Array(this.d.halfTaps + 1));
    return this.produce(true);
  }

  private append(pcm: Int16Array): void {
    const need = this.bufLen + pcm.length;
    if (need > this.buf.length) {
      const grown = new Float32Array(Math.max(need, this.buf.length * 2));
      grown.set(this.buf.subarray(0, this.bufLen));
      this.buf = grown;
    }
    for (let i = 0; i < pcm.length; i++) this.buf[this.bufLen + i] = pcm[i];
    this.bufLen += pcm.length;
  }

  private produce(final: boolean): Int16Array {
    const d = this.d!;
    const h = d.halfTaps;
    const target = final ? Math.ceil((this.inCount * d.up) / d.down) : Infinity;
    const bufEnd = this.bufStart + this.bufLen; // absolute index one past the last buffered sample
    // Upper bound on outputs available now, to size the result once.
    const maxOut = Math.max(0, Math.ceil(((bufEnd - h - this.idx) * d.up) / d.down) + 1);
    const out = new Int16Array(Math.min(maxOut, final ? Math.max(0, target - this.outCount) : maxOut));
    let n = 0;
    const buf = this.buf;
    while (n < out.length && this.outCount < target && this.idx + h < bufEnd) {
      const c = d.coeff(this.phase);
      // Four running sums instead of one: each multiply-add no longer waits for the one before it
      // (1.5–1.7× the throughput, bench:telephony); every output sample came out the same on 5 s of
      // full-scale noise at seven rate pairs.
      const k0 = this.idx - (h - 1) - this.bufStart;
      const len = c.length;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let j = 0;
      for (; j + 3 < len; j += 4) {
        a0 += buf[k0 + j] * c[j];
        a1 += buf[k0 + j + 1] * c[j + 1];
        a2 += buf[k0 + j + 2] * c[j + 2];
        a3 += buf[k0 + j + 3] * c[j + 3];
      }
      for (; j < len; j++) a0 += buf[k0 + j] * c[j];
      out[n++] = toInt16(a0 + a1 + (a2 + a3));
      this.outCount++;
      this.phase += d.down;
      if (this.phase >= d.up) {
        this.idx += Math.floor(this.phase / d.up);
        this.phase %= d.up;
      }
    }
    // Drop input no longer needed by any future output window.
    const keepFrom = this.idx - (h - 1);
    const drop = Math.min(this.bufLen, Math.max(0, keepFrom - this.bufStart));
    if (drop > 0) {
      buf.copyWithin(0, drop, this.bufLen);
      this.bufLen -= drop;
      this.bufStart += drop;
    }
    return n === out.length ? out : out.slice(0, n);
  }
}

/** One-shot conversion of a whole buffer; output length is ceil(input · to / from). */
export function resample(pcm: Int16Array, from: number, to: number): Int16Array {
  if (from === to) {
    assertRate(from, 'input');
    return pcm.slice();
  }
  const r = new Resampler(from, to);
  const a = r.push(pcm);
  const b = r.flush();
  if (b.length === 0) return a;
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
