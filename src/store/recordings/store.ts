import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WAV_HEADER_BYTES, encodeWav, wavHeader } from '../../audio/wav.js';
import type { Logger } from '../../logger.js';

export type RecordingLogger = Pick<Logger, 'warn'>;

export interface RecordingStoreOptions {
  /** Folder of all recordings (normally `dataDir/recordings`); created with mode 0700. */
  dir: string;
  retentionDays: number;
  maxTotalBytes: number;
  /** The store's clock: a file's age is counted from the time this gave when it was written. */
  now?: () => Date;
  /** Only failures are logged, and only as error codes: never audio, paths or transcripts. */
  logger?: RecordingLogger;
  /** Audio waiting to be written beyond this is dropped (and counted), never waited for. */
  maxQueuedBytes?: number;
}

export interface RecordingStats {
  files: number;
  bytes: number;
  queuedBytes: number;
  written: number;
  dropped: number;
  failed: number;
  purged: number;
}

/** A whole call, streamed to disk as it arrives. */
export interface CallAudioWriter {
  /** PCM at the file's rate, interleaved when the file has more than one channel. */
  push(pcm: Int16Array): void;
  end(): void;
}

interface IndexEntry {
  bytes: number;
  writtenMs: number;
}

const TURN_FILE = /^turn-(\d+)\.wav$/;
const CALL_FILE = 'call.wav';

/** A call id as a folder name: itself when it is plainly safe, else a hash (no path tricks). */
export function callFolder(callId: string): string {
  if (/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(callId)) return callId;
  return 'h-' + createHash('sha256').update(callId).digest('hex').slice(0, 40);
}

/**
 * Recordings on disk: `dir/<call>/turn-<seq>.wav` (what the recogniser heard in that turn) and
 * `dir/<call>/call.wav` (the whole call, caller and bot on two channels, when asked for: line.ts). Every write is queued
 * and done in the background; the call path only hands over samples and never waits or throws.
 * Files are mode 0600 in folders of mode 0700. Retention (days) and a total size cap are enforced
 * by `purge()` (run on a timer by `startPurgeJob`) and, for the cap, after each write.
 */
export class RecordingStore {
  private readonly index = new Map<string, IndexEntry>();
  private total = 0;
  private tail: Promise<void> = Promise.resolve();
  private queuedBytes = 0;
  private readonly deleted = new Map<string, number>();
  private readonly openWriters = new Map<string, { stream: WriteStream; abort(): void }>();
  private timer: NodeJS.Timeout | null = null;
  private counters = { written: 0, dropped: 0, failed: 0, purged: 0 };
  private readonly now: () => Date;

  private constructor(private readonly options: RecordingStoreOptions) {
    this.now = options.now ?? (() => new Date());
  }

  static async open(options: RecordingStoreOptions): Promise<RecordingStore> {
    const store = new RecordingStore(options);
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    await store.scan();
    return store;
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Queues one turn's audio (mono PCM). Returns at once; a full queue drops the turn's audio. */
  saveTurn(callId: string, seq: number, pcm: Int16Array, sampleRate: number): void {
    if (!Number.isInteger(seq) || seq < 0 || pcm.length === 0) return;
    const folder = callFolder(callId);
    if (this.deleted.has(folder)) return;
    const bytes = pcm.length * 2 + WAV_HEADER_BYTES;
    if (this.queuedBytes + bytes > (this.options.maxQueuedBytes ?? 64 * 1024 * 1024)) {
      this.counters.dropped++;
      return;
    }
    this.queuedBytes += bytes;
    this.enqueue(async () => {
      try {
        if (this.deleted.has(folder)) return;
        await this.writeFileTracked(folder, `turn-${seq}.wav`, encodeWav({ pcm, sampleRate }));
      } finally {
        this.queuedBytes -= bytes;
      }
    });
  }

  /** Starts streaming a whole call (`channels` interleaved); `end()` completes the file. */
  openCall(callId: string, sampleRate: number, channels = 1): CallAudioWriter {
    const folder = callFolder(callId);
    const rel = join(folder, CALL_FILE);
    let stream: WriteStream | null = null;
    let samples = 0;
    let ended = false;
    let aborted = false;
    // Audio that arrives before the file is open waits here, and goes into the file first.
    const pending: Buffer[] = [];
    const ready = (async () => {
      await mkdir(join(this.dir, folder), { recursive: true, mode: 0o700 });
      const s = createWriteStream(join(this.dir, rel), { mode: 0o600 });
      s.on('error', (err) => this.fail('call-audio', err));
      s.write(wavHeader(0, sampleRate, channels));
      // In the same tick as `stream` is set: nothing pushed later can overtake what waited.
      for (const chunk of pending.splice(0)) s.write(chunk);
      stream = s;
      this.openWriters.set(folder, { stream: s, abort: () => (aborted = true) });
    })().catch((err) => this.fail('call-audio', err));
    const maxBuffered = 4 * 1024 * 1024;
    return {
      push: (pcm) => {
        if (ended || aborted || this.deleted.has(folder)) return;
        const chunk = Buffer.from(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength));
        // A disk that cannot keep up loses audio rather than holding the call's memory.
        if (stream ? stream.writableLength > maxBuffered : pending.length * chunk.length > maxBuffered) {
          this.counters.dropped++;
          return;
        }
        samples += pcm.length;
        if (stream) stream.write(chunk);
        else pending.push(chunk);
      },
      end: () => {
        if (ended) return;
        ended = true;
        this.enqueue(async () => {
          await ready;
          const s = stream as WriteStream | null;
          if (!s) return;
          await new Promise<void>((resolve) => s.end(resolve));
          this.openWriters.delete(folder);
          const path = join(this.dir, rel);
          if (aborted || this.deleted.has(folder) || samples === 0) {
            await unlink(path).catch(() => undefined);
            return;
          }
          const handle = await open(path, 'r+');
          try {
            await handle.write(wavHeader(Math.floor(samples / channels), sampleRate, channels), 0, WAV_HEADER_BYTES, 0);
          } finally {
            await handle.close();
          }
          await this.track(rel, path);
        });
      },
    };
  }

  /** The WAV of one turn, or null when it was not recorded (or is gone). */
  async turnAudio(callId: string, seq: number): Promise<Buffer | null> {
    if (!Number.isInteger(seq) || seq < 0) return null;
    return readFile(join(this.dir, callFolder(callId), `turn-${seq}.wav`)).catch(() => null);
  }

  /** The whole-call WAV, or null. */
  async callAudio(callId: string): Promise<Buffer | null> {
    const folder = callFolder(callId);
    if (this.openWriters.has(folder)) return null;
    return readFile(join(this.dir, folder, CALL_FILE)).catch(() => null);
  }

  /** Which turns of a call have audio. */
  async recordedTurns(callId: string): Promise<number[]> {
    const names = await readdir(join(this.dir, callFolder(callId))).catch(() => [] as string[]);
    return names.flatMap((n) => (TURN_FILE.exec(n) ? [Number(TURN_FILE.exec(n)![1])] : [])).sort((a, b) => a - b);
  }

  /**
   * Removes all audio of a call (a caller's request), including audio still queued or being
   * streamed. Resolves with what was removed.
   */
  async deleteCall(callId: string): Promise<{ files: number; bytes: number }> {
    const folder = callFolder(callId);
    this.deleted.set(folder, this.now().getTime());
    this.openWriters.get(folder)?.abort();
    // Writes already queued for this call see the tombstone and skip; wait for them to pass.
    await this.idle();
    let files = 0;
    let bytes = 0;
    for (const [rel, entry] of [...this.index]) {
      if (rel.startsWith(folder + '/')) {
        files++;
        bytes += entry.bytes;
        this.forget(rel);
      }
    }
    await rm(join(this.dir, folder), { recursive: true, force: true });
    this.trimTombstones();
    return { files, bytes };
  }

  /** Deletes files past the retention period, then the oldest until the total is under the cap. */
  async purge(): Promise<{ files: number; bytes: number }> {
    const cutoff = this.now().getTime() - this.options.retentionDays * 86_400_000;
    let files = 0;
    let bytes = 0;
    for (const [rel, entry] of [...this.index]) {
      if (entry.writtenMs < cutoff) {
        bytes += entry.bytes;
        files++;
        await this.remove(rel);
      }
    }
    const capped = await this.enforceCap();
    this.trimTombstones();
    return { files: files + capped.files, bytes: bytes + capped.bytes };
  }

  startPurgeJob(intervalMs: number): void {
    this.stopPurgeJob();
    const run = () => void this.purge().catch((err) => this.fail('purge', err));
    run();
    this.timer = setInterval(run, intervalMs);
    this.timer.unref?.();
  }

  stopPurgeJob(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Resolves when everything queued so far has been written. */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.tail;
      await seen;
    } while (seen !== this.tail);
  }

  stats(): RecordingStats {
    return { files: this.index.size, bytes: this.total, queuedBytes: this.queuedBytes, ...this.counters };
  }

  async close(): Promise<void> {
    this.stopPurgeJob();
    await this.idle();
  }

  // ---- internals ----

  private enqueue(job: () => Promise<void>): void {
    this.tail = this.tail.then(job).catch((err) => this.fail('write', err));
  }

  private fail(stage: string, err: unknown): void {
    this.counters.failed++;
    // Codes only: a recording's path names the call, its content is the caller's voice.
    const code = (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.name ?? 'error';
    this.options.logger?.warn({ stage, code }, 'recording not written');
  }

  private async writeFileTracked(folder: string, name: string, bytes: Uint8Array): Promise<void> {
    await mkdir(join(this.dir, folder), { recursive: true, mode: 0o700 });
    const path = join(this.dir, folder, name);
    await writeFile(path, bytes, { mode: 0o600 });
    await chmod(path, 0o600);
    await this.track(join(folder, name), path);
  }

  private async track(rel: string, path: string): Promise<void> {
    const at = this.now();
    await utimes(path, at, at);
    const { size } = await stat(path);
    this.forget(rel);
    this.index.set(rel, { bytes: size, writtenMs: at.getTime() });
    this.total += size;
    this.counters.written++;
    if (this.total > this.options.maxTotalBytes) await this.enforceCap();
  }

  private forget(rel: string): void {
    const old = this.index.get(rel);
    if (!old) return;
    this.total -= old.bytes;
    this.index.delete(rel);
  }

  private async remove(rel: string): Promise<void> {
    this.forget(rel);
    this.counters.purged++;
    await unlink(join(this.dir, rel)).catch(() => undefined);
  }

  private async enforceCap(): Promise<{ files: number; bytes: number }> {
    let files = 0;
    let bytes = 0;
    if (this.total <= this.options.maxTotalBytes) return { files, bytes };
    const oldest = [...this.index].sort((a, b) => a[1].writtenMs - b[1].writtenMs);
    for (const [rel, entry] of oldest) {
      if (this.total <= this.options.maxTotalBytes) break;
      files++;
      bytes += entry.bytes;
      await this.remove(rel);
    }
    return { files, bytes };
  }

  private trimTombstones(): void {
    const cutoff = this.now().getTime() - 86_400_000;
    for (const [folder, at] of this.deleted) if (at < cutoff || this.deleted.size > 10_000) this.deleted.delete(folder);
  }

  private async scan(): Promise<void> {
    const folders = await readdir(this.dir, { withFileTypes: true });
    for (const f of folders) {
      if (!f.isDirectory()) continue;
      for (const name of await readdir(join(this.dir, f.name)).catch(() => [] as string[])) {
        if (name !== CALL_FILE && !TURN_FILE.test(name)) continue;
        const s = await stat(join(this.dir, f.name, name)).catch(() => null);
        if (!s?.isFile()) continue;
        this.index.set(join(f.name, name), { bytes: s.size, writtenMs: s.mtimeMs });
        this.total += s.size;
      }
    }
  }
}
