import { createHash } from 'node:crypto';
import { resample } from '../../audio/resample.js';
import type { PcmChunk } from '../../audio/types.js';
import type { TtsAudioRepository } from './audio-repository.js';
import type { MemoryAudioCache } from './memory-cache.js';

export interface Recording {
  owner: string;
  text: string;
  sampleRate: number;
  pcm: Int16Array;
  createdAt: Date;
}

/** The `tts_audio` key of `owner`'s recording: one recording per owner, replaced in place. */
export const recordingKey = (owner: string) => createHash('sha256').update(`recording\n${owner}`).digest('hex');

/**
 * Uploaded recordings ('faq:<id>', 'prompt:<key>'): stored in `tts_audio`, indexed in memory by the
 * hash of the text they were recorded for, so every request can check for one without a query.
 * Audio is kept at the cache's output rate, so a hit plays without resampling.
 */
export class RecordingStore {
  // text hash → recording key, for the precedence check on every request.
  private index = new Map<string, string>();
  // Recording key → created_at, to notice a recording replaced on another instance.
  private versions = new Map<string, number>();

  /**
   * @param hashText the hash a request's text is looked up by (the cache's spoken form and output rate).
   */
  constructor(
    private readonly repository: TtsAudioRepository,
    private readonly memory: MemoryAudioCache,
    private readonly hashText: (text: string) => string,
  ) {}

  /** The key of the recording made for `text`, if there is one (no query: the index is in memory). */
  keyFor(text: string): string | undefined {
    return this.index.get(this.hashText(text));
  }

  /** Re-reads which recordings exist (uploads, replacements and deletions made by other instances). */
  async refresh(): Promise<void> {
    const next = new Map<string, string>();
    const versions = new Map<string, number>();
    for (const r of await this.repository.recordingIndex()) {
      next.set(r.textHash, r.key);
      versions.set(r.key, r.createdAt.getTime());
    }
    // Recordings deleted or replaced elsewhere: drop their stale audio from memory.
    for (const [key, version] of this.versions) if (versions.get(key) !== version) this.memory.forget(key);
    this.index = next;
    this.versions = versions;
  }

  /** Stores `owner`'s recording at `sampleRate`, replacing any previous one atomically. */
  async put(owner: string, text: string, audio: PcmChunk, sampleRate: number): Promise<Recording> {
    const pcm = audio.sampleRate === sampleRate ? audio.pcm : resample(audio.pcm, audio.sampleRate, sampleRate);
    const key = recordingKey(owner);
    const textHash = this.hashText(text);
    const createdAt = await this.repository.upsertRecording({ key, owner, text, textHash, sampleRate, pcm });
    this.unindex(key);
    this.index.set(textHash, key);
    this.versions.set(key, createdAt.getTime());
    this.memory.put({ key, source: 'recording', audio: { pcm, sampleRate } });
    return { owner, text, sampleRate, pcm, createdAt };
  }

  async get(owner: string): Promise<Recording | null> {
    const row = await this.repository.getRecording(recordingKey(owner));
    return row ? { owner, ...row } : null;
  }

  async delete(owner: string): Promise<boolean> {
    const key = recordingKey(owner);
    const deleted = await this.repository.deleteRecording(key);
    this.unindex(key);
    this.versions.delete(key);
    this.memory.forget(key);
    return deleted;
  }

  private unindex(key: string): void {
    for (const [hash, k] of this.index) if (k === key) this.index.delete(hash);
  }
}
