import { cachedTokens, stemsOf } from './features.js';
import type { TrainingExample } from './matcher.js';

/**
 * Choosing the background ("other businesses' requests", learnt as no FAQ) for one upload. The
 * shipped background is a sample of everyday requests grouped by topic (alarms, music, weather…)
 * plus hand-written near misses of an ISP. A site whose own FAQ covers one of those topics (a
 * travel agency's «بلیت هواپیما», a smart-home vendor's «لامپ») would otherwise be taught that its
 * own callers' words mean "not ours": the right FAQ loses the ranking to the background's pull in
 * the softmax regression and naive Bayes, and its confidence falls under the threshold. So a topic
 * whose requests are largely made of the words of one uploaded FAQ is left out as a whole. Lines
 * without a topic (the hand-written near misses) always stay: they are near on purpose, and
 * leaving out the ones made of a FAQ's words let the sample FAQ accept 13.5 % of the dev
 * out-of-scope lines instead of 12.5 %. The levels were chosen on the dev lines (never the test
 * files): stricter ones (0.6, 0.4) kept the MASSIVE-fa 12-per-intent upload at 36 % answered right
 * instead of 50 % and changed nothing for the sample FAQ.
 */

export interface BackgroundLine {
  text: string;
  /** The group the line was sampled from (e.g. `massive-fa/train:alarm_set`); null: hand-written. */
  topic: string | null;
}

export interface BackgroundOptions {
  /** A line is claimed by a FAQ when this share of its (IDF-weighted) words are that FAQ's words. */
  claim?: number;
  /** A topic is left out when at least this share of its lines are claimed by the uploaded FAQs. */
  topicShare?: number;
}

export interface BackgroundChoice {
  lines: string[];
  /** Topics left out because the upload covers them. */
  leftOutTopics: string[];
  /** Lines left out with their topics. */
  leftOutLines: number;
}

export const BACKGROUND_DEFAULTS: Required<BackgroundOptions> = { claim: 0.5, topicShare: 0.25 };

/** The background lines to train beside `faqLines`, without the topics the upload covers. */
export function backgroundBeside(faqLines: readonly TrainingExample[], background: readonly BackgroundLine[], options: BackgroundOptions = {}): BackgroundChoice {
  const { claim, topicShare } = { ...BACKGROUND_DEFAULTS, ...options };
  // Which FAQs use each word (a word also counts through its stem: «زنگ» covers «زنگم»).
  const faqsOf = new Map<string, Set<string>>();
  for (const e of faqLines) {
    for (const t of cachedTokens(e.text)) {
      for (const form of [t, ...stemsOf(t)]) {
        let set = faqsOf.get(form);
        if (!set) faqsOf.set(form, (set = new Set()));
        set.add(e.intent);
      }
    }
  }
  // Word weights from how many background lines use a word: «کن» and «را» tell no topic.
  const lineTokens = background.map((l) => [...new Set(cachedTokens(l.text))]);
  const df = new Map<string, number>();
  for (const tokens of lineTokens) for (const t of tokens) df.set(t, (df.get(t) ?? 0) + 1);
  const n = background.length;
  const idf = (t: string) => Math.log((n + 1) / ((df.get(t) ?? 0) + 1)) + 1;

  const shareOfBest = (tokens: readonly string[]): number => {
    let total = 0;
    const perFaq = new Map<string, number>();
    for (const t of tokens) {
      const w = idf(t);
      total += w;
      const faqs = faqsOf.get(t) ?? stemsOf(t).map((s) => faqsOf.get(s)).find((s) => s !== undefined);
      if (faqs) for (const f of faqs) perFaq.set(f, (perFaq.get(f) ?? 0) + w);
    }
    let best = 0;
    for (const w of perFaq.values()) best = Math.max(best, w);
    return total > 0 ? best / total : 0;
  };

  const shares = lineTokens.map(shareOfBest);
  const claimed = new Map<string, { lines: number; claimed: number }>();
  background.forEach((l, i) => {
    if (l.topic === null) return;
    const c = claimed.get(l.topic) ?? { lines: 0, claimed: 0 };
    c.lines++;
    if (shares[i] >= claim) c.claimed++;
    claimed.set(l.topic, c);
  });
  const leftOut = new Set([...claimed].filter(([, c]) => c.claimed >= topicShare * c.lines).map(([t]) => t));
  const lines: string[] = [];
  background.forEach((l, i) => {
    if (l.topic === null || !leftOut.has(l.topic)) lines.push(l.text);
  });
  return { lines, leftOutTopics: [...leftOut].sort(), leftOutLines: background.length - lines.length };
}
