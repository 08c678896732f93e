import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sineWave } from '../src/audio/pcm.js';
import { decodeWav, encodeWav } from '../src/audio/wav.js';
import type { PcmChunk } from '../src/audio/types.js';
import { createAnswerCache, type AnswerCache } from '../src/engines/tts/cache.js';
import { createEspeakTts } from '../src/engines/tts/espeak/engine.js';
import { closeSharedEspeakHost } from '../src/engines/tts/espeak/host.js';
import { createAudioRoutes } from '../src/engines/tts/routes.js';
import { createApp } from '../src/http/app.js';
import type { Faq, KnowledgeBase } from '../src/knowledge/types.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';

const KEY = 'test-admin-key-0123456789abcdef';
const GOODBYE = 'خوشحالم که توانستم کمکتان کنم. روز خوبی داشته باشید، خدانگهدار.';
const faqs: Faq[] = [
  { id: 'goodbye', question: 'خداحافظ', answer: GOODBYE, action: 'end', queue: null, examples: [], tags: [], enabled: true },
  { id: 'pay_bill', question: 'پرداخت قبض', answer: 'پرداخت قبض از طریق پنل کاربری امکان‌پذیر است.', action: 'answer', queue: null, examples: [], tags: [], enabled: true },
];
const kb: KnowledgeBase = { current: () => ({ version: 1, faqs }), onChange: () => () => {} };
const prompts = { greeting: 'سلام، به پاسخ خوش آمدید.', transfer: 'تماس شما را به همکارانم وصل می‌کنم.' };

/** A speech-like test signal: a 200 Hz tone with a slow amplitude envelope. */
function voiceLike(seconds: number, sampleRate = 16000, amplitude = 0.3): Int16Array {
  const pcm = sineWave(200, sampleRate, Math.round(seconds * sampleRate), amplitude);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(pcm[i] * (0.6 + 0.4 * Math.sin((2 * Math.PI * 3 * i) / sampleRate)));
  return pcm;
}
const wav = (pcm: Int16Array, sampleRate = 16000) => encodeWav({ pcm, sampleRate });

async function played(cache: AnswerCache, text: string): Promise<PcmChunk> {
  const parts: Int16Array[] = [];
  let sampleRate = 0;
  for await (const c of cache.synthesize(text)) {
    parts.push(c.pcm);
    sampleRate = c.sampleRate;
  }
  const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    pcm.set(p, o);
    o += p.length;
  }
  return { pcm, sampleRate };
}

describe('recorded audio uploads', () => {
  let db: TestDatabase;
  let cache: AnswerCache;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    db = await freshPglite();
    cache = await createAnswerCache({ database: db.database, inner: await createEspeakTts({ outputRate: 8000 }), outputRate: 8000, recordingRefreshMs: 0 });
    app = createApp({
      adminKeys: () => [KEY],
      api: [{ path: '/', app: createAudioRoutes({ cache, knowledgeBase: kb, prompts: () => prompts }) }],
      readiness: [],
      renderMetrics: async () => '',
    });
  });
  afterAll(async () => {
    await db.drop();
    await closeSharedEspeakHost();
  });

  const put = (path: string, body: Uint8Array | FormData, type = 'audio/wav') =>
    app.request(path, {
      method: 'PUT',
      body: body as BodyInit,
      headers: { authorization: `Bearer ${KEY}`, ...(body instanceof FormData ? {} : { 'content-type': type }) },
    });
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

  it('requires the admin key', async () => {
    const res = await app.request('/api/answers/goodbye/audio', { method: 'PUT', body: wav(voiceLike(1)) as BodyInit });
    expect(res.status).toBe(401);
  });

  it('stores a WAV for an FAQ answer at the telephony rate, and calls then hear it instead of synthesis', async () => {
    const res = await put('/api/answers/goodbye/audio', wav(voiceLike(2)));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { sampleRate: number; durationMs: number; levels: { activeMs: number } };
    expect(body.sampleRate).toBe(8000);
    expect(body.durationMs).toBe(2000);
    expect(body.levels.activeMs).toBeGreaterThan(1500);
    const heard = await played(cache, GOODBYE);
    expect(heard.sampleRate).toBe(8000);
    expect(heard.pcm.length).toBe(16000);
    expect((await cache.lookup(GOODBYE))?.source).toBe('recording');
  });

  it('serves the stored recording back as a WAV', async () => {
    const res = await app.request('/api/answers/goodbye/audio', { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('x-recording-current')).toBe('true');
    const back = decodeWav(new Uint8Array(await res.arrayBuffer()));
    expect(back.sampleRate).toBe(8000);
    expect(back.pcm.length).toBe(16000);
  });

  it('accepts multipart uploads, MP3, and WAV in other layouts (24-bit stereo 11 kHz)', async () => {
    const form = new FormData();
    form.append('file', new Blob([readFileSync('fixtures/tts/goodbye-recording.mp3')], { type: 'audio/mpeg' }), 'greeting.mp3');
    const mp3 = await put('/api/prompts/greeting/audio', form);
    expect(mp3.status).toBe(201);
    const mp3Body = (await mp3.json()) as { durationMs: number };
    expect(mp3Body.durationMs).toBeGreaterThan(5000);
    expect(mp3Body.durationMs).toBeLessThan(6500);
    expect((await cache.lookup(prompts.greeting))?.source).toBe('recording');

    const stereo = await put('/api/prompts/transfer/audio', readFileSync('fixtures/tts/goodbye-11k-stereo-24bit.wav'));
    expect(stereo.status).toBe(201);
    expect(((await stereo.json()) as { durationMs: number }).durationMs).toBe(2500);
  });

  describe('bad uploads are refused with a clear error and the previous audio stays in use', () => {
    async function expectRefused(res: Response, status: number, code: string) {
      expect(res.status).toBe(status);
      const err = await errorOf(res);
      expect(err.code).toBe(code);
      expect(err.message.length).toBeGreaterThan(10);
      const still = await played(cache, GOODBYE);
      expect(still.pcm.length).toBe(16000); // the 2-second recording from before
    }

    it('corrupt WAV', async () => {
      const broken = wav(voiceLike(1)).slice(0, 30);
      await expectRefused(await put('/api/answers/goodbye/audio', broken), 422, 'corrupt_audio');
    });
    it('corrupt MP3 (frame sync, then garbage)', async () => {
      const junk = new Uint8Array(2000).fill(0x55);
      junk.set([0xff, 0xfb, 0x00, 0x00]);
      await expectRefused(await put('/api/answers/goodbye/audio', junk, 'audio/mpeg'), 422, 'corrupt_audio');
    });
    it('unsupported format (Ogg)', async () => {
      const ogg = new Uint8Array(500);
      ogg.set([...Buffer.from('OggS')]);
      await expectRefused(await put('/api/answers/goodbye/audio', ogg, 'audio/ogg'), 415, 'unsupported_audio');
    });
    it('silence', async () => {
      await expectRefused(await put('/api/answers/goodbye/audio', wav(new Int16Array(16000 * 3))), 422, 'silent');
    });
    it('near-silence (−60 dBFS hum)', async () => {
      await expectRefused(await put('/api/answers/goodbye/audio', wav(sineWave(100, 16000, 48000, 0.001))), 422, 'silent');
    });
    it('clipping only', async () => {
      const square = new Int16Array(16000 * 2).map((_, i) => (Math.floor(i / 40) % 2 ? 32767 : -32768));
      await expectRefused(await put('/api/answers/goodbye/audio', wav(square)), 422, 'clipped');
    });
    it('too long (over 60 s)', async () => {
      await expectRefused(await put('/api/answers/goodbye/audio', wav(voiceLike(61, 8000), 8000)), 422, 'too_long');
    });
    it('wrong FAQ id', async () => {
      const res = await put('/api/answers/no_such_faq/audio', wav(voiceLike(1)));
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe('faq_not_found');
    });
    it('unknown prompt key', async () => {
      const res = await put('/api/prompts/no_such_prompt/audio', wav(voiceLike(1)));
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe('prompt_not_found');
    });
    it('empty body', async () => {
      await expectRefused(await put('/api/answers/goodbye/audio', new Uint8Array(0)), 400, 'bad_request');
    });
  });

  it('raises a quiet but valid recording to a phone-friendly level', async () => {
    const res = await put('/api/answers/pay_bill/audio', wav(voiceLike(1.5, 16000, 0.01)));
    expect(res.status).toBe(201);
    const { levels } = (await res.json()) as { levels: { gainDb: number } };
    expect(levels.gainDb).toBeGreaterThan(6);
  });

  it('DELETE returns the answer to synthesis; a second DELETE is a 404', async () => {
    const del = await app.request('/api/answers/goodbye/audio', { method: 'DELETE', headers: { authorization: `Bearer ${KEY}` } });
    expect(del.status).toBe(204);
    expect((await cache.lookup(GOODBYE))?.source ?? 'none').not.toBe('recording');
    const heard = await played(cache, GOODBYE);
    expect(heard.pcm.length).not.toBe(16000);
    const again = await app.request('/api/answers/goodbye/audio', { method: 'DELETE', headers: { authorization: `Bearer ${KEY}` } });
    expect(again.status).toBe(404);
    const get = await app.request('/api/answers/goodbye/audio', { headers: { authorization: `Bearer ${KEY}` } });
    expect(get.status).toBe(404);
  });
});
