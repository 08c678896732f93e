import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createTtsEngine } from '../src/engines/factory.js';
import { startService, type RunningService } from '../src/service.js';
import { fetchStoredCall, speechFor } from '../src/sim/cli.js';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';

// The whole product on real engines: Silero VAD, the bundled Persian ASR model, the NLU over the
// sample FAQ, eSpeak NG, PGlite — driven by a caller speaking Twilio Media Streams over a socket.
const ADMIN = 'e2e-admin-key-0123456789';
const TOKEN = 'e2e-media-token-0123456789';
let service: RunningService;
let outage: Int16Array;
let operator: Int16Array;

beforeAll(async () => {
  const config = loadConfig({}, {
    port: 0,
    host: '127.0.0.1',
    dataDir: mkdtempSync(join(tmpdir(), 'pasokh-e2e-')),
    logLevel: 'silent',
    security: { adminKeys: [ADMIN], mediaTokens: [TOKEN] },
    handoff: { waitUpdateSeconds: 5 },
  });
  // The callers' questions are synthesised while the service starts.
  const questions = (async () => {
    const tts = await createTtsEngine(config);
    const spoken = { outage: await speechFor(tts, 'اینترنتم قطع شده چیکار کنم'), operator: await speechFor(tts, 'می‌خواهم با اپراتور صحبت کنم') };
    await tts.close();
    return spoken;
  })();
  service = await startService(config);
  ({ outage, operator } = await questions);
}, 180_000);

afterAll(async () => {
  await service?.stop();
});

const ws = () => `${service.url.replace('http', 'ws')}/media/twilio`;

// The calls are independent (each its own CallSid and record) and spend their time waiting on
// audio paced in real time, so they share the one service at once rather than one after another.
// Each call's time limit covers the others' share of the CPU: one after another they took ~135 s at load 17.
describe.concurrent('a caller on a Twilio media stream', { timeout: 150_000 }, () => {
  it('hears a greeting, asks a Persian question and is answered aloud; the call is stored with turns and timings', async ({ expect }) => {
    const result = await simulateTwilioCall({ url: ws(), token: TOKEN, steps: [{ kind: 'speech', pcm: outage, label: 'outage' }] });
    expect(result.greetingMs).toBeGreaterThan(1000);
    expect(result.steps[0].latencyMs).not.toBeNull();
    expect(result.steps[0].botAudioMs).toBeGreaterThan(2000);
    // Underruns and latency are figures for `npm run bench:calls`, not assertions: this machine is shared.

    const stored = await fetchStoredCall(service.url, ADMIN, result.callSid);
    expect(stored).not.toBeNull();
    const answer = stored!.turns.find((t) => t.input === 'speech');
    expect(answer, JSON.stringify(stored!.turns)).toMatchObject({ intent: 'internet_outage', action: 'answer' });
    expect(answer!.botText).toContain('مودم');
    expect(answer!.timings.totalMs).toBeGreaterThan(0);
    // `stop` from the caller ends the call; it is stored as ended.
    expect(stored!.endedAt).not.toBeNull();
  });

  it('stops talking within 300 ms when the caller speaks over the answer, and answers the new question', async ({ expect }) => {
    const result = await simulateTwilioCall({
      url: ws(),
      token: TOKEN,
      steps: [{ kind: 'speech', pcm: outage, label: 'outage', bargeInAfterMs: 800 }],
    });
    // The bot sent `clear` while the caller was still talking (onset → clear is measured by bench:calls).
    expect(result.steps[0].clearAfterMs).not.toBeNull();
    expect(result.steps[0].clearAfterMs!).toBeLessThan(outage.length / 8);
    const stored = await fetchStoredCall(service.url, ADMIN, result.callSid);
    const speechTurns = stored!.turns.filter((t) => t.input === 'speech');
    expect(speechTurns.length).toBeGreaterThanOrEqual(2);
    expect(speechTurns[1].intent, JSON.stringify(speechTurns)).toBe('internet_outage');
  });

  it('goes to the human queue when the caller presses 0, and the hand-off is recorded', async ({ expect }) => {
    const result = await simulateTwilioCall({ url: ws(), token: TOKEN, steps: [{ kind: 'dtmf', digit: '0' }] });
    expect(result.steps[0].latencyMs).not.toBeNull();
    const stored = await fetchStoredCall(service.url, ADMIN, result.callSid);
    expect(stored!.handoffReason).toBe('dtmf-0');
  });

  it('goes to the human queue when the caller asks for an operator', async ({ expect }) => {
    const result = await simulateTwilioCall({ url: ws(), token: TOKEN, steps: [{ kind: 'speech', pcm: operator, label: 'operator' }] });
    const stored = await fetchStoredCall(service.url, ADMIN, result.callSid);
    expect(stored!.handoffReason, JSON.stringify(stored!.turns)).toBe('caller-request');
  });

  it('rejects a stream without the media token', async ({ expect }) => {
    await expect(simulateTwilioCall({ url: ws(), token: 'wrong-token-wrong-token', steps: [], answerTimeoutMs: 1500 })).resolves.toMatchObject({ closedBy: 'bot' });
  });
});
