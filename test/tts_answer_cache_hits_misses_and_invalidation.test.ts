import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PcmChunk } from '../src/audio/types.js';
import { sineWave } from '../src/audio/pcm.js';
import { createAnswerCache, type AnswerCache } from '../src/engines/tts/cache.js';
import { createEspeakTts } from '../src/engines/tts/espeak/engine.js';
import { closeSharedEspeakHost } from '../src/engines/tts/espeak/host.js';
import type { SynthesisOptions, TtsEngine } from '../src/engines/tts/types.js';
import type { Faq, KbSnapshot, KnowledgeBase } from '../src/knowledge/types.js';
import { backends, freshPglite, type TestDatabase } from './helpers/databases.js';

/** Counts how often the real engine underneath is asked to speak. */
function counted(engine: TtsEngine): TtsEngine & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: engine.name,
    voice: engine.voice,
    outputRate: engine.outputRate,
    spokenForm: engine.spokenForm?.bind(engine),
    calls,
    synthesize(text: string, options?: SynthesisOptions) {
      calls.push(text);
      return engine.synthesize(text, options);
    },
    close: () => engine.close(),
  };
}

async function collect(engine: TtsEngine, text: string): Promise<PcmChunk[]> {
  const out: PcmChunk[] = [];
  for await (const c of engine.synthesize(text)) out.push(c);
  return out;
}

function pcmOf(chunks: PcmChunk[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.pcm.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c.pcm, o);
    o += c.pcm.length;
  }
  return out;
}

const same = (a: Int16Array, b: Int16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** A knowledge base as the contract describes it: snapshots, listeners called after a change goes live. */
class TestKnowledgeBase implements KnowledgeBase {
  private snapshot: KbSnapshot = { version: 1, faqs: [] };
  private listeners = new Set<(s: KbSnapshot) => void>();
  current() {
    return this.snapshot;
  }
  onChange(listener: (s: KbSnapshot) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  publish(faqs: Faq[]) {
    this.snapshot = { version: this.snapshot.version + 1, faqs };
    for (const l of this.listeners) l(this.snapshot);
  }
}

const faq = (id: string, answer: string, enabled = true): Faq => ({
  id, question: id, answer, action: 'answer', queue: null, examples: [], tags: [], enabled,
});

describe('answer cache', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshPglite();
  });
  afterAll(async () => {
    await db.drop();
    await closeSharedEspeakHost();
  });

  async function cacheOver(inner: TtsEngine, outputRate = 8000): Promise<AnswerCache> {
    return createAnswerCache({ database: db.database, inner, outputRate, recordingRefreshMs: 0 });
  }

  it('synthesises a miss once, then serves the identical audio from the cache', async () => {
    const inner = counted(await createEspeakTts({ outputRate: 8000 }));
    const cache = await cacheOver(inner);
    const text = 'پرداخت قبض از طریق پنل کاربری امکان‌پذیر است.';
    const first = pcmOf(await collect(cache, text));
    await cache.idle();
    const second = await collect(cache, text);
    expect(inner.calls).toEqual([text]);
    expect(second.every((c) => c.sampleRate === 8000)).toBe(true);
    expect(same(pcmOf(second), first)).toBe(true);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, hitRate: 0.5 });
  });

  it('keeps entries in the database: a new instance (restart) hits without synthesising', async () => {
    const text = 'دفاتر حضوری شنبه تا چهارشنبه باز هستند.';
    const before = await cacheOver(await createEspeakTts({ outputRate: 8000 }));
    const audio = pcmOf(await collect(before, text));
    await before.idle();
    const inner = counted(await createEspeakTts({ outputRate: 8000 }));
    const after = await cacheOver(inner);
    expect(same(pcmOf(await collect(after, text)), audio)).toBe(true);
    expect(inner.calls).toEqual([]);
  });

  it('keys on the spoken form: two spellings of one answer share audio', async () => {
    const inner = counted(await createEspeakTts({ outputRate: 8000 }));
    const cache = await cacheOver(inner);
    await collect(cache, 'با شماره‌ی ۰۹۱۲۱۲۳۴۵۶۷ تماس بگیرید.');
    await cache.idle();
    await collect(cache, 'با شماره‌ی 0912 123 4567 تماس بگیرید.');
    expect(inner.calls).toHaveLength(1);
  });

  it('a changed text or a changed voice is a new key, synthesised afresh', async () => {
    const normal = counted(await createEspeakTts({ outputRate: 8000 }));
    const cache = await cacheOver(normal);
    await collect(cache, 'سرویس شما فعال شد.');
    await cache.idle();
    await collect(cache, 'سرویس شما فعال شد!');
    expect(normal.calls).toHaveLength(2);

    const faster = counted(await createEspeakTts({ outputRate: 8000, rate: 220 }));
    const other = await cacheOver(faster);
    await collect(other, 'سرویس شما فعال شد.');
    expect(faster.calls).toHaveLength(1);
  });

  it('resamples the inner engine to the output rate and stores it at that rate', async () => {
    const native = counted(await createEspeakTts());
    const cache = await cacheOver(native, 8000);
    const chunks = await collect(cache, 'حجم باقی‌مانده برایتان پیامک می‌شود.');
    expect(chunks.every((c) => c.sampleRate === 8000)).toBe(true);
    await cache.idle();
    const stored = await cache.lookup('حجم باقی‌مانده برایتان پیامک می‌شود.');
    expect(stored?.audio.sampleRate).toBe(8000);
    expect(stored?.audio.pcm.length).toBe(pcmOf(chunks).length);
  });

  it('does not store an answer cut short by barge-in', async () => {
    const inner = counted(await createEspeakTts({ outputRate: 8000 }));
    const cache = await cacheOver(inner);
    const text = 'برای تنظیم مودم، نشانی ۱۹۲.۱۶۸.۱.۱ را در مرورگر باز کنید و با نام کاربری و رمز پیش‌فرض وارد شوید.';
    const controller = new AbortController();
    for await (const _ of cache.synthesize(text, { signal: controller.signal })) controller.abort();
    await cache.idle();
    expect(await cache.lookup(text)).toBeNull();
  });

  it('warm() returns at once and synthesises in the background', async () => {
    const inner = counted(await createEspeakTts({ outputRate: 8000 }));
    const cache = await cacheOver(inner);
    const texts = ['تعرفه‌ها در سایت آمده است.', 'بسته‌های ترافیک اضافه در همان بخش است.'];
    let settled = false;
    const done = cache.warm(texts).then(() => (settled = true));
    expect(settled).toBe(false);
    expect(cache.stats().warmPending).toBeGreaterThan(0);
    await done;
    await cache.idle();
    for (const t of texts) expect((await cache.lookup(t))?.source).toBe('tts');
    await collect(cache, texts[0]);
    expect(cache.stats().hits).toBe(1);
    expect(inner.calls).toEqual(texts);
  });

  it('synthesises every enabled FAQ answer when the knowledge base is imported or edited', async () => {
    const inner = counted(await createEspeakTts({ outputRate: 8000 }));
    const cache = await cacheOver(inner);
    const kb = new TestKnowledgeBase();
    const stop = cache.attachKnowledgeBase(kb);
    kb.publish([faq('a', 'پشتیبانی تلفنی شبانه‌روزی است.'), faq('b', 'آی‌پی ثابت قابل خرید است.'), faq('c', 'این پاسخ غیرفعال است.', false)]);
    await cache.idle();
    expect((await cache.lookup('پشتیبانی تلفنی شبانه‌روزی است.'))?.source).toBe('tts');
    expect(await cache.lookup('این پاسخ غیرفعال است.')).toBeNull();

    // An edit: the new text is warmed; the old entry stays (a rollback finds it) but is no longer asked for.
    kb.publish([faq('a', 'پشتیبانی تلفنی نت‌آسا شبانه‌روزی است.'), faq('b', 'آی‌پی ثابت قابل خرید است.')]);
    await cache.idle();
    expect(await cache.lookup('پشتیبانی تلفنی نت‌آسا شبانه‌روزی است.')).not.toBeNull();
    expect(inner.calls.filter((t) => t === 'آی‌پی ثابت قابل خرید است.')).toHaveLength(1);
    stop();
    kb.publish([faq('d', 'پاسخ بعد از لغو اشتراک.')]);
    await cache.idle();
    expect(await cache.lookup('پاسخ بعد از لغو اشتراک.')).toBeNull();
  });

  it('prunes old call-time misses (dynamic texts) but keeps warmed answers however old', async () => {
    const inner = counted(await createEspeakTts({ outputRate: 8000 }));
    const cache = await createAnswerCache({ database: db.database, inner, outputRate: 8000, recordingRefreshMs: 0, missRetentionDays: 7 });
    const dynamic = 'شما نفر ۷ در صف هستید.';
    const answer = 'ثبت‌نام سرویس جدید از بخش ثبت‌نام آنلاین سایت انجام می‌شود.';
    await collect(cache, dynamic);
    await cache.warm([answer]);
    await cache.idle();
    await db.database.query("update tts_audio set created_at = now() - interval '8 days' where text = any($1::text[])", [[dynamic, answer]]);
    expect(await cache.prune()).toBe(1);
    expect(await cache.lookup(dynamic)).toBeNull();
    expect((await cache.lookup(answer))?.source).toBe('tts');
    await collect(cache, dynamic);
    expect(inner.calls.filter((t) => t === dynamic)).toHaveLength(2);
  });

  it('a recording takes precedence over synthesis for its text, and deleting it restores synthesis', async () => {
    const inner = counted(await createEspeakTts({ outputRate: 8000 }));
    const cache = await cacheOver(inner);
    const text = 'خوشحالم که توانستم کمکتان کنم.';
    const synthesised = pcmOf(await collect(cache, text));
    await cache.idle();
    const voice = sineWave(220, 16000, 16000, 0.3);
    await cache.putRecording('faq:goodbye', text, { pcm: voice, sampleRate: 16000 });
    const played = await collect(cache, text);
    expect(played.every((c) => c.sampleRate === 8000)).toBe(true);
    expect(pcmOf(played).length).toBe(8000);
    expect(cache.stats().recordingHits).toBe(1);

    // Another instance sees it (read from the database), and a new upload replaces it.
    const other = await cacheOver(counted(await createEspeakTts({ outputRate: 8000 })));
    expect((await other.lookup(text))?.source).toBe('recording');
    await cache.putRecording('faq:goodbye', text, { pcm: sineWave(440, 8000, 4000, 0.3), sampleRate: 8000 });
    await other.refreshRecordings();
    expect((await other.lookup(text))?.audio.pcm.length).toBe(4000);

    expect(await cache.deleteRecording('faq:goodbye')).toBe(true);
    expect(same(pcmOf(await collect(cache, text)), synthesised)).toBe(true);
    expect(await cache.deleteRecording('faq:goodbye')).toBe(false);
  });
});

describe.each(backends)('answer cache storage on $name', ({ open }) => {
  it('round-trips PCM bytes exactly through the tts_audio table', async () => {
    const db = await open();
    try {
      const inner = await createEspeakTts({ outputRate: 8000 });
      const cache = await createAnswerCache({ database: db.database, inner, outputRate: 8000, recordingRefreshMs: 0 });
      const text = 'کد پیگیری شما ۱۲۳۴۵ است.';
      const audio = pcmOf(await collect(cache, text));
      await cache.idle();
      const again = await createAnswerCache({ database: db.database, inner, outputRate: 8000, recordingRefreshMs: 0 });
      const stored = await again.lookup(text);
      expect(stored?.source).toBe('tts');
      expect(same(stored!.audio.pcm, audio)).toBe(true);
      const rows = await db.database.query<{ n: number }>("select count(*)::int as n from tts_audio where source = 'tts'");
      expect(rows[0].n).toBe(1);

      // Recordings: replaced in one statement, read back exactly, found by text on another instance.
      const take1 = sineWave(300, 8000, 8000, 0.2);
      const take2 = sineWave(350, 8000, 12000, 0.2);
      await cache.putRecording('prompt:greeting', text, { pcm: take1, sampleRate: 8000 });
      await cache.putRecording('prompt:greeting', text, { pcm: take2, sampleRate: 8000 });
      const back = await again.getRecording('prompt:greeting');
      expect(same(back!.pcm, take2)).toBe(true);
      await again.refreshRecordings();
      expect((await again.lookup(text))?.source).toBe('recording');
      const recs = await db.database.query<{ n: number }>("select count(*)::int as n from tts_audio where source = 'recording'");
      expect(recs[0].n).toBe(1);
    } finally {
      await db.drop();
    }
  });
});
