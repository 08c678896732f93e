import type { Config } from '../../config/schema.js';
import type { Logger } from '../../logger.js';
import type { Database } from '../../store/db.js';
import { createGrpcTts } from '../grpc/tts-client.js';
import type { EngineFallbackEvent } from '../errors.js';
import { createAnswerCache, type AnswerCache } from './cache.js';
import { createEspeakTts } from './espeak/engine.js';
import { withTtsFallback } from './fallback.js';
import { createOnnxTts } from './onnx/piper.js';
import type { TtsEngine } from './types.js';

export { createAnswerCache, type AnswerCache, type AnswerCacheOptions, type CacheStats } from './cache.js';
export { createAudioRoutes, type AudioRoutesDeps } from './routes.js';
export { createEspeakTts, type EspeakTtsOptions } from './espeak/engine.js';
export { closeSharedEspeakHost } from './espeak/host.js';
export { createOnnxTts, type OnnxTtsOptions } from './onnx/piper.js';
export { createSpokenForm, toSpokenForm } from './spoken/index.js';
export type { SynthesisOptions, TtsEngine } from './types.js';

export interface TtsFromConfigOptions {
  /** Rate the call path plays at (8000 for Twilio/Asterisk μ-law); engines resample to it. */
  outputRate?: number;
  onFallback?: (event: EngineFallbackEvent) => void;
}

/**
 * The engine `config.tts` describes. The grpc backend keeps a local eSpeak voice behind it, so a
 * lost inference tier costs voice quality, never silence; its `voice` setting must then be the
 * server's voice id (e.g. `espeak:fa@165/50`) or empty for "whatever the server speaks".
 */
export async function createTtsEngine(tts: Config['tts'], options: TtsFromConfigOptions = {}): Promise<TtsEngine> {
  const { outputRate } = options;
  switch (tts.backend) {
    case 'espeak':
      return createEspeakTts({ voice: tts.voice, rate: tts.rate, pitch: tts.pitch, outputRate, lexicon: tts.lexicon });
    case 'onnx':
      return createOnnxTts({ voicePath: tts.voice, outputRate, lexicon: tts.lexicon, lengthScale: tts.lengthScale });
    case 'grpc': {
      if (!tts.grpcUrl) throw new Error('tts.backend is grpc but tts.grpcUrl is not set');
      const local = await createEspeakTts({ rate: tts.rate, pitch: tts.pitch, outputRate, lexicon: tts.lexicon });
      const remote = createGrpcTts({ url: tts.grpcUrl, voice: tts.voice === 'fa' ? '' : tts.voice, timeoutMs: tts.timeoutMs });
      return withTtsFallback(remote, local, { timeoutMs: tts.timeoutMs, onFallback: options.onFallback });
    }
  }
}

/**
 * The call path's TTS in one line: the configured engine behind the answer cache, at the telephony
 * rate. Attach the knowledge base and warm the fixed prompts on the result.
 */
export async function createCachedTtsFromConfig(
  config: Config,
  deps: { database: Database; outputRate?: number; onFallback?: (event: EngineFallbackEvent) => void; logger?: Pick<Logger, 'warn'> },
): Promise<AnswerCache> {
  const outputRate = deps.outputRate ?? 8000;
  const inner = await createTtsEngine(config.tts, { outputRate, onFallback: deps.onFallback });
  return createAnswerCache({
    database: deps.database,
    inner,
    outputRate,
    memoryBytes: config.tts.cacheMemoryMb * 1024 * 1024,
    logger: deps.logger,
  });
}
