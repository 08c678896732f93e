import type { PcmChunk } from '../../audio/types.js';

export interface SynthesisOptions {
  /** Stops synthesis early (barge-in, hang-up). */
  signal?: AbortSignal;
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
}
