import { describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { WavFormatError, decodeWav, encodeWav } from '../src/audio/wav.js';
import { sineWave } from '../src/audio/pcm.js';
import { ulawEncode } from '../src/audio/g711.js';

describe('WAV I/O', () => {
  it('writes 16-bit mono and reads it back sample for sample', () => {
    const pcm = sineWave(440, 16000, 1600, 0.4);
    const bytes = encodeWav({ pcm, sampleRate: 16000 });
    expect(Buffer.from(bytes.subarray(0, 4)).toString()).toBe('RIFF');
    expect(bytes.length).toBe(44 + 3200);
    const back = decodeWav(bytes);
    expect(back.sampleRate).toBe(16000);
    expect(Array.from(back.pcm)).toEqual(Array.from(pcm));
  });

  it('writes the same bytes as wavefile, also from a view into a larger buffer', () => {
    const whole = sineWave(300, 8000, 2000, 0.5);
    const pcm = whole.subarray(333, 1777);
    const reference = new wavefile.WaveFile();
    reference.fromScratch(1, 8000, '16', pcm);
    expect(Buffer.from(encodeWav({ pcm, sampleRate: 8000 })).equals(Buffer.from(reference.toBuffer()))).toBe(true);
  });

  it('mixes stereo down to mono', () => {
    const wav = new wavefile.WaveFile();
    wav.fromScratch(2, 8000, '16', [Int16Array.from([100, 200, 300]), Int16Array.from([300, 400, -300])]);
    const back = decodeWav(wav.toBuffer());
    expect(Array.from(back.pcm)).toEqual([200, 300, 0]);
  });

  it('decodes μ-law WAV files (format 7) to linear PCM', () => {
    const pcm = sineWave(1000, 8000, 800, 0.3);
    const wav = new wavefile.WaveFile();
    wav.fromScratch(1, 8000, '8m', ulawEncode(pcm));
    const back = decodeWav(wav.toBuffer());
    expect(back.sampleRate).toBe(8000);
    expect(back.pcm.length).toBe(800);
    let maxErr = 0;
    for (let i = 0; i < 800; i++) maxErr = Math.max(maxErr, Math.abs(back.pcm[i] - pcm[i]));
    expect(maxErr).toBeLessThan(400);
  });

  it('rejects garbage with a WavFormatError', () => {
    expect(() => decodeWav(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(WavFormatError);
  });
});
