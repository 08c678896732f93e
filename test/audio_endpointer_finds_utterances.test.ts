import { describe, expect, it, beforeAll } from 'vitest';
import { Endpointer, type EndpointerOptions } from '../src/audio/endpointer.js';
import { EnergyDetector, SileroModel, type VoiceActivityDetector } from '../src/audio/vad.js';
import { readWav } from '../src/audio/wav.js';

const options: EndpointerOptions = { threshold: 0.5, endSilenceMs: 500, minSpeechMs: 200, maxUtteranceMs: 15_000 };

interface Seen {
  starts: number;
  ends: { speechMs: number; durationMs: number; truncated: boolean }[];
  discarded: number;
  audioSamples: number;
}

async function run(vad: VoiceActivityDetector, pcm: Int16Array, opts = options, chunk = 160): Promise<Seen> {
  const seen: Seen = { starts: 0, ends: [], discarded: 0, audioSamples: 0 };
  const ep = new Endpointer(vad, opts, {
    speechStart: (pre) => {
      seen.starts++;
      seen.audioSamples += pre.length;
    },
    speechAudio: (pcm) => (seen.audioSamples += pcm.length),
    speechEnd: (info) => seen.ends.push(info),
    speechDiscarded: () => seen.discarded++,
  });
  for (let i = 0; i < pcm.length; i += chunk) ep.push(pcm.subarray(i, i + chunk));
  await ep.drain();
  return seen;
}

const withSilence = (pcm: Int16Array, beforeMs: number, afterMs: number) => {
  const out = new Int16Array(pcm.length + ((beforeMs + afterMs) * 8000) / 1000);
  out.set(pcm, (beforeMs * 8000) / 1000);
  return out;
};

describe('endpointer on real caller speech', () => {
  let silero: SileroModel;
  let speech: Int16Array;
  beforeAll(async () => {
    silero = await SileroModel.load();
    speech = (await readWav('fixtures/audio/outage.wav')).pcm;
  });

  it('finds one utterance in a spoken question and ends it after the configured silence', async () => {
    const seen = await run(silero.createDetector(8000), withSilence(speech, 1000, 1500));
    expect(seen.starts).toBe(1);
    expect(seen.ends).toHaveLength(1);
    expect(seen.ends[0].speechMs).toBeGreaterThan(1500);
    // The utterance lasts the speech plus the end-of-speech silence, not the whole trailing pad.
    expect(seen.ends[0].durationMs).toBeLessThan(speech.length / 8 + 600);
    expect(seen.audioSamples).toBeGreaterThan(speech.length * 0.6);
  });

  it('hears nothing in silence or faint line noise', async () => {
    const noise = new Int16Array(8000 * 3).map(() => Math.round((Math.random() - 0.5) * 60));
    const seen = await run(silero.createDetector(8000), noise);
    expect(seen.starts).toBe(0);
    expect(seen.ends).toHaveLength(0);
  });

  it('does not end the utterance before the caller has paused for the configured silence', async () => {
    const twoParts = new Int16Array(speech.length * 2 + 8000 * 0.3);
    twoParts.set(speech, 0);
    twoParts.set(speech, speech.length + 2400);
    // The fixture holds ~1.5 s of silence between the two readings, so 1 s would split it.
    const short = await run(silero.createDetector(8000), withSilence(twoParts, 500, 3000), { ...options, endSilenceMs: 1000 });
    expect(short.ends).toHaveLength(2);
    const long = await run(silero.createDetector(8000), withSilence(twoParts, 500, 3000), { ...options, endSilenceMs: 2500 });
    expect(long.ends, JSON.stringify(long)).toHaveLength(1);
  });

  it('cuts an utterance that runs past the maximum length', async () => {
    const seen = await run(silero.createDetector(8000), withSilence(speech, 200, 1000), { ...options, maxUtteranceMs: 1000 });
    expect(seen.ends[0]).toMatchObject({ truncated: true });
  });

  it('still finds the utterance with the energy fallback when Silero is unavailable', async () => {
    const seen = await run(new EnergyDetector(8000), withSilence(speech, 1000, 1500));
    expect(seen.ends).toHaveLength(1);
  });
});
