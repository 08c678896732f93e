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

export function detectSystemIntent(text: string): SystemIntent | null {
  const words = tokenizePersian(text, { numbers: false });
  if (words.length === 0) return null;
  const found = new Set(matchPhrases(grammar('system'), words).map((m) => m.value as SystemIntent));
  for (const intent of PRIORITY) {
    if (!found.has(intent)) continue;
    // «دوباره» alone is a request to repeat; inside a longer sentence («دوباره قطع شد») it is not.
    if (intent === 'repeat' && words.length > 4) continue;
    if (intent === 'goodbye' && words.length > 6) continue;
    return intent;
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
