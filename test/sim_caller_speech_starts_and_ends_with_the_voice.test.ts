import { describe, expect, it } from 'vitest';
import { sineWave } from '../src/audio/pcm.js';
import { trimSilence } from '../src/sim/cli.js';

describe('the simulated caller', () => {
  it('sends its synthesised speech without the synthesiser\'s silences, so latency counts from the real end of speech', () => {
    const voice = sineWave(300, 8000, 8000, 0.3);
    const padded = new Int16Array(8000 * 3);
    padded.set(voice, 8000);
    const trimmed = trimSilence(padded, 8000);
    // one second of voice plus at most 20 ms kept on each side (and one 10 ms analysis frame)
    expect(trimmed.length).toBeGreaterThanOrEqual(8000);
    expect(trimmed.length).toBeLessThanOrEqual(8000 + 8000 * 0.05);
  });

});
