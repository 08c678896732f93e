import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../src/audio/wav.js';
import { createOnnxAsr } from '../src/engines/asr/index.js';
import type { AsrEngine } from '../src/engines/asr/types.js';

// Held-out synthetic telephone utterances (unseen sentence, unseen voice) on which the default
// acoustic model, undecided, spells one word of the reference slightly wrong. The language model is
// off here so that what is pinned is the hotwords' own effect (it fixes some of these by itself).
const lines = readFileSync('fixtures/asr/heldout_synthetic.jsonl', 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { audio: string; text: string });

async function recognise(engine: AsrEngine, index: number, hotwords?: string[]): Promise<string> {
  const { pcm } = await readWav(join('fixtures/asr', lines[index].audio));
  const stream = engine.createStream({ hotwords });
  stream.push(pcm);
  return (await stream.finalize()).text;
}

describe('hotwords with the default model', () => {
  let engine: AsrEngine;
  beforeAll(async () => {
    engine = await createOnnxAsr({ modelDir: 'models/asr-fa', useLm: false });
  });
  afterAll(() => engine.close());

  it.each([
    [10, 'تومان'],
    [13, 'سلمانی'],
  ])('fixture %i: the hotword «%s» turns the near miss into the word that was said', async (index, word) => {
    expect(lines[index].text.split(' ')).toContain(word);
    const plain = await recognise(engine, index);
    expect(plain.split(' ')).not.toContain(word);
    const biased = await recognise(engine, index, [word]);
    expect(biased.split(' ')).toContain(word);
  });

  it('hotwords that were not said do not appear', async () => {
    const plain = await recognise(engine, 10);
    const biased = await recognise(engine, 10, ['پشتیبانی', 'اپراتور', 'مودم']);
    for (const w of ['پشتیبانی', 'اپراتور', 'مودم']) expect(biased.split(' ')).not.toContain(w);
    expect(biased.length).toBeGreaterThan(plain.length / 2);
  });
});
