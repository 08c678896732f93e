/**
 * Where should `dialog.asrConfidenceFloor` lie? The recogniser's own confidence (mean best-class
 * probability over the frames that emitted a symbol, src/engines/asr/ctc.ts) on speech it reads
 * well and on speech it cannot read, in one run:
 * - eSpeak NG voices speaking held-out caller questions (fixtures/faq/test.jsonl), as spoken and
 *   played backwards (the unintelligible caller);
 * - the real read sentences of fa-speech-real (two speakers, 36 clips), as recorded and backwards,
 *   with the character error rate of each reading against its transcript.
 * Prints, per kind, the confidence quantiles, how many the NLU of the sample FAQ accepted, and how
 * many fall below each candidate floor.
 *
 *   npx tsx tools/eval-asr-confidence.ts [--limit 40 --voices fa,fa+m3 --real ../shared/datasets/fa-speech-real]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resample } from '../src/audio/resample.js';
import { readWav } from '../src/audio/wav.js';
import { loadConfig } from '../src/config/load.js';
import { createLocalAsr, createLocalTts } from '../src/engines/factory.js';
import { speechFor } from '../src/sim/cli.js';
import { scoreTexts } from '../src/engines/asr/score.js';
import { normalizeForAsr } from '../src/engines/asr/text.js';
import { sampleNlu } from './lib/turn-end-run.js';

const { values } = parseArgs({
  options: {
    limit: { type: 'string', default: '40' },
    voices: { type: 'string', default: 'fa,fa+m3' },
    real: { type: 'string', default: '../shared/datasets/fa-speech-real' },
  },
});

const config = loadConfig({}, {});
const asr = await createLocalAsr(config);
const nlu = sampleNlu();
const hotwords = nlu.vocabulary();

async function read(pcm8k: Int16Array) {
  const pcm = asr.sampleRate === 8000 ? pcm8k : resample(pcm8k, 8000, asr.sampleRate);
  const stream = asr.createStream({ hotwords });
  for (let i = 0; i < pcm.length; i += 320) stream.push(pcm.subarray(i, i + 320));
  const final = await stream.finalize();
  return { text: final.text, confidence: final.confidence ?? NaN, accepted: nlu.parse(final.text, { spoken: true }).intent !== null };
}
const backwards = (pcm: Int16Array) => Int16Array.from(pcm).reverse();

const kinds: Record<string, { confidence: number; accepted: boolean; cer?: number }[]> = {};
const add = (kind: string, row: { confidence: number; accepted: boolean; cer?: number }) => (kinds[kind] ??= []).push(row);

const lines = readFileSync('fixtures/faq/test.jsonl', 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { text: string }).text)
  .slice(0, Number(values.limit));
for (const voice of values.voices!.split(',').filter(Boolean)) {
  const tts = await createLocalTts(loadConfig({}, { tts: { voice } }));
  for (const text of lines) {
    const pcm = await speechFor(tts, text);
    add('eSpeak', await read(pcm));
    add('eSpeak backwards', await read(backwards(pcm)));
  }
  await tts.close();
}
const manifest = join(values.real!, 'manifest.jsonl');
if (existsSync(manifest)) {
  const rows = readFileSync(manifest, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { audio: string; text: string; subset: string })
    .filter((r) => r.subset === 'read-colloquial-sentences');
  for (const r of rows) {
    const wav = await readWav(join(values.real!, r.audio));
    const pcm = wav.sampleRate === 8000 ? wav.pcm : resample(wav.pcm, wav.sampleRate, 8000);
    const heard = await read(pcm);
    add('real voices', { ...heard, cer: scoreTexts([[normalizeForAsr(heard.text), normalizeForAsr(r.text)]]).cer });
    add('real backwards', await read(backwards(pcm)));
  }
}
await asr.close();

const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))].toFixed(3);
const floors = [0.6, 0.65, 0.7, 0.75, 0.8];
const report = Object.entries(kinds).map(([kind, rows]) => {
  const c = rows.map((r) => r.confidence).sort((a, b) => a - b);
  const cers = rows.flatMap((r) => (r.cer === undefined ? [] : [r.cer]));
  return {
    kind,
    n: rows.length,
    min: q(c, 0),
    p10: q(c, 0.1),
    p50: q(c, 0.5),
    p90: q(c, 0.9),
    max: q(c, 1),
    acceptedByNlu: rows.filter((r) => r.accepted).length,
    ...(cers.length ? { meanCer: (cers.reduce((a, b) => a + b, 0) / cers.length).toFixed(2) } : {}),
    below: Object.fromEntries(floors.map((f) => [f, rows.filter((r) => r.confidence < f).length])),
  };
});
console.log(JSON.stringify(report, null, 1));
