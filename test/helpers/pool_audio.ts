import { readWav } from '../../src/audio/wav.js';
import { resample } from '../../src/audio/resample.js';
import type { AsrEngine, AsrFinal, AsrStreamOptions } from '../../src/engines/asr/types.js';

export const ASR_MODEL_DIR = 'models/asr-fa';
export const SPEECH_FIXTURES = ['fixtures/audio/operator.wav', 'fixtures/audio/outage.wav', 'fixtures/audio/slow.wav'];

/** The fixtures' caller speech at `rate`. */
export async function fixtureSpeech(rate: number): Promise<Int16Array[]> {
  return Promise.all(
    SPEECH_FIXTURES.map(async (path) => {
      const wav = await readWav(path);
      return resample(wav.pcm, wav.sampleRate, rate);
    }),
  );
}

/**
 * Pushes audio in 20 ms frames as the call session does, yielding to the event loop every 100 ms
 * of audio (frames arrive over a socket) so partials can run, then reads what was heard so far
 * (as the smart end of turn does in the closing pause) and finalises.
 */
export async function recogniseAsACall(engine: AsrEngine, pcm: Int16Array, options: AsrStreamOptions = {}): Promise<{ heard: string; final: AsrFinal }> {
  const stream = engine.createStream(options);
  const frame = engine.sampleRate / 50;
  for (let at = 0, n = 0; at < pcm.length; at += frame, n++) {
    stream.push(pcm.subarray(at, at + frame));
    if (n % 5 === 4) await new Promise((r) => setTimeout(r, 2));
  }
  const heard = (await stream.heardSoFar?.()) ?? '';
  // A little more audio than the reuse window, so finalize decodes again instead of reusing the reading.
  stream.push(new Int16Array(Math.round(engine.sampleRate * 0.3)));
  return { heard, final: await stream.finalize() };
}
