/**
 * Writes what the bot hears of text lines: each line of --in spoken by eSpeak NG (--variant, by
 * default m3: a voice the recogniser trained on, never the held-out f4 of the evaluations) through
 * the telephone channel and recognised as in a call, to --out as {"text": heard, "intent", "said"}.
 *
 *   npx tsx tools/hear-lines.ts --in models/nlu-fa/near-miss-background.jsonl --out models/nlu-fa/heard/near-miss-background.jsonl
 *
 * The recogniser, biased towards the FAQ's words, turns words from other businesses into FAQ-like
 * ones («قبض گاز» → «قبض جاز»); the NLU learns and is tuned on those too, so that what it rejects
 * in typed text it also rejects from a caller's voice.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DECODER_FLAGS, decoderOptions } from './lib/asr-eval.js';
import { knowledgeBase, listener, speak } from './lib/hear.js';

const { values } = parseArgs({
  options: {
    in: { type: 'string' },
    out: { type: 'string' },
    faq: { type: 'string', default: 'fixtures/faq/catalogue.json' },
    model: { type: 'string', default: 'models/asr-fa' },
    variant: { type: 'string', default: 'm3' },
    ...DECODER_FLAGS,
  },
});
if (!values.in || !values.out) {
  console.error('usage: hear-lines --in <jsonl> --out <jsonl> [--variant m3]');
  process.exit(2);
}
if (values.variant === 'f4') {
  console.error('f4 is the voice the evaluations hold out; pick another variant');
  process.exit(2);
}
const { dir, lines } = speak(values.in, values.variant!);
const { nlu } = knowledgeBase(values.faq!);
const { asr, hear } = await listener(values.model!, decoderOptions(values), [...nlu.vocabulary()]);
const out: string[] = [];
for (const line of lines) {
  const heard = (await hear(resolve(dir, line.audio))).text.trim();
  if (heard) out.push(JSON.stringify({ text: heard, intent: line.intent ?? null, said: line.text }));
}
await asr.close();
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, out.join('\n') + '\n');
console.error(`wrote ${out.length} recognised lines (of ${lines.length}) to ${values.out}`);
