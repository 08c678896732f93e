import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatPcm } from '../src/audio/pcm.js';
import { loadConfig } from '../src/config/load.js';
import { createTtsEngine } from '../src/engines/factory.js';
import { startService, type RunningService } from '../src/service.js';
import { fetchStoredCall, speechFor } from '../src/sim/cli.js';
import { simulateTwilioCall, type SimulatedCallResult } from '../src/sim/twilio-caller.js';
import { findUlaw, followFrames, readCallWav, rms } from './helpers/call-recording.js';

// A real call on the real engines with `recordings.wholeCall` on: the caller asks and listens to the
// answer. The whole-call WAV must hold the caller on the left and, on the right, the bot audio the
// simulated caller received, frame for frame and in order, around the question where it was said.
// (Barge-in, starvation and hang-up cuts are pinned against a channel double in
// recordings_whole_call_lays_the_bot_on_the_callers_clock.test.ts, where timing is the test's own.)
const ADMIN = 'whole-call-admin-key-0123456789';
const TOKEN = 'whole-call-media-token-0123456789';
const RATE = 8000;
let service: RunningService;
let question: Int16Array;
let plain: SimulatedCallResult;

const recording = async (callId: string) => {
  const res = await fetch(`${service.url}/api/calls/${callId}/recording`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  return readCallWav(new Uint8Array(await res.arrayBuffer()));
};

/** A 50 ms stretch of speech (not a pause) at or after `from`: it can only match where it was said. */
function loudProbe(pcm: Int16Array, from: number): { at: number; pcm: Int16Array } {
  for (let at = Math.max(0, from); at + 400 <= pcm.length; at += 80) {
    if (rms(pcm.subarray(at, at + 400)) > 1500) return { at, pcm: pcm.subarray(at, at + 400) };
  }
  throw new Error(`no speech after sample ${from}`);
}

beforeAll(async () => {
  const config = loadConfig({}, {
    port: 0,
    host: '127.0.0.1',
    dataDir: mkdtempSync(join(tmpdir(), 'pasokh-whole-call-')),
    logLevel: 'silent',
    security: { adminKeys: [ADMIN], mediaTokens: [TOKEN] },
    recordings: { wholeCall: true },
  });
  service = await startService(config);
  const tts = await createTtsEngine(config);
  question = await speechFor(tts, 'اینترنتم قطع شده چیکار کنم');
  await tts.close();
  const url = `${service.url.replace('http', 'ws')}/media/twilio`;
  plain = await simulateTwilioCall({ url, token: TOKEN, steps: [{ kind: 'speech', pcm: question, label: 'asks' }], hangUpAtEnd: true, answerTimeoutMs: 60_000 });
  // The file is complete once the call is stored as ended.
  await fetchStoredCall(service.url, ADMIN, plain.callSid);
}, 420_000);

afterAll(async () => {
  await service?.stop();
});

describe('the whole-call recording', () => {
  it('is one two-channel 8 kHz WAV: the caller on the left, the bot on the right', async () => {
    const rec = await recording(plain.callSid);
    expect(rec.channels).toBe(2);
    expect(rec.sampleRate).toBe(RATE);
    expect(rec.caller.length).toBe(rec.bot.length);
    // All the bot audio the caller heard, and the question, fit in the call's time.
    expect(rec.caller.length).toBeGreaterThan(concatPcm(plain.botAudio).length);
    expect(rec.caller.length).toBeGreaterThan(question.length);
  });

  it("holds the caller's question as the line delivered it and, around it, every frame of bot audio the caller heard, in order, the answer after the question", async () => {
    const rec = await recording(plain.callSid);
    const q = loudProbe(question, Math.floor(question.length / 4));
    expect(findUlaw(rec.caller, q.pcm)).toHaveLength(1);
    // Frame for frame, in order; late frames may have come in bursts with silence before them.
    const said = followFrames(rec.caller, question);
    expect(said.missing).toBeNull();
    const spokeFrom = said.start;
    const spokeTo = spokeFrom + question.length + said.extraSamples;

    // Everything the caller received, greeting and answer, frame for frame and in order. (Where the
    // file's stretch is longer, the voice fell behind real time: the caller heard a quiet line.)
    const heard = concatPcm(plain.botAudio);
    const followed = followFrames(rec.bot, heard);
    expect(followed.missing).toBeNull();
    expect(followed.found).toBeGreaterThan(heard.length / 160 / 3);
    expect(followed.start).toBeGreaterThanOrEqual(0);
    expect(followed.start).toBeLessThan(spokeFrom); // the greeting came first
    // The answer: the last words the caller heard are in the file after the question, and once.
    const end = loudProbe(heard, heard.length - RATE);
    const ended = findUlaw(rec.bot, end.pcm);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toBeGreaterThan(spokeTo);
    const stored = await fetchStoredCall(service.url, ADMIN, plain.callSid);
    expect(stored!.turns.find((t) => t.input === 'speech')?.botText).toBeTruthy();
  });
});
