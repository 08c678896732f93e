import { beforeAll, describe, expect, it } from 'vitest';
import { SileroModel } from '../src/audio/vad.js';
import { readWav } from '../src/audio/wav.js';
import { loadConfig } from '../src/config/load.js';
import { CallSession } from '../src/dialog/session.js';
import type { AsrEngine } from '../src/engines/asr/types.js';
import { createLocalAsr } from '../src/engines/factory.js';
import type { NluEngine, NluResult } from '../src/engines/nlu/types.js';
import type { Faq, KnowledgeBase } from '../src/knowledge/types.js';
import { MemoryRecorder, RecordingChannel, ToneTts } from './helpers/scripted-call.js';

// Issue 19: a caller the recogniser cannot read gets the keypad menu, and may still say what they
// want over it. Real Silero VAD and the bundled recogniser on recorded speech: the two turns it
// cannot read are recorded questions played backwards. Such audio used to leave Silero's recurrent
// state deaf, the more so the longer the line was quiet after it: the request spoken over the menu
// reached the recogniser without its start («تم قطع شده چیکار کنم», «کار کنم»: the onset came late,
// beyond the pre-roll) or, after 5 s of listening to the menu, was not heard at all.
const faq = (id: string, answer: string, menu: string): Faq => ({
  id, question: `${id}?`, answer, action: 'answer', queue: null, examples: [], tags: [], menu, enabled: true,
});
const FAQS: Faq[] = [
  faq('internet_outage', 'مودم را خاموش و روشن کنید.', 'اینترنت / قطعی اینترنت'),
  faq('internet_slow', 'سرعت را از صفحه‌ی کاربری بسنجید.', 'اینترنت / کندی اینترنت'),
  faq('pay_bill', 'قبض را در درگاه پرداخت کنید.', 'قبض'),
];
const kb: KnowledgeBase = { current: () => ({ version: 1, faqs: FAQS }), onChange: () => () => {} };

const nothing: NluResult = { intent: null, confidence: 0.02, action: null, answer: null, queue: null, alternatives: [], slots: {}, system: null, kbVersion: 1 };
// Understood only with its first word: «قطع شده» alone could be anything that stopped.
const nlu: NluEngine = {
  name: 'keywords',
  threshold: 0.5,
  vocabulary: () => [],
  parse: (text) => (text.includes('اینترنت') && text.includes('قطع') ? { ...nothing, intent: 'internet_outage', confidence: 0.9, action: 'answer', answer: FAQS[0].answer } : nothing),
};

let silero: SileroModel;
let asr: AsrEngine;
let request: Int16Array;
let unreadable: Int16Array[];
const pause = new Int16Array(8000 * 1.5);

beforeAll(async () => {
  silero = await SileroModel.load();
  asr = await createLocalAsr(loadConfig({}, {}));
  request = (await readWav('fixtures/audio/outage.wav')).pcm;
  unreadable = await Promise.all(['outage', 'slow'].map(async (name) => (await readWav(`fixtures/audio/${name}.wav`)).pcm.slice().reverse()));
}, 120_000);

const until = async (cond: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('a caller the recogniser could not read', () => {
  it('is heard from their first word when they then say their request over the keypad menu', async () => {
    const channel = new RecordingChannel();
    // Prompts take four times as long as they sound: the request surely lands while the menu plays.
    channel.playbackSpeedup = 0.25;
    const recorder = new MemoryRecorder();
    const tts = new ToneTts();
    const config = loadConfig({}, { audio: { noInputTimeoutMs: 20_000 }, asr: { timeoutMs: 20_000 } });
    const session = new CallSession(channel, { config, asr, tts, recorder, kb, nlu: { current: () => nlu }, createVad: (rate) => silero.createDetector(rate as 8000) });
    const run = session.run();

    for (const [i, pcm] of unreadable.entries()) {
      await until(() => channel.played[i]?.outcome === 'played');
      channel.say(pcm);
      channel.say(pause);
    }
    // The menu has started (regret, then the keys): the caller listens a while, then talks over it.
    // The longer the line is quiet after the unreadable turns, the deafer the detector was.
    await until(() => recorder.turns.length === 3 && channel.played.length === 3);
    expect(channel.played[2].outcome).toBeUndefined();
    channel.say(new Int16Array(8000 * 5));
    channel.say(request);
    channel.say(pause);
    await until(() => recorder.turns.length === 4);
    channel.hangUpCaller();
    await run;

    expect(recorder.turns.map((t) => [t.action, t.input]), JSON.stringify(recorder.turns)).toEqual([
      ['greeting', 'greeting'],
      ['reprompt', 'speech'],
      ['menu', 'speech'],
      ['answer', 'speech'],
    ]);
    expect(channel.played[2].outcome).toBe('cleared');
    expect(recorder.events.map((e) => e.type)).toContain('barge-in');
    expect(recorder.turns[3].heardText).toBe('اینترنتم قطع شده چیکار کنم');
    expect(recorder.turns[3].intent).toBe('internet_outage');
  }, 120_000);
});
