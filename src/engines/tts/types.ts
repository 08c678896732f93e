import type { PcmChunk } from '../../audio/types.js';
import type { EngineFallbackEvent } from '../errors.js';
import type { EngineReadiness } from '../readiness.js';

export interface SynthesisOptions {
  /** Stops synthesis early (barge-in, hang-up). */
  signal?: AbortSignal;
  /** Called when a fallback wrapper moved this text to another engine; the call records why. */
  onFallback?: (event: EngineFallbackEvent) => void;
}

/**
 * Text in, PCM chunks out. Implementations stream: the first chunk should leave before the whole
 * text is synthesised. The answer cache is itself a TtsEngine wrapping another one.
 */
export interface TtsEngine {
  readonly name: string;
  /** Voice identity; part of the answer-cache key. */
  readonly voice: string;
  synthesize(text: string, options?: SynthesisOptions): AsyncIterable<PcmChunk>;
  close(): Promise<void>;
  /** Whether the engine can speak now (/readyz); engines without one are taken as ready. */
  readiness?(): Promise<EngineReadiness>;
  /**
   * The text the engine will actually speak for `text` (numbers, dates, codes and Latin terms
   * written out in Persian). The answer cache keys on it, so two spellings of one answer share audio.
   */
  spokenForm?(text: string): string;
  /** Sample rate of the chunks this engine yields, when fixed (e.g. resampled to the telephony rate). */
  readonly outputRate?: number;
}
