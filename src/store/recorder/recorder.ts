import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../db.js';
import type { CallEnd, CallEventRecord, CallRecord, CallRecorder, TurnRecord } from '../types.js';
import { callEntry, endEntry, eventEntry, turnEntry, type RecorderEntry, type TextMasker } from './entries.js';
import { claimJournal, type JournalClaim } from './journal-claim.js';
import { SpillJournal } from './journal.js';
import { isPermanent, sqlState, writeBatch } from './writer.js';
import type { Logger } from '../../logger.js';

/** The slice of a pino logger the recorder uses. */
export type RecorderLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface BufferedCallRecorderOptions {
  database: Database;
  /** Folder for the spill journal and the dead-letter file; without it overflow cannot be kept. */
  dataDir?: string;
  /** Applied to heard/bot text and event strings before anything is queued, kept or stored. */
  mask?: TextMasker | null;
  logger?: RecorderLogger;
  /** Entries held in memory before new ones spill to the journal. */
  maxMemoryEntries?: number;
  /** Entries written per transaction. */
  maxBatch?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface RecorderStats {
  /** Entries waiting in memory. */
  queued: number;
  /** True while entries wait in the spill journal. */
  journalPending: boolean;
  written: number;
  spilled: number;
  retries: number;
  deadLettered: number;
  /** Entries lost because memory was full and no data dir was given for a journal. */
  dropped: number;
  lastError: string | null;
}

const JOURNAL_BASE = 'recorder-journal';
/** The journal of the process that holds the data dir's journal lock (others add `-<pid>`). */
export const JOURNAL_FILE = `${JOURNAL_BASE}.jsonl`;
export const DEAD_LETTER_FILE = 'recorder-dead-letter.jsonl';

const silentLogger: RecorderLogger = { info() {}, warn() {}, error() {} };

/**
 * The call path's recorder. Every method returns at once and never throws: entries go into an
 * in-memory queue that one background loop writes in batches, in order. When the database fails
 * the loop retries the same batch with capped exponential backoff, and (with a data dir) copies
 * the queue to a JSONL journal and sends new entries straight there until a write succeeds, so
 * neither a long outage (memory stays bounded) nor a crash during one loses records. The journal
 * is read back in order once memory has drained, also after a restart. Rows the database refuses
 * for good (bad data) go to a dead-letter file, so one bad record cannot stall every call behind it.
 */
export class BufferedCallRecorder implements CallRecorder {
  private readonly database: Database;
  private readonly mask: TextMasker | null;
  private readonly log: RecorderLogger;
  private readonly journal: SpillJournal | null;
  private readonly claim: JournalClaim | null;
  private readonly deadLetterPath: string | null;
  private readonly maxMemory: number;
  private readonly maxBatch: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;

  private queue: RecorderEntry[] = [];
  private running = false;
  /**
   * Set while the database is failing: the memory queue has been copied to the journal and new
   * entries go straight to disk, so a crash during an outage loses nothing.
   */
  private degraded = false;
  /** Settles when the current pump loop has exited (close waits for it before persisting). */
  private pumping: Promise<void> = Promise.resolve();
  private closed = false;
  private wake: (() => void) | null = null;
  /** Flushes waiting for the entry numbered `target` (this run's numbering) to be written. */
  private flushWaiters: Array<{ target: number; resolve: () => void }> = [];
  /** Entries of this run are numbered as they are queued; `writtenThrough` follows the writes. */
  private readonly runId = randomUUID().slice(0, 8);
  private lastQueued = 0;
  private writtenThrough = 0;
  private counters = { written: 0, spilled: 0, retries: 0, deadLettered: 0, dropped: 0 };
  private lastError: string | null = null;

  constructor(options: BufferedCallRecorderOptions) {
    this.database = options.database;
    this.mask = options.mask ?? null;
    this.log = options.logger ?? silentLogger;
    this.maxMemory = Math.max(1, options.maxMemoryEntries ?? 10_000);
    this.maxBatch = Math.max(1, options.maxBatch ?? 500);
    this.retryMinMs = options.retryMinMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
    this.claim = options.dataDir ? claimJournal(options.dataDir, JOURNAL_BASE) : null;
    if (this.claim?.adopted.length) this.log.info({ adopted: this.claim.adopted }, 'call recorder adopted journals left by stopped processes');
    this.journal = this.claim
      ? new SpillJournal(this.claim.path, (err) => this.log.error({ err: String(err) }, 'call recorder journal I/O failed'))
      : null;
    this.deadLetterPath = options.dataDir ? join(options.dataDir, DEAD_LETTER_FILE) : null;
    // Replay whatever a previous run left in the journal.
    if (this.journal?.pending) {
      this.log.info({ journal: this.journal.path }, 'call recorder replaying journal from a previous run');
      this.schedule();
    }
  }

  callStarted(call: CallRecord): void {
    this.safely('callStarted', () => callEntry(call));
  }

  turn(turn: TurnRecord): void {
    this.safely('turn', () => turnEntry(turn, this.mask));
  }

  event(event: CallEventRecord): void {
    this.safely('event', () => eventEntry(randomUUID(), event, this.mask));
  }

  callEnded(end: CallEnd): void {
    this.safely('callEnded', () => endEntry(end));
  }

  /**
   * Resolves once everything queued before the call is written (records queued later do not hold
   * it up), or after `timeoutMs` (never rejects; check `stats()` to tell which).
   */
  flush(timeoutMs = 5_000): Promise<void> {
    const target = this.lastQueued;
    if (this.closed || (this.writtenThrough >= target && !this.replaying())) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(finish, Math.max(0, timeoutMs));
      this.flushWaiters.push({ target, resolve: finish });
      // A flush is a good moment to retry now rather than at the end of a long backoff.
      this.schedule();
      this.wake?.();
    });
  }

  /**
   * Flushes for up to `timeoutMs`, stops the loop, and keeps whatever is still unwritten in the
   * journal for the next start (or logs how much is lost when there is no data dir).
   */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.closed) return;
    await this.flush(timeoutMs);
    this.closed = true;
    this.wake?.();
    // Let the loop reach a safe point: a journal read must land in the queue before the queue is
    // persisted. A write hanging on a dead connection is not waited for long; its batch is still
    // queued and will be persisted (and, if it did land, replayed harmlessly).
    // This timer is deliberately not unref'd: close() is awaited, and with nothing else left on the
    // event loop (a CLI, a child process) an unref'd one let Node exit mid-close with status 13.
    let bounded: NodeJS.Timeout | undefined;
    await Promise.race([this.pumping, new Promise((r) => (bounded = setTimeout(r, 3_000)))]);
    clearTimeout(bounded);
    const rest = this.queue.splice(0);
    if (this.journal) {
      try {
        const kept = await this.journal.persistWithHead(rest);
        if (kept > 0) this.log.warn({ kept, journal: this.journal.path }, 'call recorder closed with unwritten records; kept in journal');
      } catch (err) {
        this.log.error({ err: String(err), lost: rest.length }, 'call recorder could not keep unwritten records');
      }
    } else if (rest.length > 0) {
      this.counters.dropped += rest.length;
      this.log.error({ lost: rest.length }, 'call recorder closed with unwritten records and no data dir');
    }
    this.claim?.release();
    this.resolveWaiters(true);
  }

  stats(): RecorderStats {
    return {
      queued: this.queue.length,
      journalPending: this.journal?.pending ?? false,
      ...this.counters,
      lastError: this.lastError,
    };
  }

  private safely(what: string, build: () => RecorderEntry): void {
    try {
      this.enqueue(build());
    } catch (err) {
      // Malformed input from the call path: log it, never throw into the audio loop.
      this.log.error({ err: String(err), what }, 'call recorder rejected a record');
    }
  }

  private enqueue(entry: RecorderEntry): void {
    entry.r = this.runId;
    entry.n = ++this.lastQueued;
    if (this.closed) {
      if (this.journal) {
        this.journal.append(entry);
        this.counters.spilled++;
      } else {
        this.counters.dropped++;
      }
      return;
    }
    // Once anything is on disk, newer entries must queue behind it there to keep the order.
    if (this.journal && (this.degraded || this.journal.pending || this.queue.length >= this.maxMemory)) {
      if (!this.journal.pending && !this.degraded) this.log.warn({ queued: this.queue.length }, 'call recorder memory full; spilling to journal');
      this.journal.append(entry);
      this.counters.spilled++;
    } else if (!this.journal && this.queue.length >= this.maxMemory) {
      if (this.counters.dropped % 1000 === 0) this.log.error({ dropped: this.counters.dropped + 1 }, 'call recorder memory full and no journal; dropping records');
      this.counters.dropped++;
      return;
    } else {
      this.queue.push(entry);
    }
    this.schedule();
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && !(this.journal?.pending ?? false);
  }

  /** Entries from a previous run are still ahead in the journal (only before this run queued any). */
  private replaying(): boolean {
    return this.lastQueued === 0 && !this.isIdle();
  }

  /** Marks entries as done (written or dead-lettered), in queue order, and wakes finished flushes. */
  private done(entries: RecorderEntry[]): void {
    for (const e of entries) if (e.r === this.runId && e.n !== undefined && e.n > this.writtenThrough) this.writtenThrough = e.n;
    this.resolveWaiters(false);
  }

  private schedule(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.pumping = new Promise<void>((resolve) => setImmediate(() => void this.pump().finally(resolve)));
  }

  private async pump(): Promise<void> {
    let failures = 0;
    try {
      while (!this.closed) {
        if (this.queue.length === 0 && this.journal?.pending) {
          try {
            const loaded = await this.journal.readBatch(this.maxMemory);
            this.queue.push(...loaded);
          } catch (err) {
            failures++;
            await this.sleep(this.backoff(failures));
            continue;
          }
        }
        if (this.queue.length === 0) {
          await this.journal?.discardIfDrained().catch(() => {});
          if (this.journal?.pending) continue;
          break;
        }
        const batch = this.queue.slice(0, this.maxBatch);
        try {
          await writeBatch(this.database.db, batch);
          this.queue.splice(0, batch.length);
          this.counters.written += batch.length;
          this.done(batch);
          if (failures > 0) this.log.info({ retries: failures }, 'call recorder: database reachable again');
          failures = 0;
          this.degraded = false;
        } catch (err) {
          if (this.closed) break;
          if (isPermanent(err)) {
            const handled = await this.writeOneByOne(batch);
            this.queue.splice(0, handled);
            this.done(batch.slice(0, handled));
            if (handled < batch.length) {
              failures++;
              await this.sleep(this.backoff(failures));
            }
            continue;
          }
          failures++;
          this.counters.retries++;
          this.lastError = describe(err);
          if (this.journal && !this.degraded && !this.closed) {
            // First failure of an outage: make what is only in memory durable before waiting.
            this.degraded = true;
            try {
              await this.journal.persistWithHead(this.queue.slice(), true);
            } catch (e) {
              this.log.error({ err: String(e) }, 'call recorder could not copy its queue to the journal');
            }
          }
          if (failures === 1 || failures % 20 === 0) {
            this.log.warn({ err: this.lastError, code: sqlState(err), failures, queued: this.queue.length }, 'call recorder write failed; retrying');
          }
          await this.sleep(this.backoff(failures));
        }
      }
    } finally {
      this.running = false;
      if (this.isIdle()) this.resolveWaiters(true);
      else if (!this.closed) this.schedule();
    }
  }

  /**
   * After a batch is refused for its data, finds the offending entries by writing one at a time;
   * they go to the dead-letter file. Stops at the first transient error and returns how many
   * entries from the front were dealt with.
   */
  private async writeOneByOne(batch: RecorderEntry[]): Promise<number> {
    for (let i = 0; i < batch.length; i++) {
      try {
        await writeBatch(this.database.db, [batch[i]]);
        this.counters.written++;
      } catch (err) {
        if (!isPermanent(err)) {
          this.lastError = describe(err);
          return i;
        }
        await this.deadLetter(batch[i], err);
      }
    }
    return batch.length;
  }

  private async deadLetter(entry: RecorderEntry, err: unknown): Promise<void> {
    this.counters.deadLettered++;
    const reason = describe(err);
    this.log.error({ err: reason, code: sqlState(err), entry }, 'call recorder: database refused a record; dead-lettered');
    if (!this.deadLetterPath) return;
    try {
      await appendFile(this.deadLetterPath, JSON.stringify({ at: new Date().toISOString(), error: reason, entry }) + '\n');
    } catch (e) {
      this.log.error({ err: String(e) }, 'call recorder could not write the dead-letter file');
    }
  }

  private backoff(failures: number): number {
    const base = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** Math.min(failures - 1, 16));
    // Jitter spreads retries from several instances after a shared outage.
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      timer.unref?.();
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  private resolveWaiters(all: boolean): void {
    if (this.flushWaiters.length === 0) return;
    const ready = this.flushWaiters.filter((w) => all || (w.target <= this.writtenThrough && !this.replaying()));
    this.flushWaiters = this.flushWaiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message !== err.message ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}
