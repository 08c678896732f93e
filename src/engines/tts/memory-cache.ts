import type { PcmChunk } from '../../audio/types.js';

/** One cached answer: decoded audio and where it came from (synthesis or an uploaded recording). */
export interface CachedAudio {
  key: string;
  audio: PcmChunk;
  source: 'tts' | 'recording';
}

/**
 * Decoded audio held in memory, least recently used first out, bounded by bytes of PCM rather than
 * by entries: one long answer weighs as much as many short prompts. The database behind it keeps
 * everything, so an eviction only costs a query on the next hit.
 */
export class MemoryAudioCache {
  // A Map keeps insertion order: the first key is the least recently used; a hit re-inserts.
  private readonly entries = new Map<string, CachedAudio>();
  private bytes = 0;

  constructor(private readonly limitBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get byteLength(): number {
    return this.bytes;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The entry, marked as just used; undefined when it is not in memory. */
  get(key: string): CachedAudio | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /** Stores (or replaces) an entry, then evicts the oldest until under the limit; the newest always stays. */
  put(entry: CachedAudio): void {
    this.forget(entry.key);
    this.entries.set(entry.key, entry);
    this.bytes += entry.audio.pcm.byteLength;
    for (const [key, e] of this.entries) {
      if (this.bytes <= this.limitBytes || this.entries.size <= 1) break;
      this.entries.delete(key);
      this.bytes -= e.audio.pcm.byteLength;
    }
  }

  forget(key: string): void {
    const e = this.entries.get(key);
    if (e) {
      this.entries.delete(key);
      this.bytes -= e.audio.pcm.byteLength;
    }
  }
}
