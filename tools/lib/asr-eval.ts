import { existsSync, readFileSync } from 'node:fs';
import { distance } from 'fastest-levenshtein';
import type { OnnxAsrOptions } from '../../src/engines/asr/onnx.js';
import { normalizeForAsr } from '../../src/engines/asr/text.js';

/**
 * The decoder flags both ASR evaluations take (parseArgs options): beam width, hotword boost,
 * lexicon bonus and snapping, and the language model (`--lm none`, or weights overriding the
 * manifest's for tuning).
 */
export const DECODER_FLAGS = {
  beam: { type: 'string', default: '16' },
  'hotword-boost': { type: 'string', default: '2' },
  'lexicon-bonus': { type: 'string', default: '1' },
  snap: { type: 'string', default: 'yes' },
  lm: { type: 'string', default: 'manifest' },
  'lm-weight': { type: 'string' },
  'char-bonus': { type: 'string' },
  'domain-weight': { type: 'string' },
} as const;

type DecoderFlagValues = { [K in keyof typeof DECODER_FLAGS]?: string };

/** The engine options those flags stand for. */
export function decoderOptions(values: DecoderFlagValues): Omit<OnnxAsrOptions, 'modelDir' | 'lexicon'> {
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return {
    beamWidth: Number(values.beam),
    hotwordBoost: Number(values['hotword-boost']),
    lexiconBonus: Number(values['lexicon-bonus']),
    snap: values.snap !== 'no',
    useLm: values.lm !== 'none',
    lmWeight: num(values['lm-weight']),
    charBonus: num(values['char-bonus']),
    lmDomainWeight: num(values['domain-weight']),
  };
}

/** One line naming the decoder settings, for the summary. */
export function describeDecoder(values: DecoderFlagValues): string {
  const lm = values.lm === 'none' ? 'none' : `${values['lm-weight'] ?? 'manifest'}/${values['char-bonus'] ?? 'manifest'}/${values['domain-weight'] ?? 'manifest'}`;
  return `beam ${values.beam}, lm ${lm}, boost ${values['hotword-boost']}`;
}

/** Word-level edit distance (Levenshtein over tokens). */
export function wordEdits(a: readonly string[], b: readonly string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Corpus CER and WER of [hypothesis, reference] pairs already normalised. */
export function scoreTexts(pairs: ReadonlyArray<readonly [string, string]>): { cer: number; wer: number } {
  let ce = 0;
  let cn = 0;
  let we = 0;
  let wn = 0;
  for (const [h, r] of pairs) {
    ce += distance(h, r);
    cn += r.length;
    const hw = h.split(' ').filter(Boolean);
    const rw = r.split(' ').filter(Boolean);
    we += wordEdits(hw, rw);
    wn += rw.length;
  }
  return { cer: cn ? ce / cn : 0, wer: wn ? we / wn : 0 };
}

/**
 * The FAQ vocabulary the live bot would bias towards: words of the questions, answers and caller
 * utterances of the sample catalogue (fixtures first, the shared dataset as a fallback for tools).
 */
export function faqVocabulary(): string[] {
  const texts: string[] = [];
  for (const path of ['fixtures/faq/catalogue.json', '../shared/datasets/faq-isp/catalogue.json']) {
    if (!existsSync(path)) continue;
    const cat = JSON.parse(readFileSync(path, 'utf8')) as { faqs?: Array<{ question?: string; answer?: string }> };
    for (const f of cat.faqs ?? []) texts.push(f.question ?? '', f.answer ?? '');
    break;
  }
  for (const path of ['fixtures/faq/train.jsonl', '../shared/datasets/faq-isp/train.jsonl']) {
    if (!existsSync(path)) continue;
    for (const l of readFileSync(path, 'utf8').split('\n')) if (l.trim()) texts.push((JSON.parse(l) as { text: string }).text);
    break;
  }
  return [...new Set(texts.flatMap((t) => normalizeForAsr(t).split(' ')).filter((w) => w.length > 1))];
}
