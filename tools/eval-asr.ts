/**
 * ASR evaluation: streams each manifest line's audio through the engine in 20 ms chunks (partials
 * on, as in a call), finalises, and scores the final text against the reference after Persian
 * normalisation onto the model's alphabet (digits read as words, ZWNJ as a space).
 *
 *   npm run eval:asr -- --manifest <jsonl> [--model models/asr-fa] [--beam 16] [--hotword-boost 2]
 *                       [--lexicon faq|none|<file.txt>] [--hotwords faq|none] [--limit N] [--verbose]
 *                       [--lm none] [--lm-weight W] [--char-bonus B] [--domain-weight D]
 *                       [--lexicon-bonus B] [--snap no]
 *
 * Lines are {"audio", "text"} (+ optional "subset"); audio paths are relative to the manifest, at
 * any rate and format readable as WAV (resampled to the model's rate). Prints CER/WER overall and
 * per subset, real-time factor per stream (CPU time of one stream on one core ÷ audio time) and
 * finalisation latency (finalize() call → transcript), and ends with one JSON line.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { resample } from '../src/audio/resample.js';
import { readWav } from '../src/audio/wav.js';
import { OnnxCtcAsr } from '../src/engines/asr/onnx.js';
import { normalizeForAsr } from '../src/engines/asr/text.js';
import { DECODER_FLAGS, decoderOptions, describeDecoder, faqVocabulary, scoreTexts } from './lib/asr-eval.js';

const { values } = parseArgs({
  options: {
    manifest: { type: 'string' },
    model: { type: 'string', default: 'models/asr-fa' },
    ...DECODER_FLAGS,
    lexicon: { type: 'string', default: 'faq' },
    /** 'faq': the FAQ vocabulary is also passed as per-stream hotwords, as the call session does. */
    hotwords: { type: 'string', default: 'faq' },
    limit: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
if (!values.manifest) {
  console.error('usage: npm run eval:asr -- --manifest <jsonl> [--model dir] [--beam N] [--lexicon faq|none|file]');
  process.exit(2);
}

const Line = z.object({ audio: z.string().min(1), text: z.string(), subset: z.string().optional() });
const manifestPath = resolve(values.manifest);
const lines = readFileSync(manifestPath, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l, i) => {
    const parsed = Line.safeParse(JSON.parse(l));
    if (!parsed.success) throw new Error(`${manifestPath}:${i + 1}: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  })
  .slice(0, values.limit ? Number(values.limit) : undefined);

const lexicon = values.lexicon === 'none' ? [] : values.lexicon === 'faq' ? faqVocabulary() : readFileSync(values.lexicon, 'utf8').split(/\s+/);
const hotwords = values.hotwords === 'faq' ? lexicon : [];
const engine = await OnnxCtcAsr.create({
  modelDir: values.model,
  ...decoderOptions(values),
  lexicon,
});

const CHUNK_MS = 20;
const results: Array<{ ref: string; hyp: string; greedyHyp: string; subset: string; seconds: number; cpuMs: number; finalizeMs: number }> = [];
for (const line of lines) {
  const wav = await readWav(resolve(dirname(manifestPath), line.audio));
  const pcm = wav.sampleRate === engine.sampleRate ? wav.pcm : resample(wav.pcm, wav.sampleRate, engine.sampleRate);
  const chunk = Math.round((engine.sampleRate * CHUNK_MS) / 1000);
  const cpu0 = process.cpuUsage();
  let partials = 0;
  const stream = engine.createStream({ onPartial: () => partials++, hotwords });
  for (let i = 0; i < pcm.length; i += chunk) {
    stream.push(pcm.subarray(i, i + chunk));
    // Let partial decodes run between chunks, as they would between packets of a live call.
    await new Promise((r) => setImmediate(r));
  }
  const t0 = performance.now();
  const final = await stream.finalize();
  const finalizeMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // Greedy over the same audio, for the beam search's contribution (not timed).
  const greedyEngineHyp = (await engine.decodeBoth(pcm)).greedy.text;
  results.push({
    ref: normalizeForAsr(line.text),
    hyp: normalizeForAsr(final.text),
    greedyHyp: normalizeForAsr(greedyEngineHyp),
    subset: line.subset ?? 'all',
    seconds: pcm.length / engine.sampleRate,
    cpuMs: (cpu.user + cpu.system) / 1000,
    finalizeMs,
  });
  if (values.verbose) console.log(`${line.audio}\n  REF ${normalizeForAsr(line.text)}\n  HYP ${final.text}  (${partials} partials)`);
}

await engine.close();

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : 0;
};
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
const subsets = [...new Set(results.map((r) => r.subset))];
const bySubset: Record<string, { n: number; cer: number; wer: number; greedyCer: number; greedyWer: number }> = {};
for (const s of subsets) {
  const rs = results.filter((r) => r.subset === s);
  const beam = scoreTexts(rs.map((r) => [r.hyp, r.ref]));
  const greedy = scoreTexts(rs.map((r) => [r.greedyHyp, r.ref]));
  bySubset[s] = { n: rs.length, cer: round(beam.cer), wer: round(beam.wer), greedyCer: round(greedy.cer), greedyWer: round(greedy.wer) };
}
const all = scoreTexts(results.map((r) => [r.hyp, r.ref]));
const allGreedy = scoreTexts(results.map((r) => [r.greedyHyp, r.ref]));
const audioSeconds = results.reduce((a, r) => a + r.seconds, 0);
const cpuSeconds = results.reduce((a, r) => a + r.cpuMs, 0) / 1000;
const summary = {
  manifest: values.manifest,
  model: engine.name,
  decoder: `${describeDecoder(values)}, hotwords ${values.hotwords} (${hotwords.length}), lexicon ${values.lexicon} (${lexicon.length} words)`,
  utterances: results.length,
  audioSeconds: round(audioSeconds, 1),
  cer: round(all.cer),
  wer: round(all.wer),
  greedyCer: round(allGreedy.cer),
  greedyWer: round(allGreedy.wer),
  subsets: bySubset,
  rtfPerStreamOneCore: round(cpuSeconds / Math.max(audioSeconds, 1e-9), 5),
  finalizeMsP50: round(pct(results.map((r) => r.finalizeMs), 0.5), 1),
  finalizeMsP95: round(pct(results.map((r) => r.finalizeMs), 0.95), 1),
  finalizeMsMax: round(Math.max(0, ...results.map((r) => r.finalizeMs)), 1),
};
for (const [s, v] of Object.entries(bySubset)) {
  console.log(`${s}: ${v.n} utts  CER ${(v.cer * 100).toFixed(1)}%  WER ${(v.wer * 100).toFixed(1)}%  (greedy CER ${(v.greedyCer * 100).toFixed(1)}%  WER ${(v.greedyWer * 100).toFixed(1)}%)`);
}
console.log(`overall: CER ${(all.cer * 100).toFixed(2)}%  WER ${(all.wer * 100).toFixed(2)}%  RTF ${summary.rtfPerStreamOneCore}  finalize p50 ${summary.finalizeMsP50} ms p95 ${summary.finalizeMsP95} ms`);
console.log(JSON.stringify(summary));
