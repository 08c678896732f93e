/**
 * How each part of the matcher ranks on its own, trained on a whole labelled upload: the combined
 * ranking, the softmax regression, naive Bayes and nearest-phrasing similarity, each as the share
 * of asked lines whose right intent it puts first. Development tool for the ranking's settings.
 *
 *   npx tsx tools/nlu-matcher-parts.ts [--train ../shared/datasets/massive-fa/train.jsonl]
 *       [--ask ../shared/datasets/massive-fa/dev.jsonl] [--every 2] [--settings '{"name":{matcher options}, …}']
 *
 * --settings: matcher options over the shipped ones (models/nlu-fa/nlu-model.json), one row each.
 */
import { parseArgs } from 'node:util';
import { loadNluModel } from '../src/engines/nlu/calibration.js';
import { TfidfMatcher, type MatcherOptions } from '../src/engines/nlu/matcher.js';
import { readLabelled } from './lib/nlu-eval.js';

const { values } = parseArgs({
  options: {
    train: { type: 'string', default: '../shared/datasets/massive-fa/train.jsonl' },
    ask: { type: 'string', default: '../shared/datasets/massive-fa/dev.jsonl' },
    every: { type: 'string', default: '2' },
    settings: { type: 'string', default: '{"shipped":{}}' },
  },
});
const every = Math.max(1, Number(values.every));
const train = readLabelled(values.train!).flatMap((l) => (l.intent ? [{ intent: l.intent, text: l.text }] : []));
const asked = readLabelled(values.ask!).filter((l, i) => l.intent !== null && i % every === 0);
const shipped = loadNluModel().matcher;
const parts = ['rank', 'softmax', 'bayes', 'score'] as const;
const rows: Record<string, unknown>[] = [];
for (const [name, over] of Object.entries(JSON.parse(values.settings!) as Record<string, MatcherOptions>)) {
  const t0 = performance.now();
  const matcher = TfidfMatcher.train(train, { ...shipped, ...over });
  const trainMs = Math.round(performance.now() - t0);
  const first = Object.fromEntries(parts.map((p) => [p, 0])) as Record<(typeof parts)[number], number>;
  for (const l of asked) {
    const scores = matcher.score(l.text);
    for (const p of parts) if (scores.reduce((a, b) => (b[p] > a[p] ? b : a)).intent === l.intent) first[p]++;
  }
  const share = Object.fromEntries(parts.map((p) => [p, Math.round((1000 * first[p]) / asked.length) / 10])) as Record<(typeof parts)[number], number>;
  const row = { name, ...share, trainMs };
  console.error(`${name}: ${parts.map((p) => `${p} ${share[p]} %`).join(', ')} (trained in ${trainMs} ms)`);
  rows.push(row);
}
console.log(JSON.stringify({ tool: 'nlu-matcher-parts', train: train.length, asked: asked.length, rows }));
