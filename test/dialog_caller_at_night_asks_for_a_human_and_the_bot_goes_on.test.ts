import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SileroModel } from '../src/audio/vad.js';
import { readWav } from '../src/audio/wav.js';
import { loadConfig } from '../src/config/load.js';
import { prompts } from '../src/dialog/prompts.js';
import { CallSession } from '../src/dialog/session.js';
import type { NluEngine, NluResult } from '../src/engines/nlu/types.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';
import { MemoryRecorder, RecordingChannel, ScriptedAsr, ToneTts } from './helpers/scripted-call.js';

// The real call session and hand-off service on a fake clock at 03:00 Tehran time; real VAD on
// real speech, scripted recogniser and NLU.
const ANSWER = 'مودم را خاموش و روشن کنید.';
const base: NluResult = { intent: null, confidence: 0.05, action: null, answer: null, queue: null, alternatives: [], slots: {}, system: null, kbVersion: 1 };
const nlu: NluEngine = {
  name: 'keywords', threshold: 0.5, vocabulary: () => [],
  parse(text: string): NluResult {
    if (text.includes('اپراتور')) return { ...base, system: 'operator' };
    if (text.includes('قطع')) return { ...base, intent: 'internet_outage', confidence: 0.9, action: 'answer', answer: ANSWER };
    return base;
  },
};

let silero: SileroModel;
let speech: Int16Array;
beforeAll(async () => {
  silero = await SileroModel.load();
  speech = (await readWav('fixtures/audio/operator.wav')).pcm;
});

describe('a caller asking for a human at 03:00', () => {
  let db: TestDatabase;
  let handoff: HandoffRuntime;
  afterEach(async () => {
    await handoff?.close();
    await db?.drop();
  });

  it('hears at once that nobody is in until eight, and when they want neither call-back nor message the bot goes on answering', async () => {
    db = await freshPglite();
    const config = loadConfig({}, {
      audio: { noInputTimeoutMs: 1000 },
      asr: { timeoutMs: 1000 },
      handoff: { hours: { days: ['sat', 'sun', 'mon', 'tue', 'wed'], open: '08:00', close: '17:00' }, routeIntervalMs: 50 },
    });
    const clock = () => new Date('2026-12-06T03:00:00+03:30');
    handoff = createHandoffService({ database: db.database, config, pollMs: 20, replyTimeoutMs: 300, now: clock });
    await handoff.ready();
    const channel = new RecordingChannel();
    const recorder = new MemoryRecorder();
    const tts = new ToneTts();
    const session = new CallSession(channel, {
      config, asr: new ScriptedAsr(['می‌خواهم با اپراتور صحبت کنم', 'اینترنتم قطع شده']), tts, recorder,
      nlu: { current: () => nlu }, createVad: (rate) => silero.createDetector(rate as 8000), handoff, now: clock,
    });
    const run = session.run();
    const until = async (cond: () => boolean) => {
      const end = Date.now() + 15_000;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out; bot said:\n${tts.spoken.join('\n')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const speakWhenQuiet = async (n: number) => {
      await until(() => channel.played[n]?.outcome === 'played');
      channel.say(speech);
      channel.say(new Int16Array(8000 * 1.2));
    };
    await speakWhenQuiet(0);
    await until(() => tts.spoken.length >= 2);
    expect(tts.spoken[1]).toMatch(/^در این ساعت همکارانم در دسترس نیستند؛ از امروز ساعت هشت صبح پاسخگوی شما هستند\./);
    await until(() => tts.spoken.includes(prompts.stillHere));
    await speakWhenQuiet(channel.played.length - 1);
    await until(() => tts.spoken.includes(ANSWER));
    channel.hangUpCaller();
    expect(await run).toBe('completed');
    expect(recorder.ends[0]).toMatchObject({ outcome: 'completed', handoffReason: null });
    expect(recorder.events.map((e) => e.type)).toEqual(expect.arrayContaining(['handoff', 'handoff.closed', 'handoff.declined']));
    expect(await db.database.query(`select * from handoff_entries`)).toEqual([]);
  });
});
