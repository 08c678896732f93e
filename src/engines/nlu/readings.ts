import type { NluResult } from './types.js';

/**
 * The recogniser's best reading of an utterance is not always the one that makes sense: a letter
 * off in a key word can turn a clear question into nothing. When the best reading is understood
 * as nothing (no FAQ, no system request, no slot), the next readings are tried in order and the
 * first one understood wins. A reading that was understood is never second-guessed, so a caller
 * who said something the bot knows is not "corrected" into something else.
 */
export interface Understood {
  result: NluResult;
  /** The reading that was understood (the best one unless it meant nothing). */
  text: string;
  /** 0 for the recogniser's best reading, 1.. for an alternative. */
  rank: number;
}

/** Readings after the best one that are worth a parse (the beam's tail is mostly noise). */
export const MAX_ALTERNATIVES = 3;

function understood(r: NluResult): boolean {
  return r.intent !== null || r.system !== null;
}

export function understandReadings(parse: (text: string) => NluResult, best: string, alternatives: readonly string[] = []): Understood {
  const first = parse(best);
  if (understood(first)) return { result: first, text: best, rank: 0 };
  const tried = new Set([best]);
  let rank = 0;
  for (const text of alternatives) {
    rank++;
    if (rank > MAX_ALTERNATIVES) break;
    if (tried.has(text) || !text.trim()) continue;
    tried.add(text);
    const r = parse(text);
    if (understood(r)) return { result: r, text, rank };
  }
  return { result: first, text: best, rank: 0 };
}
