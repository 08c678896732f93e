import { createHash } from 'node:crypto';
import { concatPcm } from '../../audio/pcm.js';
import { Resampler, resample } from '../../audio/resample.js';
import type { PcmChunk } from '../../audio/types.js';
import type { Faq, KnowledgeBase } from '../../knowledge/types.js';
import type { Database } from '../../store/db.js';
import { toSpokenForm } from './spoken/index.js';
import type { SynthesisOptions, TtsEngine } from './types.js';
import { askReadiness } from '../readiness.js';

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
  logger?: { warn(obj: object, msg: string): void };
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

export interface Recording {
  owner: string;
  text: string;
  sampleRate: number;
  pcm: Int16Array;
  createdAt: Date;
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

interface Entry {
  key: string;
  audio: PcmChunk;
  source: 'tts' | 'recording';
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function toBytes(pcm: Int16Array): Buffer {
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

function fromBytes(bytes: Uint8Array): Int16Array {
  // Copy: the driver's buffer may not be 2-byte aligned.
  const copy = new Uint8Array(bytes.byteLength - (bytes.byteLength % 2));
  copy.set(bytes.subarray(0, copy.length));
  return new Int16Array(copy.buffer);
}

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
 * and is stored for next time.
 */
export async function createAnswerCache(options: AnswerCacheOptions): Promise<AnswerCache> {
  const { database, inner } = options;
  const storeMisses = options.storeMisses ?? true;
  const memoryLimit = options.memoryBytes ?? 64 * 1024 * 1024;
  const log = options.logger ?? { warn: () => {} };
  const spoken = (text: string) => (inner.spokenForm ? inner.spokenForm(text) : toSpokenForm(text));
  let rate: number | undefined = options.outputRate ?? inner.outputRate;
  const rateLabel = () => String(rate ?? 'native');

  const synthKey = (spokenText: string) => sha256(`tts\n${inner.voice}\n${rateLabel()}\n${spokenText}`);
  const textHash = (spokenText: string) => sha256(`${rateLabel()}\n${spokenText}`);
  const recordingKey = (owner: string) => sha256(`recording\n${owner}`);

  // Memory: an LRU of decoded audio (Map keeps insertion order; a hit re-inserts).
  const memory = new Map<string, Entry>();
  let memoryBytes = 0;
  // Which keys exist in the database, so a certain miss costs no query.
  const knownKeys = new Set<string>();
  // text hash → recording key, for the precedence check on every request.
  let recordingIndex = new Map<string, string>();
  const counters = { hits: 0, recordingHits: 0, misses: 0, warmed: 0, warmErrors: 0 };

  function remember(entry: Entry) {
    const old = memory.get(entry.key);
    if (old) memoryBytes -= old.audio.pcm.byteLength;
    memory.delete(entry.key);
    memory.set(entry.key, entry);
    memoryBytes += entry.audio.pcm.byteLength;
    for (const [key, e] of memory) {
      if (memoryBytes <= memoryLimit || memory.size <= 1) break;
      memory.delete(key);
      memoryBytes -= e.audio.pcm.byteLength;
    }
  }

  function forget(key: string) {
    const e = memory.get(key);
    if (e) {
      memory.delete(key);
      memoryBytes -= e.audio.pcm.byteLength;
    }
  }

  async function load(key: string): Promise<Entry | null> {
    const hit = memory.get(key);
    if (hit) {
      memory.delete(key);
      memory.set(key, hit);
      return hit;
    }
    const rows = await database.query<{ sample_rate: number; pcm: Uint8Array; source: 'tts' | 'recording' }>(
      'select sample_rate, pcm, source from tts_audio where key = $1',
      [key],
    );
    if (rows.length === 0) return null;
    const entry: Entry = { key, source: rows[0].source, audio: { pcm: fromBytes(rows[0].pcm), sampleRate: rows[0].sample_rate } };
    remember(entry);
    return entry;
  }

  // Recording key → created_at, to notice a recording replaced on another instance.
  let recordingVersions = new Map<string, number>();

  async function refreshRecordings() {
    const rows = await database.query<{ key: string; text_hash: string; created_at: Date }>(
      "select key, text_hash, created_at from tts_audio where source = 'recording' order by created_at",
    );
    const next = new Map<string, string>();
    const versions = new Map<string, number>();
    for (const r of rows) {
      next.set(r.text_hash, r.key);
      versions.set(r.key, new Date(r.created_at).getTime());
    }
    // Recordings deleted or replaced elsewhere: drop their stale audio from memory.
    for (const [key, version] of recordingVersions) if (versions.get(key) !== version) forget(key);
    recordingIndex = next;
    recordingVersions = versions;
  }

  for (const r of await database.query<{ key: string }>("select key from tts_audio where source = 'tts'")) knownKeys.add(r.key);
  await refreshRecordings();
  const refreshMs = options.recordingRefreshMs ?? 30_000;
  const refreshTimer =
    refreshMs > 0
      ? setInterval(() => refreshRecordings().catch((err) => log.warn({ err }, 'tts cache: recording refresh failed')), refreshMs)
      : null;
  refreshTimer?.unref();

  async function find(text: string): Promise<Entry | null> {
    const s = spoken(text);
    const recKey = recordingIndex.get(textHash(s));
    if (recKey) {
      const rec = await load(recKey);
      if (rec) return rec;
    }
    const key = synthKey(s);
    if (memory.has(key) || knownKeys.has(key)) return load(key);
    return null;
  }

  async function store(key: string, text: string, audio: PcmChunk) {
    remember({ key, audio, source: 'tts' });
    knownKeys.add(key);
    await database.query(
      `insert into tts_audio (key, text, text_hash, voice, sample_rate, pcm, source)
       values ($1, $2, $3, $4, $5, $6, 'tts') on conflict (key) do nothing`,
      [key, text, textHash(spoken(text)), inner.voice, audio.sampleRate, toBytes(audio.pcm)],
    );
  }

  // Keys of warmed texts (answers, prompts): kept however old they are.
  const pinned = new Set<string>();
  const retentionDays = options.missRetentionDays ?? 7;
  async function prune(): Promise<number> {
    if (retentionDays <= 0) return 0;
    const cutoff = new Date(Date.now() - retentionDays * 86_400_000);
    const rows = await database.query<{ key: string }>(
      "delete from tts_audio where source = 'tts' and created_at < $1 and not (key = any($2::text[])) returning key",
      [cutoff, [...pinned]],
    );
    for (const r of rows) {
      knownKeys.delete(r.key);
      forget(r.key);
    }
    return rows.length;
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

  // Background warming: one text at a time so call-time synthesis is never starved.
  const queue: { text: string; done: () => void }[] = [];
  let running: Promise<void> | null = null;
  let closed = false;

  async function runQueue() {
    while (queue.length > 0 && !closed) {
      const job = queue.shift()!;
      pinned.add(synthKey(spoken(job.text)));
      try {
        if (!(await find(job.text)) && !inFlight.has(synthKey(spoken(job.text)))) {
          for await (const _ of synthesizeMiss(job.text, {}, true)) {
            // drained into the store by synthesizeMiss
          }
          counters.warmed++;
        }
      } catch (err) {
        counters.warmErrors++;
        log.warn({ err, text: job.text.slice(0, 80) }, 'tts cache: warming failed');
      } finally {
        job.done();
      }
      // Let call-time work run between answers.
      await new Promise((resolve) => setImmediate(resolve));
    }
    running = null;
  }

  function warm(texts: Iterable<string>): Promise<void> {
    const waits: Promise<void>[] = [];
    const seen = new Set(queue.map((j) => j.text));
    for (const text of texts) {
      if (!text.trim() || seen.has(text)) continue;
      seen.add(text);
      waits.push(new Promise<void>((done) => queue.push({ text, done })));
    }
    if (!running && queue.length > 0) running = runQueue();
    return Promise.all(waits).then(() => undefined);
  }

  async function putRecording(owner: string, text: string, audio: PcmChunk): Promise<Recording> {
    const target = rate ?? audio.sampleRate;
    const pcm = audio.sampleRate === target ? audio.pcm : resample(audio.pcm, audio.sampleRate, target);
    const key = recordingKey(owner);
    const th = textHash(spoken(text));
    // One upsert: the previous recording stays in use until this statement commits.
    const rows = await database.query<{ created_at: Date }>(
      `insert into tts_audio (key, text, text_hash, voice, sample_rate, pcm, source, owner)
       values ($1, $2, $3, 'recording', $4, $5, 'recording', $6)
       on conflict (key) do update set text = excluded.text, text_hash = excluded.text_hash,
         sample_rate = excluded.sample_rate, pcm = excluded.pcm, created_at = now()
       returning created_at`,
      [key, text, th, target, toBytes(pcm), owner],
    );
    for (const [h, k] of recordingIndex) if (k === key) recordingIndex.delete(h);
    recordingIndex.set(th, key);
    recordingVersions.set(key, new Date(rows[0].created_at).getTime());
    remember({ key, source: 'recording', audio: { pcm, sampleRate: target } });
    return { owner, text, sampleRate: target, pcm, createdAt: new Date(rows[0].created_at) };
  }

  async function getRecording(owner: string): Promise<Recording | null> {
    const rows = await database.query<{ text: string; sample_rate: number; pcm: Uint8Array; created_at: Date }>(
      "select text, sample_rate, pcm, created_at from tts_audio where key = $1 and source = 'recording'",
      [recordingKey(owner)],
    );
    if (rows.length === 0) return null;
    const r = rows[0];
    return { owner, text: r.text, sampleRate: r.sample_rate, pcm: fromBytes(r.pcm), createdAt: new Date(r.created_at) };
  }

  async function deleteRecording(owner: string): Promise<boolean> {
    const key = recordingKey(owner);
    const rows = await database.query("delete from tts_audio where key = $1 and source = 'recording' returning key", [key]);
    for (const [h, k] of recordingIndex) if (k === key) recordingIndex.delete(h);
    recordingVersions.delete(key);
    forget(key);
    return rows.length > 0;
  }

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
      memoryBytes,
      warmPending: queue.length + (running ? 1 : 0),
    }),
    async lookup(text: string) {
      const e = await find(text);
      return e ? { source: e.source, audio: e.audio } : null;
    },
    putRecording,
    getRecording,
    deleteRecording,
    refreshRecordings,
    prune,
    async idle() {
      while (running || writes.size > 0) {
        if (running) await running;
        await Promise.all([...writes]);
      }
    },
    // The cache answers from memory and the database; what can fail is the engine behind it.
    readiness: async () => (closed ? { ready: false, detail: 'answer cache is closed' } : askReadiness(inner)),
    async close() {
      closed = true;
      if (refreshTimer) clearInterval(refreshTimer);
      if (pruneTimer) clearInterval(pruneTimer);
      queue.splice(0).forEach((j) => j.done());
      await running;
      await Promise.all([...writes]);
      await inner.close();
    },
  };
}
