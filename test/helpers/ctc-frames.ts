/**
 * Hand-made CTC model output for decoder unit tests: the default model's alphabet, and log-probs
 * built step by step the way a CTC model emits them.
 */
import type { CtcVocab, LogProbs } from '../../src/engines/asr/ctc.js';

export const tokens = ['<blank>', ' ', ...'آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیء'];
export const vocab: CtcVocab = { tokens, blank: 0, wordDelimiter: ' ' };

/**
 * Each step is a map symbol → probability (`_` is the blank; the rest of the mass is spread over
 * the other classes), with a blank frame between steps.
 */
export function frames(steps: Array<Record<string, number>>): LogProbs {
  const C = tokens.length;
  const rows: number[][] = [];
  const push = (dist: Record<string, number>) => {
    const mass = Object.values(dist).reduce((a, b) => a + b, 0);
    const rest = (1 - mass) / (C - Object.keys(dist).length);
    rows.push(tokens.map((t) => Math.log(dist[t === '<blank>' ? '_' : t] ?? rest)));
  };
  for (const s of steps) {
    push(s);
    push({ _: 0.98 });
  }
  return { data: Float32Array.from(rows.flat()), frames: rows.length, classes: C };
}

/** A word the model hears clearly: each letter at 0.97. */
export const sure = (word: string) => [...word].map((c) => ({ [c]: 0.97 }));
