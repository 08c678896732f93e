/**
 * `npm run eval:nlu -- --few-shot K [--few-shot K …]` (K = 0, 3, 12, all; or "0,3,12,all"): what a
 * new site gets from uploading its own FAQ with K phrasings per FAQ, through the API's code path,
 * with fastText beside it (see tools/lib/few-shot.ts). Options:
 *   --isp-catalogue <catalogue.json>   default ../shared/datasets/faq-isp/catalogue.json
 *   --isp-train <jsonl>                default ../shared/datasets/faq-isp/train.jsonl
 *   --isp-test <jsonl> …               default the blind files fixtures/faq/test-blind{,-3,-4,-5}.jsonl
 *   --shipped <catalogue.json>         the sample FAQ as shipped, uploaded whole once beside the K rows
 *                                      (default fixtures/faq/catalogue.json; --skip-shipped: not)
 *   --massive <dir>                    default ../shared/datasets/massive-fa (train → upload, test → ask)
 *   --massive-every N                  ask every N-th test line (default 1: all 2,974)
 *   --massive-ask test|dev             which MASSIVE split is asked (default test; dev for development,
 *                                      with --isp-test fixtures/faq/dev-*.jsonl on the ISP side)
 *   --only isp|massive                 one data set
 *   --json <file>                      write the figures
 * Ends with one JSON line of all figures.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fewShotTable, ispUpload, massiveUpload, scoreUpload, type FewShotFigures } from './lib/few-shot.js';
import { readLabelled } from './lib/nlu-eval.js';

const { values } = parseArgs({
  options: {
    'few-shot': { type: 'string', multiple: true, default: [] },
    'isp-catalogue': { type: 'string', default: '../shared/datasets/faq-isp/catalogue.json' },
    'isp-train': { type: 'string', default: '../shared/datasets/faq-isp/train.jsonl' },
    'isp-test': {
      type: 'string',
      multiple: true,
      default: ['fixtures/faq/test-blind.jsonl', 'fixtures/faq/test-blind-3.jsonl', 'fixtures/faq/test-blind-4.jsonl', 'fixtures/faq/test-blind-5.jsonl'],
    },
    shipped: { type: 'string', default: 'fixtures/faq/catalogue.json' },
    'skip-shipped': { type: 'boolean', default: false },
    massive: { type: 'string', default: '../shared/datasets/massive-fa' },
    'massive-every': { type: 'string', default: '1' },
    'massive-ask': { type: 'string', default: 'test' },
    only: { type: 'string' },
    json: { type: 'string' },
  },
});

const log = (...a: unknown[]) => console.error(...a);
const ks = values['few-shot']!.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
if (ks.length === 0 || ks.some((k) => k !== 'all' && !/^\d+$/.test(k))) {
  log('usage: eval:nlu -- --few-shot <K|all> [--few-shot …] [--only isp|massive]');
  process.exit(2);
}
// Checked before anything runs: a misspelt split must not cost the ISP rows first.
if (values['massive-ask'] !== 'test' && values['massive-ask'] !== 'dev') {
  log('--massive-ask: test or dev');
  process.exit(2);
}
const kOf = (k: string) => (k === 'all' ? Number.MAX_SAFE_INTEGER : Number(k));
const rows: FewShotFigures[] = [];

if (values.only !== 'massive') {
  const catalogue = JSON.parse(readFileSync(values['isp-catalogue']!, 'utf8')).faqs;
  const train = readLabelled(values['isp-train']!);
  const tests = values['isp-test']!.flatMap(readLabelled);
  log(`ISP: ${catalogue.length} FAQs, ${train.length} phrasings available, asking ${tests.length} held-out lines from ${values['isp-test']!.join(', ')}`);
  for (const k of ks) rows.push(await scoreUpload('faq-isp', k, ispUpload(catalogue, train, kOf(k)), tests, log));
  if (!values['skip-shipped']) {
    const shipped = JSON.parse(readFileSync(values.shipped!, 'utf8')).faqs;
    rows.push(await scoreUpload('faq-isp as shipped', 'shipped', shipped, tests, log));
  }
}
if (values.only !== 'isp') {
  const train = readLabelled(`${values.massive}/train.jsonl`);
  const every = Math.max(1, Number(values['massive-every']));
  const split = values['massive-ask'];
  const tests = readLabelled(`${values.massive}/${split}.jsonl`).filter((_, i) => i % every === 0);
  log(`MASSIVE-fa: ${train.length} train lines, asking ${tests.length} ${split} lines (every ${every})`);
  for (const k of ks) rows.push(await scoreUpload('massive-fa', k, massiveUpload(train, kOf(k)), tests, log));
}

log(fewShotTable(rows));
if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 2) + '\n');
console.log(JSON.stringify(rows));
process.exit(0);
