/**
 * NLU evaluation: trains the matcher on a FAQ catalogue + example utterances, tunes the matcher
 * weights, the confidence calibration and the accept threshold on development lines, then reports
 * on test lines, next to a plain baseline (natural's BayesClassifier on raw whitespace tokens)
 * tuned and measured the same way in the same run. Ends with one JSON line.
 *
 *   npm run eval:nlu -- --faq <catalogue.json> --train <jsonl> [--dev <jsonl> …] --test <jsonl> [--test …]
 *                       [--write-model fixtures/faq/nlu-model.json] [--max-false-accept 0.05]
 *
 * Lines are {"text"|"utt", "intent"} with intent null for out-of-scope. Without --faq, every intent
 * in --train becomes a FAQ (MASSIVE). Without --dev, a quarter of --train is held out for tuning.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import natural from 'natural';
import { readFileSync } from 'node:fs';
import { confidenceOf, type NluModel } from '../src/engines/nlu/calibration.js';
import { createNluEngine, trainingExamples } from '../src/engines/nlu/engine.js';
import { TfidfMatcher } from '../src/engines/nlu/matcher.js';
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
    'max-false-accept': { type: 'string', default: '0.05' },
    grid: { type: 'string', default: 'full' },
  },
});

const log = (...a: unknown[]) => console.error(...a);

// --- data ---------------------------------------------------------------------------------------
const train = values.train!.flatMap(readLabelled).filter((l) => l.intent !== null);
let dev = values.dev!.flatMap(readLabelled);
const test = values.test!.flatMap(readLabelled);
if (train.length === 0 || test.length === 0) {
  console.error('usage: eval-nlu --faq <catalogue.json> --train <jsonl> [--dev <jsonl>] --test <jsonl>');
  process.exit(2);
}
let trainLines = train;
if (dev.length === 0) {
  // Every fourth line of each intent is held out for tuning.
  const seen = new Map<string, number>();
  const keep: Labelled[] = [];
  dev = [];
  for (const l of train) {
    const k = seen.get(l.intent!) ?? 0;
    seen.set(l.intent!, k + 1);
    (k % 4 === 3 ? dev : keep).push(l);
  }
  trainLines = keep;
}

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

const faqs = catalogueFaqs(trainLines);
const snapshot = { version: 1, faqs };
log(`train ${trainLines.length} lines / ${faqs.length} FAQs, dev ${dev.length}, test ${test.length}`);

// --- our matcher: tune weights, calibration and threshold on dev -----------------------------------
function rawPredictions(matcher: TfidfMatcher, lines: Labelled[]) {
  return lines.map((l) => {
    const { ranked, coverage } = matcher.analyse(l.text);
    const s1 = ranked[0]?.score ?? 0;
    const s2 = ranked[1]?.score ?? 0;
    return { top: s1 > 0 ? ranked[0].intent : null, score: s1, margin: s1 - s2, coverage };
  });
}

const grid =
  values.grid === 'quick'
    ? [{ wordWeight: 0.5, secondWeight: 0.2, centroidWeight: 0.3 }]
    : [0.3, 0.5, 0.7].flatMap((wordWeight) =>
        [0, 0.2, 0.4].flatMap((secondWeight) => [0, 0.25, 0.5, 0.75].map((centroidWeight) => ({ wordWeight, secondWeight, centroidWeight }))),
      );
const examples = trainingExamples(faqs);
let bestWeights = grid[0];
let bestAcc = -1;
for (const w of grid) {
  const preds = rawPredictions(TfidfMatcher.train(examples, w), dev.filter((l) => l.intent !== null));
  const inDev = dev.filter((l) => l.intent !== null);
  const acc = preds.filter((p, i) => p.top === inDev[i].intent).length / inDev.length;
  if (acc > bestAcc + 1e-9) {
    bestAcc = acc;
    bestWeights = w;
  }
}
const tunedMatcher = TfidfMatcher.train(examples, bestWeights);
const devRaw = rawPredictions(tunedMatcher, dev);
const calibration = fitCalibration(
  devRaw.map((p, i) => ({ score: p.score, margin: p.margin, coverage: p.coverage, label: p.top !== null && p.top === dev[i].intent ? 1 : 0 })),
);
const provisional: NluModel = { threshold: 0, calibration, matcher: bestWeights };
const devPreds: Prediction[] = devRaw.map((p) => ({ ...p, confidence: confidenceOf(provisional, p.score, p.score - p.margin, p.coverage) }));
const maxFa = Number(values['max-false-accept']);
const chosen = chooseThreshold(dev, devPreds, maxFa);
const model: NluModel = {
  threshold: chosen.threshold,
  calibration,
  matcher: bestWeights,
  tunedOn: {
    by: 'tools/eval-nlu.ts',
    date: new Date().toISOString().slice(0, 10),
    train: values.train,
    dev: values.dev!.length ? values.dev : 'every 4th line of --train',
    devLines: dev.length,
    devTop1Accuracy: round(bestAcc),
    devInScopeAccuracy: chosen.in_scope_accuracy,
    devFalseAccept: chosen.oos_false_accept,
    maxFalseAccept: maxFa,
  },
};
log(`tuned: weights ${JSON.stringify(bestWeights)}, calibration ${JSON.stringify(calibration)}, threshold ${chosen.threshold} (dev acc ${chosen.in_scope_accuracy}, dev FA ${chosen.oos_false_accept})`);
if (values['write-model']) {
  writeFileSync(values['write-model'], JSON.stringify(model, null, 2) + '\n');
  log(`wrote ${values['write-model']}`);
}

// --- our matcher on test --------------------------------------------------------------------------
const engine = createNluEngine(snapshot, { model });
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
const bayes = new natural.BayesClassifier();
for (const ex of examples) bayes.addDocument(ex.text.split(/\s+/).filter(Boolean), ex.intent);
bayes.train();
const bayesPredict = (text: string): Prediction => {
  const cls = bayes.getClassifications(text.split(/\s+/).filter(Boolean));
  const sum = cls.reduce((s, c) => s + c.value, 0) || 1;
  const p1 = (cls[0]?.value ?? 0) / sum;
  const p2 = (cls[1]?.value ?? 0) / sum;
  return { top: cls[0]?.label ?? null, score: p1, margin: p1 - p2, coverage: 1, confidence: p1 };
};
const bayesDev = dev.map((l) => bayesPredict(l.text));
const bayesThreshold = chooseThreshold(dev, bayesDev, maxFa).threshold;
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
