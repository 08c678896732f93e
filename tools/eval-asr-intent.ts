/**
 * From audio to intent: the FAQ test utterances, spoken by a synthetic caller in the voice variant
 * the model never heard (eSpeak NG fa+f4, telephone band, noise, μ-law), go through the ASR engine
 * (biased towards the live FAQ vocabulary, as in a call) and then the NLU; intent accuracy from
 * audio is reported beside intent accuracy from the typed text of the same lines. Ends with one
 * JSON line.
 *
 *   npm run eval:asr-intent -- [--test fixtures/faq/test.jsonl] [--model models/asr-fa] [--variant f4]
 *                              [--alternatives no] [--verbose] [decoder flags as for eval:asr: --beam, --lm none, …]
 *
 * The audio is synthesised once into models/asr-fa/work/intent-audio-<test name>-<variant>/ (gitignored) by
 * models/asr-fa/recipe/synth_manifest.py.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { normalizeForAsr } from '../src/engines/asr/text.js';
import { understandReadings } from '../src/engines/nlu/readings.js';
import { DECODER_FLAGS, decoderOptions, describeDecoder, scoreTexts } from './lib/asr-eval.js';
import { knowledgeBase, listener, speak } from './lib/hear.js';

const { values } = parseArgs({
  options: {
    test: { type: 'string', default: 'fixtures/faq/test.jsonl' },
    faq: { type: 'string', default: 'fixtures/faq/catalogue.json' },
    train: { type: 'string' },
    model: { type: 'string', default: 'models/asr-fa' },
    variant: { type: 'string', default: 'f4' },
    ...DECODER_FLAGS,
    /** 'no': the NLU sees only the best reading, not the recogniser's alternatives. */
    alternatives: { type: 'string', default: 'yes' },
    /** Prints each line whose intent from audio differs from the expected one. */
    verbose: { type: 'boolean', default: false },
  },
});

const { dir: audioDir, lines } = speak(values.test!, values.variant!);
// The knowledge base the bot would run with: the catalogue with its example utterances, plus any
// --train lines.
const { nlu } = knowledgeBase(values.faq!, values.train);
const hotwords = [...nlu.vocabulary()];
const { asr, hear } = await listener(values.model!, decoderOptions(values), hotwords);
let textRight = 0;
let audioRight = 0;
let inScope = 0;
let textInRight = 0;
let audioInRight = 0;
const pairs: Array<[string, string]> = [];
for (const line of lines) {
  const final = await hear(resolve(audioDir, line.audio));
  const heard = final.text;
  pairs.push([normalizeForAsr(heard), normalizeForAsr(line.text)]);
  const fromText = nlu.parse(line.text).intent;
  const fromAudio = understandReadings((t) => nlu.parse(t, { spoken: true }), heard, values.alternatives === 'no' ? [] : final.alternatives).result.intent;
  const expected = line.intent ?? null;
  if (values.verbose && fromAudio !== expected) console.log(`${expected ?? 'OOS'} → ${fromAudio ?? 'REJ'} (text: ${fromText ?? 'REJ'})\n  SAID  ${line.text}\n  HEARD ${heard}`);
  if (fromText === expected) textRight++;
  if (fromAudio === expected) audioRight++;
  if (expected !== null) {
    inScope++;
    if (fromText === expected) textInRight++;
    if (fromAudio === expected) audioInRight++;
  }
}
await asr.close();
const { cer, wer } = scoreTexts(pairs);
const r = (x: number) => Math.round(x * 10000) / 10000;
const summary = {
  test: values.test,
  voice: `espeak-ng fa+${values.variant} (held out of training), telephone band`,
  utterances: lines.length,
  inScope,
  accuracyFromText: r(textRight / lines.length),
  accuracyFromAudio: r(audioRight / lines.length),
  inScopeAccuracyFromText: r(textInRight / Math.max(inScope, 1)),
  inScopeAccuracyFromAudio: r(audioInRight / Math.max(inScope, 1)),
  asrCer: r(cer),
  asrWer: r(wer),
  nlu: nlu.name,
  asr: asr.name,
  decoder: describeDecoder(values),
};
console.log(`intent accuracy: from text ${(summary.accuracyFromText * 100).toFixed(1)}%, from audio ${(summary.accuracyFromAudio * 100).toFixed(1)}% (${lines.length} lines, ${inScope} in scope; ASR CER ${(cer * 100).toFixed(1)}% WER ${(wer * 100).toFixed(1)}%)`);
console.log(JSON.stringify(summary));
