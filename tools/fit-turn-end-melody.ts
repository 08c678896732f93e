/**
 * Fits `audio.turnEndFallSemitones`: how far a caller's voice falls at a sentence's end, against
 * how it ends at a word boundary inside the sentence (src/dialog/prosody.ts), on data disjoint
 * from `npm run eval:turn-end`'s set. The evaluation speaks the first 40 held-out questions of
 * fixtures/faq/test.jsonl (four words and more); this reads the next ones (`--skip 40 --count 30`)
 * with the same eSpeak NG voices:
 * - end: the last 2 s of each whole sentence;
 * - inside: each word boundary of the sentence spoken whole (the quietest 30 ms near where the
 *   first words end, as eval:turn-end places its pauses);
 * - alone: the first words synthesised as a sentence of their own (how the first version of the
 *   evaluation set built its pauses: they end like sentences).
 * Prints each kind's quantiles (semitones of the last voiced 100 ms against the median before it)
 * and, per candidate threshold, the share of each kind the bot would wait on (voice not fallen).
 *
 *   npx tsx tools/fit-turn-end-melody.ts [--skip 40 --count 30 --voices fa,fa+m3,fa+f3]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { pauseMelody } from '../src/dialog/prosody.js';
import { createLocalTts } from '../src/engines/factory.js';
import { speechFor } from '../src/sim/cli.js';
import { quietestIn } from './lib/turn-end-run.js';

const { values } = parseArgs({
  options: {
    skip: { type: 'string', default: '40' },
    count: { type: 'string', default: '30' },
    voices: { type: 'string', default: 'fa,fa+m3,fa+f3' },
  },
});
const PUNCT = /[،,.!؟?؛;]/g;
const lines = readFileSync('fixtures/faq/test.jsonl', 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { text: string }).text)
  .filter((t) => t.replace(PUNCT, ' ').trim().split(/\s+/).length >= 4)
  .slice(Number(values.skip), Number(values.skip) + Number(values.count))
  .map((t) => t.replace(PUNCT, ' ').replace(/\s+/g, ' ').trim());

const tail = (pcm: Int16Array, end = pcm.length) => pauseMelody(pcm.slice(Math.max(0, end - 16000), end), 8000)?.finalSemitones ?? null;

const kinds: Record<'end' | 'inside' | 'alone', (number | null)[]> = { end: [], inside: [], alone: [] };
for (const voice of values.voices!.split(',').filter(Boolean)) {
  const tts = await createLocalTts(loadConfig({}, { tts: { voice } }));
  for (const text of lines) {
    const words = text.split(' ');
    const whole = await speechFor(tts, text);
    kinds.end.push(tail(whole));
    for (let cut = 1; cut < words.length; cut++) {
      const first = await speechFor(tts, words.slice(0, cut).join(' '));
      const at = quietestIn(whole, Math.round(first.length * 0.7), Math.min(whole.length - 240, first.length + 400));
      kinds.inside.push(tail(whole, at));
      kinds.alone.push(tail(first));
    }
  }
  await tts.close();
}

const report = {
  lines: lines.length,
  voices: values.voices,
  quantiles: Object.fromEntries(
    Object.entries(kinds).map(([kind, xs]) => {
      const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
      const q = (p: number) => Number(v[Math.round(p * (v.length - 1))].toFixed(2));
      return [kind, { n: xs.length, unread: xs.length - v.length, min: q(0), p10: q(0.1), p50: q(0.5), p90: q(0.9), max: q(1) }];
    }),
  ),
  /** Share of each kind whose voice did not fall by the threshold: the bot waits turnEndLikelyMs there. */
  waitsAt: Object.fromEntries(
    [1, 1.5, 2, 2.5, 3].map((t) => [t, Object.fromEntries(Object.entries(kinds).map(([kind, xs]) => [kind, Number((xs.filter((x) => x !== null && x > -t).length / xs.length).toFixed(3))]))]),
  ),
};
console.log(JSON.stringify(report, null, 1));
