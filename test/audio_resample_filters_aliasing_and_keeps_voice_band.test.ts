import { describe, expect, it } from 'vitest';
import { Resampler, resample } from '../src/audio/resample.js';
import { concatPcm, dbfs, sineWave } from '../src/audio/pcm.js';
import { toneLevelDb } from './helpers/telephony_harness.js';


/** Drop the filter's ramp-in/ramp-out so edges do not smear the measurement. */
const middle = (pcm: Int16Array) => pcm.subarray(Math.floor(pcm.length * 0.1), Math.floor(pcm.length * 0.9));

describe('resample', () => {
  it('keeps a 3.5 kHz tone when going from 16 kHz to 8 kHz (within 1 dB)', () => {
    const input = sineWave(3500, 16000, 16000, 0.5);
    const out = resample(input, 16000, 8000);
    expect(out.length).toBe(8000);
    const level = toneLevelDb(middle(out), 8000, 3500);
    expect(Math.abs(level - 20 * Math.log10(0.5))).toBeLessThan(1);
  });

  it('attenuates a 6 kHz tone by at least 40 dB when going from 16 kHz to 8 kHz (no 2 kHz alias)', () => {
    const input = sineWave(6000, 16000, 16000, 0.5);
    const out = middle(resample(input, 16000, 8000));
    // The alias of 6 kHz at 8 kHz sampling lands at 2 kHz; measure the whole output energy too.
    expect(toneLevelDb(out, 8000, 2000) - 20 * Math.log10(0.5)).toBeLessThan(-40);
    expect(dbfs(out) - dbfs(input)).toBeLessThan(-40);
  });

  it('sample dropping would have aliased: the test above can fail', () => {
    const input = sineWave(6000, 16000, 16000, 0.5);
    const dropped = new Int16Array(8000);
    for (let i = 0; i < 8000; i++) dropped[i] = input[i * 2];
    expect(toneLevelDb(middle(dropped), 8000, 2000)).toBeGreaterThan(-10);
  });

  it('attenuates images when upsampling 8 kHz to 16 kHz (a 1 kHz tone leaves nothing at 7 kHz)', () => {
    const input = sineWave(1000, 8000, 8000, 0.5);
    const out = middle(resample(input, 8000, 16000));
    expect(Math.abs(toneLevelDb(out, 16000, 1000) - 20 * Math.log10(0.5))).toBeLessThan(0.5);
    expect(toneLevelDb(out, 16000, 7000)).toBeLessThan(-60);
  });

  it.each([
    [22050, 8000],
    [48000, 16000],
    [24000, 16000],
    [44100, 16000],
    [16000, 8000],
    [8000, 16000],
    [16000, 22050],
  ])('converts %i → %i with length ceil(n·to/from) and a clean 1 kHz tone', (from, to) => {
    const n = from; // one second
    const out = resample(sineWave(1000, from, n, 0.5), from, to);
    expect(out.length).toBe(Math.ceil((n * to) / from));
    const m = middle(out);
    expect(Math.abs(toneLevelDb(m, to, 1000) - 20 * Math.log10(0.5))).toBeLessThan(0.5);
    // Compare against the ideal tone at the new rate: residual error stays far below the signal.
    const ideal = sineWave(1000, to, out.length, 0.5);
    const err = new Int16Array(m.length);
    const off = Math.floor(out.length * 0.1);
    for (let i = 0; i < m.length; i++) err[i] = m[i] - ideal[off + i];
    expect(dbfs(err) - dbfs(m)).toBeLessThan(-50);
  });

  it('round-trips 8 kHz → 16 kHz → 8 kHz voice-band audio with small error', () => {
    const voice = concatPcm([sineWave(300, 8000, 8000, 0.3), sineWave(2900, 8000, 8000, 0.3)]);
    const back = resample(resample(voice, 8000, 16000), 16000, 8000);
    expect(back.length).toBe(voice.length);
    const err = new Int16Array(voice.length - 200);
    for (let i = 100; i < voice.length - 100; i++) err[i - 100] = back[i] - voice[i];
    expect(dbfs(err) - dbfs(voice)).toBeLessThan(-40);
  });

  it('passes audio through untouched when rates are equal', () => {
    const x = sineWave(440, 8000, 100);
    expect(Array.from(resample(x, 8000, 8000))).toEqual(Array.from(x));
  });

  it('rejects nonsense rates', () => {
    expect(() => resample(new Int16Array(10), 0, 8000)).toThrow(RangeError);
    expect(() => new Resampler(8000, 7999.5)).toThrow(RangeError);
  });

  it('clips instead of wrapping around on full-scale input', () => {
    // A full-scale square wave overshoots (Gibbs); the output must saturate, not wrap to the other sign.
    const sq = new Int16Array(1600);
    for (let i = 0; i < sq.length; i++) sq[i] = Math.floor(i / 40) % 2 ? -32768 : 32767;
    const out = resample(sq, 16000, 8000);
    for (let i = 40; i < out.length - 40; i++) {
      const expectedSign = Math.floor((2 * i) / 40) % 2 ? -1 : 1;
      const centre = (2 * i) % 40 >= 8 && (2 * i) % 40 <= 32; // away from the edges
      if (centre) expect(Math.sign(out[i])).toBe(expectedSign);
    }
  });
});

describe('Resampler (streaming)', () => {
  it.each([
    [16000, 8000],
    [8000, 16000],
    [22050, 8000],
    [48000, 16000],
  ])('%i → %i gives exactly the one-shot output whatever the chunk sizes', (from, to) => {
    const input = concatPcm([sineWave(700, from, from / 2, 0.4), sineWave(1900, from, from / 2, 0.2)]);
    const oneShot = resample(input, from, to);
    const r = new Resampler(from, to);
    const parts: Int16Array[] = [];
    let seed = 7;
    for (let i = 0; i < input.length; ) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = 1 + (seed % 400);
      parts.push(r.push(input.subarray(i, i + n)));
      i += n;
    }
    parts.push(r.flush());
    const streamed = concatPcm(parts);
    expect(streamed.length).toBe(oneShot.length);
    expect(Array.from(streamed)).toEqual(Array.from(oneShot));
  });

  it('holds back only a few milliseconds of look-ahead', () => {
    const r = new Resampler(16000, 8000);
    const out = r.push(sineWave(500, 16000, 320));
    // 20 ms in → at least 20 ms minus look-ahead out
    expect(out.length).toBeGreaterThanOrEqual(160 - Math.ceil(r.lookaheadInputSamples / 2) - 1);
    expect(r.lookaheadInputSamples).toBeLessThanOrEqual(16 * 5); // ≤ 5 ms at 16 kHz
  });

  it('refuses input after flush', () => {
    const r = new Resampler(16000, 8000);
    r.flush();
    expect(() => r.push(new Int16Array(10))).toThrow();
  });
});
