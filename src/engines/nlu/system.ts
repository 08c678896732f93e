import { distance } from 'fastest-levenshtein';
import { tokenizePersian } from '../../text/normalize.js';
import type { SystemIntent } from './types.js';
import { grammar, matchPhrases } from './grammars.js';

/**
 * Requests that steer the call («اپراتور», «دوباره بگو», «نه ممنون، خداحافظ»). Operator, repeat and
 * call-back count wherever they are said; yes/no only when they are (nearly) all that was said,
 * because «نه، اینترنتم قطع است» is a question, not a refusal.
 */

// Politeness around a bare answer: «بله، ممنون», «نه آقا، مرسی».
const COURTESY = new Set(['ممنون', 'متشکرم', 'مرسی', 'آقا', 'خانم', 'لطفا', 'عزیز', 'سلام', 'خیلی']);

const PRIORITY: SystemIntent[] = ['operator', 'callback', 'repeat', 'goodbye'];

/** Single-word phrases that are system requests only when nothing else was said. */
const AMBIGUOUS_ALONE = new Set(['دوباره', 'فعلا', 'بای', 'پشتیبان', 'مسئول']);

let longWords: string[] | null = null;

/**
 * A recogniser often splits a long word it is unsure of («اپراتور» → «پرا تور»). Two neighbours
 * that are not system words themselves but join into one (within one edit) are read as that word.
 */
function joinSplitWords(words: string[]): string[] {
  longWords ??= [...new Set(grammar('system').phrases.filter((p) => p.tokens.length === 1 && p.tokens[0].length >= 5).map((p) => p.tokens[0]))];
  const known = new Set(longWords);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (i + 1 < words.length && !known.has(words[i]) && !known.has(words[i + 1])) {
      const joined = words[i] + words[i + 1];
      const match = longWords.find((w) => Math.abs(w.length - joined.length) <= 1 && distance(w, joined) <= 1);
      if (match) {
        out.push(match);
        i++;
        continue;
      }
    }
    out.push(words[i]);
  }
  return out;
}

export function detectSystemIntent(text: string): SystemIntent | null {
  const words = joinSplitWords(tokenizePersian(text, { numbers: false }));
  if (words.length === 0) return null;
  const matches = matchPhrases(grammar('system'), words);
  const onlyCourtesyBesides = (m: { start: number; end: number }) =>
    words.every((w, i) => (i >= m.start && i < m.end) || COURTESY.has(w));
  for (const intent of PRIORITY) {
    const hits = matches.filter((m) => m.value === intent).filter((m) => {
      // Words that are also ordinary words count only when said on their own: «دوباره» is a
      // request to repeat, «دوباره قطع شد» is an outage; «فعلا» is goodbye, «فعلا قطعه» is not.
      if (m.end - m.start === 1 && AMBIGUOUS_ALONE.has(words[m.start])) return onlyCourtesyBesides(m);
      if (intent === 'repeat') return words.length <= 5;
      if (intent === 'goodbye') return words.length <= 6;
      return true;
    });
    if (hits.length > 0) return intent;
  }
  const yn = matchPhrases(grammar('yes-no'), words);
  if (yn.length > 0) {
    const covered = new Set<number>();
    for (const m of yn) for (let i = m.start; i < m.end; i++) covered.add(i);
    const rest = words.filter((w, i) => !covered.has(i) && !COURTESY.has(w));
    const values = new Set(yn.map((m) => m.value));
    if (rest.length === 0 && values.size === 1) return yn[0].value as SystemIntent;
  }
  return null;
}
