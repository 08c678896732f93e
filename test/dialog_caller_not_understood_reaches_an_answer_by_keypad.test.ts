import { beforeAll, describe, expect, it } from 'vitest';
import { SileroModel } from '../src/audio/vad.js';
import { readWav } from '../src/audio/wav.js';
import { loadConfig } from '../src/config/load.js';
import { prompts } from '../src/dialog/prompts.js';
import { CallSession, type SessionDeps } from '../src/dialog/session.js';
import type { NluEngine, NluResult } from '../src/engines/nlu/types.js';
import type { Faq, KnowledgeBase } from '../src/knowledge/types.js';
import { MemoryRecorder, RecordingChannel, ScriptedAsr, ToneTts } from './helpers/scripted-call.js';

// Unit tests of the dialog logic: real VAD on real speech, scripted recogniser and NLU, an FAQ
// whose `menu` column sets the keypad menu.
const faq = (id: string, answer: string, menu: string | null): Faq => ({
  id, question: `${id}?`, answer, action: 'answer', queue: null, examples: [], tags: [], menu, enabled: true,
});
const FAQS: Faq[] = [
  faq('internet_outage', 'مودم را خاموش و روشن کنید.', 'اینترنت / قطعی اینترنت'),
  faq('internet_slow', 'سرعت را از صفحه‌ی کاربری بسنجید.', 'اینترنت / کندی اینترنت'),
  faq('pay_bill', 'قبض را در درگاه پرداخت کنید.', 'قبض / پرداخت قبض'),
  faq('bill_amount', 'مبلغ قبض در پیامک آمده است.', 'قبض / مبلغ قبض'),
  faq('working_hours', 'هر روز از هشت تا هشت پاسخگوییم.', 'ساعت کاری'),
];
const kb: KnowledgeBase = { current: () => ({ version: 1, faqs: FAQS }), onChange: () => () => {} };

const base: NluResult = { intent: null, confidence: 0.05, action: null, answer: null, queue: null, alternatives: [], slots: {}, system: null, kbVersion: 1 };
const nlu: NluEngine = {
  name: 'keywords',
  threshold: 0.5,
  vocabulary: () => [],
  parse(text: string): NluResult {
    if (text.includes('قبضم')) return { ...base, intent: 'pay_bill', confidence: 0.9, action: 'answer', answer: FAQS[2].answer };
    // Heard half-right: the best guess is below the accept threshold but well ahead of the rest.
    if (text.includes('شاید')) return { ...base, confidence: 0.42, alternatives: [{ intent: 'internet_outage', confidence: 0.42 }, { intent: 'internet_slow', confidence: 0.1 }] };
    if (text === 'بله') return { ...base, system: 'yes', slots: { yesNo: 'yes' } };
    if (text === 'نه') return { ...base, system: 'no', slots: { yesNo: 'no' } };
    if (text.includes('ممنون')) return { ...base, system: 'no' };
    return base; // what the recogniser made of speech it could not read
  },
};

let silero: SileroModel;
let speech: Int16Array;
const silence = new Int16Array(8000 * 1.2);
beforeAll(async () => {
  silero = await SileroModel.load();
  speech = (await readWav('fixtures/audio/outage.wav')).pcm;
});

function setup(script: ConstructorParameters<typeof ScriptedAsr>[0], dialog: Record<string, unknown> = {}) {
  const channel = new RecordingChannel();
  const recorder = new MemoryRecorder();
  const tts = new ToneTts();
  const config = loadConfig({}, { audio: { noInputTimeoutMs: 2000 }, asr: { timeoutMs: 1000 }, dialog });
  const deps: SessionDeps = { config, asr: new ScriptedAsr(script), tts, recorder, kb, nlu: { current: () => nlu }, createVad: (rate) => silero.createDetector(rate as 8000) };
  const session = new CallSession(channel, deps);
  return { channel, recorder, tts, run: session.run() };
}

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};
/** Waits for the bot's n-th prompt (0 = greeting) to finish, then the caller speaks. */
async function speakAfter(channel: RecordingChannel, n: number) {
  await until(() => channel.played[n]?.outcome === 'played');
  channel.say(speech);
  channel.say(silence);
}
async function pressAfter(channel: RecordingChannel, n: number, digit: string) {
  await until(() => channel.played[n]?.outcome === 'played');
  channel.press(digit);
}

describe('a caller the bot cannot understand', () => {
  it('is offered the keypad menu after two failures and reaches an answer in two key presses, without a human', async () => {
    const { channel, recorder, tts, run } = setup(['ققق ممم', 'ننن ققق', 'نه ممنون']);
    await speakAfter(channel, 0);
    await speakAfter(channel, 1); // after the first reprompt
    await until(() => tts.spoken.length >= 4);
    // Two failures in a row are a frustration cue: regret first (once), then the menu.
    expect(tts.spoken[2]).toBe('پوزش می‌خواهم که منظورتان را درست متوجه نشدم.');
    const menu = tts.spoken[3];
    expect(menu).toContain('برای اینترنت کلید یک');
    expect(menu).toContain('برای قبض کلید دو');
    expect(menu).toContain('برای ساعت کاری کلید سه');
    expect(menu).toContain('کلید صفر');
    await pressAfter(channel, 2, '2'); // topic: bills
    await until(() => tts.spoken.length >= 5);
    expect(tts.spoken[4]).toContain('برای مبلغ قبض کلید دو');
    expect(tts.spoken[4]).not.toContain('پوزش');
    await pressAfter(channel, 3, '2'); // bill amount
    await until(() => tts.spoken.includes(FAQS[3].answer));
    await speakAfter(channel, 4);
    expect(await run).toBe('completed');
    expect(recorder.turns.map((t) => t.action)).toEqual(['greeting', 'reprompt', 'menu', 'menu', 'answer', 'goodbye']);
    expect(recorder.turns[4]).toMatchObject({ input: 'dtmf', intent: 'bill_amount' });
    const menuEvents = recorder.events.filter((e) => e.type.startsWith('menu.'));
    expect(menuEvents.map((e) => [e.type, e.data])).toEqual([
      ['menu.offered', { reason: 'failures' }],
      ['menu.selected', { path: [1], topic: 'قبض' }],
      ['menu.selected', { path: [1, 1], faqId: 'bill_amount' }],
    ]);
  });

  it('is told they were not heard clearly, then offered the menu, when their speech is read as nothing at all', async () => {
    const { channel, recorder, tts, run } = setup(['', '']);
    await speakAfter(channel, 0);
    await speakAfter(channel, 1);
    await pressAfter(channel, 2, '0');
    expect(await run).toBe('handoff');
    expect(tts.spoken[1]).toBe(prompts.unclear);
    expect(recorder.turns.map((t) => [t.action, t.input])).toEqual([['greeting', 'greeting'], ['reprompt', 'speech'], ['menu', 'speech'], ['handoff', 'dtmf']]);
    expect(recorder.events.find((e) => e.type === 'menu.offered')?.data).toEqual({ reason: 'failures' });
  });

  it('keeps waiting through a short burst read as nothing, then says it heard nothing', async () => {
    const { channel, recorder, tts, run } = setup(['']);
    await until(() => channel.played[0]?.outcome === 'played');
    channel.say(speech.subarray(8000, 8000 + 3200)); // 0.4 s of the caller's voice: a cough, a word cut off
    channel.say(silence);
    await until(() => tts.spoken.length >= 2, 15_000);
    expect(tts.spoken[1]).toBe(prompts.noInput);
    channel.press('0');
    expect(await run).toBe('handoff');
    expect(recorder.turns.map((t) => [t.action, t.input])).toEqual([['greeting', 'greeting'], ['reprompt', 'no-input'], ['handoff', 'dtmf']]);
  });

  it('is handed to a human when they press 0 in the menu', async () => {
    const { channel, recorder, run } = setup(['ققق', 'ققق']);
    await speakAfter(channel, 0);
    await speakAfter(channel, 1);
    await pressAfter(channel, 2, '0');
    expect(await run).toBe('handoff');
    expect(recorder.turns.map((t) => t.action)).toEqual(['greeting', 'reprompt', 'menu', 'handoff']);
    expect(recorder.ends[0].handoffReason).toBe('dtmf-0');
  });

  it('is still understood when they speak their request during the menu', async () => {
    const { channel, recorder, tts, run } = setup(['ققق', 'ققق', 'می‌خواهم قبضم را بدهم', 'نه ممنون']);
    await speakAfter(channel, 0);
    await speakAfter(channel, 1);
    await speakAfter(channel, 2);
    await until(() => tts.spoken.includes(FAQS[2].answer));
    await speakAfter(channel, 3);
    expect(await run).toBe('completed');
    expect(recorder.turns.map((t) => t.action)).toEqual(['greeting', 'reprompt', 'menu', 'answer', 'goodbye']);
  });

  it('hears the menu again after a key that is not in it, and a topic with one FAQ answers at once', async () => {
    const { channel, tts, run } = setup(['ققق', 'ققق', 'نه ممنون']);
    await speakAfter(channel, 0);
    await speakAfter(channel, 1);
    await pressAfter(channel, 2, '7');
    await until(() => tts.spoken.length >= 5);
    expect(tts.spoken[4]).toMatch(/^این گزینه در فهرست نبود\. برای اینترنت کلید یک/);
    await pressAfter(channel, 3, '3');
    await until(() => tts.spoken.includes(FAQS[4].answer));
    await speakAfter(channel, 4);
    expect(await run).toBe('completed');
  });

  it('keeps the old way (reprompts, then a human) when ops turn the menu off', async () => {
    const { channel, recorder, run } = setup(['ققق', 'ققق', 'ققق'], { menuFallback: false });
    for (let i = 0; i < 3; i++) await speakAfter(channel, i);
    expect(await run).toBe('handoff');
    expect(recorder.turns.map((t) => t.action)).toEqual(['greeting', 'reprompt', 'reprompt', 'handoff']);
  });
});

describe('a caller the recogniser hears unclearly (its own confidence below dialog.asrConfidenceFloor, 0.75)', () => {
  it('is told so, and two such turns bring the keypad menu; each turn is recorded with its confidence', async () => {
    const { channel, recorder, tts, run } = setup([
      { text: 'اینترنت ققق', alternatives: [], confidence: 0.52 },
      { text: 'ننن', alternatives: [], confidence: 0.61 },
      'نه ممنون',
    ]);
    await speakAfter(channel, 0);
    await until(() => tts.spoken.length >= 2);
    expect(tts.spoken[1]).toBe(prompts.unclear);
    await speakAfter(channel, 1);
    await until(() => tts.spoken.length >= 4);
    expect(tts.spoken[3]).toContain('برای اینترنت کلید یک');
    await pressAfter(channel, 2, '3');
    await until(() => tts.spoken.includes(FAQS[4].answer));
    await speakAfter(channel, 3);
    expect(await run).toBe('completed');
    expect(recorder.turns.map((t) => t.action)).toEqual(['greeting', 'reprompt', 'menu', 'answer', 'goodbye']);
    expect(recorder.events.filter((e) => e.type === 'asr.low-confidence').map((e) => e.data)).toEqual([
      { confidence: 0.52, floor: 0.75, intent: null, outcome: 'failure' },
      { confidence: 0.61, floor: 0.75, intent: null, outcome: 'failure' },
    ]);
    expect(recorder.events.find((e) => e.type === 'menu.offered')?.data).toEqual({ reason: 'failures' });
  });

  it('is asked to confirm an FAQ understood from such a reading before it is answered', async () => {
    const { channel, recorder, tts, run } = setup([{ text: 'می‌خواهم قبضم را بدهم', alternatives: [], confidence: 0.6 }, 'بله', 'نه ممنون']);
    await speakAfter(channel, 0);
    await until(() => tts.spoken.length >= 2);
    expect(tts.spoken[1]).toMatch(/^منظورتان پرداخت قبض است؟/);
    await speakAfter(channel, 1);
    await until(() => tts.spoken.includes(FAQS[2].answer));
    await speakAfter(channel, 2);
    expect(await run).toBe('completed');
    expect(recorder.turns.map((t) => t.action)).toEqual(['greeting', 'confirm', 'answer', 'goodbye']);
    expect(recorder.events.find((e) => e.type === 'asr.low-confidence')?.data).toEqual({ confidence: 0.6, floor: 0.75, intent: 'pay_bill', outcome: 'confirm' });
  });
});

describe('a caller the bot half understood', () => {
  it('is asked to confirm the best guess, and «بله» answers it', async () => {
    const { channel, recorder, tts, run } = setup(['شاید اینترنت', 'بله', 'نه ممنون']);
    await speakAfter(channel, 0);
    await until(() => tts.spoken.length >= 2);
    expect(tts.spoken[1]).toMatch(/^منظورتان قطعی اینترنت است؟/);
    await speakAfter(channel, 1);
    await until(() => tts.spoken.includes(FAQS[0].answer));
    await speakAfter(channel, 2);
    expect(await run).toBe('completed');
    expect(recorder.turns.map((t) => t.action)).toEqual(['greeting', 'confirm', 'answer', 'goodbye']);
    expect(recorder.events.find((e) => e.type === 'confirm.answered')?.data).toEqual({ intent: 'internet_outage', confidence: 0.42, confirmed: true });
  });

  it('is asked again in other words when they say «نه», and key 2 counts as no too', async () => {
    const { channel, recorder, tts, run } = setup(['شاید اینترنت', 'ققق']);
    await speakAfter(channel, 0);
    await pressAfter(channel, 1, '2');
    await until(() => tts.spoken.length >= 3);
    expect(tts.spoken[2]).toBe(prompts.rejected);
    expect(recorder.events.find((e) => e.type === 'confirm.answered')?.data).toMatchObject({ intent: 'internet_outage', confirmed: false });
    // The rejected guess was the first failure; one more brings the menu.
    await speakAfter(channel, 2);
    await until(() => tts.spoken.length >= 5);
    expect(tts.spoken[4]).toContain('می‌توانم با صفحه‌کلید راهنمایی‌تان کنم');
    channel.hangUpCaller();
    await run;
    expect(recorder.turns.map((t) => t.action)).toEqual(['greeting', 'confirm', 'reprompt', 'menu']);
  });
});
