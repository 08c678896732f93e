import { availableParallelism } from 'node:os';
import { bundledSileroPath, SileroModel } from '../../audio/vad.js';
import { OnnxCtcAsr, type OnnxAsrOptions } from '../asr/onnx.js';
import type { EngineFallbackEvent } from '../errors.js';
import { PooledAsr } from './asr.js';
import { WorkerLane } from './pool.js';
import { PooledSileroModel } from './vad.js';
import type { Logger } from '../../logger.js';

export { PooledAsr } from './asr.js';
export { PooledSileroModel } from './vad.js';
export { WorkerLane } from './pool.js';

/** engines.* of the config (src/config/schema.ts). */
export interface PoolSettings {
  /** Recognition worker processes; 'auto' = cores − 1 (at least 1); 0 = recognise on the main thread. */
  workers: number | 'auto';
  /** Silero VAD in a worker process of its own (true) or on the main thread. */
  vadWorker: boolean;
  /** A reading not answered by a worker within this is done on the main thread. */
  timeoutMs: number;
  /** A VAD frame not answered within this is scored on the main thread. */
  vadTimeoutMs: number;
}

export type PoolLogger = Pick<Logger, 'warn'>;

/** Worker processes for recognition that `workers` means on this machine. */
export function recognitionWorkers(workers: number | 'auto'): number {
  return workers === 'auto' ? Math.max(1, availableParallelism() - 1) : workers;
}

/**
 * The ONNX recogniser behind a pool of worker processes (engines.workers > 0), with the model also
 * loaded here to answer when a worker cannot.
 */
export async function createPooledAsr(asr: Omit<OnnxAsrOptions, 'lexicon'>, settings: PoolSettings, deps: { logger?: PoolLogger; onFallback?: (e: EngineFallbackEvent) => void } = {}): Promise<PooledAsr> {
  const size = recognitionWorkers(settings.workers);
  const [local, lane] = await Promise.all([
    OnnxCtcAsr.create(asr),
    WorkerLane.start({
      name: 'asr',
      size,
      init: { type: 'init', asr },
      // A reading costs the worker ~3.4 ms; the call thread, busy at a burst of pauses, takes longer
      // than that to hand out the next one, so each worker holds a few (docs/BENCHMARKS.md).
      depth: 3,
      onWorkerLost: (info) => deps.logger?.warn(info, 'an ASR worker was lost; it is being replaced'),
    }),
  ]);
  return new PooledAsr(local, lane, { timeoutMs: settings.timeoutMs, onFallback: deps.onFallback });
}

/**
 * Silero VAD with the model in a worker process of its own: frames must not wait behind a
 * recognition, so the VAD does not share the recognition workers. Fallbacks are logged at most
 * every 5 s with the number of frames scored on the main thread since.
 */
export async function createPooledVad(settings: PoolSettings, deps: { logger?: PoolLogger; onFallback?: () => void } = {}): Promise<PooledSileroModel> {
  const modelPath = bundledSileroPath();
  const [local, lane] = await Promise.all([
    SileroModel.load(modelPath),
    WorkerLane.start({
      name: 'vad',
      size: 1,
      init: { type: 'init', vad: { modelPath } },
      // 10 ms: a call's VAD pass waits at most that for the next batch (frames are 32 ms); 100 messages a second at most.
      batch: { max: 512, intervalMs: 10 },
      onWorkerLost: (info) => deps.logger?.warn(info, 'the VAD worker was lost; it is being replaced'),
    }),
  ]);
  let since = 0;
  let lastLog = 0;
  return new PooledSileroModel(local, lane, {
    timeoutMs: settings.vadTimeoutMs,
    onFallback: (info) => {
      since++;
      deps.onFallback?.();
      const now = Date.now();
      if (now - lastLog < 5000) return;
      deps.logger?.warn({ ...info, frames: since }, 'VAD frames scored on the main thread (worker unavailable or late)');
      lastLog = now;
      since = 0;
    },
  });
}
