/**
 * NLU evaluation: trains the matcher on a FAQ catalogue + example utterances, tunes the matcher
 * weights, the confidence calibration and the accept threshold on development lines, then reports
 * on test lines, next to a plain baseline (natural's BayesClassifier on raw whitespace tokens)
 * tuned and measured the same way in the same run. Ends with one JSON line.
 *
 *   npm run eval:nlu -- --faq <catalogue.json> --train <jsonl> [--dev <jsonl> …] --test <jsonl> [--test …]
 *                       [--write-model fixtures/faq/nlu-model.json] [--max-false-accept 0.1]
 *
 * Lines are {"text"|"utt", "intent"} with intent null for out-of-scope. Without --faq, every intent
 * in --train becomes a FAQ (MASSIVE). When --dev holds no in-scope lines, tuning uses k-fold
 * cross-validation over --train (--folds, default 4) plus the out-of-scope --dev lines.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import natural from 'natural';
import { readFileSync } from 'node:fs';
import { confidenceOf, type NluModel } from '../src/engines/nlu/calibration.js';
import { createNluEngine, trainingExamples } from '../src/engines/nlu/engine.js';
import { BACKGROUND, TfidfMatcher, type TrainingExample } from '../src/engines/nlu/matcher.js';
import type { Faq } from '../src/knowledge/types.js';
import {
  chooseThreshold,
  figures,
  fitCalibration,
  percentile,
  readLabelled,
  round,
  type Labelled,
  type Prediction,
} from './lib/nlu-eval.js';

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
    background: { type: 'string' },
  },
});

const log = (...a: unknown[]) => console.error(...a);

// --- data ---------------------------------------------------------------------------------------
const train = values.train!.flatMap(readLabelled).filter((l) => l.intent !== null);
const dev = values.dev!.flatMap(readLabelled);
const test = values.test!.flatMap(readLabelled);
if (train.length === 0 || test.length === 0) {
  console.error('usage: eval-nlu --faq <catalogue.json> --train <jsonl> [--dev <jsonl>] --test <jsonl>');
  process.exit(2);
}
const folds = Number(values.folds);

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

/**
 * Where tuning looks: with in-scope development lines (MASSIVE's dev split), a model trained on all
 * of --train scored on --dev; without them (the ISP FAQ, whose train file is all there is), k-fold
 * cross-validation over --train, each fold's model also scoring the out-of-scope --dev lines.
 */
const devIn = dev.filter((l) => l.intent !== null);
const devOut = dev.filter((l) => l.intent === null);
const tuneSets: { faqs: Faq[]; lines: Labelled[] }[] = [];
if (devIn.length > 0) tuneSets.push({ faqs: catalogueFaqs(train), lines: dev });
else {
  const position = new Map<string, number>();
  const foldOf = train.map((l) => {
    const k = position.get(l.intent!) ?? 0;
    position.set(l.intent!, k + 1);
    return k % folds;
  });
  for (let k = 0; k < folds; k++) {
    tuneSets.push({
      faqs: catalogueFaqs(train.filter((_, i) => foldOf[i] !== k)),
      lines: [...train.filter((_, i) => foldOf[i] === k), ...devOut],
    });
  }
}
if (devOut.length === 0 && test.some((l) => l.intent === null)) {
  log('warning: no out-of-scope lines (intent null) in --dev, so the threshold cannot learn to reject; expect a high false-accept rate');
}
const faqs = catalogueFaqs(train);
// Everyday out-of-domain phrasings the matcher learns as "not a FAQ" (see BACKGROUND).
const background = values.background ? readLabelled(values.background).map((l) => l.text) : [];
const withBackground = (examples: TrainingExample[]) => [...examples, ...background.map((text) => ({ intent: BACKGROUND, text }))];
const snapshot = { version: 1, faqs };
log(`train ${train.length} lines / ${faqs.length} FAQs; tuning on ${devIn.length ? `dev (${dev.length} lines)` : `${folds}-fold cross-validation + ${devOut.length} out-of-scope dev lines`}; test ${test.length}`);

// --- our matcher: tune weights, calibration and threshold ------------------------------------------
function rawPredictions(matcher: TfidfMatcher, lines: Labelled[]) {
  return lines.map((l) => {
    const { ranked, coverage, unknown, background: bg } = matcher.analyse(l.text);
    const s1 = ranked[0]?.score ?? 0;
    const s2 = ranked[1]?.score ?? 0;
    return {
      top: s1 > 0 ? ranked[0].intent : null,
      score: s1,
      margin: s1 - s2,
      coverage,
      word: ranked[0]?.word ?? 0,
      unknown,
      bayes: ranked[0]?.bayes ?? 0,
      background: bg ? bg.score - s1 : 0,
      // The runner-up's evidence, for the ambiguity margin.
      second: { score: s2, word: ranked[1]?.word ?? 0, bayes: ranked[1]?.bayes ?? 0, background: bg ? bg.score - s2 : 0 },
    };
  });
}

const grid =
  values.grid === 'quick'
    ? [{ wordWeight: 0.5, secondWeight: 0.2, centroidWeight: 0.5, bayesWeight: 0.5 }]
    : [0.3, 0.5, 0.7].flatMap((wordWeight) =>
        [0, 0.5].flatMap((centroidWeight) =>
          [0, 0.5, 0.9].map((bayesWeight) => ({ wordWeight, secondWeight: 0.2, centroidWeight, bayesWeight })),
        ),
      );
const tuneLines = tuneSets.flatMap((t) => t.lines);
function tunePredictions(weights: (typeof grid)[number]) {
  return tuneSets.flatMap((t) => rawPredictions(TfidfMatcher.train(withBackground(trainingExamples(t.faqs)), weights), t.lines));
}
let bestWeights = grid[0];
let bestAcc = -1;
let bestRaw: ReturnType<typeof rawPredictions> = [];
for (const w of grid) {
  const preds = tunePredictions(w);
  let n = 0;
  let ok = 0;
  preds.forEach((p, i) => {
    if (tuneLines[i].intent === null) return;
    n++;
    if (p.top === tuneLines[i].intent) ok++;
  });
  log(`  grid ${JSON.stringify(w)}: tuning top-1 ${round(ok / n)}`);
  if (ok / n > bestAcc + 1e-9) {
    bestAcc = ok / n;
    bestWeights = w;
    bestRaw = preds;
  }
}
const calibration = fitCalibration(
  bestRaw.map((p, i) => ({ score: p.score, margin: p.margin, coverage: p.coverage, word: p.word, unknown: p.unknown, bayes: p.bayes, background: p.background, label: p.top !== null && p.top === tuneLines[i].intent ? 1 : 0 })),
);
const matcherSettings = { ...bestWeights, background: background.length > 0 };
const provisional: NluModel = { threshold: 0, ambiguityMargin: 0, calibration, matcher: matcherSettings };
const tunePreds: Prediction[] = bestRaw.map((p) => ({
  ...p,
  confidence: confidenceOf(provisional, { score: p.score, bestOther: p.score - p.margin, coverage: p.coverage, word: p.word, unknown: p.unknown, bayes: p.bayes, background: p.background }),
}));
const maxFa = Number(values['max-false-accept']);
// The threshold's false-accept side is measured as deployed: out-of-scope lines against the model
// trained on all of --train (they are not in it); the in-scope side comes from the tuning rows.
const fullRawOut = rawPredictions(TfidfMatcher.train(withBackground(trainingExamples(faqs)), bestWeights), devOut);
const thresholdLines = [...tuneLines.filter((l) => l.intent !== null), ...devOut];
const thresholdPreds: Prediction[] = [
  ...tunePreds.filter((_, i) => tuneLines[i].intent !== null),
  ...fullRawOut.map((p) => ({
    ...p,
    confidence: confidenceOf(provisional, { score: p.score, bestOther: p.score - p.margin, coverage: p.coverage, word: p.word, unknown: p.unknown, bayes: p.bayes, background: p.background }),
  })),
];
const chosen = chooseThreshold(thresholdLines, thresholdPreds, maxFa);

/**
 * Ambiguity margin: when the runner-up is also above the threshold and within this much of the
 * best, the NLU answers nothing and offers both (the dialog asks which one). Chosen on the
 * in-scope tuning lines to maximise right answers minus wrong ones, since a wrong answer costs the
 * caller more than a question.
 */
const secondConfidence = bestRaw.map((p) =>
  confidenceOf(provisional, { score: p.second.score, bestOther: p.score, coverage: p.coverage, word: p.second.word, unknown: p.unknown, bayes: p.second.bayes, background: p.second.background }),
);
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
  log(`  ambiguity margin ${delta}: right − wrong = ${utility}`);
  if (utility > bestUtility) {
    bestUtility = utility;
    ambiguityMargin = delta;
  }
}
const model: NluModel = {
  threshold: chosen.threshold,
  ambiguityMargin,
  calibration,
  matcher: matcherSettings,
  tunedOn: {
    by: 'tools/eval-nlu.ts',
    date: new Date().toISOString().slice(0, 10),
    faq: values.faq ?? null,
    train: values.train,
    dev: values.dev,
    method: devIn.length ? 'dev split' : `${folds}-fold cross-validation over train + out-of-scope dev lines`,
    tuneLines: tuneLines.length,
    tuneTop1Accuracy: round(bestAcc),
    tuneInScopeAccuracy: chosen.in_scope_accuracy,
    tuneFalseAccept: chosen.oos_false_accept,
    maxFalseAccept: maxFa,
  },
};
log(`tuned: weights ${JSON.stringify(bestWeights)}, calibration ${JSON.stringify(calibration)}, threshold ${chosen.threshold}, ambiguity margin ${ambiguityMargin} (tuning top-1 ${round(bestAcc)}, accepted-correct ${chosen.in_scope_accuracy}, false-accept ${chosen.oos_false_accept})`);
if (values['write-model']) {
  writeFileSync(values['write-model'], JSON.stringify(model, null, 2) + '\n');
  log(`wrote ${values['write-model']}`);
}

// --- our matcher on test --------------------------------------------------------------------------
const engine = createNluEngine(snapshot, { model, background });
const ours = test.map((l) => engine.parse(l.text));
const timings: number[] = [];
for (let round_ = 0; round_ < 5; round_++) {
  for (const l of test) {
    const t0 = performance.now();
    engine.parse(l.text);
    timings.push(performance.now() - t0);
  }
}
timings.sort((a, b) => a - b);
const oursFig = figures(
  test,
  ours.map((r) => r.intent),
  ours.map((r) => r.alternatives[0]?.intent ?? null),
);

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
  const p1 = (cls[0]?.value ?? 0) / sum;
  const p2 = (cls[1]?.value ?? 0) / sum;
  return { top: cls[0]?.label ?? null, score: p1, margin: p1 - p2, coverage: 1, word: 0, unknown: 0, bayes: p1, background: 0, confidence: p1 };
};
const bayesTune = tuneSets.flatMap((t) => {
  const b = trainBayes(t.faqs);
  return t.lines.map((l) => bayesPredictWith(b, l.text));
});
const bayesThreshold = chooseThreshold(tuneLines, bayesTune, maxFa).threshold;
const bayes = trainBayes(faqs);
const bayesPredict = (text: string) => bayesPredictWith(bayes, text);
const bTimings: number[] = [];
const bayesTest = test.map((l) => {
  const t0 = performance.now();
  const p = bayesPredict(l.text);
  bTimings.push(performance.now() - t0);
  return p;
});
bTimings.sort((a, b) => a - b);
const baseFig = figures(
  test,
  bayesTest.map((p) => (p.confidence >= bayesThreshold ? p.top : null)),
  bayesTest.map((p) => p.top),
);

// --- report ---------------------------------------------------------------------------------------
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
for (const [name, f, t, thr] of [
  ['tfidf-ngram (ours)', oursFig, timings, model.threshold],
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
    faqs: faqs.length,
    threshold: model.threshold,
    ours: { ...oursFig, parse_p50_ms: round(percentile(timings, 50), 3), parse_p99_ms: round(percentile(timings, 99), 3) },
    baseline: { ...baseFig, threshold: bayesThreshold, parse_p50_ms: round(percentile(bTimings, 50), 3), parse_p99_ms: round(percentile(bTimings, 99), 3) },
  }),
);
