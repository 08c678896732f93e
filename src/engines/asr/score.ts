import { distance } from 'fastest-levenshtein';

/** Word-level edit distance (Levenshtein over tokens). */
export function wordEdits(a: readonly string[], b: readonly string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Corpus CER and WER of [hypothesis, reference] pairs already normalised: the one definition the
 * evaluations and the model promotion both score with.
 */
export function scoreTexts(pairs: ReadonlyArray<readonly [string, string]>): { cer: number; wer: number } {
  let ce = 0;
  let cn = 0;
  let we = 0;
  let wn = 0;
  for (const [h, r] of pairs) {
    ce += distance(h, r);
    cn += r.length;
    const hw = h.split(' ').filter(Boolean);
    const rw = r.split(' ').filter(Boolean);
    we += wordEdits(hw, rw);
    wn += rw.length;
  }
  return { cer: cn ? ce / cn : 0, wer: wn ? we / wn : 0 };
}
