import { beforeAll, describe, expect, it } from 'vitest';
import { SileroModel } from '../src/audio/vad.js';
import { readWav } from '../src/audio/wav.js';
import { loadConfig } from '../src/config/load.js';
import { empathySentence, frustrationInWords } from '../src/dialog/deescalate.js';
import { decide, initialDialogState, type PolicyOptions } from '../src/dialog/policy.js';
import { CallSession } from '../src/dialog/session.js';
import type { NluEngine, NluResult } from '../src/engines/nlu/types.js';
import { MemoryRecorder, RecordingChannel, ScriptedAsr, ToneTts } from './helpers/scripted-call.js';

const base: NluResult = { intent: null, confidence: 0.05, action: null, answer: null, queue: null, alternatives: [], slots: {}, system: null, kbVersion: 1 };
const ANSWER = 'مودم را خاموش و روشن کنید.';
const outage: NluResult = { ...base, intent: 'internet_outage', confidence: 0.9, action: 'answer', answer: ANSWER };
const options: PolicyOptions = { maxReprompts: 2, lowConfidenceTurns: 2, maxChoices: 3, clarifyFloor: 0.15, defaultQueue: 'general' };

describe('frustration in the caller’s words', () => {
  it('is found in complaints, anger and insults, however they are spelled, and not in ordinary requests', () => {
    expect(frustrationInWords('می‌خواهم شکایت کنم')).toBe('complaint');
    expect(frustrationInWords('من از شما شاکی هستم')).toBe('complaint');
    expect(frustrationInWords('خسته شدم از بس زنگ زدم')).toBe('anger');
    expect(frustrationInWords('این چه وضع افتضاحیه، افتضاح')).toBe('anger');
    expect(frustrationInWords('چند بار زنگ زدم هنوز درست نشده')).toBe('anger');
    expect(frustrationInWords('بی‌شعور جواب بده')).toBe('insult');
    expect(frustrationInWords('بیشعور')).toBe('insult');
    for (const calm of ['اینترنتم قطع شده', 'قبضم را چطور پرداخت کنم', 'می‌خواهم با اپراتور صحبت کنم', 'ساعت کاری شما چیست', 'خسته نباشید']) {
      expect(frustrationInWords(calm)).toBeNull();
    }
  });
});

describe('dialog policy: a frustrated caller', () => {
  it('hears regret once with the answer, and the second complaint of the call changes nothing', () => {
    const first = decide(initialDialogState(), { kind: 'speech', nlu: outage, cue: 'anger' }, options);
    expect(first.decision).toMatchObject({ kind: 'answer' });
    expect(first.empathy).toBe('anger');
    expect(first.notes).toContainEqual({ type: 'deescalation', data: { cue: 'anger' } });
    const second = decide(first.state, { kind: 'speech', nlu: outage, cue: 'insult' }, options);
    expect(second.empathy).toBeUndefined();
    expect(second.notes).toEqual([]);
  });

  it('is handed to a human at the next failure once the bot has said sorry, not after more reprompts', () => {
    const calmed = decide(initialDialogState(), { kind: 'speech', nlu: base, cue: 'complaint' }, options);
    expect(calmed.decision).toMatchObject({ kind: 'reprompt' });
    expect(decide(calmed.state, { kind: 'speech', nlu: base }, options).decision).toMatchObject({ kind: 'handoff', reason: 'frustration' });
  });

  it('counts a second request for a human as a cue', () => {
    const first = decide(initialDialogState(), { kind: 'speech', nlu: { ...base, system: 'operator' } }, options);
    expect(first.empathy).toBeUndefined();
    const second = decide(first.state, { kind: 'speech', nlu: { ...base, system: 'operator' } }, options);
    expect(second.decision).toMatchObject({ kind: 'handoff', reason: 'caller-request' });
    expect(second.empathy).toBe('operator-twice');
  });
});

describe('a call with a frustrated caller', () => {
  let silero: SileroModel;
  let speech: Int16Array;
  beforeAll(async () => {
    silero = await SileroModel.load();
    speech = (await readWav('fixtures/audio/outage.wav')).pcm;
  });

  it('says the sentence of regret once, not every turn, before the answer', async () => {
    const nlu: NluEngine = {
      name: 'k', threshold: 0.5, vocabulary: () => [],
      parse: (text) => (text.includes('قطع') ? outage : text.startsWith('نه') ? { ...base, system: 'no' } : base),
    };
    const channel = new RecordingChannel();
    const recorder = new MemoryRecorder();
    const tts = new ToneTts();
    const session = new CallSession(channel, {
      config: loadConfig({}, { audio: { noInputTimeoutMs: 2000 }, asr: { timeoutMs: 1000 } }),
      asr: new ScriptedAsr(['خسته شدم اینترنتم باز قطع شده', 'افتضاحه هنوز هم قطع است', 'نه']),
      tts, recorder, nlu: { current: () => nlu }, createVad: (rate) => silero.createDetector(rate as 8000),
    });
    const run = session.run();
    for (let turn = 0; turn < 3; turn++) {
      const end = Date.now() + 10_000;
      while (channel.played[turn]?.outcome !== 'played') {
        if (Date.now() > end) throw new Error(`timed out; bot said:\n${tts.spoken.join('\n')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      channel.say(speech);
      channel.say(new Int16Array(8000 * 1.2));
    }
    expect(await run).toBe('completed');
    const sorry = empathySentence('anger');
    expect(tts.spoken.filter((t) => t === sorry)).toHaveLength(1);
    expect(tts.spoken.indexOf(sorry)).toBe(tts.spoken.indexOf(ANSWER) - 1);
    expect(tts.spoken.filter((t) => t === ANSWER)).toHaveLength(2);
    expect(recorder.events.filter((e) => e.type === 'deescalation').map((e) => e.data)).toEqual([{ cue: 'anger' }]);
  });
});
