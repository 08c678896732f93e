import type { CtcResult } from './ctc.js';
import type { AsrFinal } from './types.js';

/**
 * What the two streams over the local CTC model share: the in-process one (onnx.ts) and the one
 * that reads through worker processes (engines/pool/asr.ts). One copy, so a call hears the same
 * transcript whichever of them the site runs.
 */

export type CtcStreamState = 'open' | 'finalizing' | 'done' | 'cancelled';

/** A reading of the speech so far, with how many samples it covered. */
export interface PauseReading {
  samples: number;
  result: CtcResult;
}

/** Silence after a reading of the speech so far within which finalize reuses it. */
export const REUSE_READING_SECONDS = 0.25;

/** finalize()'s guard: a cancelled stream or a second finalize is refused; otherwise the stream is now finalising. */
export function beginFinalize(state: CtcStreamState): 'finalizing' {
  if (state === 'cancelled') throw new Error('ASR stream was cancelled');
  if (state !== 'open') throw new Error('ASR stream was already finalised');
  return 'finalizing';
}

/**
 * The reading to return as the transcript without decoding again, or null. A turn ended by a
 * reading taken during its closing pause (src/dialog/turn_end.ts) has only that pause after it,
 * so that reading is the transcript and costs nothing more.
 */
export function reusableReading(read: PauseReading | null, samples: number, sampleRate: number): CtcResult | null {
  return read && samples - read.samples <= sampleRate * REUSE_READING_SECONDS ? read.result : null;
}

/** A CTC reading as the utterance's final result. */
export function ctcFinal(result: CtcResult, audioSeconds: number): AsrFinal {
  return { text: result.text, confidence: result.confidence, audioSeconds, alternatives: result.alternatives ?? [] };
}
