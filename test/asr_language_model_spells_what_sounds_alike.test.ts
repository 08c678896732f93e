import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../src/audio/wav.js';
import { CharNgramLm, MixedLm } from '../src/engines/asr/charlm.js';
import { beamDecode } from '../src/engines/asr/ctc.js';
import { AsrModelError, createOnnxAsr } from '../src/engines/asr/index.js';
import type { AsrEngine } from '../src/engines/asr/types.js';
import { scoreTexts } from '../tools/lib/asr-eval.js';
import { frames, sure, tokens, vocab } from './helpers/ctc-frames.js';

// Every symbol the decoder may ask the LM about: the vocabulary less the blank.
const letters = tokens.slice(1);
const persian = new CharNgramLm(6, letters)
  .add('اینترنت من قطع شده')
  .add('سرعت اینترنت خیلی کم است')
  .add('قبض اینترنت را پرداخت کنم')
  .add('تومان', 3);

describe('the character language model', () => {
  it('gives every context a distribution over the letters that sums to one, less one slot for strangers', () => {
    for (const ctx of ['', 'اینتر', 'قبض ', 'xyz']) {
      let total = 0;
      for (const ch of letters) total += Math.exp(persian.logProb(ctx, ch));
      const stranger = Math.exp(persian.logProb(ctx, 'x'));
      expect(total + stranger).toBeCloseTo(1, 9);
      expect(stranger).toBeLessThan(0.05);
    }
  });

  it('finds the Persian spelling far likelier than a sound-alike one', () => {
    const score = (s: string) => [...s].reduce((acc, ch, i) => acc + persian.logProb(s.slice(0, i), ch), 0);
    expect(score('اینترنت')).toBeGreaterThan(score('اینطرنط') + 5);
    expect(score('سرعت')).toBeGreaterThan(score('صرعت') + 3);
  });

  it('learns a lower weight for a corpus line by its count', () => {
    const once = new CharNgramLm(4).add('قبض').add('غبز');
    const often = new CharNgramLm(4).add('قبض', 5).add('غبز');
    expect(often.logProb('', 'ق')).toBeGreaterThan(once.logProb('', 'ق'));
  });

  it('mixes in a stream’s own words without forgetting the general model', () => {
    const general = new CharNgramLm(6).add('سلام وقت بخیر');
    const own = new CharNgramLm(6).add('مودم');
    const mixed = new MixedLm(general, own, 0.3);
    expect(mixed.logProb('مود', 'م')).toBeGreaterThan(general.logProb('مود', 'م'));
    expect(mixed.logProb('سلا', 'م')).toBeGreaterThan(own.logProb('سلا', 'م'));
  });

  it('refuses an order it cannot count', () => {
    expect(() => new CharNgramLm(0)).toThrow(RangeError);
  });
});

describe('beam search with the language model fused in', () => {
  // «قطع» where the model cannot tell ق from غ nor ط from ت: the letters sound the same.
  const undecided = frames([{ ق: 0.45, غ: 0.5 }, { ط: 0.45, ت: 0.5 }, ...sure('ع')]);

  it('without it, follows the sounds letter by letter', () => {
    expect(beamDecode(undecided, vocab, { beamWidth: 8, hotwordBoost: 0 }).text).toBe('غتع');
  });

  it('with it, writes the word as Persian spells it', () => {
    expect(beamDecode(undecided, vocab, { beamWidth: 8, hotwordBoost: 0, lm: persian, lmWeight: 0.7 }).text).toBe('قطع');
  });

  it('does not override letters the model clearly heard', () => {
    const clear = frames(sure('غتع'));
    expect(beamDecode(clear, vocab, { beamWidth: 8, hotwordBoost: 0, lm: persian, lmWeight: 0.7 }).text).toBe('غتع');
  });
});

describe('the default model with its language model', () => {
  const lines = readFileSync('fixtures/asr/heldout_synthetic.jsonl', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { audio: string; text: string });
  let withLm: AsrEngine;
  let withoutLm: AsrEngine;
  beforeAll(async () => {
    [withLm, withoutLm] = await Promise.all([
      createOnnxAsr({ modelDir: 'models/asr-fa' }),
      createOnnxAsr({ modelDir: 'models/asr-fa', useLm: false }),
    ]);
  });
  afterAll(async () => {
    await withLm.close();
    await withoutLm.close();
  });

  async function errors(engine: AsrEngine) {
    const pairs: Array<[string, string]> = [];
    for (const line of lines) {
      const { pcm } = await readWav(join('fixtures/asr', line.audio));
      const stream = engine.createStream();
      stream.push(pcm);
      pairs.push([(await stream.finalize()).text, line.text]);
    }
    return scoreTexts(pairs);
  }

  it('makes fewer character and word errors on held-out telephone speech (unseen sentences, unseen voice)', async () => {
    const plain = await errors(withoutLm);
    const fused = await errors(withLm);
    expect(fused.cer).toBeLessThan(plain.cer * 0.9);
    expect(fused.wer).toBeLessThan(plain.wer * 0.85);
  });

  it('names a missing corpus when the model folder is loaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pasokh-lm-'));
    copyFileSync('models/asr-fa/model.onnx', join(dir, 'model.onnx'));
    const manifest = JSON.parse(readFileSync('models/asr-fa/manifest.json', 'utf8'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, lm: { ...manifest.lm, corpus: 'missing.txt' } }));
    await expect(createOnnxAsr({ modelDir: dir })).rejects.toThrow(AsrModelError);
    await expect(createOnnxAsr({ modelDir: dir })).rejects.toThrow(/missing\.txt/);
  });

  it('refuses a corpus in the wrong format rather than decoding with an empty model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pasokh-lm-'));
    copyFileSync('models/asr-fa/model.onnx', join(dir, 'model.onnx'));
    const manifest = JSON.parse(readFileSync('models/asr-fa/manifest.json', 'utf8'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, lm: { ...manifest.lm, corpus: 'plain.txt' } }));
    writeFileSync(join(dir, 'plain.txt'), 'سلام وقت بخیر\nاینترنت من قطع است\n');
    await expect(createOnnxAsr({ modelDir: dir })).rejects.toThrow(/plain\.txt has no "count<TAB>sentence" lines/);
  });
});
