import { existsSync, statSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { resolveShipped } from '../config/paths.js';
import type { AsrEngine } from './asr/types.js';
import type { TtsEngine } from './tts/types.js';
import type { EngineFallbackEvent } from './errors.js';
import type { EngineLogger } from './grpc/proto.js';
import { withAsrFallback } from './asr/fallback.js';
import { createGrpcAsr } from './grpc/asr-client.js';
import { createTtsEngine as createTtsFromConfig } from './tts/index.js';
import { createOnnxAsr, type OnnxAsrOptions } from './asr/onnx.js';
import { createPooledAsr, recognitionWorkers } from './pool/index.js';
import { createVoskAsr } from './asr/vosk.js';
import { createWhisperHttpAsr } from './asr/whisper-http.js';
import { AsrModelError } from './asr/manifest.js';

export interface EngineDeps {
  logger?: EngineLogger;
  /** Every switch from a remote engine to the local one, process-wide (metrics, logs). */
  onFallback?: (event: EngineFallbackEvent) => void;
  /** Rate the TTS engines should yield (e.g. 8000 for the phone line); default: the voice's own. */
  ttsOutputRate?: number;
}

export interface Engines {
  asr: AsrEngine;
  tts: TtsEngine;
  close(): Promise<void>;
}

/**
 * Config → engines. `grpc` backends talk to a remote engine server and are wrapped in a fallback
 * to the local backend, so a call goes on when the inference tier is down or slow.
 */
export async function createEngines(config: Config, deps: EngineDeps = {}): Promise<Engines> {
  const [asr, tts] = await Promise.all([createAsrEngine(config, deps), createTtsEngine(config, deps)]);
  return {
    asr,
    tts,
    async close() {
      await Promise.allSettled([asr.close(), tts.close()]);
    },
  };
}

function fallbackReporter(deps: EngineDeps): (event: EngineFallbackEvent) => void {
  return (event) => {
    deps.logger?.warn({ ...event }, `${event.engine} fell back from ${event.from} to ${event.to}`);
    deps.onFallback?.(event);
  };
}

/** The ASR engine of `config.asr.backend` (grpc: remote with the local model as fallback). */
export async function createAsrEngine(config: Config, deps: EngineDeps = {}): Promise<AsrEngine> {
  const local = await createCallAsr(config, deps);
  const remote = createRemoteAsr(config, local.sampleRate);
  if (!remote) return local;
  return withAsrFallback(remote, local, { timeoutMs: config.asr.timeoutMs, onFallback: fallbackReporter(deps) });
}

/** The remote recogniser of `config.asr.backend` (grpc, vosk, whisper-http), or null for onnx. */
function createRemoteAsr(config: Config, sampleRate: number): AsrEngine | null {
  const { asr } = config;
  switch (asr.backend) {
    case 'grpc':
      return createGrpcAsr({ url: requireUrl(asr.grpcUrl, 'asr'), sampleRate, timeoutMs: asr.timeoutMs });
    case 'vosk':
      if (!asr.voskUrl) throw new Error('asr.backend is "vosk" but asr.voskUrl is not set (e.g. "ws://10.0.0.7:2700"; env PASOKH_ASR_VOSK_URL)');
      return createVoskAsr({ url: asr.voskUrl, sampleRate, timeoutMs: asr.timeoutMs });
    case 'whisper-http':
      if (!asr.whisperUrl) throw new Error('asr.backend is "whisper-http" but asr.whisperUrl is not set (e.g. "http://10.0.0.7:8000"; env PASOKH_ASR_WHISPER_URL)');
      return createWhisperHttpAsr({ url: asr.whisperUrl, sampleRate, model: asr.whisperModel, language: asr.language, apiKey: asr.whisperApiKey, timeoutMs: asr.timeoutMs });
    default:
      return null;
  }
}

/**
 * The TTS engine of `config.tts.backend` (grpc: remote with the local eSpeak voice as fallback).
 * The TTS module owns the per-backend wiring (`createTtsEngine` in tts/index.ts); this adds the
 * logging of fallbacks. The call path wants it behind the answer cache: `createCachedTtsFromConfig`.
 */
export async function createTtsEngine(config: Config, deps: EngineDeps = {}): Promise<TtsEngine> {
  return createTtsFromConfig(config.tts, { outputRate: deps.ttsOutputRate, onFallback: fallbackReporter(deps) });
}

function requireUrl(url: string | undefined, section: 'asr' | 'tts'): string {
  if (!url) {
    const env = section === 'asr' ? 'PASOKH_ASR_GRPC_URL' : 'PASOKH_TTS_GRPC_URL';
    throw new Error(`${section}.backend is "grpc" but ${section}.grpcUrl is not set (env ${env}, e.g. "10.0.0.5:50051")`);
  }
  return url;
}

/** The in-process ASR engine of the config (the engine server serves this one). */
export async function createLocalAsr(config: Config): Promise<AsrEngine> {
  return createOnnxAsr(localAsrOptions(config));
}

function localAsrOptions(config: Config): OnnxAsrOptions {
  const modelDir = resolveShipped(config.asr.modelDir);
  // Said plainly before anything loads: without its recogniser the service must not start.
  if (!existsSync(modelDir) || !statSync(modelDir).isDirectory()) {
    throw new AsrModelError(`ASR model folder ${modelDir} does not exist (asr.modelDir "${config.asr.modelDir}", env PASOKH_ASR_MODEL)`);
  }
  return { modelDir, beamWidth: config.asr.beamWidth, hotwordBoost: config.asr.hotwordBoost, useLm: config.asr.languageModel };
}

/**
 * The local recogniser calls use: the in-process model with its work done by engines.workers
 * worker processes (src/engines/pool), or on the main thread when that is 0.
 */
async function createCallAsr(config: Config, deps: EngineDeps): Promise<AsrEngine> {
  if (recognitionWorkers(config.engines.workers) === 0) return createLocalAsr(config);
  return createPooledAsr(localAsrOptions(config), config.engines, { logger: deps.logger, onFallback: fallbackReporter(deps) });
}

/**
 * The in-process TTS engine of the config (what the engine server serves): the configured eSpeak
 * or Piper voice; for backend grpc, the local eSpeak voice.
 */
export async function createLocalTts(config: Config, options: { outputRate?: number } = {}): Promise<TtsEngine> {
  // With backend grpc, tts.voice names the remote server's voice; locally that is plain eSpeak "fa".
  const tts = config.tts.backend === 'grpc' ? { ...config.tts, backend: 'espeak' as const, voice: 'fa' } : config.tts;
  return createTtsFromConfig(tts, { outputRate: options.outputRate });
}
