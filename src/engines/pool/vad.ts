import type * as ort from 'onnxruntime-node';
import { SileroCallDetector, sileroRun, type SileroModel, type VoiceActivityDetector } from '../../audio/vad.js';
import { EngineError, fallbackCause } from '../errors.js';
import type { WorkerLane } from './pool.js';
import type { VadFrameRequest, WorkerReply } from './protocol.js';

export interface PooledVadOptions {
  /** How long a frame may wait for the VAD worker before the main thread scores it itself. */
  timeoutMs: number;
  /** A frame was scored here instead of in the worker, and why (logs, metrics; rate-limit there). */
  onFallback?: (info: { cause: ReturnType<typeof fallbackCause>; message: string }) => void;
}

/**
 * Silero VAD with its model run in a worker process. Each call's detector keeps its recurrent
 * state and context here and sends them with every frame, so the worker holds nothing of the call:
 * frames of all calls waiting when the worker frees go as one message, and a frame the worker
 * does not answer in time (dead, hung, overloaded) is scored here with `local`, the same model,
 * continuing from the same state: the call hears no difference.
 */
export class PooledSileroModel {
  constructor(
    readonly local: SileroModel,
    readonly lane: WorkerLane,
    private readonly options: PooledVadOptions,
  ) {}

  createDetector(sampleRate: 8000 | 16000): VoiceActivityDetector {
    return new PooledSileroDetector(this, sampleRate);
  }

  async score(frames: VadFrameRequest, sr: ort.Tensor): Promise<{ probabilities: number[]; state: Float32Array }> {
    const job = this.lane.submit({
      priority: 0,
      timeoutMs: this.options.timeoutMs,
      part: frames,
      read: (reply: WorkerReply, index: number) => {
        if (reply.type !== 'vad' || !reply.results[index]) throw new EngineError(`${this.lane.name}-pool`, `unexpected ${reply.type} reply`);
        return reply.results[index];
      },
    });
    try {
      return await job.result;
    } catch (err) {
      this.options.onFallback?.({ cause: fallbackCause(err), message: (err as Error).message });
      return sileroRun(this.local, frames.inputs, frames.state, sr);
    }
  }

  close(): Promise<void> {
    return this.lane.close();
  }
}

class PooledSileroDetector extends SileroCallDetector {
  constructor(
    private readonly model: PooledSileroModel,
    sampleRate: 8000 | 16000,
  ) {
    super(sampleRate);
  }

  async process(frame: Float32Array): Promise<number> {
    return (await this.processMany([frame]))[0];
  }

  /** The frames go as one part of a batch: the worker runs them in order from this call's state. */
  async processMany(frames: Float32Array[]): Promise<number[]> {
    const { inputs, context } = this.inputsFor(frames);
    const out = await this.model.score({ rate: this.sampleRate, inputs, state: this.state }, this.sr);
    this.state = out.state;
    this.context = context;
    return out.probabilities;
  }
}
