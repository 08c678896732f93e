import type { Database } from '../../store/db.js';

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

  async get(key: string): Promise<StoredAudio | null> {
    const rows = await this.database.query<{ sample_rate: number; pcm: Uint8Array; source: 'tts' | 'recording' }>(
      'select sample_rate, pcm, source from tts_audio where key = $1',
      [key],
    );
    if (rows.length === 0) return null;
    return { sampleRate: rows[0].sample_rate, pcm: fromBytes(rows[0].pcm), source: rows[0].source };
  }

  /** Keys of every synthesised entry, so a certain miss costs no query. */
  async synthesisedKeys(): Promise<string[]> {
    const rows = await this.database.query<{ key: string }>("select key from tts_audio where source = 'tts'");
    return rows.map((r) => r.key);
  }

  /** Every recording, oldest first (a later one for the same text wins when indexed in order). */
  async recordingIndex(): Promise<RecordingIndexRow[]> {
    const rows = await this.database.query<{ key: string; text_hash: string; created_at: Date }>(
      "select key, text_hash, created_at from tts_audio where source = 'recording' order by created_at",
    );
    return rows.map((r) => ({ key: r.key, textHash: r.text_hash, createdAt: new Date(r.created_at) }));
  }

  /** Stores synthesised audio; a key already there is left as it is (two instances may store the same text). */
  async insertSynthesised(row: SynthesisedRow): Promise<void> {
    await this.database.query(
      `insert into tts_audio (key, text, text_hash, voice, sample_rate, pcm, source)
       values ($1, $2, $3, $4, $5, $6, 'tts') on conflict (key) do nothing`,
      [row.key, row.text, row.textHash, row.voice, row.sampleRate, toBytes(row.pcm)],
    );
  }

  /** One upsert, so the previous recording stays in use until this statement commits. Returns its creation time. */
  async upsertRecording(row: RecordingRow): Promise<Date> {
    const rows = await this.database.query<{ created_at: Date }>(
      `insert into tts_audio (key, text, text_hash, voice, sample_rate, pcm, source, owner)
       values ($1, $2, $3, 'recording', $4, $5, 'recording', $6)
       on conflict (key) do update set text = excluded.text, text_hash = excluded.text_hash,
         sample_rate = excluded.sample_rate, pcm = excluded.pcm, created_at = now()
       returning created_at`,
      [row.key, row.text, row.textHash, row.sampleRate, toBytes(row.pcm), row.owner],
    );
    return new Date(rows[0].created_at);
  }

  async getRecording(key: string): Promise<StoredRecording | null> {
    const rows = await this.database.query<{ text: string; sample_rate: number; pcm: Uint8Array; created_at: Date }>(
      "select text, sample_rate, pcm, created_at from tts_audio where key = $1 and source = 'recording'",
      [key],
    );
    if (rows.length === 0) return null;
    const r = rows[0];
    return { text: r.text, sampleRate: r.sample_rate, pcm: fromBytes(r.pcm), createdAt: new Date(r.created_at) };
  }

  async deleteRecording(key: string): Promise<boolean> {
    const rows = await this.database.query("delete from tts_audio where key = $1 and source = 'recording' returning key", [key]);
    return rows.length > 0;
  }

  /** Deletes synthesised entries created before `cutoff`, except the `keep` keys; returns the deleted keys. */
  async deleteSynthesisedBefore(cutoff: Date, keep: Iterable<string>): Promise<string[]> {
    const rows = await this.database.query<{ key: string }>(
      "delete from tts_audio where source = 'tts' and created_at < $1 and not (key = any($2::text[])) returning key",
      [cutoff, [...keep]],
    );
    return rows.map((r) => r.key);
  }
}
