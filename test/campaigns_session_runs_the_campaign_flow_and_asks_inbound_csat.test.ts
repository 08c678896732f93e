import { beforeAll, describe, expect, it } from 'vitest';
import { SileroModel } from '../src/audio/vad.js';
import { readWav } from '../src/audio/wav.js';
import { askCsat, CSAT_PROMPT } from '../src/campaigns/csat.js';
import { loadConfig } from '../src/config/load.js';
import { prompts } from '../src/dialog/prompts.js';
import { CallSession, type SessionDeps } from '../src/dialog/session.js';
import type { CallTakeover } from '../src/dialog/types.js';
import type { NluEngine, NluResult } from '../src/engines/nlu/types.js';
import { MemoryRecorder, RecordingChannel, ScriptedAsr, ToneTts } from './helpers/scripted-call.js';

// The session's two small campaign hooks: a stream that names an attempt is taken over by the
// campaign flow (the session still does the hand-off), and the post-call CSAT after a goodbye.
const nlu: NluEngine = {
  name: 'none',
  threshold: 0.5,
  vocabulary: () => [],
  parse: (): NluResult => ({ intent: null, confidence: 0, action: null, answer: null, queue: null, alternatives: [], slots: {}, system: 'goodbye', kbVersion: 1 }),
};

let silero: SileroModel;
let speech: Int16Array;
beforeAll(async () => {
  silero = await SileroModel.load();
  speech = (await readWav('fixtures/audio/outage.wav')).pcm;
});

function session(channel: RecordingChannel, extra: Partial<SessionDeps>) {
  const recorder = new MemoryRecorder();
  const tts = new ToneTts();
  const deps: SessionDeps = {
    config: loadConfig({}, { audio: { noInputTimeoutMs: 1000 } }),
    asr: new ScriptedAsr([]),
    tts,
    recorder,
    nlu: { current: () => nlu },
    createVad: (rate) => silero.createDetector(rate as 8000),
    ...extra,
  };
  return { recorder, tts, run: new CallSession(channel, deps).run() };
}

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('a call whose stream names a campaign attempt', () => {
  it('runs the campaign flow instead of the inbound greeting', async () => {
    const channel = new RecordingChannel({ callId: 'c1', protocol: 'twilio', from: '+989121234567', to: null, providerCallId: 'CA1', params: { campaignAttempt: 'att_1' } });
    const seen: string[] = [];
    const takeover = (info: { params: Record<string, string> }): CallTakeover | null =>
      info.params.campaignAttempt
        ? async (io) => {
            seen.push(info.params.campaignAttempt);
            const reply = await io.ask('سلام، پیام آزمایشی. برای تأیید یک را بزنید.');
            expect(reply).toEqual({ kind: 'dtmf', digits: '1' });
            await io.say('سپاس.');
            return { outcome: 'completed' };
          }
        : null;
    const { tts, run } = session(channel, { takeover });
    await until(() => tts.spoken.length > 0);
    channel.press('1');
    expect(await run).toBe('completed');
    expect(seen).toEqual(['att_1']);
    expect(tts.spoken[0]).toBe('سلام، پیام آزمایشی. برای تأیید یک را بزنید.');
    expect(tts.spoken.join(' ')).not.toContain('خوش آمدید');
  });

  it('hands the callee to the queue the flow names', async () => {
    const channel = new RecordingChannel({ callId: 'c2', protocol: 'twilio', from: null, to: null, providerCallId: null, params: { campaignAttempt: 'att_2' } });
    const { recorder, tts, run } = session(channel, { takeover: () => async () => ({ outcome: 'completed', handoffQueue: 'billing' }) });
    expect(await run).toBe('handoff');
    expect(recorder.events.find((e) => e.type === 'handoff')?.data).toEqual({ reason: 'caller-request', queue: 'billing' });
    expect(tts.spoken).toContain(prompts.transferring);
  });

  it('is an ordinary inbound call when the stream names no attempt', async () => {
    const channel = new RecordingChannel();
    const { tts, run } = session(channel, { takeover: () => null });
    await until(() => tts.spoken.length > 0);
    expect(tts.spoken[0]).toContain('خوش آمدید');
    channel.hangUpCaller();
    await run;
  });
});

describe('post-call CSAT for inbound calls', () => {
  it('after the goodbye asks for a key from 1 to 5 and records the score as a csat event (what /api/kpis averages)', async () => {
    const channel = new RecordingChannel();
    const { recorder, tts, run } = session(channel, { asr: new ScriptedAsr(['خداحافظ']), postCall: (io) => askCsat(io, 3000).then(() => {}) });
    await until(() => tts.spoken.length > 0 && channel.played[0]?.outcome !== undefined);
    // The caller says goodbye; the bot says its own, then asks for the rating.
    channel.say(speech);
    channel.say(new Int16Array(8000 * 1.2));
    await until(() => tts.spoken.includes(CSAT_PROMPT));
    channel.press('4');
    expect(await run).toBe('completed');
    expect(recorder.events.filter((e) => e.type === 'csat').map((e) => e.data)).toEqual([{ score: 4, via: 'dtmf' }]);
  });

  it('takes no score from silence or a key outside 1–5', async () => {
    const said: string[] = [];
    const io = {
      callId: 'x',
      callerNumber: null,
      ended: false,
      notes: [] as unknown[],
      say: async (t: string) => (said.push(t), 'played' as const),
      ask: async () => ({ kind: 'dtmf' as const, digits: '7' }),
      note(type: string, data?: unknown) {
        this.notes.push({ type, data });
      },
    };
    expect(await askCsat(io)).toBeNull();
    expect(io.notes).toEqual([]);
    expect(said).toEqual([]);
  });
});
