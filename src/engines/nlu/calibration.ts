import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { BackgroundLine } from './background.js';

/**
 * What turns raw similarity into a confidence, and where to accept it. Chosen on held-out data by
 * `tools/eval-nlu.ts --write-model` into `models/nlu-fa/nlu-model.json` (logistic fit of "the top answer is right" on the top score, its
 * margin over the runner-up and the utterance's vocabulary coverage; threshold maximising balanced accuracy on in-scope and
 * out-of-scope lines) and stored beside the FAQ fixture it was tuned with.
 */
export const nluModelSchema = z.object({
  /** Accept threshold on the calibrated confidence. */
  threshold: z.number().min(0).max(1),
  /**
   * Accept threshold for what the recogniser heard in a call. Its slips turn another business's
   * words into FAQ-like ones («قبض گاز» → «قبض جاز»), so the bar is tuned on out-of-scope lines as
   * the recogniser hears them; typed text keeps `threshold`. Absent: `threshold` for both.
   */
  spokenThreshold: z.number().min(0).max(1).optional(),
  /**
   * When the runner-up is also above the threshold and within this much of the best, nothing is
   * accepted and both are offered as alternatives (the dialog asks which one was meant).
   */
  ambiguityMargin: z.number().min(0).max(1).default(0),
  calibration: z.object({
    score: z.number(),
    margin: z.number(),
    coverage: z.number().default(0),
    word: z.number().default(0),
    unknown: z.number().default(0),
    bayes: z.number().default(0),
    background: z.number().default(0),
    softmax: z.number().default(0),
    foreign: z.number().default(0),
    backgroundSoftmax: z.number().default(0),
    bias: z.number(),
  }),
  matcher: z.object({
    wordWeight: z.number().min(0).max(1),
    secondWeight: z.number().min(0).max(1),
    centroidWeight: z.number().min(0).max(1).default(0),
    bayesWeight: z.number().min(0).max(1).default(0),
    softmaxWeight: z.number().min(0).max(1).default(0),
    /** L2 penalty of the softmax regression. */
    softmaxL2: z.number().min(0).default(1e-3),
    /** How much a background phrasing counts in the softmax regression (see MatcherOptions). */
    backgroundWeight: z.number().min(0).max(1).default(1),
    /** Train with the background phrasings of models/nlu-fa/ (BACKGROUND_PATHS). */
    background: z.boolean().default(false),
  }),
  /**
   * Fitting to each knowledge base at import (src/engines/nlu/fit.ts). Absent: the thresholds
   * above are used as they are.
   */
  fit: z
    .object({
      /** Share of held-out background the fitted threshold may accept: the shipped model's own on the sample FAQ. */
      targetFalseAccept: z.number().min(0).max(1),
      /** Every how many-th phrasing and background line is held out. */
      every: z.number().int().min(2).default(4),
      how: z.string().optional(),
    })
    .optional(),
  /** Provenance: data and figures the values were chosen on. */
  tunedOn: z.record(z.string(), z.unknown()).optional(),
});

export type NluModel = z.infer<typeof nluModelSchema>;

export const NLU_MODEL_PATH = new URL('../../../models/nlu-fa/nlu-model.json', import.meta.url);

/** Used only when the tuned file is missing; the eval script overwrites it with measured values. */
export const FALLBACK_MODEL: NluModel = {
  threshold: 0.5,
  ambiguityMargin: 0,
  calibration: { score: 10, margin: 10, coverage: 2, word: 0, unknown: -0.5, bayes: 0, background: 0, softmax: 0, foreign: 0, backgroundSoftmax: 0, bias: -6 },
  matcher: { wordWeight: 0.5, secondWeight: 0.2, centroidWeight: 0.3, bayesWeight: 0, softmaxWeight: 0, softmaxL2: 1e-3, backgroundWeight: 1, background: false },
};

let loaded: NluModel | null = null;

export function loadNluModel(path: URL | string = NLU_MODEL_PATH): NluModel {
  if (loaded && path === NLU_MODEL_PATH) return loaded;
  let model: NluModel;
  try {
    model = nluModelSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    model = FALLBACK_MODEL;
  }
  if (path === NLU_MODEL_PATH) loaded = model;
  return model;
}

/**
 * Everyday voice-assistant requests (MASSIVE-fa) and requests a caller to an ISP makes that no FAQ
 * covers (another operator's SIM, a bank card, a TV subscription…): the near misses teach the
 * matcher which words mean "not ours" better than everyday requests can; the same near misses as the
 * recogniser hears them («قبض جاز») teach it the slips a call turns them into.
 */
export const BACKGROUND_PATHS = [
  new URL('../../../models/nlu-fa/background.jsonl', import.meta.url),
  new URL('../../../models/nlu-fa/near-miss-background.jsonl', import.meta.url),
  new URL('../../../models/nlu-fa/near-miss-background-2.jsonl', import.meta.url),
  new URL('../../../models/nlu-fa/heard/near-miss-background.jsonl', import.meta.url),
  new URL('../../../models/nlu-fa/heard/near-miss-background-2.jsonl', import.meta.url),
];

/** Background phrasings (one JSON object a line with "text" or "utt"). */
export function loadBackground(paths: readonly (URL | string)[] = BACKGROUND_PATHS): string[] {
  return loadBackgroundLines(paths).map((l) => l.text);
}

/** Background phrasings with the topic each was sampled from (its "source"; null when hand-written). */
export function loadBackgroundLines(paths: readonly (URL | string)[] = BACKGROUND_PATHS): BackgroundLine[] {
  return paths.flatMap((path) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const row = backgroundRowSchema.parse(JSON.parse(l));
        return { text: row.text ?? row.utt ?? '', topic: row.source ?? null };
      }),
  );
}

const backgroundRowSchema = z
  .object({ text: z.string().optional(), utt: z.string().optional(), source: z.string().optional() })
  .refine((r) => r.text !== undefined || r.utt !== undefined, 'a background line needs "text" or "utt"');

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** What the calibration looks at for one candidate intent. */
export interface Evidence {
  score: number;
  /** Best score among the other intents. */
  bestOther: number;
  /** Share of the utterance's (IDF-weighted) words the knowledge base knows. */
  coverage: number;
  /** Word-only similarity of the intent's nearest phrasing. */
  word: number;
  /** How many of the utterance's words the knowledge base has never seen. */
  unknown: number;
  /** Naive-Bayes posterior of the candidate. */
  bayes: number;
  /** Background similarity minus the candidate's (0 without a background model). */
  background: number;
  /** Softmax-regression probability of the candidate. */
  softmax: number;
  /** How surely the utterance's most foreign word (one only the background uses) is another business's (0–1). */
  foreign: number;
  /** Softmax-regression probability that the utterance is background ("no FAQ"). */
  backgroundSoftmax: number;
}

/** What the matcher's analysis of an utterance holds, as far as the calibration reads it. */
export interface Analysis {
  ranked: readonly { score: number; word: number; bayes: number; softmax: number }[];
  coverage: number;
  unknown: number;
  foreign: number;
  background: { score: number; softmax: number } | null;
}

/**
 * The evidence for the `i`-th ranked candidate of an analysis; one that is missing (fewer
 * candidates than `i`) has score 0. The runner-up's `bestOther` is the best's score.
 */
export function evidenceOf(a: Analysis, i: number): Evidence {
  const r = a.ranked[i];
  const score = r?.score ?? 0;
  return {
    score,
    bestOther: i === 0 ? (a.ranked[1]?.score ?? 0) : (a.ranked[0]?.score ?? 0),
    coverage: a.coverage,
    word: r?.word ?? 0,
    unknown: a.unknown,
    bayes: r?.bayes ?? 0,
    softmax: r?.softmax ?? 0,
    foreign: a.foreign,
    backgroundSoftmax: a.background?.softmax ?? 0,
    background: a.background ? a.background.score - score : 0,
  };
}

/** Calibrated probability that the candidate intent is what the caller wants. */
export function confidenceOf(model: NluModel, e: Evidence): number {
  const c = model.calibration;
  return sigmoid(c.score * e.score + c.margin * (e.score - e.bestOther) + c.coverage * e.coverage + c.word * e.word + c.unknown * e.unknown + c.bayes * e.bayes + c.background * e.background + c.softmax * e.softmax + c.foreign * e.foreign + c.backgroundSoftmax * e.backgroundSoftmax + c.bias);
}
