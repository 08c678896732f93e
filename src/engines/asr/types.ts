import type { EngineFallbackEvent } from '../errors.js';
import type { EngineReadiness } from '../readiness.js';

/**
 * Streaming speech recognition. The call session pushes caller audio while the caller speaks
 * and finalises when the endpointer says the utterance is over.
 */
export interface AsrPartial {
  text: string;
}

export interface AsrFinal {
  text: string;
  /** 0..1 where the backend can tell; undefined otherwise. */
  confidence?: number;
  /** Audio seconds that were recognised. */
  audioSeconds: number;
  /**
   * Lower-ranked readings of the same audio, best first, where the backend keeps them (beam
   * search): understanding may prefer one that makes sense when the best one does not.
   */
  alternatives?: string[];
}

export interface AsrStreamOptions {
  /** Words or phrases to bias decoding towards (live FAQ vocabulary, active grammar). */
  hotwords?: readonly string[];
  onPartial?: (partial: AsrPartial) => void;
  /**
   * Called at most once when the stream fails before `finalize` (e.g. a remote engine went away);
   * `finalize` then rejects with the same error. Lets a fallback wrapper switch engines mid-utterance.
   */
  onError?: (err: Error) => void;
  /** Called when a fallback wrapper moved this utterance to another engine; the call records why. */
  onFallback?: (event: EngineFallbackEvent) => void;
}

export interface AsrStream {
  /** Mono PCM at the engine's `sampleRate`. Cheap: heavy work may run later or in chunks. */
  push(pcm: Int16Array): void;
  /** Ends the utterance and resolves with the final transcript. */
  finalize(): Promise<AsrFinal>;
  /** Drops the utterance (barge-in cancelled, call ended). Idempotent. */
  cancel(): void;
  /**
   * What the audio pushed so far reads as, now (a quick decode, for deciding whether the caller
   * has finished: src/dialog/turn_end.ts). Backends that cannot say leave it out.
   */
  heardSoFar?(): Promise<string>;
}

export interface AsrEngine {
  readonly name: string;
  /** Input sample rate the engine wants; the session resamples to it. */
  readonly sampleRate: number;
  createStream(options?: AsrStreamOptions): AsrStream;
  close(): Promise<void>;
  /** Whether the engine can recognise now (/readyz); engines without one are taken as ready. */
  readiness?(): Promise<EngineReadiness>;
}
