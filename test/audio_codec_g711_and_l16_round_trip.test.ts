import { describe, expect, it } from 'vitest';
import {
  alawDecode,
  alawDecodeSample,
  alawEncode,
  alawEncodeSample,
  decodeLine,
  encodeLine,
  l16Decode,
  l16Encode,
  l16beDecode,
  l16beEncode,
  ulawDecode,
  ulawDecodeSample,
  ulawEncode,
  ulawEncodeSample,
} from '../src/audio/g711.js';
import { dbfs, sineWave } from '../src/audio/pcm.js';

describe('G.711 μ-law', () => {
  it('matches reference code points', () => {
    expect(ulawEncodeSample(0)).toBe(0xff);
    expect(ulawEncodeSample(-1)).toBe(0x7f);
    expect(ulawEncodeSample(32767)).toBe(0x80);
    expect(ulawEncodeSample(-32768)).toBe(0x00);
    expect(ulawDecodeSample(0xff)).toBe(0);
    expect(ulawDecodeSample(0x7f)).toBe(0);
    expect(ulawDecodeSample(0x80)).toBe(32124);
    expect(ulawDecodeSample(0x00)).toBe(-32124);
    expect(ulawDecodeSample(0xf0)).toBe(120);
    expect(ulawDecodeSample(0x70)).toBe(-120);
  });

  it('decodes every code and re-encodes it to the same code (except the duplicate zero)', () => {
    for (let b = 0; b < 256; b++) {
      const s = ulawDecodeSample(b);
      const again = ulawEncodeSample(s);
      if (b === 0x7f) expect(again).toBe(0xff); // -0 and +0 both decode to 0
      else expect(again).toBe(b);
    }
  });

  it('keeps the quantisation error within one step of its segment for every 16-bit value', () => {
    const bad: number[] = [];
    for (let s = -32768; s < 32768; s++) {
      const d = ulawDecodeSample(ulawEncodeSample(s));
      const clipped = Math.max(-32124, Math.min(32124, s));
      // Segment k has step 8·2^k and starts at magnitude 132·2^k − 132, so (|s|+132)/16 ≥ step.
      const tooFar = Math.abs(d - clipped) > Math.max(8, (Math.abs(clipped) + 132) / 16);
      if (tooFar || Math.sign(d) * Math.sign(s) === -1) bad.push(s);
    }
    expect(bad).toEqual([]);
  });

  it('round-trips a -15 dBFS tone with more than 33 dB SNR', () => {
    const tone = sineWave(1000, 8000, 8000, 0.25);
    const back = ulawDecode(ulawEncode(tone));
    const err = tone.map((v, i) => v - back[i]);
    expect(dbfs(tone) - dbfs(err)).toBeGreaterThan(33);
  });
});

describe('G.711 A-law', () => {
  it('matches reference code points', () => {
    expect(alawEncodeSample(0)).toBe(0xd5);
    expect(alawEncodeSample(-1)).toBe(0x55);
    expect(alawEncodeSample(32767)).toBe(0xaa);
    expect(alawEncodeSample(-32768)).toBe(0x2a);
    expect(alawDecodeSample(0xd5)).toBe(8);
    expect(alawDecodeSample(0x55)).toBe(-8);
    expect(alawDecodeSample(0xaa)).toBe(32256);
    expect(alawDecodeSample(0x2a)).toBe(-32256);
  });

  it('decodes every code and re-encodes it to the same code', () => {
    for (let b = 0; b < 256; b++) expect(alawEncodeSample(alawDecodeSample(b))).toBe(b);
  });

  it('round-trips a -15 dBFS tone with more than 33 dB SNR', () => {
    const tone = sineWave(1000, 8000, 8000, 0.25);
    const back = alawDecode(alawEncode(tone));
    const err = tone.map((v, i) => v - back[i]);
    expect(dbfs(tone) - dbfs(err)).toBeGreaterThan(33);
  });
});

describe('L16', () => {
  it('is little-endian signed 16-bit (Asterisk slin)', () => {
    const bytes = l16Encode(Int16Array.from([1, -2, 0x1234]));
    expect(Array.from(bytes)).toEqual([0x01, 0x00, 0xfe, 0xff, 0x34, 0x12]);
    expect(Array.from(l16Decode(bytes))).toEqual([1, -2, 0x1234]);
  });

  it('has a big-endian variant for RTP L16', () => {
    const bytes = l16beEncode(Int16Array.from([0x1234]));
    expect(Array.from(bytes)).toEqual([0x12, 0x34]);
    expect(Array.from(l16beDecode(bytes))).toEqual([0x1234]);
  });

  it('decodes from an unaligned view and ignores a trailing odd byte', () => {
    const backing = new Uint8Array([9, 0x01, 0x00, 0xff, 0x7f, 0x42]);
    expect(Array.from(l16Decode(backing.subarray(1)))).toEqual([1, 32767]);
  });

  it('encodeLine/decodeLine dispatch on the codec name', () => {
    const pcm = sineWave(440, 8000, 160, 0.3);
    expect(encodeLine('pcmu', pcm).length).toBe(160);
    expect(encodeLine('pcma', pcm).length).toBe(160);
    expect(encodeLine('l16', pcm).length).toBe(320);
    expect(Array.from(decodeLine('l16', encodeLine('l16', pcm)))).toEqual(Array.from(pcm));
  });
});
