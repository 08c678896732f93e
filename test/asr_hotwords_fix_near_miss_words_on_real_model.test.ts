import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../src/audio/wav.js';
import { createOnnxAsr } from '../src/engines/asr/index.js';
import type { AsrEngine } from '../src/engines/asr/types.js';

// Held-out synthetic telephone utterances (unseen sentences, unseen voice). The language model is
// off here so that what is pinned is the hotwords' own effect (it fixes many misses by itself).
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

  it('a hotword turns most words the model missed into the words that were said', async () => {
    // Whatever the model's accuracy, it misses some reference words of these 36 utterances; given
    // each missed word as a hotword, it must hear most of them.
    let missed = 0;
    let fixed = 0;
    for (let i = 0; i < lines.length; i++) {
      const plain = (await recognise(engine, i)).split(' ');
      for (const word of lines[i].text.split(' ').filter((w) => w.length >= 4 && !plain.includes(w))) {
        missed++;
        if ((await recognise(engine, i, [word])).split(' ').includes(word)) fixed++;
      }
    }
    expect(missed).toBeGreaterThanOrEqual(5);
    expect(fixed / missed).toBeGreaterThan(0.6);
  });

  it('hotwords that were not said do not appear', async () => {
    const plain = await recognise(engine, 10);
    const biased = await recognise(engine, 10, ['پشتیبانی', 'اپراتور', 'مودم']);
    for (const w of ['پشتیبانی', 'اپراتور', 'مودم']) expect(biased.split(' ')).not.toContain(w);
    expect(biased.length).toBeGreaterThan(plain.length / 2);
  });
});
