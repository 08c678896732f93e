import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PcmChunk } from '../src/audio/types.js';
import { createEspeakTts } from '../src/engines/tts/espeak/engine.js';
import { closeSharedEspeakHost, sharedEspeakHost } from '../src/engines/tts/espeak/host.js';
import { splitForSpeech } from '../src/engines/tts/segment.js';
import type { TtsEngine } from '../src/engines/tts/types.js';

async function collect(engine: TtsEngine, text: string, signal?: AbortSignal): Promise<PcmChunk[]> {
  const chunks: PcmChunk[] = [];
  for await (const c of engine.synthesize(text, { signal })) chunks.push(c);
  return chunks;
}

function joined(chunks: PcmChunk[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.pcm.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c.pcm, o);
    o += c.pcm.length;
  }
  return out;
}

function rms(pcm: Int16Array): number {
  let s = 0;
  for (const v of pcm) s += v * v;
  return Math.sqrt(s / Math.max(1, pcm.length));
}

const LONG_ANSWER =
  'متأسفم که با قطعی اینترنت روبه‌رو شده‌اید. لطفاً یک بار مودم را خاموش کنید و پس از سی ثانیه دوباره روشن کنید. ' +
  'اگر چراغ ADSL یا Internet مودم همچنان خاموش یا چشمک‌زن است، مشکل از خط است و من درخواست شما را برای بررسی فنی ثبت می‌کنم.';

describe('espeak backend (eSpeak NG WASM, Persian voice)', () => {
  let tts: TtsEngine;
  beforeAll(async () => {
    tts = await createEspeakTts({ voice: 'fa', rate: 165 });
  });
  afterAll(() => closeSharedEspeakHost());

  it('produces non-silent Persian speech of plausible duration at the native rate', async () => {
    const chunks = await collect(tts, 'سلام، به پاسخ خوش آمدید. چطور می‌توانم کمکتان کنم؟');
    const host = await sharedEspeakHost();
    expect(chunks.every((c) => c.sampleRate === host.sampleRate)).toBe(true);
    const pcm = joined(chunks);
    const seconds = pcm.length / host.sampleRate;
    // Ten words at 165 words a minute with two pauses: between 2 and 7 seconds.
    expect(seconds).toBeGreaterThan(2);
    expect(seconds).toBeLessThan(7);
    expect(rms(pcm)).toBeGreaterThan(500);
  });

  it('speaks normalised text: digits make audio as long as their words do', async () => {
    const digits = joined(await collect(tts, 'کد ۴۵۶'));
    const words = joined(await collect(tts, 'کد چهار پنج شش'));
    expect(Math.abs(digits.length - words.length)).toBeLessThan(words.length * 0.05);
    expect(tts.spokenForm!('کد ۴۵۶')).toBe('کد چهار پنج شش');
  });

  it('pauses audibly between the groups of a dictated phone number', async () => {
    const pcm = joined(await collect(tts, 'شماره‌ی ۰۹۱۲۱۲۳۴۵۶۷ است.'));
    const host = await sharedEspeakHost();
    const frame = Math.round(host.sampleRate / 50);
    let pauses = 0;
    let quiet = 0;
    for (let i = 0; i + frame <= pcm.length; i += frame) {
      if (rms(pcm.subarray(i, i + frame)) < 100) quiet++;
      else {
        if (quiet * 20 >= 120) pauses++;
        quiet = 0;
      }
    }
    // «صفر نهصد و دوازده، صد و بیست و سه، چهل و پنج، شصت و هفت»: three breaks between four groups.
    expect(pauses).toBeGreaterThanOrEqual(3);
  });

  it('yields the first audio long before the whole answer is synthesised', async () => {
    const started = performance.now();
    let firstAt = 0;
    let chunks = 0;
    for await (const _ of tts.synthesize(LONG_ANSWER)) {
      if (chunks++ === 0) firstAt = performance.now() - started;
    }
    const totalMs = performance.now() - started;
    expect(chunks).toBeGreaterThan(20);
    expect(firstAt).toBeLessThan(totalMs / 3);
  });

  it('stops synthesising when the caller barges in (abort signal)', async () => {
    const controller = new AbortController();
    const chunks: PcmChunk[] = [];
    for await (const c of tts.synthesize(LONG_ANSWER, { signal: controller.signal })) {
      chunks.push(c);
      if (chunks.length === 2) controller.abort();
    }
    const full = await collect(tts, LONG_ANSWER);
    expect(chunks.length).toBeLessThan(full.length / 3);
  });

  it('resamples to the telephony rate when asked, keeping the duration', async () => {
    const phone = await createEspeakTts({ outputRate: 8000 });
    const text = 'پرداخت قبض از طریق پنل کاربری امکان‌پذیر است.';
    const at8k = await collect(phone, text);
    const native = joined(await collect(tts, text));
    expect(at8k.every((c) => c.sampleRate === 8000)).toBe(true);
    const host = await sharedEspeakHost();
    expect(joined(at8k).length / 8000).toBeCloseTo(native.length / host.sampleRate, 1);
    expect(phone.outputRate).toBe(8000);
  });

  it('takes rate, pitch and voice variants from its options, and they are part of the voice id', async () => {
    const fast = await createEspeakTts({ rate: 300 });
    const female = await createEspeakTts({ voice: 'fa+f3', pitch: 70 });
    const text = 'خوشحالم که توانستم کمکتان کنم.';
    const normal = joined(await collect(tts, text));
    expect(joined(await collect(fast, text)).length).toBeLessThan(normal.length * 0.75);
    const f3 = joined(await collect(female, text));
    expect(f3.length).toBeGreaterThan(0);
    expect(Buffer.from(f3.buffer).equals(Buffer.from(normal.buffer))).toBe(false);
    expect(new Set([tts.voice, fast.voice, female.voice]).size).toBe(3);
  });

  it('rejects a voice eSpeak does not have and out-of-range settings', async () => {
    await expect(createEspeakTts({ voice: 'xx' })).rejects.toThrow(/no voice/);
    await expect(createEspeakTts({ rate: 20 })).rejects.toThrow(/rate/);
  });
});

describe('sentence and clause splitting', () => {
  it('splits at Persian sentence and clause punctuation, keeping it', () => {
    expect(splitForSpeech('سلام، خوش آمدید. سؤالی دارید؟ بفرمایید!')).toEqual(['سلام،', 'خوش آمدید.', 'سؤالی دارید؟', 'بفرمایید!']);
    expect(splitForSpeech('اول؛ دوم')).toEqual(['اول؛', 'دوم']);
  });
  it('breaks a long clause at a conjunction, with a short first piece', () => {
    const clause =
      'لطفاً دستگاه‌های دیگر را از وای‌فای جدا کنید و با یک سیستم سرعت را در سایت تست سرعت بسنجید که نتیجه دقیق باشد';
    const pieces = splitForSpeech(clause);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces[0].split(' ').length).toBeLessThanOrEqual(8);
    expect(pieces.join(' ')).toBe(clause);
    expect(pieces.slice(1).some((p) => p.startsWith('و ') || p.startsWith('که '))).toBe(true);
  });
});
