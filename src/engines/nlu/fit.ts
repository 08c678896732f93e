import { confidenceOf, evidenceOf, type NluModel } from './calibration.js';
import { BACKGROUND, type TfidfMatcher, type TrainingExample } from './matcher.js';

/**
 * Fitting the accept threshold to one knowledge base, at every import. The shipped model
 * (`models/nlu-fa/nlu-model.json`) was tuned on the sample ISP FAQ and its 1,553 phrasings; on a
 * site's own FAQ with a handful of phrasings its confidences run lower, and its threshold refuses
 * most right answers. So each import holds out a quarter of the FAQ's own phrasings (a FAQ with
 * none: its question, learnt from its answer) and a quarter of the background of other
 * businesses' requests, trains the matcher on the rest, and chooses the threshold that answers the
 * most held-out phrasings right while accepting no more held-out background than the shipped
 * model does on the sample FAQ (`targetFalseAccept`: the shipped model's operating point, the
 * prior), and never above the shipped threshold. The same held-out lines give the ops team's quality report: which FAQs the model
 * confuses, which need more phrasings, and the answer rate to expect.
 */

export interface FitSplit {
  /** What the fold's matcher is trained on. */
  train: TrainingExample[];
  /** Held-out FAQ lines (gold intent) and background lines (intent BACKGROUND). */
  heldOut: TrainingExample[];
}

/** Every `every`-th line is held out: a FAQ's phrasings (never its only line) and the background. */
export function foldSplit(examples: readonly TrainingExample[], every = 4, maxHeldOut = 3000): FitSplit {
  const byIntent = new Map<string, TrainingExample[]>();
  for (const e of examples) {
    const list = byIntent.get(e.intent);
    if (list) list.push(e);
    else byIntent.set(e.intent, [e]);
  }
  // Large knowledge bases hold out a sparser sample, so the fit stays a fraction of a retrain.
  const faqLines = examples.length - (byIntent.get(BACKGROUND)?.length ?? 0);
  const stride = Math.max(every, Math.ceil(faqLines / maxHeldOut));
  const train: TrainingExample[] = [];
  const heldOut: TrainingExample[] = [];
  for (const [intent, lines] of byIntent) {
    const step = intent === BACKGROUND ? every : stride;
    lines.forEach((line, i) => {
      // The first line of a FAQ is its question: held out only when something else (its answer,
      // its phrasings) stays to learn it from. A background line is held out by its own text, not
      // its place: the background chosen for an upload leaves out a few topics, and counting
      // places would shift every later line in or out of the held-out set and move the threshold
      // for reasons that have nothing to do with the upload.
      const hold =
        intent === BACKGROUND
          ? hashOf(line.text) % step === step - 1
          : lines.length > 1 && (i % step === step - 1 || (lines.length <= step && i === 0));
      (hold ? heldOut : train).push(line);
    });
  }
  return { train, heldOut };
}

/** FNV-1a of a string: a stable, well-spread number for choosing held-out lines by their text. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The ambiguity margin for this upload: the one of a few small margins that answers the held-out
 * phrasings best, a wrong answer counting three times a right one (a caller sent down the wrong
 * path is worse off than one asked which FAQ they meant), never below `floor` (the shipped
 * model's) nor below 0.01: two FAQs within a point of each other are a coin toss however the
 * held-out lines fell, and the caller is better asked.
 */
function chooseMargin(inScope: Scored['inScope'], threshold: number, floor: number): number {
  let best = Math.max(floor, MARGINS[0]);
  let bestValue = -Infinity;
  for (const m of MARGINS) {
    if (m < floor) continue;
    let value = 0;
    for (const l of inScope) {
      if (l.confidence < threshold || (l.second >= threshold && l.confidence - l.second < m)) continue;
      value += l.top === l.gold ? 1 : -3;
    }
    if (value > bestValue) {
      bestValue = value;
      best = m;
    }
  }
  return best;
}

const MARGINS = [0.01, 0.02, 0.05, 0.1];

export interface Confusion {
  /** The FAQ the phrasing belongs to. */
  faq: string;
  /** The FAQ the fitted model ranked first instead. */
  with: string;
  count: number;
  examples: string[];
}

export interface KbFit {
  threshold: number;
  /** Within this much of the best, a runner-up also above the threshold makes the engine ask which was meant. */
  ambiguityMargin: number;
  spokenThreshold: number;
  /** The shipped model's thresholds, for comparison. */
  prior: { threshold: number; spokenThreshold: number };
  /** Held-out lines the fit was measured on. */
  heldOutInScope: number;
  heldOutOutOfScope: number;
  /** Share of held-out FAQ phrasings answered right at `threshold`. */
  expectedAnswerRate: number;
  /** Share of held-out phrasings whose FAQ is ranked first (accepted or not). */
  rankedFirst: number;
  /** Share of held-out background accepted at `threshold`. */
  falseAcceptRate: number;
  /** The false-accept level the threshold was chosen at. */
  targetFalseAccept: number;
  confusions: Confusion[];
  /** Held-out results per FAQ. */
  perFaq: { id: string; lines: number; heldOut: number; right: number }[];
  ms: number;
}

const logit = (p: number) => Math.log(Math.max(p, 1e-6) / Math.max(1 - p, 1e-6));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Chooses the threshold on the held-out lines scored by `matcher` (trained on `split.train`).
 * `targetFalseAccept`: the most held-out background the threshold may accept.
 */
export function fitThreshold(matcher: TfidfMatcher, split: FitSplit, model: NluModel, allExamples: readonly TrainingExample[], targetFalseAccept: number, t0 = performance.now()): KbFit {
  const steps = scoreHeldOut(matcher, split, model);
  let next = steps.next();
  while (!next.done) next = steps.next();
  return choose(next.value, model, allExamples, targetFalseAccept, t0);
}

/** The same fit, scoring the held-out lines in slices of a few milliseconds (the event loop stays free). */
export async function fitThresholdAsync(matcher: TfidfMatcher, split: FitSplit, model: NluModel, allExamples: readonly TrainingExample[], targetFalseAccept: number, t0 = performance.now(), sliceMs = 8): Promise<KbFit> {
  const steps = scoreHeldOut(matcher, split, model);
  let slice = performance.now();
  let next = steps.next();
  while (!next.done) {
    if (performance.now() - slice > sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      slice = performance.now();
    }
    next = steps.next();
  }
  return choose(next.value, model, allExamples, targetFalseAccept, t0);
}

interface Scored {
  inScope: { gold: string; top: string | null; confidence: number; second: number; text: string }[];
  oos: number[];
}

function* scoreHeldOut(matcher: TfidfMatcher, split: FitSplit, model: NluModel): Generator<void, Scored> {
  const inScope: Scored['inScope'] = [];
  const oos: number[] = [];
  for (const line of split.heldOut) {
    yield;
    const analysis = matcher.analyse(line.text, 2);
    // What the engine does: alternatives are ordered by calibrated confidence.
    let best: string | null = null;
    let confidence = 0;
    let second = 0;
    analysis.ranked.forEach((r, i) => {
      const c = r.score > 0 ? confidenceOf(model, evidenceOf(analysis, i)) : 0;
      if (c > confidence) {
        second = confidence;
        confidence = c;
        best = r.intent;
      } else if (c > second) second = c;
    });
    if (line.intent === BACKGROUND) oos.push(confidence);
    else inScope.push({ gold: line.intent, top: best, confidence, second, text: line.text });
  }
  return { inScope, oos };
}

function choose({ inScope, oos }: Scored, model: NluModel, allExamples: readonly TrainingExample[], targetFalseAccept: number, t0: number): KbFit {
  const prior = { threshold: model.threshold, spokenThreshold: model.spokenThreshold ?? model.threshold };
  let threshold = prior.threshold;
  if (inScope.length > 0 && oos.length > 0) {
    // The lowest bar that accepts at most the target share of held-out background…
    const sorted = [...oos].sort((a, b) => b - a);
    const allowed = Math.floor(targetFalseAccept * sorted.length);
    const bar = allowed < sorted.length ? sorted[allowed] + 1e-6 : 0;
    const right = inScope.filter((l) => l.top === l.gold && l.confidence >= bar).map((l) => l.confidence);
    // Halfway to the least confident right answer: as many answered, less background let in. No
    // held-out line answered right at all says nothing about where the bar should be: the prior's.
    threshold = right.length ? Math.min(0.99, Math.max(0.01, (bar + Math.min(...right)) / 2)) : prior.threshold;
    // The prior's bar is a ceiling: its false accepts were measured on real near misses (callers of
    // other businesses using the FAQ's words), which a background sample cannot stand in for, so
    // a fit lowers the bar for a knowledge base whose right answers score lower, never raises it.
    threshold = Math.min(threshold, prior.threshold);
  }
  // Speech: the same move as typed text, in the calibration's logit scale.
  const spokenThreshold = Math.min(0.99, Math.max(0.01, sigmoid(logit(prior.spokenThreshold) + logit(threshold) - logit(prior.threshold))));

  const ambiguityMargin = chooseMargin(inScope, threshold, model.ambiguityMargin);
  const answered = inScope.filter((l) => l.top === l.gold && l.confidence >= threshold).length;
  const pairs = new Map<string, Confusion>();
  for (const l of inScope) {
    if (l.top === null || l.top === l.gold) continue;
    const key = `${l.gold}\u0000${l.top}`;
    const c = pairs.get(key) ?? { faq: l.gold, with: l.top, count: 0, examples: [] };
    c.count++;
    if (c.examples.length < 3) c.examples.push(l.text);
    pairs.set(key, c);
  }
  const lines = new Map<string, number>();
  for (const e of allExamples) if (e.intent !== BACKGROUND) lines.set(e.intent, (lines.get(e.intent) ?? 0) + 1);
  const perFaq = new Map<string, { id: string; lines: number; heldOut: number; right: number }>();
  for (const [id, n] of lines) perFaq.set(id, { id, lines: n, heldOut: 0, right: 0 });
  for (const l of inScope) {
    const p = perFaq.get(l.gold);
    if (!p) continue;
    p.heldOut++;
    if (l.top === l.gold && l.confidence >= threshold) p.right++;
  }
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    threshold: round(threshold),
    ambiguityMargin,
    spokenThreshold: round(spokenThreshold),
    prior,
    heldOutInScope: inScope.length,
    heldOutOutOfScope: oos.length,
    expectedAnswerRate: inScope.length ? round(answered / inScope.length) : 0,
    rankedFirst: inScope.length ? round(inScope.filter((l) => l.top === l.gold).length / inScope.length) : 0,
    falseAcceptRate: oos.length ? round(oos.filter((c) => c >= threshold).length / oos.length) : 0,
    targetFalseAccept,
    confusions: [...pairs.values()].sort((a, b) => b.count - a.count).slice(0, 20),
    perFaq: [...perFaq.values()],
    ms: Math.round(performance.now() - t0),
  };
}
