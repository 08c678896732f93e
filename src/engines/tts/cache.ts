import { createHash } from 'node:crypto';
import { concatPcm } from '../../audio/pcm.js';
import { Resampler } from '../../audio/resample.js';
import type { PcmChunk } from '../../audio/types.js';
import type { Faq, KnowledgeBase } from '../../knowledge/types.js';
import type { Logger } from '../../logger.js';
import type { Database } from '../../store/db.js';
import { toSpokenForm } from './spoken/index.js';
import type { SynthesisOptions, TtsEngine } from './types.js';
import { askReadiness } from '../readiness.js';
import { TtsAudioRepository } from './audio-repository.js';
import { MemoryAudioCache, type CachedAudio } from './memory-cache.js';
import { RecordingStore, type Recording } from './recording-store.js';
import { Warmer } from './warmer.js';

export type { Recording } from './recording-store.js';

export interface AnswerCacheOptions {
  database: Database;
  /** The engine that synthesises misses (espeak, onnx, grpc). The cache owns it and closes it. */
  inner: TtsEngine;
  /** Rate of everything the cache yields and stores (8000 for the phone line). Default: the inner engine's. */
  outputRate?: number;
  /** Memory held for hits, in bytes of PCM (default 64 MiB); the database keeps everything. */
  memoryBytes?: number;
  /** Store call-time misses too (default true); warm() and the knowledge base always store. */
  storeMisses?: boolean;
  /**
   * Call-time misses (dynamic texts: names, amounts, tracking codes) are dropped from the database
   * after this many days (default 7; 0 = keep). Warmed answers and prompts are never pruned.
   */
  missRetentionDays?: number;
  /** How often to re-read which recordings exist, so uploads on another instance take effect (default 30 s; 0 = never). */
  recordingRefreshMs?: number;
  logger?: Pick<Logger, 'warn'>;
}

export interface CacheStats {
  hits: number;
  recordingHits: number;
  misses: number;
  /** hits / (hits + misses); 0 before the first request. */
  hitRate: number;
  memoryEntries: number;
  memoryBytes: number;
  warmed: number;
  warmErrors: number;
  warmPending: number;
}

export interface AnswerCache extends TtsEngine {
  /** Synthesises and stores `texts` in the background; the returned promise settles when they are done (no need to await it). */
  warm(texts: Iterable<string>): Promise<void>;
  /** Warms every enabled FAQ answer now and after every import, edit or rollback. Returns unsubscribe. */
  attachKnowledgeBase(kb: KnowledgeBase): () => void;
  stats(): CacheStats;
  /** The audio a call would hear for `text` without synthesising: recording first, then cache. */
  lookup(text: string): Promise<{ source: 'tts' | 'recording'; audio: PcmChunk } | null>;
  /** Stores a recording for `owner` ('faq:<id>', 'prompt:<key>'), replacing any previous one atomically. */
  putRecording(owner: string, text: string, audio: PcmChunk): Promise<Recording>;
  getRecording(owner: string): Promise<Recording | null>;
  deleteRecording(owner: string): Promise<boolean>;
  /** Re-reads which recordings exist (uploads made by other instances). */
  refreshRecordings(): Promise<void>;
  /** Deletes stored call-time misses older than the retention; returns how many. Runs hourly by itself. */
  prune(): Promise<number>;
  /** Resolves when the background warm queue is empty and every store has reached the database. */
  idle(): Promise<void>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Yield cached audio in one-second chunks: cheap to re-frame, and a barge-in stops between them. */
function* chunked(audio: PcmChunk): Generator<PcmChunk> {
  const step = audio.sampleRate;
  for (let i = 0; i < audio.pcm.length; i += step) {
    yield { pcm: audio.pcm.subarray(i, i + step), sampleRate: audio.sampleRate };
  }
}

/**
 * The answer cache: a TtsEngine in front of another one. Known answers (warmed from the knowledge
 * base and the fixed prompts) play from memory with no synthesis; uploaded recordings take precedence
 * over synthesis for the text they were recorded for; anything else streams from the inner engine
 * and is stored for next time. The parts live apart: the LRU (memory-cache.ts), the SQL
 * (audio-repository.ts), the recordings (recording-store.ts) and the warming queue (warmer.ts); this
 * wrapper keys, resamples and decides what is stored.
 */
export async function createAnswerCache(options: AnswerCacheOptions): Promise<AnswerCache> {
  const { inner } = options;
  const storeMisses = options.storeMisses ?? true;
  const log = options.logger ?? { warn: () => {} };
  const spoken = (text: string) => (inner.spokenForm ? inner.spokenForm(text) : toSpokenForm(text));
  let rate: number | undefined = options.outputRate ?? inner.outputRate;
  const rateLabel = () => String(rate ?? 'native');

  const synthKey = (spokenText: string) => sha256(`tts\n${inner.voice}\n${rateLabel()}\n${spokenText}`);
  const textHash = (spokenText: string) => sha256(`${rateLabel()}\n${spokenText}`);

  const repository = new TtsAudioRepository(options.database);
  const memory = new MemoryAudioCache(options.memoryBytes ?? 64 * 1024 * 1024);
  const recordings = new RecordingStore(repository, memory, (text) => textHash(spoken(text)));
  // Which keys exist in the database, so a certain miss costs no query.
  const knownKeys = new Set<string>(await repository.synthesisedKeys());
  const counters = { hits: 0, recordingHits: 0, misses: 0 };

  async function load(key: string): Promise<CachedAudio | null> {
    const held = memory.get(key);
    if (held) return held;
    const row = await repository.get(key);
    if (!row) return null;
    const entry: CachedAudio = { key, source: row.source, audio: { pcm: row.pcm, sampleRate: row.sampleRate } };
    memory.put(entry);
    return entry;
  }

  await recordings.refresh();
  const refreshMs = options.recordingRefreshMs ?? 30_000;
  const refreshTimer =
    refreshMs > 0
      ? setInterval(() => recordings.refresh().catch((err) => log.warn({ err }, 'tts cache: recording refresh failed')), refreshMs)
      : null;
  refreshTimer?.unref();

  async function find(text: string): Promise<CachedAudio | null> {
    const recorded = recordings.keyFor(text);
    if (recorded) {
      const rec = await load(recorded);
      if (rec) return rec;
    }
    const key = synthKey(spoken(text));
    if (memory.has(key) || knownKeys.has(key)) return load(key);
    return null;
  }

  async function store(key: string, text: string, audio: PcmChunk) {
    memory.put({ key, audio, source: 'tts' });
    knownKeys.add(key);
    await repository.insertSynthesised({
      key, text, textHash: textHash(spoken(text)), voice: inner.voice, sampleRate: audio.sampleRate, pcm: audio.pcm,
    });
  }

  // Keys of warmed texts (answers, prompts): kept however old they are.
  const pinned = new Set<string>();
  const retentionDays = options.missRetentionDays ?? 7;
  async function prune(): Promise<number> {
    if (retentionDays <= 0) return 0;
    const cutoff = new Date(Date.now() - retentionDays * 86_400_000);
    const deleted = await repository.deleteSynthesisedBefore(cutoff, pinned);
    for (const key of deleted) {
      knownKeys.delete(key);
      memory.forget(key);
    }
    return deleted.length;
  }
  const pruneTimer = retentionDays > 0 ? setInterval(() => prune().catch((err) => log.warn({ err }, 'tts cache: prune failed')), 3_600_000) : null;
  pruneTimer?.unref();

  // Database writes not yet finished (idle() waits for them).
  const writes = new Set<Promise<void>>();
  // Keys being synthesised now, so a warm and a call for the same text store it once.
  const inFlight = new Set<string>();

  async function* synthesizeMiss(text: string, synthOptions: SynthesisOptions, persist: boolean): AsyncGenerator<PcmChunk> {
    const signal = synthOptions.signal;
    const key = synthKey(spoken(text));
    const owner = !inFlight.has(key);
    if (owner) inFlight.add(key);
    const parts: Int16Array[] = [];
    let resampler: Resampler | null = null;
    let complete = false;
    try {
      for await (const chunk of inner.synthesize(text, synthOptions)) {
        if (rate === undefined) rate = chunk.sampleRate; // first audio tells us the engine's rate
        let pcm = chunk.pcm;
        if (chunk.sampleRate !== rate) {
          resampler ??= new Resampler(chunk.sampleRate, rate);
          pcm = resampler.push(pcm);
        }
        if (pcm.length === 0) continue;
        parts.push(pcm);
        yield { pcm, sampleRate: rate };
      }
      if (resampler) {
        const tail = resampler.flush();
        if (tail.length > 0) {
          parts.push(tail);
          yield { pcm: tail, sampleRate: rate! };
        }
      }
      complete = !signal?.aborted;
    } finally {
      if (owner) inFlight.delete(key);
      // Only whole answers are stored: a barge-in or an engine error leaves nothing half-said behind.
      if (owner && complete && persist && rate !== undefined && parts.length > 0) {
        const audio = { pcm: concatPcm(parts), sampleRate: rate };
        const write = store(key, text, audio)
          .catch((err) => log.warn({ err }, 'tts cache: could not store audio'))
          .finally(() => writes.delete(write));
        writes.add(write);
      }
    }
  }

  async function* synthesize(text: string, synthOptions: SynthesisOptions = {}): AsyncGenerator<PcmChunk> {
    const hit = await find(text);
    if (hit) {
      counters.hits++;
      if (hit.source === 'recording') counters.recordingHits++;
      for (const chunk of chunked(hit.audio)) {
        if (synthOptions.signal?.aborted) return;
        yield chunk;
      }
      return;
    }
    counters.misses++;
    yield* synthesizeMiss(text, synthOptions, storeMisses);
  }

  const warmer = new Warmer({
    logger: log,
    async warmOne(text) {
      const key = synthKey(spoken(text));
      pinned.add(key);
      if ((await find(text)) || inFlight.has(key)) return false;
      for await (const _ of synthesizeMiss(text, {}, true)) {
        // drained into the store by synthesizeMiss
      }
      return true;
    },
  });
  const warm = (texts: Iterable<string>) => warmer.warm(texts);
  let closed = false;

  return {
    name: `cache(${inner.name})`,
    voice: inner.voice,
    get outputRate() {
      return rate;
    },
    spokenForm: spoken,
    synthesize,
    warm,
    attachKnowledgeBase(kb: KnowledgeBase) {
      const answers = (faqs: readonly Faq[]) =>
        faqs.filter((f) => f.enabled && f.answer.trim()).map((f) => f.answer);
      // Never awaited: an import returns at once and the answers are synthesised behind it.
      void warm(answers(kb.current().faqs));
      return kb.onChange((snapshot) => void warm(answers(snapshot.faqs)));
    },
    stats: () => ({
      ...counters,
      hitRate: counters.hits + counters.misses === 0 ? 0 : counters.hits / (counters.hits + counters.misses),
      memoryEntries: memory.size,
      memoryBytes: memory.byteLength,
      warmed: warmer.warmed,
      warmErrors: warmer.errors,
      warmPending: warmer.pending,
    }),
    async lookup(text: string) {
      const e = await find(text);
      return e ? { source: e.source, audio: e.audio } : null;
    },
    // Recordings are kept at the rate calls hear; before the first audio that is the upload's own.
    putRecording: (owner: string, text: string, audio: PcmChunk): Promise<Recording> =>
      recordings.put(owner, text, audio, rate ?? audio.sampleRate),
    getRecording: (owner: string) => recordings.get(owner),
    deleteRecording: (owner: string) => recordings.delete(owner),
    refreshRecordings: () => recordings.refresh(),
    prune,
    async idle() {
      while (warmer.pending > 0 || writes.size > 0) {
        await warmer.idle();
        await Promise.all([...writes]);
      }
    },
    // The cache answers from memory and the database; what can fail is the engine behind it.
    readiness: async () => (closed ? { ready: false, detail: 'answer cache is closed' } : askReadiness(inner)),
    async close() {
      closed = true;
      if (refreshTimer) clearInterval(refreshTimer);
      if (pruneTimer) clearInterval(pruneTimer);
      await warmer.close();
      await Promise.all([...writes]);
      await inner.close();
    },
  };
}
