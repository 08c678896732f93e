/**
 * NLU speed at knowledge-base scale: 500 FAQs with 5,000 phrasings (built from MASSIVE-fa training
 * utterances, grouped ten to a FAQ, so the vocabulary is real Persian), then
 *   - retraining time (createNluEngine on the 5,000 phrasings),
 *   - parse latency p50/p99/max over held-out utterances,
 *   - a full import through the knowledge base (JSON file → validation → PGlite transaction →
 *     NLU retrained and live), the path an ops upload takes.
 * Ends with one JSON line.
 *
 *   npx tsx tools/bench-nlu.ts [--data ../shared/datasets/massive-fa] [--faqs 500] [--per-faq 10]
 */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createNluEngine } from '../src/engines/nlu/engine.js';
import { createNluProvider } from '../src/engines/nlu/provider.js';
import { createKnowledgeBase } from '../src/knowledge/service.js';
import type { Faq } from '../src/knowledge/types.js';
import { openDatabase } from '../src/store/db.js';
import { percentile, readLabelled, round } from './lib/nlu-eval.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/datasets/massive-fa' },
    faqs: { type: 'string', default: '500' },
    'per-faq': { type: 'string', default: '10' },
    queries: { type: 'string', default: '2000' },
  },
});
const nFaqs = Number(values.faqs);
const perFaq = Number(values['per-faq']);
const log = (...a: unknown[]) => console.error(...a);

const train = readLabelled(join(values.data!, 'train.jsonl'));
const test = readLabelled(join(values.data!, 'test.jsonl')).slice(0, Number(values.queries));
const byIntent = new Map<string, string[]>();
for (const l of train) byIntent.set(l.intent!, [...(byIntent.get(l.intent!) ?? []), l.text]);
const chunks: { intent: string; texts: string[] }[][] = [...byIntent.entries()].map(([intent, texts]) => {
  const out = [];
  for (let i = 0; i + perFaq <= texts.length; i += perFaq) out.push({ intent, texts: texts.slice(i, i + perFaq) });
  return out;
});
const faqs: Faq[] = [];
for (let round_ = 0; faqs.length < nFaqs; round_++) {
  let added = false;
  for (const list of chunks) {
    const c = list[round_];
    if (!c || faqs.length >= nFaqs) continue;
    added = true;
    faqs.push({
      id: `${c.intent}_${round_}`,
      question: c.texts[0],
      answer: `پاسخ ${c.intent} ${round_}`,
      action: 'answer',
      queue: null,
      examples: c.texts.slice(1),
      tags: [],
      enabled: true,
    });
  }
  if (!added) break;
}
const phrasings = faqs.reduce((n, f) => n + 1 + f.examples.length, 0);
log(`${faqs.length} FAQs, ${phrasings} phrasings; ${test.length} queries`);

// Retraining alone.
// The first build normalises every phrasing; later builds (the next import, which mostly repeats
// the same phrasings) reuse the cached tokens.
const trainMs: number[] = [];
const coldStart = performance.now();
let engine = createNluEngine({ version: 1, faqs });
const coldTrainMs = performance.now() - coldStart;
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  engine = createNluEngine({ version: 1, faqs });
  trainMs.push(performance.now() - t0);
}
trainMs.sort((a, b) => a - b);

// Parse latency (after one warm-up pass, as a running service would be).
// On a shared machine the tail is mostly the scheduler: three rounds are timed and each round's
// p99 is reported, next to the CPU time per parse, which waiting does not inflate.
for (const q of test.slice(0, 200)) engine.parse(q.text);
const rounds: number[][] = [];
// CPU time of each parse (process.cpuUsage has microsecond resolution here): what a parse costs
// when it is not waiting for a core, including GC work it triggers.
const cpuEach: number[] = [];
const cpu0 = process.cpuUsage();
for (let r = 0; r < 3; r++) {
  const times: number[] = [];
  for (const q of test) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    engine.parse(q.text);
    times.push(performance.now() - t0);
    const c1 = process.cpuUsage(c0);
    cpuEach.push((c1.user + c1.system) / 1000);
  }
  rounds.push(times.sort((a, b) => a - b));
}
cpuEach.sort((a, b) => a - b);
const cpu = process.cpuUsage(cpu0);
const cpuPerParseMs = (cpu.user + cpu.system) / 1000 / (3 * test.length);
const parseMs = rounds.flat().sort((a, b) => a - b);
const roundP99 = rounds.map((r) => round(percentile(r, 99), 3));

// Import through the knowledge base: file bytes → validated → stored → NLU retrained and live.
const database = await openDatabase({});
const kb = await createKnowledgeBase(database, { pollMs: 0 });
const nlu = createNluProvider(kb);
const bytes = new TextEncoder().encode(JSON.stringify({ faqs }));
const importMs: number[] = [];
// How long the event loop (which paces every call's audio) is held up while an import retrains.
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const report = await kb.importFile(bytes, { filename: 'bench.json' });
  if (!report.ok) throw new Error(`bench import rejected: ${JSON.stringify(report.problems)}`);
  await nlu.ready();
  const live = nlu.current();
  if (live.parse(faqs[0].question).kbVersion !== report.version) throw new Error('NLU not on the imported version');
  importMs.push(performance.now() - t0);
}
importMs.sort((a, b) => a - b);
loopDelay.disable();
const loopDelayMaxMs = loopDelay.max / 1e6;
kb.close();
await database.close();

const fig = {
  bench: 'nlu',
  faqs: faqs.length,
  phrasings,
  queries: test.length,
  retrain_cold_ms: round(coldTrainMs, 1),
  retrain_ms_median: round(trainMs[1], 1),
  parse_p50_ms: round(percentile(parseMs, 50), 3),
  parse_p99_ms: round(percentile(parseMs, 99), 3),
  parse_max_ms: round(parseMs[parseMs.length - 1], 3),
  parse_p99_ms_per_round: roundP99,
  parse_cpu_ms_mean: round(cpuPerParseMs, 3),
  parse_cpu_ms_p50: round(percentile(cpuEach, 50), 3),
  parse_cpu_ms_p99: round(percentile(cpuEach, 99), 3),
  load_average_1m: round(loadavg()[0], 2),
  cores: (await import('node:os')).cpus().length,
  import_and_retrain_ms_median: round(importMs[1], 1),
  import_and_retrain_ms_max: round(importMs[2], 1),
  event_loop_delay_max_ms_during_imports: round(loopDelayMaxMs, 1),
};
log(`retrain cold ${fig.retrain_cold_ms} ms, warm ${fig.retrain_ms_median} ms; parse p50 ${fig.parse_p50_ms} ms, p99 ${fig.parse_p99_ms} ms (rounds ${roundP99.join(', ')}), max ${fig.parse_max_ms} ms, CPU ${fig.parse_cpu_ms_mean} ms/parse (p50 ${fig.parse_cpu_ms_p50}, p99 ${fig.parse_cpu_ms_p99}); load ${fig.load_average_1m}; import+retrain ${fig.import_and_retrain_ms_median} ms (max ${fig.import_and_retrain_ms_max}), event loop held at most ${fig.event_loop_delay_max_ms_during_imports} ms`);
console.log(JSON.stringify(fig));
