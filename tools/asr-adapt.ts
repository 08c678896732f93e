/**
 * Adapts the recogniser to the site's own callers: fine-tunes the current model on the corrected
 * turns of `npm run asr:export`, on CPU, within a time budget, and writes a model folder.
 *
 *   npm run asr:adapt -- --manifest DIR/manifest.jsonl --out MODEL_DIR [--minutes 15] [--base models/asr-fa]
 *                        [--longform narrations.jsonl] [--eval-manifest test.jsonl] [--work DIR]
 *                        [--synthetic models/asr-fa/work/data] [--synthetic-size 800] [--lr 1.5e-4] [--real-repeat 1]
 *                        [--speeds 0.9,1.1 ("": none)] [--guard-rise 0.008|none] [--l2sp 0.05] [--eval-every 50]
 *
 * The defaults are the settings measured on real callers (docs/BENCHMARKS.md, 2026-12-06): at 8e-4
 * the synthetic dev CER left the guard's band within 50 steps, at 4e-4 with the real audio ×8 it
 * cost 1.2 points over 468 steps; at 1.5e-4, real ×1 plus two speed-perturbed copies, it stayed
 * within the band for 1,194 steps while the callers' CER fell as much as in either.
 *
 * What it does (models/asr-fa/recipe, /usr/bin/python3 with torch; PASOKH_PYTHON to override):
 *  1. rebuilds a trainable checkpoint from the base folder's model.onnx (onnx_to_ckpt.py);
 *  2. keeps the manifest's training turns (lines with `split: "heldout"` are left for promotion to
 *     score on) and any --longform narrations (cut into utterances by forced alignment);
 *  3. mixes them (repeated) with synthetic eSpeak shards so the model does not forget — generated
 *     once into --synthetic when it holds none (gen_data.py, --synthetic-size utterances);
 *  4. passes the real audio through the telephone channel (band-pass 300–3400 Hz, μ-law), adds
 *     optionally speed-perturbed copies of it (--speeds 0.9,1.1: more voices and speaking rates from
 *     the same minutes) and a pull toward the base weights (--l2sp W),
 *     and trains with SpecAugment until the time budget (--minutes) is spent (finetune.py → train.py);
 *  5. guards what the model knew: every --eval-every steps the synthetic dev set is scored, and the
 *     exported checkpoint is the latest whose dev CER stayed within --guard-rise of the base model's
 *     (the forgetting that the promotion check and the +1-point limit are about);
 *  6. exports model.onnx + manifest.json (base model, data, steps, scores before/after) to --out,
 *     with the base folder's character language model.
 * Score it with `npm run eval:asr -- --manifest … --model MODEL_DIR`; make it live with
 * `POST /api/asr/models {dir}` (or `npm run asr:promote`).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    manifest: { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
    minutes: { type: 'string', default: '15' },
    base: { type: 'string', default: 'models/asr-fa' },
    longform: { type: 'string', multiple: true, default: [] },
    'eval-manifest': { type: 'string', multiple: true, default: [] },
    work: { type: 'string' },
    synthetic: { type: 'string', default: 'models/asr-fa/work/data' },
    'synthetic-size': { type: 'string', default: '800' },
    'synthetic-shards': { type: 'string', default: '2' },
    'real-repeat': { type: 'string', default: '1' },
    lr: { type: 'string', default: '1.5e-4' },
    steps: { type: 'string', default: '100000' },
    speeds: { type: 'string', default: '0.9,1.1' },
    'guard-rise': { type: 'string', default: '0.008' },
    l2sp: { type: 'string', default: '0' },
    'eval-every': { type: 'string', default: '50' },
  },
});
if (!values.out || (!values.manifest.length && !values.longform.length)) {
  console.error('usage: npm run asr:adapt -- --manifest DIR/manifest.jsonl --out MODEL_DIR [--minutes 15] [--base models/asr-fa] [--longform file.jsonl]');
  process.exit(2);
}
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  console.error(`--minutes ${values.minutes}: expected a positive number`);
  process.exit(2);
}

const python = process.env.PASOKH_PYTHON ?? '/usr/bin/python3';
const recipe = fileURLToPath(new URL('../models/asr-fa/recipe/', import.meta.url));
const base = resolve(values.base);
const out = resolve(values.out);
const work = resolve(values.work ?? join(out, '..', `.${out.split('/').pop()}-work`));
const synthetic = resolve(values.synthetic);
const started = Date.now();

function run(args: string[], label: string): Promise<void> {
  return new Promise((done, fail) => {
    console.error(`[asr:adapt] ${label}: ${python} ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}`);
    const child = spawn(python, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${label} failed (exit ${code})`))));
  });
}

const baseManifest = JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8')) as Record<string, any>;
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

// 1. The base model as a trainable checkpoint.
const init = join(work, 'init.pt');
await run([join(recipe, 'onnx_to_ckpt.py'), '--onnx', join(base, baseManifest.model ?? 'model.onnx'), '--manifest', join(base, 'manifest.json'), '--out', init], 'checkpoint from the base model');

// 2. Training turns only; the held-out ones are for promotion.
const manifests: string[] = [];
const used = { turns: 0, heldOut: 0 };
for (const [i, path] of values.manifest.entries()) {
  const src = resolve(path);
  const lines = readFileSync(src, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { audio: string; split?: string });
  const train = lines.filter((l) => l.split !== 'heldout');
  used.turns += train.length;
  used.heldOut += lines.length - train.length;
  // Audio paths stay relative to the original manifest's folder.
  const dst = join(dirname(src), `.adapt-train-${process.pid}-${i}.jsonl`);
  writeFileSync(dst, train.map((l) => JSON.stringify(l) + '\n').join(''));
  manifests.push(dst);
}

// 3. Synthetic shards to mix in (generated once when there are none).
if (!existsSync(join(synthetic, 'test_f4.npz')) || !existsSync(join(synthetic, 'train_000.npz'))) {
  const size = values['synthetic-size'];
  await run([join(recipe, 'gen_data.py'), '--out', synthetic, '--shards', values['synthetic-shards'], '--shard-size', size, '--test-size', String(Math.min(200, Number(size))), '--jobs', '2'], 'synthetic shards');
}

// 4 + 5. Fine-tune within the budget (export and scoring take the rest), then export.
const trainMinutes = Math.max(0.1, minutes * 0.85 - (Date.now() - started) / 60_000);
const args = [
  join(recipe, 'finetune.py'),
  ...manifests.flatMap((m) => ['--manifest', m]),
  ...values.longform.flatMap((m) => ['--longform', resolve(m)]),
  ...values['eval-manifest'].flatMap((m) => ['--eval-manifest', resolve(m)]),
  '--init', init,
  '--freeze-bn',
  '--work', join(work, 'ft'),
  '--out', out,
  '--synthetic', synthetic,
  '--synthetic-shards', values['synthetic-shards'],
  '--real-repeat', values['real-repeat'],
  '--steps', values.steps,
  '--lr', values.lr,
  '--max-minutes', trainMinutes.toFixed(2),
  '--telephone',
  ...(values.speeds ? ['--speeds', values.speeds] : []),
  '--l2sp', values.l2sp,
  '--eval-every', values['eval-every'],
  ...(values['guard-rise'] === 'none' ? [] : ['--guard-rise', values['guard-rise']]),
];
try {
  await run(args, 'fine-tuning');
} finally {
  for (const m of manifests) rmSync(m, { force: true });
}

// The folder gets the base model's language model and says where it came from.
const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Record<string, any>;
if (baseManifest.lm) {
  manifest.lm = baseManifest.lm;
  const corpus = baseManifest.lm.corpus as string | undefined;
  if (corpus && existsSync(join(base, corpus)) && resolve(base) !== resolve(out)) copyFileSync(join(base, corpus), join(out, corpus));
}
const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 13);
manifest.name = `${String(baseManifest.name ?? 'asr').replace(/\+site-\d{8}T\d{4}$/, '')}+site-${stamp}`;
manifest.adaptation = {
  base: { dir: relative(process.cwd(), base) || '.', name: baseManifest.name },
  data: { manifests: values.manifest, longform: values.longform, trainingTurns: used.turns, heldOutTurnsLeftOut: used.heldOut },
  minutesBudget: minutes,
  minutesTaken: Number(((Date.now() - started) / 60_000).toFixed(1)),
  command: `npm run asr:adapt -- ${process.argv.slice(2).join(' ')}`,
  scores: manifest.scores?.adaptation,
};
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
const summary = { out, name: manifest.name, ...manifest.adaptation };
console.log(JSON.stringify(summary));
