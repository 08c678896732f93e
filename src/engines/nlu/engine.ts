import type { Faq, KbSnapshot } from '../../knowledge/types.js';
import { normalizePersian } from '../../text/normalize.js';
import { backgroundBeside, type BackgroundLine } from './background.js';
import { confidenceOf, evidenceOf, loadBackgroundLines, loadNluModel, type NluModel } from './calibration.js';
import { grammarVocabulary } from './grammars.js';
import { fitThreshold, fitThresholdAsync, foldSplit, type KbFit } from './fit.js';
import { BACKGROUND, TfidfMatcher, type TrainingExample } from './matcher.js';
import { parseSlots } from './slots.js';
import { detectSystemIntent } from './system.js';
import type { Alternative, NluEngine, NluResult, ParseContext } from './types.js';

export interface NluEngineOptions {
  /** Overrides the tuned accept threshold (config `nlu.threshold`). */
  threshold?: number;
  /** Tuned calibration and matcher weights; defaults to `models/nlu-fa/nlu-model.json`. */
  model?: NluModel;
  /** How many alternatives to return (the best one included). */
  alternatives?: number;
  timeZone?: string;
  /**
   * Background phrasings (a plain string has no topic); default: the background of models/nlu-fa/
   * when the tuned model uses them. Topics the upload covers are left out (see background.ts).
   */
  background?: readonly (string | BackgroundLine)[];
  /** Fit the thresholds to the knowledge base at each build (default: when the model has `fit`). */
  fit?: boolean;
}

/** A FAQ with fewer phrasings than this also learns from its answer's words. */
export const ANSWER_AS_PHRASING_BELOW = 3;

let defaultBackground: BackgroundLine[] | null = null;

/** Every enabled FAQ's canonical question and example utterances, as matcher training lines. */
export function trainingExamples(faqs: readonly Faq[]): TrainingExample[] {
  const out: TrainingExample[] = [];
  for (const faq of faqs) {
    if (!faq.enabled) continue;
    out.push({ intent: faq.id, text: faq.question });
    for (const text of faq.examples) out.push({ intent: faq.id, text });
  }
  return out;
}

/** Builds the NLU for one knowledge-base snapshot; the snapshot never changes under it. */
export function createNluEngine(snapshot: KbSnapshot, options: NluEngineOptions = {}): NluEngine {
  const { model, examples } = prepare(snapshot, options);
  const matcher = TfidfMatcher.train(examples, model.matcher);
  let fit: KbFit | undefined;
  if (fitting(model, options, snapshot)) {
    const t0 = performance.now();
    const split = foldSplit(examples, model.fit!.every);
    fit = fitThreshold(TfidfMatcher.train(split.train, model.matcher), split, model, examples, model.fit!.targetFalseAccept, t0);
  }
  return engineFor(snapshot, options, fitted(model, fit), matcher, fit);
}

/** The same engine, trained in short slices so that the event loop stays free (large FAQs). */
export async function createNluEngineAsync(snapshot: KbSnapshot, options: NluEngineOptions = {}): Promise<NluEngine> {
  const { model, examples } = prepare(snapshot, options);
  const matcher = await TfidfMatcher.trainAsync(examples, model.matcher);
  let fit: KbFit | undefined;
  if (fitting(model, options, snapshot)) {
    const t0 = performance.now();
    const split = foldSplit(examples, model.fit!.every);
    fit = await fitThresholdAsync(await TfidfMatcher.trainAsync(split.train, model.matcher), split, model, examples, model.fit!.targetFalseAccept, t0);
  }
  return engineFor(snapshot, options, fitted(model, fit), matcher, fit);
}

const fitting = (model: NluModel, options: NluEngineOptions, snapshot: KbSnapshot) =>
  (options.fit ?? true) && model.fit !== undefined && snapshot.faqs.some((f) => f.enabled);

const fitted = (model: NluModel, fit: KbFit | undefined): NluModel =>
  fit ? { ...model, threshold: fit.threshold, spokenThreshold: fit.spokenThreshold, ambiguityMargin: fit.ambiguityMargin } : model;

/**
 * The FAQ's training lines (with the answers of FAQs that have almost no phrasings: an FAQ with
 * only its question still learns the words a caller may use from what it answers) and the
 * background, less any line a FAQ also has word for word (the background is "not ours"; a site whose FAQ covers
 * an everyday request must not be taught that its own phrasing is someone else's).
 */
function prepare(snapshot: KbSnapshot, options: NluEngineOptions): { model: NluModel; examples: TrainingExample[] } {
  const model = options.model ?? loadNluModel();
  const background = (options.background ?? (model.matcher.background ? (defaultBackground ??= loadBackgroundLines()) : [])).map((l) =>
    typeof l === 'string' ? { text: l, topic: null } : l,
  );
  const faqLines = trainingExamples(snapshot.faqs);
  if (model.fit) {
    for (const faq of snapshot.faqs) {
      if (faq.enabled && faq.examples.length < ANSWER_AS_PHRASING_BELOW) faqLines.push({ intent: faq.id, text: faq.answer });
    }
  }
  // Compared as written (normalising every line would hold the event loop at each import).
  const own = new Set(faqLines.map((e) => e.text.trim()));
  const { lines } = backgroundBeside(faqLines, background.filter((l) => !own.has(l.text.trim())));
  return { model, examples: [...faqLines, ...lines.map((text) => ({ intent: BACKGROUND, text }))] };
}

function engineFor(snapshot: KbSnapshot, options: NluEngineOptions, model: NluModel, matcher: TfidfMatcher, fit?: KbFit): NluEngine {
  const threshold = options.threshold ?? model.threshold;
  // A threshold set by ops (config `nlu.threshold`) holds for typed and spoken text alike.
  const spokenThreshold = options.threshold ?? model.spokenThreshold ?? model.threshold;
  const faqs = new Map(snapshot.faqs.filter((f) => f.enabled).map((f) => [f.id, f]));
  const nAlternatives = options.alternatives ?? 3;
  let vocabularyCache: readonly string[] | null = null;

  const empty = (system: NluResult['system'], slots: NluResult['slots']): NluResult => ({
    intent: null,
    confidence: 0,
    action: null,
    answer: null,
    queue: null,
    alternatives: [],
    slots,
    system,
    kbVersion: snapshot.version,
  });

  const accept = (faq: Faq, confidence: number, rest: Omit<NluResult, 'intent' | 'confidence' | 'action' | 'answer' | 'queue'>): NluResult => ({
    intent: faq.id,
    confidence,
    action: faq.action,
    answer: faq.answer,
    queue: faq.queue,
    ...rest,
  });

  return {
    name: 'tfidf-ngram',
    threshold,
    fit,
    parse(text: string, context: ParseContext = {}): NluResult {
      const slots = parseSlots(text, { choiceCount: context.choices?.length, timeZone: options.timeZone });
      const system = detectSystemIntent(text);
      if (context.choices && slots.choice !== undefined) {
        const picked = faqs.get(context.choices[slots.choice - 1] ?? '');
        if (picked) return accept(picked, 1, { alternatives: [], slots, system, kbVersion: snapshot.version });
      }
      // A bare yes/no or "say it again" is an answer to the bot, never a question for the FAQ.
      if (system === 'yes' || system === 'no' || system === 'repeat') return empty(system, slots);
      if (faqs.size === 0) return empty(system, slots);
      const analysis = matcher.analyse(text);
      const { ranked } = analysis;
      if (ranked.length === 0 || ranked[0].score === 0) return empty(system, slots);
      const alternatives: Alternative[] = ranked.slice(0, nAlternatives).map((r, i) => ({
        intent: r.intent,
        confidence: confidenceOf(model, evidenceOf(analysis, i)),
        question: faqs.get(r.intent)?.question,
      }));
      // The ranking and the calibrated confidence can disagree on close calls; what is offered and
      // answered follows the confidence.
      alternatives.sort((a, b) => b.confidence - a.confidence);
      const top = alternatives[0];
      const rest = { alternatives, slots, system, kbVersion: snapshot.version };
      const runnerUp = alternatives[1];
      // «قبضم» alone: paying the bill and its amount are both likely; ask rather than guess.
      const bar = context.spoken ? spokenThreshold : threshold;
      const ambiguous = runnerUp !== undefined && runnerUp.confidence >= bar && top.confidence - runnerUp.confidence < model.ambiguityMargin;
      if (top.confidence >= bar && !ambiguous) return accept(faqs.get(top.intent)!, top.confidence, rest);
      return { ...empty(system, slots), confidence: top.confidence, alternatives };
    },
    vocabulary(): readonly string[] {
      if (!vocabularyCache) {
        const words = new Set<string>(grammarVocabulary());
        for (const faq of faqs.values()) {
          for (const text of [faq.question, ...faq.examples]) {
            for (const w of normalizePersian(text, { numbers: false }).split(' ')) if (w.length > 1) words.add(w);
          }
        }
        vocabularyCache = [...words].sort();
      }
      return vocabularyCache;
    },
  };
}
