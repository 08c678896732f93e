import { describe, expect, it } from 'vitest';
import { MemoryAudioCache, type CachedAudio } from '../src/engines/tts/memory-cache.js';

/** An entry whose PCM weighs `samples * 2` bytes. */
const entry = (key: string, samples: number): CachedAudio => ({
  key,
  source: 'tts',
  audio: { pcm: new Int16Array(samples).fill(key.length), sampleRate: 8000 },
});

describe('memory audio cache', () => {
  it('counts bytes of PCM and evicts the least recently used first when over the limit', () => {
    const cache = new MemoryAudioCache(300);
    cache.put(entry('a', 50));
    cache.put(entry('b', 50));
    cache.put(entry('c', 50));
    expect(cache.byteLength).toBe(300);
    expect(cache.get('a')?.key).toBe('a'); // a is now the most recent; b is the oldest
    cache.put(entry('d', 50));
    expect(cache.has('b')).toBe(false);
    expect([...['a', 'c', 'd']].every((k) => cache.has(k))).toBe(true);
    expect(cache.size).toBe(3);
    expect(cache.byteLength).toBe(300);
  });

  it('replacing a key re-counts its bytes instead of adding them', () => {
    const cache = new MemoryAudioCache(1_000);
    cache.put(entry('a', 100));
    cache.put(entry('a', 40));
    expect(cache.size).toBe(1);
    expect(cache.byteLength).toBe(80);
    expect(cache.get('a')?.audio.pcm.length).toBe(40);
  });

  it('keeps the newest entry even when it alone is over the limit', () => {
    const cache = new MemoryAudioCache(100);
    cache.put(entry('small', 10));
    cache.put(entry('huge', 500));
    expect(cache.has('small')).toBe(false);
    expect(cache.has('huge')).toBe(true);
    expect(cache.byteLength).toBe(1_000);
  });

  it('forget drops an entry and its bytes; an unknown key is a no-op', () => {
    const cache = new MemoryAudioCache(1_000);
    cache.put(entry('a', 10));
    cache.forget('zzz');
    cache.forget('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.byteLength).toBe(0);
    expect(cache.size).toBe(0);
  });
});
