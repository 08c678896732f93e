import { and, asc, eq, lt, sql } from 'drizzle-orm';
import type { Database } from '../../store/db.js';
import { ttsAudio } from '../../store/schema/tts.js';

/** A row of `tts_audio` as the cache reads it back. */
export interface StoredAudio {
  sampleRate: number;
  pcm: Int16Array;
  source: 'tts' | 'recording';
}

export interface StoredRecording {
  text: string;
  sampleRate: number;
  pcm: Int16Array;
  createdAt: Date;
}

/** Where a recording is indexed: the spoken text it replaces synthesis for, and when it was made. */
export interface RecordingIndexRow {
  key: string;
  textHash: string;
  createdAt: Date;
}

export interface SynthesisedRow {
  key: string;
  text: string;
  textHash: string;
  voice: string;
  sampleRate: number;
  pcm: Int16Array;
}

export interface RecordingRow {
  key: string;
  owner: string;
  text: string;
  textHash: string;
  sampleRate: number;
  pcm: Int16Array;
}

function toBytes(pcm: Int16Array): Buffer {
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

function fromBytes(bytes: Uint8Array): Int16Array {
  // Copy: the driver's buffer may not be 2-byte aligned.
  const copy = new Uint8Array(bytes.byteLength - (bytes.byteLength % 2));
  copy.set(bytes.subarray(0, copy.length));
  return new Int16Array(copy.buffer);
}

/**
 * The `tts_audio` table: synthesised answers (source 'tts') and uploaded recordings (source
 * 'recording') as 16-bit PCM. Every SQL statement the answer cache runs is here, so the cache's
 * logic can be read (and tested) apart from the storage.
 */
export class TtsAudioRepository {
  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.db;
  }

  async get(key: string): Promise<StoredAudio | null> {
    const [row] = await this.db
      .select({ sampleRate: ttsAudio.sampleRate, pcm: ttsAudio.pcm, source: ttsAudio.source })
      .from(ttsAudio)
      .where(eq(ttsAudio.key, key));
    if (!row) return null;
    return { sampleRate: row.sampleRate, pcm: fromBytes(row.pcm), source: row.source };
  }

  /** Keys of every synthesised entry, so a certain miss costs no query. */
  async synthesisedKeys(): Promise<string[]> {
    const rows = await this.db.select({ key: ttsAudio.key }).from(ttsAudio).where(eq(ttsAudio.source, 'tts'));
    return rows.map((r) => r.key);
  }

  /** Every recording, oldest first (a later one for the same text wins when indexed in order). */
  async recordingIndex(): Promise<RecordingIndexRow[]> {
    return this.db
      .select({ key: ttsAudio.key, textHash: ttsAudio.textHash, createdAt: ttsAudio.createdAt })
      .from(ttsAudio)
      .where(eq(ttsAudio.source, 'recording'))
      .orderBy(asc(ttsAudio.createdAt));
  }

  /** Stores synthesised audio; a key already there is left as it is (two instances may store the same text). */
  async insertSynthesised(row: SynthesisedRow): Promise<void> {
    await this.db
      .insert(ttsAudio)
      .values({ key: row.key, text: row.text, textHash: row.textHash, voice: row.voice, sampleRate: row.sampleRate, pcm: toBytes(row.pcm), source: 'tts' })
      .onConflictDoNothing({ target: ttsAudio.key });
  }

  /** One upsert, so the previous recording stays in use until this statement commits. Returns its creation time. */
  async upsertRecording(row: RecordingRow): Promise<Date> {
    const [stored] = await this.db
      .insert(ttsAudio)
      .values({
        key: row.key,
        text: row.text,
        textHash: row.textHash,
        voice: 'recording',
        sampleRate: row.sampleRate,
        pcm: toBytes(row.pcm),
        source: 'recording',
        owner: row.owner,
      })
      .onConflictDoUpdate({
        target: ttsAudio.key,
        set: {
          text: sql`excluded.text`,
          textHash: sql`excluded.text_hash`,
          sampleRate: sql`excluded.sample_rate`,
          pcm: sql`excluded.pcm`,
          createdAt: sql`now()`,
        },
      })
      .returning({ createdAt: ttsAudio.createdAt });
    return stored.createdAt;
  }

  async getRecording(key: string): Promise<StoredRecording | null> {
    const [row] = await this.db
      .select({ text: ttsAudio.text, sampleRate: ttsAudio.sampleRate, pcm: ttsAudio.pcm, createdAt: ttsAudio.createdAt })
      .from(ttsAudio)
      .where(and(eq(ttsAudio.key, key), eq(ttsAudio.source, 'recording')));
    if (!row) return null;
    return { text: row.text, sampleRate: row.sampleRate, pcm: fromBytes(row.pcm), createdAt: row.createdAt };
  }

  async deleteRecording(key: string): Promise<boolean> {
    const rows = await this.db
      .delete(ttsAudio)
      .where(and(eq(ttsAudio.key, key), eq(ttsAudio.source, 'recording')))
      .returning({ key: ttsAudio.key });
    return rows.length > 0;
  }

  /** Deletes synthesised entries created before `cutoff`, except the `keep` keys; returns the deleted keys. */
  async deleteSynthesisedBefore(cutoff: Date, keep: Iterable<string>): Promise<string[]> {
    // The kept keys go as one array parameter: `notInArray` would spend one parameter per key, and
    // every warmed answer and prompt is kept.
    const kept = sql`not (${ttsAudio.key} = any(${sql.param([...keep])}::text[]))`;
    const rows = await this.db
      .delete(ttsAudio)
      .where(and(eq(ttsAudio.source, 'tts'), lt(ttsAudio.createdAt, cutoff), kept))
      .returning({ key: ttsAudio.key });
    return rows.map((r) => r.key);
  }
}
