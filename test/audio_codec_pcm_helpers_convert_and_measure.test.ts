import { describe, expect, it } from 'vitest';
import { concatPcm, dbfs, durationMs, float32ToInt16, int16ToFloat32, rms, sineWave } from '../src/audio/pcm.js';

describe('PCM helpers', () => {
  it('converts Int16 ↔ Float32 losslessly for every 16-bit value', () => {
    const all = new Int16Array(65536);
    for (let i = 0; i < all.length; i++) all[i] = i - 32768;
    expect(Array.from(float32ToInt16(int16ToFloat32(all)))).toEqual(Array.from(all));
  });

  it('clips out-of-range floats and turns NaN into silence', () => {
    expect(Array.from(float32ToInt16([1.5, -2, 1, -1, Number.NaN, 0.5]))).toEqual([32767, -32768, 32767, -32768, 0, 16384]);
  });

  it('concatenates in order', () => {
    expect(Array.from(concatPcm([Int16Array.from([1, 2]), new Int16Array(0), Int16Array.from([3])]))).toEqual([1, 2, 3]);
  });

  it('measures level: a full-scale sine is −3 dBFS, half scale −9 dBFS, silence −∞', () => {
    expect(dbfs(sineWave(1000, 8000, 8000, 1))).toBeCloseTo(-3.01, 1);
    expect(dbfs(sineWave(1000, 8000, 8000, 0.5))).toBeCloseTo(-9.03, 1);
    expect(dbfs(new Int16Array(100))).toBe(-Infinity);
    expect(rms(new Int16Array(0))).toBe(0);
    expect(rms(Int16Array.from([3, -3, 3, -3]))).toBe(3);
  });

  it('knows how long audio lasts', () => {
    expect(durationMs(160, 8000)).toBe(20);
    expect(durationMs(16000, 16000)).toBe(1000);
  });
});
