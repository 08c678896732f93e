import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TtsAudioRepository } from '../src/engines/tts/audio-repository.js';
import { MemoryAudioCache } from '../src/engines/tts/memory-cache.js';
import { RecordingStore, recordingKey } from '../src/engines/tts/recording-store.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';

// The cache hashes the spoken form; here the text itself, with ی/ک folded as the spoken form would.
const hashText = (text: string) => text.replace(/ي/g, 'ی').replace(/ك/g, 'ک');
const tone = (n: number, rate = 8000) => ({ pcm: Int16Array.from({ length: n }, (_, i) => (i % 100) * 100), sampleRate: rate });

describe('recording store', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshPglite();
  });
  afterAll(() => db.drop());

  const storeOver = (memory = new MemoryAudioCache(1 << 20)) =>
    ({ memory, store: new RecordingStore(new TtsAudioRepository(db.database), memory, hashText) });

  it('indexes a recording by the text it was made for, in memory at the requested rate', async () => {
    const { memory, store } = storeOver();
    const rec = await store.put('faq:1', 'ساعت کاری', tone(16_000, 16_000), 8000);
    expect(rec.sampleRate).toBe(8000);
    expect(rec.pcm.length).toBe(8000);
    // Looked up through the cache's text hash, so the Arabic-yeh spelling finds it too.
    expect(store.keyFor('ساعت کاري')).toBe(recordingKey('faq:1'));
    expect(store.keyFor('چیز دیگر')).toBeUndefined();
    expect(memory.get(recordingKey('faq:1'))?.source).toBe('recording');
    expect((await store.get('faq:1'))?.text).toBe('ساعت کاری');
  });

  it('a replacement moves the index to the new text; a delete drops index, memory and row', async () => {
    const { memory, store } = storeOver();
    await store.put('faq:2', 'متن اول', tone(800), 8000);
    await store.put('faq:2', 'متن دوم', tone(400), 8000);
    expect(store.keyFor('متن اول')).toBeUndefined();
    expect(store.keyFor('متن دوم')).toBe(recordingKey('faq:2'));
    expect(memory.get(recordingKey('faq:2'))?.audio.pcm.length).toBe(400);
    expect(await store.delete('faq:2')).toBe(true);
    expect(store.keyFor('متن دوم')).toBeUndefined();
    expect(memory.has(recordingKey('faq:2'))).toBe(false);
    expect(await store.get('faq:2')).toBeNull();
    expect(await store.delete('faq:2')).toBe(false);
  });

  it('refresh picks up uploads and replacements made by another instance and drops stale audio', async () => {
    const here = storeOver();
    const there = storeOver();
    await here.store.put('prompt:hello', 'سلام', tone(800), 8000);
    await there.store.refresh();
    expect(there.store.keyFor('سلام')).toBe(recordingKey('prompt:hello'));
    here.memory.put({ key: recordingKey('prompt:hello'), source: 'recording', audio: tone(800) });
    // created_at has millisecond resolution: make sure the replacement is a later version.
    await new Promise((r) => setTimeout(r, 5));
    await there.store.put('prompt:hello', 'درود', tone(200), 8000);
    await here.store.refresh();
    expect(here.memory.has(recordingKey('prompt:hello'))).toBe(false);
    expect(here.store.keyFor('سلام')).toBeUndefined();
    expect(here.store.keyFor('درود')).toBe(recordingKey('prompt:hello'));
  });
});
