import { Worker } from 'node:worker_threads';
import { pauseMelody, type PauseMelody } from './prosody.js';

export interface MelodyRequest {
  id: number;
  pcm: Int16Array;
  sampleRate: number;
}
export type MelodyReply = { id: number; melody: PauseMelody | null } | { id: number; error: string };

export interface MelodyReaderOptions {
  /** A reading not back from the thread in this long is done on the calling thread instead. */
  timeoutMs?: number;
}

/** Why readings were done on the calling thread instead of the melody thread. */
export interface MelodyFallbacks {
  /** The thread could not start, or died. */
  failed: number;
  /** The thread did not answer within the timeout. */
  late: number;
}

/** A thread that dies this many times is not started again: readings stay on the calling thread. */
const MAX_THREAD_FAILURES = 3;

/**
 * Reads the melody at a pause (prosody.ts) on one worker thread shared by every call of the process.
 * The pitch tracker's autocorrelation costs 6–20 ms of CPU per pause; on the event loop that paces
 * every call's 20 ms audio frames, that is a stall for all of them at each caller's pause. When the
 * thread is missing, dead or late, the reading is done here: the turn's decision never waits on it
 * for longer than the timeout.
 */
export class MelodyReader {
  private worker: Worker | null = null;
  private threadFailures = 0;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(melody: PauseMelody | null): void; timer: NodeJS.Timeout; local(): PauseMelody | null }>();
  private readonly timeoutMs: number;
  readonly fallbacks: MelodyFallbacks = { failed: 0, late: 0 };

  constructor(options: MelodyReaderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 250;
  }

  /** How the voice ends in `pcm` (see pauseMelody); the same reading wherever it is done. */
  read(pcm: Int16Array, sampleRate: number): Promise<PauseMelody | null> {
    const local = () => pauseMelody(pcm, sampleRate);
    const worker = this.thread();
    if (!worker) {
      this.fallbacks.failed++;
      return Promise.resolve(local());
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        this.fallbacks.late++;
        resolve(local());
      }, this.timeoutMs);
      this.waiting.set(id, { resolve, timer, local });
      worker.postMessage({ id, pcm, sampleRate } satisfies MelodyRequest);
    });
  }

  /** Starts the thread now, so that the first pause does not wait for it to load. */
  warm(): void {
    this.thread();
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.threadFailures = MAX_THREAD_FAILURES;
    this.settleLocally();
    await worker?.terminate();
  }

  private thread(): Worker | null {
    if (this.worker || this.threadFailures >= MAX_THREAD_FAILURES) return this.worker;
    let worker: Worker;
    try {
      worker = new Worker(new URL('./melody-worker.mjs', import.meta.url));
    } catch {
      this.threadFailures++;
      return null;
    }
    worker.on('message', (reply: MelodyReply) => {
      const pending = this.waiting.get(reply.id);
      if (!pending) return; // the ready signal (id 0), or a reading already done here
      this.waiting.delete(reply.id);
      clearTimeout(pending.timer);
      pending.resolve('error' in reply ? pending.local() : reply.melody);
    });
    const gone = () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.threadFailures++;
      this.fallbacks.failed += this.waiting.size;
      this.settleLocally();
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    // The thread serves the calls; it must not keep a process alive that is otherwise done.
    // (After the listeners: attaching one refs the worker's port again.)
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private settleLocally(): void {
    for (const [id, pending] of this.waiting) {
      this.waiting.delete(id);
      clearTimeout(pending.timer);
      pending.resolve(pending.local());
    }
  }
}

let shared: MelodyReader | null = null;

/** The process's melody thread, started on first use. */
export function sharedMelodyReader(): MelodyReader {
  return (shared ??= new MelodyReader());
}
