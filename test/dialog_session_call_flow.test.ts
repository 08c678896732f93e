import { beforeAll, describe, expect, it } from 'vitest';
import { SileroModel } from '../src/audio/vad.js';
import { readWav } from '../src/audio/wav.js';
import { loadConfig } from '../src/config/load.js';
import { prompts } from '../src/dialog/prompts.js';
import { CallSession, type SessionDeps } from '../src/dialog/session.js';
import type { NluEngine, NluResult } from '../src/engines/nlu/types.js';
import { MemoryRecorder, RecordingChannel, ScriptedAsr, ToneTts } from './helpers/scripted-call.js';

// Unit tests of the dialog logic: real VAD on real speech, scripted recogniser and NLU.
const ANSWER = 'لطفاً مودم را خاموش و روشن کنید.';
const keywordNlu: NluEngine = {
  name: 'keywords',
  threshold: 0.5,
  vocabulary: () => ['اینترنت', 'قطع'],
  parse(text: string): NluResult {
    const base: NluResult = { intent: null, confidence: 0.1, action: null, answer: null, queue: null, alternatives: [], slots: {}, system: null, kbVersion: 1 };
    if (text.includes('قطع')) return { ...base, intent: 'internet_outage', confidence: 0.9, action: 'answer', answer: ANSWER };
    if (text.includes('اپراتور')) return { ...base, system: 'operator' };
    if (text.startsWith('نه')) return { ...base, system: 'no' };
    return base;
  },
};

let silero: SileroModel;
let speech: Int16Array;
const silence = new Int16Array(8000 * 1.2);

beforeAll(async () => {
  silero = await SileroModel.load();
  speech = (await readWav('fixtures/audio/outage.wav')).pcm;
});

function setup(asr: ScriptedAsr, tts = new ToneTts(), overrides: Record<string, unknown> = {}) {
  const channel = new RecordingChannel();
  const recorder = new MemoryRecorder();
  const config = loadConfig({}, { audio: { noInputTimeoutMs: 1000 }, asr: { timeoutMs: 1000 }, tts: { timeoutMs: 500 }, ...overrides });
  const deps: SessionDeps = {
    config, asr, tts, recorder,
    nlu: { current: () => keywordNlu },
    createVad: (rate) => silero.createDetector(rate as 8000),
  };
  const session = new CallSession(channel, deps);
  return { channel, recorder, session, tts, run: session.run() };
}

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const speak = (channel: RecordingChannel) => {
  channel.say(speech);
  channel.say(silence);
};

describe('a call with the bot', () => {
  it('greets, answers the question, asks if there is anything else and says goodbye', async () => {
    const { channel, recorder, tts, run } = setup(new ScriptedAsr(['اینترنتم قطع شده', 'نه ممنون']));
    await until(() => channel.played[0]?.outcome === 'played');
    expect(tts.spoken[0]).toMatch(/بخیر/);
    speak(channel);
    await until(() => channel.played[1]?.outcome === 'played');
    // Answer and follow-up are synthesised apart, so each comes from the answer cache.
    expect(tts.spoken.slice(1, 3)).toEqual([ANSWER, prompts.anythingElse]);
    speak(channel);
    expect(await run).toBe('completed');
    expect(tts.spoken[3]).toBe(prompts.goodbye);
    expect(channel.hungUp).toBe('completed');
    expect(recorder.turns.map((t) => t.action)).toEqual(['greeting', 'answer', 'goodbye']);
    expect(recorder.turns[1]).toMatchObject({ heardText: 'اینترنتم قطع شده', intent: 'internet_outage' });
    expect(recorder.turns[1].timings.totalMs).toBeGreaterThanOrEqual(500);
    expect(recorder.ends[0]).toMatchObject({ outcome: 'completed', handoffReason: null });
  });

  it('understands the recogniser’s second reading when its best one means nothing, and records that it did', async () => {
    const misheard = { text: 'اینترنتم غطع شده', alternatives: ['اینترنتم قطع شده', 'اینترنتم غتع شده'] };
    const { channel, recorder, tts, run } = setup(new ScriptedAsr([misheard, 'نه ممنون']));
    await until(() => channel.played[0]?.outcome === 'played');
    speak(channel);
    await until(() => channel.played[1]?.outcome === 'played');
    expect(tts.spoken[1]).toBe(ANSWER);
    speak(channel);
    expect(await run).toBe('completed');
    expect(recorder.turns[1]).toMatchObject({ heardText: 'اینترنتم قطع شده', intent: 'internet_outage' });
    expect(recorder.events.find((e) => e.type === 'asr-alternative')?.data).toEqual({ best: 'اینترنتم غطع شده', used: 'اینترنتم قطع شده', rank: 1 });
  });

  it('stops talking and listens when the caller speaks over the bot (barge-in)', async () => {
    const { channel, recorder, run } = setup(new ScriptedAsr(['اینترنتم قطع شده', 'نه']), new ToneTts(null, 800));
    channel.playbackSpeedup = 1; // real-time playback, so the greeting is still playing
    await until(() => channel.played.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    const onset = performance.now();
    speak(channel);
    await until(() => channel.clears > 0);
    // Cleared at the onset, long before the caller has finished speaking.
    expect(performance.now() - onset).toBeLessThan(speech.length / 8);
    expect(channel.played[0].outcome).toBe('cleared');
    expect(recorder.events.some((e) => e.type === 'barge-in')).toBe(true);
    await until(() => channel.played.length >= 2);
    channel.hangUpCaller();
    await run;
  });

  it('hands off to a human when the caller presses 0, and records why', async () => {
    const { channel, recorder, run } = setup(new ScriptedAsr([]));
    await until(() => channel.played.length === 1);
    channel.press('0');
    expect(await run).toBe('handoff');
    expect(recorder.ends[0]).toMatchObject({ outcome: 'handoff', handoffReason: 'dtmf-0' });
    expect(recorder.events.find((e) => e.type === 'handoff')?.data).toMatchObject({ reason: 'dtmf-0' });
  });

  it('hands off when the caller asks for an operator by voice', async () => {
    const { channel, recorder, run } = setup(new ScriptedAsr(['می‌خواهم با اپراتور صحبت کنم']));
    await until(() => channel.played[0]?.outcome === 'played');
    speak(channel);
    expect(await run).toBe('handoff');
    expect(recorder.ends[0].handoffReason).toBe('caller-request');
  });

  it('reprompts a silent caller and then hands off rather than leaving them in silence', async () => {
    const { recorder, tts, run } = setup(new ScriptedAsr([]));
    expect(await run).toBe('handoff');
    expect(tts.spoken.filter((t) => t === prompts.noInput)).toHaveLength(2);
    expect(recorder.ends[0].handoffReason).toBe('no-input');
  });

  it('apologises and offers the keypad or a human when the recogniser fails, then hands off', async () => {
    const fail = new Error('model crashed');
    const { channel, recorder, tts, run } = setup(new ScriptedAsr([fail, 'hang', fail]));
    for (let i = 1; i <= 3; i++) {
      await until(() => channel.played[i - 1]?.outcome === 'played');
      speak(channel);
      await until(() => channel.played.length > i, 5000);
    }
    expect(await run).toBe('handoff');
    expect(tts.spoken.filter((t) => t === prompts.engineError).length).toBeGreaterThanOrEqual(2);
    expect(recorder.ends[0].handoffReason).toBe('engine-error');
    const errors = recorder.events.filter((e) => e.type === 'error');
    expect(errors.map((e) => e.data.engine)).toContain('asr');
    expect(errors.some((e) => String(e.data.message).includes('did not answer'))).toBe(true);
  });

  it('does not leave the caller hanging when speech synthesis fails: it hands off and records the error', async () => {
    const { recorder, run } = setup(new ScriptedAsr([]), new ToneTts(new Error('voice missing')));
    expect(await run).toBe('handoff');
    expect(recorder.events.filter((e) => e.type === 'error').every((e) => e.data.engine === 'tts')).toBe(true);
    expect(recorder.ends[0].handoffReason).toBe('engine-error');
    // The turns say the bot's voice failed, not that the caller was not heard.
    const failed = recorder.turns.filter((t) => t.input.endsWith('-error'));
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((t) => t.input === 'tts-error')).toBe(true);
  });

  it('ends cleanly when the caller hangs up in the middle of an answer', async () => {
    const { channel, recorder, run } = setup(new ScriptedAsr(['اینترنتم قطع شده']), new ToneTts(null, 800));
    await until(() => channel.played[0]?.outcome === 'played', 15_000);
    speak(channel);
    await until(() => channel.played.length === 2);
    channel.hangUpCaller();
    expect(await run).toBe('completed');
    expect(recorder.events.some((e) => e.type === 'hangup')).toBe(true);
  });
});
