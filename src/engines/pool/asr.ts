import type { CtcResult } from '../asr/ctc.js';
import { beginFinalize, ctcFinal, reusableReading, type CtcStreamState, type PauseReading } from '../asr/ctc-stream.js';
import type { InputAccumulator, ModelInput, OnnxCtcAsr } from '../asr/onnx.js';
import type { AsrEngine, AsrFinal, AsrStream, AsrStreamOptions } from '../asr/types.js';
import { EngineError, fallbackCause, type EngineFallbackEvent } from '../errors.js';
import type { EngineReadiness } from '../readiness.js';
import { cachedProbe } from '../readiness.js';
import type { WorkerLane } from './pool.js';
import type { AsrOp, AsrReading, WorkerReply } from './protocol.js';

export interface PooledAsrOptions {
  /** How long a reading may wait for a worker before the main thread reads it itself. */
  timeoutMs: number;
  /** Process-wide notice of each fallback (logs, metrics); the stream's own onFallback is told too. */
  onFallback?: (event: EngineFallbackEvent) => void;
}

/** Recognition work first: the final transcript a caller waits for, then turn-end readings, then partials. */
const PRIORITY: Record<AsrOp, number> = { final: 0, read: 1, partial: 2 };

/** Ids of hotword arrays: calls of one knowledge-base version share one array, so one id. */
const hotwordIds = new WeakMap<readonly string[], number>();
let nextHotwordId = 1;
function hotwordId(words: readonly string[]): number {
  let id = hotwordIds.get(words);
  if (id === undefined) hotwordIds.set(words, (id = nextHotwordId++));
  return id;
}

/**
 * The in-process ONNX recogniser with its heavy work (features, acoustic model, beam search with
 * LM fusion) done by a lane of worker processes, so the event loop that paces the calls' audio only
 * collects samples. Callers see the AsrEngine they had: the same readings at the same moments of
 * the stream (the worker runs the same code on the same audio). When a worker dies or does not
 * answer in time, the reading is done here with `local`, the same model, and the stream's
 * onFallback records why; partials are skipped instead (they only count progress).
 */
export class PooledAsr implements AsrEngine {
  readonly name: string;
  readonly sampleRate: number;
  private closed = false;

  constructor(
    readonly local: OnnxCtcAsr,
    readonly lane: WorkerLane,
    private readonly options: PooledAsrOptions,
  ) {
    this.name = local.name;
    this.sampleRate = local.sampleRate;
  }

  createStream(options: AsrStreamOptions = {}): AsrStream {
    if (this.closed) throw new Error('ASR engine is closed');
    return new PooledStream(this, options);
  }

  /** A tenth of a second of silence through a worker, as a call's stream would send it. */
  private readonly probe = cachedProbe(async (): Promise<EngineReadiness> => {
    const fallbacks: EngineFallbackEvent[] = [];
    const stream = this.createStream({ onFallback: (e) => fallbacks.push(e) });
    stream.push(new Int16Array(Math.round(this.sampleRate / 10)));
    await stream.finalize();
    const workers = `${this.lane.live} of ${this.lane.size} ${this.lane.name} workers running`;
    return { ready: true, detail: fallbacks.length ? `${this.name} recognises on the main thread (${fallbacks[0].message}); ${workers}` : `${this.name} recognises in its worker pool (${workers})` };
  });

  readiness(): Promise<EngineReadiness> {
    return this.closed ? Promise.resolve({ ready: false, detail: `${this.name} is closed` }) : this.probe();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.lane.close(), this.local.close()]);
  }

  /**
   * One reading of an utterance (the model's input for it) by a worker, or here when no worker
   * answers in time. `onFallback` is told when the reading was done here.
   */
  read(op: AsrOp, input: ModelInput, hotwords: readonly string[] | undefined, onFallback: (event: EngineFallbackEvent) => void): { result: Promise<{ reading: CtcResult | null; ms: number }>; cancel(): void } {
    const words = op === 'partial' || !hotwords || hotwords.length === 0 ? undefined : hotwords;
    const job = this.lane.submit({
      priority: PRIORITY[op],
      timeoutMs: this.options.timeoutMs,
      build: (worker) => {
        let hot: { id: number; words?: readonly string[] } | undefined;
        if (words) {
          const id = hotwordId(words);
          hot = worker.hasHotwords(id) ? { id } : { id, words };
          if (!worker.hasHotwords(id)) worker.noteHotwords(id);
        }
        return { body: { type: 'asr', op, input, ...(hot ? { hotwords: hot } : {}) } };
      },
      read: (reply: WorkerReply) => {
        if (reply.type !== 'asr') throw new EngineError(`${this.lane.name}-pool`, `unexpected ${reply.type} reply`);
        return { reading: reply.result ? toCtc(reply.result) : null, ms: reply.ms };
      },
    });
    const result = job.result.catch(async (err: Error) => {
      if (op === 'partial' || (err instanceof EngineError && err.message === 'cancelled')) throw err;
      const event: EngineFallbackEvent = {
        engine: 'asr',
        from: `${this.name} (worker pool)`,
        to: `${this.name} (main thread)`,
        cause: fallbackCause(err),
        message: err.message,
      };
      this.options.onFallback?.(event);
      onFallback(event);
      const t0 = performance.now();
      const reading = await this.local.read(input, words, true);
      return { reading, ms: performance.now() - t0 };
    });
    return { result, cancel: job.cancel };
  }
}

function toCtc(r: AsrReading): CtcResult {
  return { text: r.text, confidence: r.confidence, ...(r.alternatives ? { alternatives: r.alternatives } : {}) };
}

/** What a finished stream holds instead of its features: nothing, and it takes nothing more. */
const RELEASED: InputAccumulator = { push: () => {}, modelInput: () => null };

/**
 * One utterance: its features are computed here as the audio arrives (a few microseconds per
 * 10 ms frame, the in-process stream's own cost) and each reading sends the features of the whole
 * utterance so far to a worker; computing them there from the audio again cost the worker more
 * than the model and the search together (4.4 of 7.7 ms for 3.4 s of speech, docs/BENCHMARKS.md).
 * The partial schedule, the reuse of a pause's reading at finalize and the results are those of the
 * in-process stream (src/engines/asr/onnx.ts).
 */
class PooledStream implements AsrStream {
  private audio: InputAccumulator;
  private samples = 0;
  private lastPartialAt = 0;
  private lastPartialMs = 0;
  private lastPartial = '';
  private decoding = false;
  private state: CtcStreamState = 'open';
  private readonly jobs = new Set<{ cancel(): void }>();
  private lastRead: PauseReading | null = null;

  constructor(
    private readonly engine: PooledAsr,
    private readonly options: AsrStreamOptions,
  ) {
    this.audio = engine.local.inputAccumulator();
  }

  push(pcm: Int16Array): void {
    if (!(pcm instanceof Int16Array)) throw new TypeError('AsrStream.push expects an Int16Array of mono PCM');
    if (this.state !== 'open' || pcm.length === 0) return;
    this.audio.push(pcm);
    this.samples += pcm.length;
    if (this.options.onPartial && !this.decoding && this.samples - this.lastPartialAt >= this.engine.local.partialGapSamples(this.lastPartialMs)) {
      this.lastPartialAt = this.samples;
      void this.partial();
    }
  }

  private run(op: AsrOp): Promise<{ reading: CtcResult | null; ms: number }> {
    const input = this.audio.modelInput();
    // Too short for the model to yield anything: nothing to send.
    if (!input) return Promise.resolve({ reading: null, ms: 0 });
    const job = this.engine.read(op, input, this.options.hotwords, (e) => this.options.onFallback?.(e));
    this.jobs.add(job);
    return job.result.finally(() => this.jobs.delete(job));
  }

  private async partial(): Promise<void> {
    this.decoding = true;
    const t0 = performance.now();
    try {
      const { reading } = await this.run('partial');
      if (this.state !== 'open' || !reading) return;
      // Wall time from asking to answer, queueing included, as the in-process stream measures its
      // decode (which waits for the loop): when the workers are busy, partials back off with them.
      this.lastPartialMs = performance.now() - t0;
      if (reading.text && reading.text !== this.lastPartial) {
        this.lastPartial = reading.text;
        this.options.onPartial?.({ text: reading.text });
      }
    } catch {
      // A partial that failed or waited too long is skipped: finalize reads the whole utterance anyway.
    } finally {
      this.decoding = false;
    }
  }

  async heardSoFar(): Promise<string> {
    if (this.state !== 'open') return '';
    const samples = this.samples;
    const { reading } = await this.run('read');
    if (!reading) return '';
    if (this.state === 'open') this.lastRead = { samples, result: reading };
    return reading.text;
  }

  async finalize(): Promise<AsrFinal> {
    this.state = beginFinalize(this.state);
    const audioSeconds = this.samples / this.engine.sampleRate;
    const reused = reusableReading(this.lastRead, this.samples, this.engine.sampleRate);
    if (reused) {
      this.release();
      this.state = 'done';
      return ctcFinal(reused, audioSeconds);
    }
    try {
      const { reading } = await this.run('final');
      if (!reading) return { text: '', confidence: 0, audioSeconds };
      return ctcFinal(reading, audioSeconds);
    } finally {
      this.release();
      if (this.state === 'finalizing') this.state = 'done';
    }
  }

  cancel(): void {
    if (this.state === 'open' || this.state === 'finalizing') this.state = 'cancelled';
    for (const job of this.jobs) job.cancel();
    this.jobs.clear();
    this.release();
  }

  private release(): void {
    this.audio = RELEASED;
  }
}
