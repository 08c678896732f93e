import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EngineError, EngineTimeoutError, EngineUnavailableError } from '../errors.js';
import { HOTWORD_SLOTS, type WorkerInit, type WorkerReply, type WorkerRequest } from './protocol.js';

/**
 * A lane of engine worker processes doing one kind of work (recognition, or voice activity). The
 * queue lives here, not in the workers: a worker gets one request (or one batch) at a time, so a
 * final transcript is not stuck behind partials already sent, a cancelled utterance's work is
 * dropped before it costs anything, and a dead worker takes only its one request with it.
 *
 * Processes, not worker threads: onnxruntime-node aborts the whole process (a C++ exception
 * thrown out of its binding, "terminate called after throwing an instance of 'Napi::Error'") when
 * a thread running an inference is terminated, so a hung or crashing inference in a thread takes
 * every call of the instance with it; a process can be killed and replaced and the calls go on.
 * Measured in docs/BENCHMARKS.md (issue 17).
 */
export interface LaneOptions {
  /** Shown in errors and fallback records, e.g. "asr" or "vad". */
  name: string;
  size: number;
  init: WorkerInit;
  /**
   * Batch lanes send everything queued as one request when a worker frees (VAD frames), and at
   * most one request per `intervalMs` to a worker: a message costs the main process about as much
   * CPU as scoring a few frames (docs/BENCHMARKS.md), so batches must be big to be worth sending.
   */
  batch?: { max: number; intervalMs: number };
  /**
   * Requests a worker may hold at once (single-request lanes). Default 1. More keeps a worker busy
   * while the event loop that hands out the work is late to send the next request: with one, the
   * worker waited a turn of that loop after every answer, and at 60 calls the recognition worker
   * sat mostly idle while readings queued for a second (docs/BENCHMARKS.md). A worker answers its
   * requests in the order they were sent, so a final waits behind at most depth − 1 others.
   */
  depth?: number;
  /**
   * A worker whose request is still unanswered this long after the request's own deadline is
   * taken as hung and is replaced. Default 10 s.
   */
  hangMs?: number;
  /** Replacement workers start after this, doubling per failed start up to 30 s. Default 200 ms. */
  respawnMs?: number;
  /** A worker died or was replaced (logs). */
  onWorkerLost?: (info: { lane: string; worker: number; reason: string }) => void;
}

/** What a job sends: built when a worker takes it, so hotwords are sent only where missing. */
export interface JobMessage {
  /** The request without its id (the lane numbers requests). */
  body: Record<string, unknown> & { type: 'asr' | 'vad' };
}

export interface SubmitOptions<T> {
  /** Lower runs first (recognition: final 0, reading 1, partial 2); FIFO within a priority. */
  priority: number;
  timeoutMs: number;
  /** Batch lanes: the part of a batch request this job adds (e.g. one VAD frame). */
  part?: unknown;
  /** Single-request lanes: the request, built for the worker that takes it. */
  build?: (worker: WorkerHandle) => JobMessage;
  /** The job's share of the worker's reply. */
  read: (reply: WorkerReply, index: number) => T;
}

export interface Job<T> {
  readonly result: Promise<T>;
  /** Drops the job: queued, it never runs; running, its answer is ignored. */
  cancel(): void;
}

export interface WorkerHandle {
  readonly index: number;
  /** Hotword lists this worker holds, oldest first (mirrors the worker's own FIFO). */
  hasHotwords(id: number): boolean;
  noteHotwords(id: number): void;
}

interface QueuedJob {
  seq: number;
  priority: number;
  opts: SubmitOptions<unknown>;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout | null;
  done: boolean;
}

interface InFlight {
  id: number;
  jobs: QueuedJob[];
  deadline: number;
  /** Fires when the request is unanswered far past its deadline: the worker is taken as hung. */
  hangTimer: NodeJS.Timeout;
}

class Slot implements WorkerHandle {
  worker: ChildProcess | null = null;
  ready = false;
  /** Requests sent and not yet answered, oldest first. */
  inFlight: InFlight[] = [];
  hotwords: number[] = [];
  failures = 0;
  /** When this worker was last sent a request, and the timer that sends the next batch. */
  lastSent = -Infinity;
  batchTimer: NodeJS.Timeout | null = null;

  constructor(readonly index: number) {}

  hasHotwords(id: number): boolean {
    return this.hotwords.includes(id);
  }

  noteHotwords(id: number): void {
    this.hotwords.push(id);
    while (this.hotwords.length > HOTWORD_SLOTS) this.hotwords.shift();
  }
}

export class WorkerLane {
  private readonly slots: Slot[];
  private queue: QueuedJob[] = [];
  private seq = 0;
  private nextId = 1;
  private closed = false;
  private readonly hangMs: number;
  private readonly respawnMs: number;
  /** What the worker said when it started (e.g. the recogniser's name and rate). */
  info: Extract<WorkerReply, { type: 'ready' }> | null = null;

  private constructor(private readonly options: LaneOptions) {
    this.slots = Array.from({ length: Math.max(1, options.size) }, (_, i) => new Slot(i));
    this.hangMs = options.hangMs ?? 10_000;
    this.respawnMs = options.respawnMs ?? 200;
  }

  /** Starts every worker; resolves when all have loaded their models (rejects if one cannot). */
  static async start(options: LaneOptions): Promise<WorkerLane> {
    const lane = new WorkerLane(options);
    try {
      await Promise.all(lane.slots.map((s) => lane.spawn(s)));
    } catch (err) {
      await lane.close();
      throw err;
    }
    return lane;
  }

  get name(): string {
    return this.options.name;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Workers able to take work now. */
  get live(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  get queued(): number {
    return this.queue.length;
  }

  submit<T>(opts: SubmitOptions<T>): Job<T> {
    let job!: QueuedJob;
    const result = new Promise<T>((resolve, reject) => {
      job = { seq: this.seq++, priority: opts.priority, opts: opts as SubmitOptions<unknown>, resolve: resolve as (v: unknown) => void, reject, timer: null, done: false };
    });
    if (this.closed || this.live === 0) {
      // No worker to wait for (all restarting): the caller answers it at once rather than at its deadline.
      this.settle(job, new EngineUnavailableError(`${this.name}-pool`, this.closed ? `the ${this.name} worker pool is closed` : `no ${this.name} worker is running`));
      return { result, cancel: () => {} };
    }
    job.timer = setTimeout(() => {
      job.timer = null;
      this.queue = this.queue.filter((j) => j !== job);
      this.settle(job, new EngineTimeoutError(`${this.name}-pool`, opts.timeoutMs, `no ${this.name} worker answered within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    // Keep the queue ordered by priority, then arrival: insert after the last job that goes first.
    let at = this.queue.length;
    while (at > 0 && this.queue[at - 1].priority > job.priority) at--;
    this.queue.splice(at, 0, job);
    this.dispatch();
    return {
      result,
      cancel: () => {
        if (job.done) return;
        this.queue = this.queue.filter((j) => j !== job);
        this.settle(job, new EngineError(`${this.name}-pool`, 'cancelled'));
      },
    };
  }

  /** Kills a worker as a crash would (operations: a worker that misbehaves; tests); it is replaced. */
  killWorker(index: number): void {
    this.slots[index]?.worker?.kill('SIGKILL');
  }

  /** Process ids of the running workers (CPU accounting in the benchmarks). */
  pids(): number[] {
    return this.slots.flatMap((s) => (s.worker?.pid ? [s.worker.pid] : []));
  }

  async close(): Promise<void> {
    this.closed = true;
    const err = new EngineUnavailableError(`${this.name}-pool`, `the ${this.name} worker pool is closed`);
    for (const job of this.queue) this.settle(job, err);
    this.queue = [];
    await Promise.all(
      this.slots.map(async (s) => {
        const w = s.worker;
        s.worker = null;
        s.ready = false;
        if (s.batchTimer) clearTimeout(s.batchTimer);
        for (const flight of s.inFlight) {
          clearTimeout(flight.hangTimer);
          for (const job of flight.jobs) this.settle(job, err);
        }
        s.inFlight = [];
        if (!w || w.exitCode !== null || w.signalCode !== null) return;
        const exited = new Promise((resolve) => w.once('exit', resolve));
        w.kill('SIGKILL');
        await exited;
      }),
    );
  }

  private settle(job: QueuedJob, outcome: Error | { value: unknown }): void {
    if (job.done) return;
    job.done = true;
    if (job.timer) clearTimeout(job.timer);
    job.timer = null;
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome.value);
  }

  private spawn(slot: Slot): Promise<void> {
    // execArgv []: the entry registers the TypeScript loader itself, whatever the main process was started with.
    // Advanced serialisation carries typed arrays (audio, VAD state) as they are.
    // The lane's name as the argument: `ps` shows which worker is which.
    const worker = fork(fileURLToPath(new URL('./worker-entry.mjs', import.meta.url)), [this.options.name], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    slot.worker = worker;
    slot.ready = false;
    slot.hotwords = [];
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') {
          started = true;
          slot.ready = true;
          slot.failures = 0;
          this.info ??= msg;
          // Idle workers must not keep a CLI or test process alive (pending jobs' timers do).
          worker.unref();
          worker.channel?.unref();
          resolve();
          this.dispatch();
          return;
        }
        if (msg.type === 'error' && msg.id === null && !started) return reject(new Error(`${this.name} worker could not start: ${msg.message}`));
        this.onReply(slot, msg);
      });
      worker.on('error', (err) => {
        if (!started) reject(new Error(`${this.name} worker could not start: ${err.message}`));
      });
      worker.on('exit', (code, signal) => {
        if (slot.worker !== worker) return;
        const how = signal ? `signal ${signal}` : `code ${code}`;
        this.onExit(slot, how);
        if (!started) reject(new Error(`${this.name} worker exited (${how}) before it was ready`));
      });
      this.send(worker, this.options.init satisfies WorkerRequest);
    });
  }

  /** A send to a worker that just died fails; its exit handler answers the request. */
  private send(worker: ChildProcess, msg: unknown): void {
    if (!worker.connected) return;
    try {
      worker.send(msg as object, (err) => {
        if (err) worker.kill('SIGKILL');
      });
    } catch {
      worker.kill('SIGKILL');
    }
  }

  private onExit(slot: Slot, how: string): void {
    slot.worker = null;
    slot.ready = false;
    for (const flight of slot.inFlight) clearTimeout(flight.hangTimer);
    const jobs = slot.inFlight.flatMap((flight) => flight.jobs);
    slot.inFlight = [];
    if (this.closed) return;
    const reason = `${this.name} worker ${slot.index} exited (${how})`;
    this.options.onWorkerLost?.({ lane: this.name, worker: slot.index, reason });
    for (const job of jobs) this.settle(job, new EngineUnavailableError(`${this.name}-pool`, reason));
    // With no worker left, queued work is answered by the callers now instead of at its deadline.
    if (this.live === 0) {
      const err = new EngineUnavailableError(`${this.name}-pool`, `${reason}; no ${this.name} worker is running`);
      for (const job of this.queue) this.settle(job, err);
      this.queue = [];
    }
    const delay = Math.min(30_000, this.respawnMs * 2 ** slot.failures);
    slot.failures++;
    setTimeout(() => {
      if (this.closed || slot.worker) return;
      this.spawn(slot).catch(() => {
        // A failed start exits the worker, which schedules the next try with a longer delay.
      });
    }, delay).unref();
  }

  private onReply(slot: Slot, msg: WorkerReply): void {
    const at = 'id' in msg ? slot.inFlight.findIndex((f) => f.id === msg.id) : -1;
    if (at < 0) {
      if (msg.type === 'error' && msg.id === null) this.options.onWorkerLost?.({ lane: this.name, worker: slot.index, reason: msg.message });
      return;
    }
    const [flight] = slot.inFlight.splice(at, 1);
    clearTimeout(flight.hangTimer);
    flight.jobs.forEach((job, i) => {
      if (job.done) return;
      if (msg.type === 'error') return this.settle(job, new EngineError(`${this.name}-pool`, `${this.name} worker ${slot.index}: ${msg.message}`));
      try {
        this.settle(job, { value: job.opts.read(msg, i) });
      } catch (err) {
        this.settle(job, err as Error);
      }
    });
    this.dispatch();
  }

  private dispatch(): void {
    const depth = this.options.batch ? 1 : (this.options.depth ?? 1);
    // Every idle worker gets a request before any worker gets its second.
    for (let level = 1; level <= depth; level++) {
      for (const slot of this.slots) {
        if (this.queue.length === 0) return;
        if (!slot.ready || !slot.worker || slot.inFlight.length >= level) continue;
        const batch = this.options.batch;
        if (batch) {
          const wait = slot.lastSent + batch.intervalMs - performance.now();
          if (wait > 0) {
            slot.batchTimer ??= setTimeout(() => {
              slot.batchTimer = null;
              this.dispatch();
            }, wait);
            continue;
          }
        }
        slot.lastSent = performance.now();
        const jobs = this.options.batch ? this.queue.splice(0, this.options.batch.max) : this.queue.splice(0, 1);
        const id = this.nextId++;
        let message: JobMessage;
        try {
          message = this.options.batch
            ? { body: { type: 'vad', frames: jobs.map((j) => j.opts.part) } }
            : jobs[0].opts.build!(slot);
        } catch (err) {
          for (const job of jobs) this.settle(job, err as Error);
          continue;
        }
        const deadline = Math.max(...jobs.map((j) => j.opts.timeoutMs));
        // A request unanswered far past its deadline means a hung worker: replace it.
        const hangTimer = setTimeout(() => {
          if (!slot.inFlight.some((f) => f.id === id)) return;
          this.options.onWorkerLost?.({ lane: this.name, worker: slot.index, reason: `${this.name} worker ${slot.index} hung` });
          slot.worker?.kill('SIGKILL');
        }, deadline + this.hangMs);
        hangTimer.unref();
        slot.inFlight.push({ id, jobs, deadline, hangTimer });
        this.send(slot.worker, { ...message.body, id });
      }
    }
  }
}
