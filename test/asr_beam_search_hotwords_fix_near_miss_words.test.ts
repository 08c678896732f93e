import { describe, expect, it } from 'vitest';
import { beamDecode, greedyDecode, HotwordTrie, snapToLexicon } from '../src/engines/asr/ctc.js';
import { frames, sure, vocab } from './helpers/ctc-frames.js';

// «مودم» where the model hears the vowel as «ا» slightly more than «و»: greedy says «مادم».
const nearMiss = frames([...sure('سلام'), { ' ': 0.97 }, { م: 0.97 }, { ا: 0.5, و: 0.45 }, ...sure('دم')]);

describe('CTC decoding', () => {
  it('greedy decoding takes the best symbol per frame and collapses repeats', () => {
    expect(greedyDecode(nearMiss, vocab).text).toBe('سلام مادم');
    const repeated = frames([{ ل: 0.9 }, { ل: 0.9 }]);
    expect(greedyDecode(repeated, vocab).text).toBe('لل');
  });

  it('beam search without biasing agrees with greedy on a clear case', () => {
    expect(beamDecode(nearMiss, vocab, { beamWidth: 8, hotwordBoost: 0 }).text).toBe('سلام مادم');
  });

  it('a hotword turns the near miss into the FAQ word', () => {
    const hotwords = new HotwordTrie(['مودم', 'قبض']);
    expect(beamDecode(nearMiss, vocab, { beamWidth: 8, hotwordBoost: 1, hotwords }).text).toBe('سلام مودم');
  });

  it('a hotword does not override what was clearly said', () => {
    const clear = frames([...sure('سلام'), { ' ': 0.97 }, ...sure('مادر')]);
    const hotwords = new HotwordTrie(['مودم']);
    expect(beamDecode(clear, vocab, { beamWidth: 8, hotwordBoost: 1, hotwords }).text).toBe('سلام مادر');
  });

  it('a partial hotword match that fails earns nothing', () => {
    // «مو» then «ز»: the bonus for «مو» must be taken back, so «موز» is not preferred over «ماز».
    const lp = frames([{ م: 0.97 }, { ا: 0.55, و: 0.4 }, { ز: 0.97 }]);
    const hotwords = new HotwordTrie(['مودم']);
    expect(beamDecode(lp, vocab, { beamWidth: 8, hotwordBoost: 1, hotwords }).text).toBe('ماز');
  });

  it('multi-word hotword phrases are matched across the space', () => {
    const lp = frames([...sure('قطع'), { ' ': 0.97 }, ...sure('اینترن'), { ت: 0.45, د: 0.5 }]);
    expect(beamDecode(lp, vocab, { beamWidth: 8, hotwordBoost: 0 }).text).toBe('قطع اینترند');
    const hotwords = new HotwordTrie(['قطع اینترنت']);
    expect(beamDecode(lp, vocab, { beamWidth: 8, hotwordBoost: 1, hotwords }).text).toBe('قطع اینترنت');
  });

  it('a lexicon word bonus prefers a known word', () => {
    const lexicon = new Set(['مودم']);
    expect(beamDecode(nearMiss, vocab, { beamWidth: 8, hotwordBoost: 0, lexicon, lexiconBonus: 1 }).text).toBe('سلام مودم');
  });
});

describe('snapping to the lexicon', () => {
  const lexicon = new Set(['اینترنت', 'مودم', 'قبض', 'پشتیبانی']);
  it('replaces a word one edit away from a single lexicon word', () => {
    expect(snapToLexicon('اینترند من قطعه', lexicon)).toBe('اینترنت من قطعه');
    expect(snapToLexicon('پشتیبانیی', lexicon)).toBe('پشتیبانی');
  });
  it('leaves short words and far words alone', () => {
    expect(snapToLexicon('قبز', lexicon)).toBe('قبز');
    expect(snapToLexicon('ماشین', lexicon)).toBe('ماشین');
  });
  it('leaves a word alone when two lexicon words are equally close', () => {
    expect(snapToLexicon('کامر', new Set(['کامل', 'کامپ', 'کمر']))).toBe('کامر');
  });
});

describe('hotword boost by list size', () => {
  it('a short grammar gets the full boost, a whole FAQ vocabulary a much smaller one', async () => {
    const { effectiveBoost } = await import('../src/engines/asr/onnx.js');
    expect(effectiveBoost(2, 5)).toBe(2);
    expect(effectiveBoost(2, 20)).toBe(2);
    expect(effectiveBoost(2, 780)).toBeLessThan(0.5);
    expect(effectiveBoost(2, 780)).toBeGreaterThan(0);
  });
});
