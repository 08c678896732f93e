import { describe, expect, it } from 'vitest';
import { Endpointer } from '../src/audio/endpointer.js';
import type { VoiceActivityDetector } from '../src/audio/vad.js';

// A detector with Silero's failing in caricature: its state drifts until, 40 frames after its last
// reset, it hears nothing. (The real one, after a caller the recogniser could not read, is pinned
// on recorded speech in dialog_caller_is_heard_from_the_first_word_after_speech_the_bot_could_not_read.)
class DriftingDetector implements VoiceActivityDetector {
  readonly name = 'drifting';
  readonly sampleRate = 8000;
  readonly frameSize = 256;
  private sinceReset = 0;
  resets = 0;
  async process(frame: Float32Array): Promise<number> {
    this.sinceReset++;
    const loud = frame.some((v) => Math.abs(v) > 0.1);
    return loud && this.sinceReset <= 40 ? 0.9 : 0;
  }
  async processMany(frames: Float32Array[]): Promise<number[]> {
    const out: number[] = [];
    for (const f of frames) out.push(await this.process(f));
    return out;
  }
  reset(): void {
    this.sinceReset = 0;
    this.resets++;
  }
}

const frames = (n: number, loud: boolean) => new Int16Array(256 * n).fill(loud ? 8000 : 0);
// Two utterances of 10 frames, 30 quiet frames apart.
const line = [frames(5, false), frames(10, true), frames(30, false), frames(10, true), frames(30, false)];

async function utterances(reset: boolean, push: 'frame by frame' | 'all at once') {
  const vad = new DriftingDetector();
  const heard: string[] = [];
  const ep = new Endpointer(vad, { threshold: 0.5, endSilenceMs: 500, minSpeechMs: 200, maxUtteranceMs: 10_000, resetDetectorAfterUtterance: reset }, {
    speechStart: (preRoll) => heard.push(`start ${preRoll.length}`),
    speechAudio: () => {},
    speechEnd: (info) => heard.push(`end ${info.speechMs}`),
    speechDiscarded: () => heard.push('discarded'),
  });
  const all = new Int16Array(line.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of line) {
    all.set(part, at);
    at += part.length;
  }
  if (push === 'all at once') ep.push(all);
  else for (let i = 0; i < all.length; i += 256) {
    ep.push(all.subarray(i, i + 256));
    await ep.drain();
  }
  await ep.drain();
  return { heard, resets: vad.resets };
}

describe('the endpointer and a detector whose state drifts', () => {
  it('hears the second utterance when the detector gets a fresh state after the first', async () => {
    const { heard, resets } = await utterances(true, 'frame by frame');
    expect(heard).toHaveLength(4);
    expect(heard.filter((h) => h.startsWith('end'))).toHaveLength(2);
    expect(resets).toBe(2);
    // Without the reset the second utterance falls where the detector has gone deaf.
    expect((await utterances(false, 'frame by frame')).heard.filter((h) => h.startsWith('end'))).toHaveLength(1);
  });

  it('resets at the same audio time however the frames were batched: frames scored before the reset are scored again', async () => {
    const byFrame = await utterances(true, 'frame by frame');
    const inOne = await utterances(true, 'all at once');
    expect(inOne.heard).toEqual(byFrame.heard);
  });
});
