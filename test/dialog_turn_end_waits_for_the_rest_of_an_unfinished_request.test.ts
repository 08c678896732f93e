import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SileroModel } from '../src/audio/vad.js';
import { readWav } from '../src/audio/wav.js';
import { loadConfig } from '../src/config/load.js';
import { pauseMelody } from '../src/dialog/prosody.js';
import { completeness, shouldEndTurn, type HeardSoFar, type TurnEndOptions } from '../src/dialog/turn_end.js';
import type { AsrEngine } from '../src/engines/asr/types.js';
import { createLocalAsr, createLocalTts } from '../src/engines/factory.js';
import type { NluEngine } from '../src/engines/nlu/types.js';
import type { TtsEngine } from '../src/engines/tts/types.js';
import { speechFor } from '../src/sim/cli.js';
import { listen, sampleNlu } from '../tools/lib/turn-end-run.js';

const heard = (text: string, faqConfident = false, atPause = text): HeardSoFar => ({ atPause, settled: text, faqConfident });
const smart: TurnEndOptions = { mode: 'smart', silenceMs: 500, completeMs: 200, likelyMs: 850, maxMs: 1200 };

describe('whether the words so far make a complete request', () => {
  it('is no while the last word leaves the sentence hanging («که»، «و»، «برای»، «اگه»، «یعنی», «می‌خواستم»)', () => {
    for (const text of ['اینترنتم قطع شده و', 'می‌خواستم بپرسم که', 'زنگ زدم برای', 'اگه', 'مودمم خاموش میشه یعنی', 'سلام وقت بخیر من می‌خواستم']) {
      expect(completeness(heard(text, true))).toEqual({ complete: false, why: 'dangling' });
    }
  });

  it('is no after a hesitation («اِ»، «اممم»)', () => {
    expect(completeness(heard('قبضم رو اِ', true)).why).toBe('hesitation');
    expect(completeness(heard('قبضم رو اممم', true)).why).toBe('hesitation');
  });

  it('is yes when a request ends in its verb: with a confident FAQ match, or three words and more', () => {
    expect(completeness(heard('اینترنتم قطع شده چیکار کنم', true))).toEqual({ complete: true, why: 'faq' });
    expect(completeness(heard('سرعت اینترنتم خیلی پایینه', true))).toEqual({ complete: true, why: 'faq' });
    expect(completeness(heard('من قبضم را پرداخت کردم', false))).toEqual({ complete: true, why: 'verb' });
    expect(completeness(heard('از صبح هیچی باز نمیشه', false)).complete).toBe(true);
  });

  it('is not yet when an FAQ matches words without a verb, which usually start a question', () => {
    expect(completeness(heard('سرعت', true)).complete).toBe(false);
    expect(completeness(heard('حجم باقیمونده', true)).complete).toBe(false);
    expect(completeness(heard('برای خرید اینترنت بسته', true)).complete).toBe(false);
  });

  it('is not yet when a word appeared after the pause began (the caller was still speaking), but a revised letter is no matter', () => {
    expect(completeness(heard('اینترنتم قطع شده چیکار کنم', true, 'اینترنتم قطع شده چیکار')).why).toBe('unsettled');
    expect(completeness(heard('قیمت اینترنت فیبر چقدره', true, 'قیمت اینترنت فیبر چقدر')).complete).toBe(true);
  });

  it('takes «می‌خواستم» after its object as the main verb', () => {
    expect(completeness(heard('لیست قیمت بسته ها رو می‌خواستم', true)).complete).toBe(true);
  });
});

describe('when the turn ends', () => {
  it('answers after about 200 ms of silence when the request is complete, and waits up to 1,200 ms when it is not', () => {
    const done = heard('اینترنتم قطع شده چیکار کنم', true);
    const hanging = heard('اینترنتم قطع شده و', true);
    expect(shouldEndTurn(160, done, smart)).toBe(false);
    expect(shouldEndTurn(224, done, smart)).toBe(true);
    expect(shouldEndTurn(224, hanging, smart)).toBe(false);
    expect(shouldEndTurn(1184, hanging, smart)).toBe(false);
    expect(shouldEndTurn(1216, hanging, smart)).toBe(true);
  });

  it('answers a likely complete request (a confident FAQ match without the verb heard) after a silence longer than a mid-sentence pause', () => {
    const likely = heard('سرعت اینترنتم خیلی پایین', true);
    expect(completeness(likely)).toMatchObject({ complete: false, likely: true });
    expect(shouldEndTurn(800, likely, smart)).toBe(false);
    expect(shouldEndTurn(864, likely, smart)).toBe(true);
  });

  it('keeps the plain silence as a setting, and uses it when the recogniser cannot say what it heard so far', () => {
    const plain = { ...smart, mode: 'silence' as const };
    expect(shouldEndTurn(480, heard('اینترنتم قطع شده چیکار کنم', true), plain)).toBe(false);
    expect(shouldEndTurn(512, heard('اینترنتم قطع شده و', true), plain)).toBe(true);
    expect(shouldEndTurn(224, 'unknown', smart)).toBe(false);
    expect(shouldEndTurn(512, 'unknown', smart)).toBe(true);
    expect(loadConfig({}, {}).audio).toMatchObject({ turnEnd: 'smart', turnEndCompleteMs: 200, turnEndLikelyMs: 850, turnEndMaxMs: 1200, endSilenceMs: 500 });
  });
});

describe('the melody at a pause', () => {
  const ms = (pcm: Int16Array, at: number) => pcm.slice(0, at * 8);
  it('falls at the end of a recorded question and stays level in its middle', async () => {
    // Points inside a word run or between words of one clause, and each recording's end.
    for (const [name, middle] of [['outage', 1200], ['slow', 1300], ['operator', 1000]] as const) {
      const pcm = (await readWav(`fixtures/audio/${name}.wav`)).pcm;
      expect(pauseMelody(pcm, 8000)!.finalSemitones, name).toBeLessThan(-3);
      expect(pauseMelody(ms(pcm, middle), 8000)!.finalSemitones, `${name} @${middle}`).toBeGreaterThan(-1);
    }
  });

  it('cannot be told from a few voiced frames, or from silence', async () => {
    const pcm = (await readWav('fixtures/audio/outage.wav')).pcm;
    expect(pauseMelody(ms(pcm, 300), 8000)).toBeNull();
    expect(pauseMelody(new Int16Array(8000), 8000)).toBeNull();
  });

  it('makes a complete request whose voice did not fall wait as long as a likely one; a falling one is answered at once', () => {
    const withMelody = { ...smart, fallSemitones: 2 };
    const level = { ...heard('تکنسین کی میاد', true), melody: { finalSemitones: -0.4, voicedFrames: 80 } };
    const falling = { ...heard('تکنسین کی میاد', true), melody: { finalSemitones: -4.1, voicedFrames: 80 } };
    expect(shouldEndTurn(224, level, withMelody)).toBe(false);
    expect(shouldEndTurn(800, level, withMelody)).toBe(false);
    expect(shouldEndTurn(864, level, withMelody)).toBe(true);
    expect(shouldEndTurn(224, falling, withMelody)).toBe(true);
    // No melody read (too little voiced) or none asked for: the words decide, as before.
    expect(shouldEndTurn(224, { ...level, melody: null }, withMelody)).toBe(true);
    expect(shouldEndTurn(224, level, smart)).toBe(true);
    expect(loadConfig({}, {}).audio.turnEndFallSemitones).toBe(2);
  });

  it('answers a likely complete request said with a falling voice after 400 ms, and one said with the voice level after 850 ms', () => {
    const withMelody = { ...smart, fallSemitones: 2, likelyFallMs: 400 };
    // The recogniser dropped the colloquial copula of «… پایینه»; the voice still says the sentence is over.
    const falling = { ...heard('سرعت اینترنتم خیلی پایین', true), melody: { finalSemitones: -4.7, voicedFrames: 80 } };
    const level = { ...falling, melody: { finalSemitones: -0.6, voicedFrames: 80 } };
    expect(shouldEndTurn(352, falling, withMelody)).toBe(false);
    expect(shouldEndTurn(416, falling, withMelody)).toBe(true);
    expect(shouldEndTurn(416, level, withMelody)).toBe(false);
    expect(shouldEndTurn(864, level, withMelody)).toBe(true);
    // Words that are not a likely request are not hurried by the melody: no FAQ match, or a dangling word.
    expect(shouldEndTurn(416, { ...falling, faqConfident: false }, withMelody)).toBe(false);
    expect(shouldEndTurn(416, { ...heard('سرعت اینترنتم خیلی کند شده و', true), melody: falling.melody }, withMelody)).toBe(false);
    // Not asked for, or no melody read: the likely request waits as before.
    expect(shouldEndTurn(416, falling, { ...withMelody, likelyFallMs: undefined })).toBe(false);
    expect(shouldEndTurn(416, { ...falling, melody: null }, withMelody)).toBe(false);
    expect(loadConfig({}, {}).audio.turnEndLikelyFallMs).toBe(400);
    expect(loadConfig({}, { audio: { turnEndLikelyFallMs: null } }).audio.turnEndLikelyFallMs).toBeNull();
    // A setting no caller could be served with is refused at start, naming the setting.
    expect(() => loadConfig({}, { audio: { turnEndLikelyFallMs: 10 } })).toThrow(/audio\.turnEndLikelyFallMs/);
    expect(() => loadConfig({}, { audio: { turnEndLikelyFallMs: 'soon' } } as never)).toThrow(/audio\.turnEndLikelyFallMs/);
  });
});

describe('end of turn on speech, through VAD and the recogniser', () => {
  let silero: SileroModel;
  let asr: AsrEngine;
  let tts: TtsEngine;
  let nlu: NluEngine;
  beforeAll(async () => {
    silero = await SileroModel.load();
    const config = loadConfig({}, {});
    asr = await createLocalAsr(config);
    tts = await createLocalTts(config);
    nlu = sampleNlu();
  });
  afterAll(async () => {
    await asr?.close();
    await tts?.close();
  });
  const run = (pcm: Int16Array, turnEnd: TurnEndOptions = smart) => listen(pcm, { silero, asr, nlu, turnEnd });

  it('answers a complete FAQ question early: the recorded «اینترنتم قطع شده چیکار کنم» after about 200 ms', async () => {
    const [turn, ...more] = await run((await readWav('fixtures/audio/outage.wav')).pcm);
    expect(more).toEqual([]);
    expect(turn.turnEnd).toBe('complete');
    expect(turn.endpointMs).toBeLessThanOrEqual(256);
    // Its voice falls at the end: reading the melody (audio.turnEndFallSemitones) costs it nothing.
    const [sung] = await run((await readWav('fixtures/audio/outage.wav')).pcm, { ...smart, fallSemitones: 2 });
    expect(sung).toMatchObject({ turnEnd: 'complete' });
    expect(sung.endpointMs).toBeLessThanOrEqual(256);
    const [plain] = await run((await readWav('fixtures/audio/outage.wav')).pcm, { ...smart, mode: 'silence' });
    expect(plain.endpointMs).toBeGreaterThanOrEqual(500);
  });

  it('answers the recorded «سرعت اینترنتم خیلی پایینه», its copula often not heard, after 400 ms because the voice fell', async () => {
    const pcm = (await readWav('fixtures/audio/slow.wav')).pcm;
    const [turn, ...more] = await run(pcm, { ...smart, fallSemitones: 2, likelyFallMs: 400 });
    expect(more).toEqual([]);
    expect(turn.text).toMatch(/پایین$/);
    expect(turn.turnEnd).toBe('likely, voice fell');
    expect(turn.endpointMs).toBeGreaterThanOrEqual(400);
    expect(turn.endpointMs).toBeLessThanOrEqual(448);
    // Without the melody it waited the 850 ms of a likely request.
    const [unsung] = await run(pcm);
    expect(unsung.endpointMs).toBeGreaterThanOrEqual(850);
  });

  it('waits on a dangling conjunction: «سرعت اینترنتم خیلی کند شده و» is not taken as the end before 1,200 ms', async () => {
    const [turn] = await run(await speechFor(tts, 'سرعت اینترنتم خیلی کند شده و'));
    expect(turn.text).toMatch(/ و$/);
    expect(turn.turnEnd).toBe('silence');
    expect(turn.endpointMs).toBeGreaterThanOrEqual(1200);
  });

  it('waits through a pause after words that are complete but said with the voice still up: «تکنسین کی میاد … برای نصب»', async () => {
    const whole = await speechFor(tts, 'تکنسین کی میاد برای نصب');
    const first = await speechFor(tts, 'تکنسین کی میاد');
    // The word boundary inside the sentence as spoken whole: the quietest 30 ms near where the first words end.
    let at = 0;
    let least = Infinity;
    for (let i = Math.round(first.length * 0.7); i + 240 <= Math.min(whole.length, first.length + 640); i += 80) {
      const e = whole.subarray(i, i + 240).reduce((a, x) => a + x * x, 0);
      if (e < least) [least, at] = [e, i + 120];
    }
    const pcm = new Int16Array(whole.length + 0.6 * 8000);
    pcm.set(whole.subarray(0, at));
    pcm.set(whole.subarray(at), at + 0.6 * 8000);
    const withMelody = await run(pcm, { ...smart, fallSemitones: 2 });
    expect(withMelody.map((t) => t.text)).toHaveLength(1);
    // The words alone took «تکنسین کی میاد» as the whole request and answered inside the pause.
    expect(await run(pcm)).toHaveLength(2);
  });

  it('hears a question with a 600 ms pause after «می‌خواستم» as one turn, where plain silence cut it in two', async () => {
    const gap = new Int16Array(0.6 * 8000);
    const first = await speechFor(tts, 'سلام وقت بخیر من می‌خواستم');
    const second = await speechFor(tts, 'بدونم اینترنتم چرا انقدر کند شده');
    const pcm = new Int16Array(first.length + gap.length + second.length);
    pcm.set(first);
    pcm.set(second, first.length + gap.length);
    expect(await run(pcm)).toHaveLength(1);
    expect(await run(pcm, { ...smart, mode: 'silence' })).toHaveLength(2);
  });
});
