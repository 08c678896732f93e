import { existsSync, readFileSync } from 'node:fs';
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

// The scoring lives with the engine, which promotes models by it; the tools import it from there.
export { scoreTexts, wordEdits } from '../../src/engines/asr/score.js';

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
