import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { resample } from '../src/audio/resample.js';
import { readWav } from '../src/audio/wav.js';
import { loadConfig } from '../src/config/load.js';
import { startService, type RunningService } from '../src/service.js';
import { AudioSocketDouble, ChanWebSocketDouble, type PbxStep } from './helpers/pbx_double.js';

/**
 * The whole product (real VAD, recogniser, NLU, TTS, PGlite) behind a PBX that behaves like a real
 * Asterisk: it sends no audio frames at all while the caller is quiet. Before the media clock, such a
 * question was never finalised, a silent caller was never reprompted, and the stream was closed.
 */
const ADMIN = 'pbx-admin-key-0123456789';
const TOKEN = 'pbx-media-token-0123456789';
const NO_INPUT_MS = 2500;
let service: RunningService;
let outage: Int16Array;

interface StoredCall {
  id: string;
  fromNumber: string | null;
  endedAt: string | null;
  outcome: string | null;
  handoffReason: string | null;
  params: Record<string, string>;
  turns: Array<{ input: string; intent: string | null; action: string }>;
  events: Array<{ type: string; data: Record<string, unknown> }>;
}

async function storedCall(id: string, timeoutMs = 15_000): Promise<StoredCall> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${service.url}/api/calls/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    if (res.ok) {
      const call = (await res.json()) as StoredCall;
      if (call.endedAt) return call;
    }
    if (Date.now() > deadline) throw new Error(`call ${id} was not stored as ended within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  const config = loadConfig({}, {
    port: 0,
    host: '127.0.0.1',
    dataDir: mkdtempSync(join(tmpdir(), 'pasokh-pbx-')),
    logLevel: 'silent',
    security: { adminKeys: [ADMIN], mediaTokens: [TOKEN] },
    telephony: { audioSocketPort: 0, keepaliveMs: 1000 },
    audio: { noInputTimeoutMs: NO_INPUT_MS },
    handoff: { waitUpdateSeconds: 30 },
  });
  service = await startService(config);
  await service.warmed();
  const wav = await readWav('fixtures/audio/outage.wav');
  outage = wav.sampleRate === 8000 ? wav.pcm : resample(wav.pcm, wav.sampleRate, 8000);
}, 180_000);

afterAll(async () => {
  await service?.stop();
});

const asteriskUrl = () => `${service.url.replace('http', 'ws')}/media/asterisk`;
/** Greeting heard in silence, the question, then nothing at all until the bot has answered. */
const askAndListen = (): PbxStep[] => [{ untilBotQuiet: 700, maxMs: 20_000 }, { speak: outage }, { untilBotSpeaks: 20_000 }, { wait: 1000 }];

describe('a PBX that sends no frames while the caller is quiet', () => {
  // The half-minute answer is heard while the other calls run one after another beside it: at most
  // two calls share the service, and the wait on audio paced in real time is spent once. Those
  // calls only check that the outage answer starts, so its being lengthened meanwhile is no matter.
  describe.concurrent('a half-minute answer', () => {
    it('a caller who listens quietly to a 30 s answer is not cut off', async ({ expect }) => {
      const res = await fetch(`${service.url}/api/faqs/internet_outage`, { headers: { authorization: `Bearer ${ADMIN}` } });
      const { faq } = (await res.json()) as { faq: Record<string, unknown> };
      // eSpeak reads the sample answer in about 15 s: twice over is the 30 s answer.
      const long = `${String(faq.answer)} تکرار می‌کنم: ${String(faq.answer)}`;
      const put = await fetch(`${service.url}/api/faqs/internet_outage`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...faq, answer: long }),
      });
      expect(put.status).toBe(200);
      const line = await ChanWebSocketDouble.dial({ url: asteriskUrl(), token: TOKEN });
      const run = await line.run([{ untilBotQuiet: 700, maxMs: 20_000 }, { speak: outage }, { untilBotQuiet: 1500, maxMs: 90_000 }]);
      expect(run.closed).toBe(false);
      expect(line.botAudioMsSince(run.speechEnds[0])).toBeGreaterThan(28_000);
      line.hangup();
      const call = await storedCall(line.connectionId);
      expect(call.turns.find((t) => t.input === 'speech')).toMatchObject({ intent: 'internet_outage', action: 'answer' });
      await fetch(`${service.url}/api/faqs/internet_outage`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(faq),
      });
    }, 150_000);
  });

  describe.concurrent('meanwhile, one call after another', () => {
    it.sequential('chan_websocket: a question followed by no frames is answered, and v(from=…) names the caller', async ({ expect }) => {
      const line = await ChanWebSocketDouble.dial({ url: asteriskUrl(), token: TOKEN, uriParams: { from: '09121234567' } });
      const run = await line.run(askAndListen());
      const end = run.speechEnds[0];
      const first = line.firstBotAudioAfter(end);
      expect(first, 'the bot answered after the question').not.toBeNull();
      line.hangup();
      const call = await storedCall(line.connectionId);
      expect(call.fromNumber).toBe('09121234567');
      expect(call.turns.find((t) => t.input === 'speech'), JSON.stringify(call.turns)).toMatchObject({ intent: 'internet_outage', action: 'answer' });
    });

    it.sequential('AudioSocket: a question followed by no frames is answered', async ({ expect }) => {
      const line = await AudioSocketDouble.dial(service.audioSocketPort!);
      const run = await line.run(askAndListen());
      expect(line.firstBotAudioAfter(run.speechEnds[0])).not.toBeNull();
      line.hangup();
      const call = await storedCall(line.uuid);
      expect(call.turns.find((t) => t.input === 'speech'), JSON.stringify(call.turns)).toMatchObject({ intent: 'internet_outage' });
    });

    it.sequential('flow control and keys from the PBX: MEDIA_XOFF pauses the greeting, MEDIA_XON resumes it, DTMF_END 0 hands off', async ({ expect }) => {
      const line = await ChanWebSocketDouble.dial({ url: asteriskUrl(), token: TOKEN });
      await line.run([{ untilBotSpeaks: 20_000 }, { wait: 400 }]);
      line.control('MEDIA_XOFF');
      await line.run([{ wait: 150 }]);
      const paused = line.frames.length;
      await line.run([{ wait: 500 }]);
      expect(line.frames.length).toBe(paused);
      line.control('MEDIA_XON');
      await line.run([{ wait: 400 }]);
      expect(line.frames.length).toBeGreaterThan(paused);
      const beforeKey = performance.now();
      await line.run([{ dtmf: '0' }, { wait: 300 }]);
      expect(line.commands).toContain('FLUSH_MEDIA'); // the key barged in on the greeting
      const handedOff = async () => {
        const res = await fetch(`${service.url}/api/calls/${line.connectionId}`, { headers: { authorization: `Bearer ${ADMIN}` } });
        return res.ok && ((await res.json()) as StoredCall).events.some((e) => e.type === 'handoff' && e.data.reason === 'dtmf-0');
      };
      while (!(await handedOff())) {
        expect(performance.now() - beforeKey).toBeLessThan(15_000);
        await line.run([{ wait: 200 }]);
      }
      line.hangup();
      expect((await storedCall(line.connectionId)).handoffReason).toBe('dtmf-0');
    });

    it.sequential('a peer that vanishes without closing loses its call within seconds, and the record says why', async ({ expect }) => {
      const line = await ChanWebSocketDouble.dial({ url: asteriskUrl(), token: TOKEN, autoPong: false });
      const since = Date.now();
      const call = await storedCall(line.connectionId, 10_000);
      expect(Date.now() - since).toBeLessThan(6000);
      expect(call.events.some((e) => e.type === 'hangup' && String(e.data.reason).includes('peer gone')), JSON.stringify(call.events)).toBe(true);
    });

    it.sequential('a caller who says nothing is reprompted and handed off, with or without silence frames', async ({ expect }) => {
      const wait = 90_000;
      const [quiet, streaming] = await Promise.all([
        ChanWebSocketDouble.dial({ url: asteriskUrl(), token: TOKEN, json: true, channelVariables: { CDR_ACCOUNT: 'east' } }),
        ChanWebSocketDouble.dial({ url: asteriskUrl(), token: TOKEN, json: true }),
      ]);
      // Both wait until the bot has handed them off (it says so, then routes them to the queue).
      const untilHandoff = async (line: ChanWebSocketDouble, silent: boolean) => {
        const deadline = performance.now() + wait;
        while (!line.closed && performance.now() < deadline) {
          await line.run([silent ? { wait: 500 } : { silence: 500 }]);
          const res = await fetch(`${service.url}/api/calls/${line.connectionId}`, { headers: { authorization: `Bearer ${ADMIN}` } });
          const call = res.ok ? ((await res.json()) as StoredCall) : null;
          if (call?.events.some((e) => e.type === 'handoff')) break;
        }
        line.hangup();
        return storedCall(line.connectionId);
      };
      const [a, b] = await Promise.all([untilHandoff(quiet, true), untilHandoff(streaming, false)]);
      const actions = (c: StoredCall) => c.turns.filter((t) => t.input !== 'greeting').map((t) => `${t.input}:${t.action}`);
      expect(a.handoffReason).toBe('no-input');
      expect(b.handoffReason).toBe('no-input');
      expect(actions(a)).toEqual(actions(b));
      expect(actions(a).filter((x) => x === 'no-input:reprompt').length).toBeGreaterThanOrEqual(1);
      expect(a.params['var.CDR_ACCOUNT']).toBe('east');
    }, 150_000);
  });
});
