/**
 * NLU evaluation: trains the matcher on a FAQ catalogue + example utterances, tunes the matcher
 * weights, the confidence calibration and the accept threshold on development lines, then reports
 * on test lines, next to a plain baseline (natural's BayesClassifier on raw whitespace tokens)
 * tuned and measured the same way in the same run. Ends with one JSON line.
 *
 *   npm run eval:nlu -- --faq <catalogue.json> --train <jsonl> [--dev <jsonl> …] --test <jsonl> [--test …]
 *                       [--write-model models/nlu-fa/nlu-model.json] [--max-false-accept 0.1]
 *                       [--background <jsonl> …] [--cv-test <folds>] [--tune cv|cv+dev|dev] [--errors <jsonl>]
 *                       [--dev-spoken <jsonl> …] [--grid full|quick|shipped]
 *   npm run eval:nlu -- --few-shot <K|all> …   (see tools/eval-few-shot.ts)
 *
 * Lines are {"text"|"utt", "intent"} with intent null for out-of-scope. Without --faq, every intent
 * in --train becomes a FAQ (MASSIVE). When --dev holds no in-scope lines, tuning uses k-fold
 * cross-validation over --train (--folds, default 4) plus the out-of-scope --dev lines.
 *
 * --dev-spoken: out-of-scope lines as the recogniser heard them (tools/hear-lines.ts); they join
 * the calibration's tuning lines and choose the model's spokenThreshold, the bar for text that comes
 * from a call's recogniser (the typed-text threshold is chosen on --dev alone).
 *
 * --cv-test K reports on a held-out split of the first --train file instead of on --test's
 * in-scope lines: K folds, each tuned and trained without it (nested cross-validation), each also
 * scoring --test's out-of-scope lines.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import natural from 'natural';
import { readFileSync } from 'node:fs';
import { confidenceOf, evidenceOf, loadNluModel, type NluModel } from '../src/engines/nlu/calibration.js';
import { createNluEngine, trainingExamples } from '../src/engines/nlu/engine.js';
import { BACKGROUND, TfidfMatcher, type TrainingExample } from '../src/engines/nlu/matcher.js';
import type { Faq } from '../src/knowledge/types.js';
import {
  calibrationRow,
  chooseThreshold,
  figures,
  fitCalibration,
  percentile,
  readLabelled,
  round,
  type Labelled,
  type Prediction,
} from './lib/nlu-eval.js';

// --few-shot K: a new site's upload through the API, fastText beside it (tools/eval-few-shot.ts).
if (process.argv.includes('--few-shot')) await import('./eval-few-shot.js');

const { values } = parseArgs({
  options: {
    faq: { type: 'string' },
    train: { type: 'string', multiple: true, default: [] },
    dev: { type: 'string', multiple: true, default: [] },
    test: { type: 'string', multiple: true, default: [] },
    'write-model': { type: 'string' },
    'max-false-accept': { type: 'string', default: '0.1' },
    grid: { type: 'string', default: 'full' },
    folds: { type: 'string', default: '4' },
    background: { type: 'string', multiple: true, default: [] },
    tune: { type: 'string' },
    'cv-test': { type: 'string' },
    errors: { type: 'string' },
    'dev-spoken': { type: 'string', multiple: true, default: [] },
  },
});

const log = (...a: unknown[]) => console.error(...a);

// --- data ---------------------------------------------------------------------------------------
const trainFiles = values.train!.map((path) => readLabelled(path).filter((l) => l.intent !== null));
const train = trainFiles.flat();
const dev = values.dev!.flatMap(readLabelled);
const test = values.test!.flatMap(readLabelled);
const cvTest = Number(values['cv-test'] ?? 0);
if (train.length === 0 || (test.length === 0 && !cvTest)) {
  console.error('usage: eval-nlu --faq <catalogue.json> --train <jsonl> [--dev <jsonl>] --test <jsonl> | --cv-test <folds>');
  process.exit(2);
}
const folds = Number(values.folds);
// --tune cv: cross-validate over --train even when --dev has in-scope lines (only its out-of-scope
// lines are used); --tune cv+dev: the same, with --dev's in-scope lines scored beside each fold's
// (callers' own wording, which the confidence must learn to trust); --tune dev: tune on --dev's
// lines as a split.
const tuneMode = values.tune ?? (dev.some((l) => l.intent !== null) ? 'dev' : 'cv');
if (!['cv', 'cv+dev', 'dev'].includes(tuneMode)) {
  console.error(`--tune must be cv, cv+dev or dev, not ${tuneMode}`);
  process.exit(2);
}
const devIn = tuneMode === 'dev' ? dev.filter((l) => l.intent !== null) : [];
const devOut = dev.filter((l) => l.intent === null);
/** Development lines scored with every fold when cross-validating. */
const devWithFolds = tuneMode === 'cv+dev' ? dev : devOut;
const spokenOut = values['dev-spoken']!.flatMap(readLabelled).filter((l) => l.intent === null);
if (devOut.length === 0 && test.some((l) => l.intent === null)) {
  log('warning: no out-of-scope lines (intent null) in --dev, so the threshold cannot learn to reject; expect a high false-accept rate');
}
// Everyday out-of-domain phrasings the matcher learns as "not a FAQ" (see BACKGROUND).
const background = values.background!.flatMap((path) => readLabelled(path).map((l) => l.text));
const withBackground = (examples: TrainingExample[]) => [...examples, ...background.map((text) => ({ intent: BACKGROUND, text }))];

function catalogueFaqs(lines: Labelled[]): Faq[] {
  const byIntent = new Map<string, string[]>();
  for (const l of lines) byIntent.set(l.intent!, [...(byIntent.get(l.intent!) ?? []), l.text]);
  const base: { id: string; question: string; answer: string; action: Faq['action'] }[] = values.faq
    ? JSON.parse(readFileSync(values.faq, 'utf8')).faqs
    : [...byIntent.keys()].map((id) => ({ id, question: '', answer: id, action: 'answer' as const }));
  return base.map((f) => ({
    id: f.id,
    // MASSIVE has no canonical question: the first example stands in for it.
    question: f.question || byIntent.get(f.id)?.[0] || f.id,
    answer: f.answer,
    action: f.action,
    queue: null,
    tags: [],
    enabled: true,
    examples: (byIntent.get(f.id) ?? []).filter((t) => t !== f.question),
  }));
}

/** Splits lines into k folds by their position within their intent (every intent in every fold). */
function foldsOf(lines: Labelled[], k: number): number[] {
  const position = new Map<string, number>();
  return lines.map((l) => {
    const n = position.get(l.intent ?? '') ?? 0;
    position.set(l.intent ?? '', n + 1);
    return n % k;
  });
}

/** The matcher's best intent per line, with the evidence the engine would calibrate for it and for the runner-up. */
function rawPredictions(matcher: TfidfMatcher, lines: Labelled[]) {
  return lines.map((l) => {
    const analysis = matcher.analyse(l.text);
    const evidence = evidenceOf(analysis, 0);
    return { top: evidence.score > 0 ? analysis.ranked[0].intent : null, evidence, second: evidenceOf(analysis, 1) };
  });
}

// The settings that never won a tuning since the background and the softmax came in (naive Bayes
// alone, the strongest L2 penalty) are left out: each setting costs four trainings per tuning.
// --grid shipped: the shipped model's matcher weights only, so that the calibration and thresholds
// are refitted to a changed matcher (new features, a new background) without the weight search.
const { background: _shippedBackground, ...shippedMatcher } = loadNluModel().matcher;
const grid =
  values.grid === 'shipped'
    ? [shippedMatcher]
    : values.grid === 'quick'
    ? [{ wordWeight: 0.5, secondWeight: 0.2, centroidWeight: 0.5, bayesWeight: 0.15, softmaxWeight: 0.8, softmaxL2: 1e-4, backgroundWeight: 0.5 }]
    : [1e-4, 1e-3].flatMap((softmaxL2) =>
        [0, 0.5].flatMap((centroidWeight) =>
          [
            [0.3, 0.6],
            [0.15, 0.8],
          ].flatMap(([bayesWeight, softmaxWeight]) =>
            // Without a background (MASSIVE) its weight changes nothing.
            (background.length ? [1, 0.5, 0.25] : [1]).map((backgroundWeight) => ({ wordWeight: 0.5, secondWeight: 0.2, centroidWeight, bayesWeight, softmaxWeight, softmaxL2, backgroundWeight })),
          ),
        ),
      );
const maxFa = Number(values['max-false-accept']);

/**
 * What tuning scores: with in-scope development lines (MASSIVE's dev split), a model trained on all
 * of `trainLines` scored on --dev; without them (the ISP FAQ, whose train file is all there is),
 * each of k folds of `trainLines` scored by a model trained on the others, with the out-of-scope
 * --dev lines. Our matcher and the baseline are tuned on the same sets.
 */
function tuningSets(trainLines: Labelled[]): { faqs: Faq[]; lines: Labelled[] }[] {
  if (devIn.length > 0) return [{ faqs: catalogueFaqs(trainLines), lines: dev }];
  const foldOf = foldsOf(trainLines, folds);
  return Array.from({ length: folds }, (_, k) => ({
    faqs: catalogueFaqs(trainLines.filter((_, i) => foldOf[i] !== k)),
    // The recogniser's readings of out-of-scope lines teach the calibration what its slips look like.
    lines: [...trainLines.filter((_, i) => foldOf[i] === k), ...devWithFolds, ...spokenOut],
  }));
}

/**
 * Tunes our matcher on `trainLines` (and the out-of-scope --dev lines), scored on `tuningSets`,
 * and returns the tuned model.
 */
function tune(trainLines: Labelled[], quiet: boolean): NluModel {
  const say = quiet ? () => {} : log;
  const tuneSets = tuningSets(trainLines);
  const faqs = catalogueFaqs(trainLines);
  const tuneLines = tuneSets.flatMap((t) => t.lines);
  // The threshold's false-accept side is measured as deployed: out-of-scope lines against the model
  // trained on all of the training lines (they are not in it); the in-scope side comes from the tuning rows.
  const thresholdLines = [...tuneLines.filter((l) => l.intent !== null), ...devOut];

  /** Fits the calibration and threshold for one setting of the matcher weights. */
  function calibrate(w: (typeof grid)[number]) {
    const raw = tuneSets.flatMap((t) => rawPredictions(TfidfMatcher.train(withBackground(trainingExamples(t.faqs)), w), t.lines));
    let n = 0;
    let ok = 0;
    raw.forEach((p, i) => {
      if (tuneLines[i].intent === null) return;
      n++;
      if (p.top === tuneLines[i].intent) ok++;
    });
    const calibration = fitCalibration(raw.map((p, i) => calibrationRow(p.evidence, p.top !== null && p.top === tuneLines[i].intent)));
    const provisional: NluModel = { threshold: 0, ambiguityMargin: 0, calibration, matcher: { ...w, background: background.length > 0 } };
    const predict = (p: (typeof raw)[number]): Prediction => ({ top: p.top, confidence: confidenceOf(provisional, p.evidence) });
    const tunePreds = raw.map(predict);
    const full = TfidfMatcher.train(withBackground(trainingExamples(faqs)), w);
    const fullRawOut = rawPredictions(full, devOut);
    const inScopePreds = tunePreds.filter((_, i) => tuneLines[i].intent !== null);
    const chosen = chooseThreshold(thresholdLines, [...inScopePreds, ...fullRawOut.map(predict)], maxFa);
    // The recogniser's readings of out-of-scope requests, against the same in-scope side.
    const spoken = spokenOut.length
      ? chooseThreshold(
          [...thresholdLines.filter((l) => l.intent !== null), ...spokenOut],
          [...inScopePreds, ...rawPredictions(full, spokenOut).map(predict)],
          maxFa,
        )
      : null;
    return { weights: w, raw, top1: ok / n, calibration, provisional, tunePreds, chosen, spoken };
  }

  // Weights are chosen for what the caller gets: the most in-scope lines answered right with false
  // accepts held to the limit (then top-1 accuracy), not for ranking alone.
  let best: ReturnType<typeof calibrate> | null = null;
  const feasible = (c: ReturnType<typeof calibrate>) => (c.chosen.oos_false_accept ?? 0) <= maxFa;
  for (const w of grid) {
    const c = calibrate(w);
    say(`  grid ${JSON.stringify(w)}: tuning top-1 ${round(c.top1)}, accepted-correct ${c.chosen.in_scope_accuracy} at false-accept ${c.chosen.oos_false_accept}`);
    if (
      !best ||
      (feasible(c) && !feasible(best)) ||
      (feasible(c) === feasible(best) &&
        (c.chosen.in_scope_accuracy > best.chosen.in_scope_accuracy + 1e-9 || (Math.abs(c.chosen.in_scope_accuracy - best.chosen.in_scope_accuracy) < 1e-9 && c.top1 > best.top1 + 1e-9)))
    ) {
      best = c;
    }
  }
  const { weights: bestWeights, raw: bestRaw, top1: bestAcc, calibration, provisional, tunePreds, chosen, spoken } = best!;
  if (spoken) say(`spoken threshold ${spoken.threshold} (${spokenOut.length} out-of-scope lines as heard: false-accept ${spoken.oos_false_accept}, tuning accepted-correct ${spoken.in_scope_accuracy})`);
  const matcherSettings = provisional.matcher;

  /*
   * Ambiguity margin: when the runner-up is also above the threshold and within this much of the
   * best, the NLU answers nothing and offers both (the dialog asks which one). Chosen on the
   * in-scope tuning lines to maximise right answers minus wrong ones, since a wrong answer costs the
   * caller more than a question.
   */
  const secondConfidence = bestRaw.map((p) => confidenceOf(provisional, p.second));
  let ambiguityMargin = 0;
  let bestUtility = -Infinity;
  for (const delta of [0, 0.05, 0.1, 0.15, 0.2, 0.3]) {
    let utility = 0;
    tunePreds.forEach((p, i) => {
      if (tuneLines[i].intent === null || p.confidence < chosen.threshold) return;
      const c2 = secondConfidence[i];
      if (c2 >= chosen.threshold && p.confidence - c2 < delta) return;
      utility += p.top === tuneLines[i].intent ? 1 : -1;
    });
    say(`  ambiguity margin ${delta}: right − wrong = ${utility}`);
    // On a tie the wider margin: it changes nothing on the tuning lines and asks rather than
    // guesses on the short, vague requests («اینترنت») they hold few of.
    if (utility >= bestUtility) {
      bestUtility = utility;
      ambiguityMargin = delta;
    }
  }
  say(`tuned: weights ${JSON.stringify(bestWeights)}, calibration ${JSON.stringify(calibration)}, threshold ${chosen.threshold}, ambiguity margin ${ambiguityMargin} (tuning top-1 ${round(bestAcc)}, accepted-correct ${chosen.in_scope_accuracy}, false-accept ${chosen.oos_false_accept})`);
  return {
    threshold: chosen.threshold,
    ...(spoken ? { spokenThreshold: spoken.threshold } : {}),
    ambiguityMargin,
    calibration,
    matcher: matcherSettings,
    tunedOn: {
      by: 'tools/eval-nlu.ts',
      date: new Date().toISOString().slice(0, 10),
      faq: values.faq ?? null,
      train: values.train,
      dev: values.dev,
      ...(spokenOut.length ? { devSpoken: values['dev-spoken'] } : {}),
      background: values.background,
      method: devIn.length ? 'dev split' : `${folds}-fold cross-validation over train + ${tuneMode === 'cv+dev' ? 'all' : 'out-of-scope'} dev lines`,
      tuneLines: tuneLines.length,
      tuneTop1Accuracy: round(bestAcc),
      tuneInScopeAccuracy: chosen.in_scope_accuracy,
      tuneFalseAccept: chosen.oos_false_accept,
      maxFalseAccept: maxFa,
    },
  };
}

// --- baseline: natural's BayesClassifier on raw whitespace tokens, tuned the same way -------------
function trainBayes(f: Faq[]) {
  const bayes = new natural.BayesClassifier();
  for (const ex of trainingExamples(f)) bayes.addDocument(ex.text.split(/\s+/).filter(Boolean), ex.intent);
  bayes.train();
  return bayes;
}
const bayesPredictWith = (bayes: natural.BayesClassifier, text: string): Prediction => {
  const cls = bayes.getClassifications(text.split(/\s+/).filter(Boolean));
  const sum = cls.reduce((s, c) => s + c.value, 0) || 1;
  return { top: cls[0]?.label ?? null, confidence: (cls[0]?.value ?? 0) / sum };
};
function baselineThreshold(trainLines: Labelled[]): number {
  const sets = tuningSets(trainLines);
  const preds = sets.flatMap((t) => {
    const b = trainBayes(t.faqs);
    return t.lines.map((l) => bayesPredictWith(b, l.text));
  });
  return chooseThreshold(sets.flatMap((t) => t.lines), preds, maxFa).threshold;
}

interface Run {
  model: NluModel;
  lines: Labelled[];
  ours: { intent: string | null; top: string | null; confidence: number }[];
  baseline: { intent: string | null; top: string | null }[];
  baselineThreshold: number;
  timings: number[];
  baselineTimings: number[];
}

/** Tunes on `trainLines`, then predicts `testLines` with our matcher and with the baseline. */
function evaluate(trainLines: Labelled[], testLines: Labelled[], quiet = false): Run {
  const model = tune(trainLines, quiet);
  const faqs = catalogueFaqs(trainLines);
  const engine = createNluEngine({ version: 1, faqs }, { model, background });
  const ours = testLines.map((l) => {
    const r = engine.parse(l.text);
    return { intent: r.intent, top: r.alternatives[0]?.intent ?? null, confidence: r.alternatives[0]?.confidence ?? 0 };
  });
  const timings: number[] = [];
  for (let round_ = 0; round_ < 5; round_++) {
    for (const l of testLines) {
      const t0 = performance.now();
      engine.parse(l.text);
      timings.push(performance.now() - t0);
    }
  }
  const threshold = baselineThreshold(trainLines);
  const bayes = trainBayes(faqs);
  const baselineTimings: number[] = [];
  const baseline = testLines.map((l) => {
    const t0 = performance.now();
    const p = bayesPredictWith(bayes, l.text);
    baselineTimings.push(performance.now() - t0);
    return { intent: p.confidence >= threshold ? p.top : null, top: p.top };
  });
  return { model, lines: testLines, ours, baseline, baselineThreshold: threshold, timings, baselineTimings };
}

let runs: Run[];
let model: NluModel;
if (cvTest) {
  // A held-out split of the first --train file: each of its lines is tested once by a model tuned and
  // trained without it (the other --train files always train); --test adds its out-of-scope lines to
  // every fold, so each is tested by every fold's model.
  const [first, ...others] = trainFiles;
  const foldOf = foldsOf(first, cvTest);
  const oos = test.filter((l) => l.intent === null);
  log(`held-out split: ${cvTest} folds over ${values.train![0]} (${first.length} lines), each tested with ${oos.length} out-of-scope lines`);
  runs = [];
  for (let k = 0; k < cvTest; k++) {
    const trainK = [...first.filter((_, i) => foldOf[i] !== k), ...others.flat()];
    const run = evaluate(trainK, [...first.filter((_, i) => foldOf[i] === k), ...oos], true);
    log(`  fold ${k + 1}/${cvTest}: trained on ${trainK.length} lines, threshold ${run.model.threshold}`);
    runs.push(run);
  }
  model = tune(train, false);
} else {
  log(`train ${train.length} lines; tuning on ${devIn.length ? `dev (${dev.length} lines)` : `${folds}-fold cross-validation + ${devWithFolds.length} ${tuneMode === 'cv+dev' ? '' : 'out-of-scope '}dev lines`}; test ${test.length}`);
  const run = evaluate(train, test);
  runs = [run];
  model = run.model;
}
if (values['write-model']) {
  writeFileSync(values['write-model'], JSON.stringify(model, null, 2) + '\n');
  log(`wrote ${values['write-model']}`);
}
const allLines = runs.flatMap((r) => r.lines);
if (values.errors) {
  // Every line our matcher got wrong, for reading (a wrong answer, a refused in-scope line, a false accept).
  const wrong = runs.flatMap((r) =>
    r.lines.flatMap((l, i) => (r.ours[i].intent === l.intent ? [] : [{ text: l.text, intent: l.intent, answered: r.ours[i].intent, top: r.ours[i].top, confidence: round(r.ours[i].confidence, 3), threshold: r.model.threshold }])),
  );
  writeFileSync(values.errors, wrong.map((w) => JSON.stringify(w)).join('\n') + '\n');
  log(`wrote ${wrong.length} errors to ${values.errors}`);
}
const timings = runs.flatMap((r) => r.timings).sort((a, b) => a - b);
const bTimings = runs.flatMap((r) => r.baselineTimings).sort((a, b) => a - b);
const oursFig = figures(allLines, runs.flatMap((r) => r.ours.map((p) => p.intent)), runs.flatMap((r) => r.ours.map((p) => p.top)));
const baseFig = figures(allLines, runs.flatMap((r) => r.baseline.map((p) => p.intent)), runs.flatMap((r) => r.baseline.map((p) => p.top)));
const thresholds = runs.length === 1 ? runs[0].model.threshold : runs.map((r) => r.model.threshold).join(' / ');
const bayesThreshold = runs.length === 1 ? runs[0].baselineThreshold : runs.map((r) => r.baselineThreshold).join(' / ');
const faqCount = catalogueFaqs(train).length;

// --- report ---------------------------------------------------------------------------------------
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
for (const [name, f, t, thr] of [
  ['tfidf-ngram (ours)', oursFig, timings, thresholds],
  ['baseline (natural Bayes, raw tokens)', baseFig, bTimings, bayesThreshold],
] as const) {
  log(`\n${name}: threshold ${thr}`);
  log(`  in-scope accuracy ${pct(f.in_scope_accuracy)} (top-1 ignoring rejection ${pct(f.top1_accuracy)}, n=${f.n_in_scope})`);
  log(`  out-of-scope false-accept ${pct(f.oos_false_accept)} (n=${f.n_out_of_scope})`);
  log(`  macro-F1 ${f.macro_f1.toFixed(3)}`);
  log(`  parse p50 ${percentile(t, 50).toFixed(3)} ms, p99 ${percentile(t, 99).toFixed(3)} ms`);
  log(`  most confused: ${f.confused.slice(0, 5).map((c) => `${c.gold}→${c.predicted} ×${c.count}`).join(', ') || 'none'}`);
}

console.log(
  JSON.stringify({
    eval: 'nlu',
    train: values.train,
    test: values.test,
    faqs: faqCount,
    cv_test_folds: cvTest || undefined,
    threshold: thresholds,
    ours: { ...oursFig, parse_p50_ms: round(percentile(timings, 50), 3), parse_p99_ms: round(percentile(timings, 99), 3) },
    baseline: { ...baseFig, threshold: bayesThreshold, parse_p50_ms: round(percentile(bTimings, 50), 3), parse_p99_ms: round(percentile(bTimings, 99), 3) },
  }),
);
