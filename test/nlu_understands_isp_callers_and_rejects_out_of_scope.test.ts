import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNluEngine, trainingExamples } from '../src/engines/nlu/engine.js';
import { TfidfMatcher } from '../src/engines/nlu/matcher.js';
import { loadNluModel } from '../src/engines/nlu/calibration.js';
import type { Faq } from '../src/knowledge/types.js';

const faqs = JSON.parse(readFileSync(new URL('../fixtures/faq/catalogue.json', import.meta.url), 'utf8')).faqs as Faq[];
const nlu = createNluEngine({ version: 7, faqs });

describe('NLU on the sample ISP FAQ', () => {
  it('answers «اینترنتم قطع شده چیکار کنم» with internet_outage', () => {
    const r = nlu.parse('اینترنتم قطع شده چیکار کنم');
    expect(r.intent).toBe('internet_outage');
    expect(r.action).toBe('answer');
    expect(r.answer).toBe(faqs.find((f) => f.id === 'internet_outage')!.answer);
    expect(r.kbVersion).toBe(7);
    expect(r.confidence).toBeGreaterThanOrEqual(nlu.threshold);
  });

  it('understands the same request in Arabic letters, with ZWNJ variants and a recogniser slip', () => {
    for (const text of ['اينترنتم قطع شده چيكار كنم', 'انترنتم قطعه، چی کار کنم؟', 'اینترنت‌مون قطع شده چه کار باید کرد']) {
      expect(nlu.parse(text).intent, text).toBe('internet_outage');
    }
  });

  it('joins a long word the recogniser wrote in two pieces, but never two words it knows', () => {
    const matcher = TfidfMatcher.train(trainingExamples(faqs));
    expect(matcher.knows('اپلیکیشن')).toBe(true);
    expect(matcher.knows('اپلی') || matcher.knows('کیشن')).toBe(false);
    expect(matcher.correctedTokens('نصب اپلی کیشن').corrected).toEqual(['نصب', 'اپلیکیشن']);
    expect(matcher.correctedTokens('سرویس فیبر').corrected).toEqual(['سرویس', 'فیبر']);
  });

  it('tells neighbouring FAQs apart', () => {
    expect(nlu.parse('قبضمو چطوری پرداخت کنم').intent).toBe('pay_bill');
    expect(nlu.parse('مبلغ قبض من چقدره').intent).toBe('bill_amount');
    expect(nlu.parse('سرعت اینترنتم خیلی پایینه').intent).toBe('internet_slow');
    expect(nlu.parse('رمز وای فای رو چطور عوض کنم').intent).toBe('wifi_password');
  });

  it('rejects out-of-scope requests but still offers ranked alternatives', () => {
    for (const text of ['بهترین رستوران ایتالیایی شهر کجاست', 'یه شعر از حافظ بخون', 'حساب اینستاگرامم هک شده']) {
      const r = nlu.parse(text);
      expect(r.intent, text).toBeNull();
      expect(r.answer).toBeNull();
      expect(r.confidence).toBeLessThan(nlu.threshold);
      expect(r.alternatives.length).toBeGreaterThan(0);
    }
  });

  it('returns calibrated confidences in [0, 1], best first, with the FAQ question for clarifying', () => {
    const r = nlu.parse('می‌خوام بسته اینترنت بخرم');
    expect(r.alternatives).toHaveLength(3);
    const confs = r.alternatives.map((a) => a.confidence);
    expect([...confs].sort((a, b) => b - a)).toEqual(confs);
    for (const c of confs) expect(c).toBeGreaterThanOrEqual(0), expect(c).toBeLessThanOrEqual(1);
    expect(r.alternatives[0].question).toBe(faqs.find((f) => f.id === r.alternatives[0].intent)!.question);
  });

  it('asks rather than guesses when two FAQs are both likely and close (ambiguity margin)', () => {
    // «قبضم»: paying the bill and the amount of the bill are both likely. The tuned margin moves
    // with every retune, so the behaviour is pinned with a margin set here.
    const model = loadNluModel();
    const asking = createNluEngine({ version: 1, faqs }, { model: { ...model, ambiguityMargin: 0.4 } });
    const r = asking.parse('قبضم');
    expect(r.intent).toBeNull();
    expect(r.alternatives.slice(0, 2).map((a) => a.intent).sort()).toEqual(['bill_amount', 'pay_bill']);
    expect(r.alternatives.slice(0, 2).every((a) => a.confidence >= asking.threshold)).toBe(true);
    const never = createNluEngine({ version: 1, faqs }, { model: { ...model, ambiguityMargin: 0 } });
    expect(never.parse('قبضم').intent).not.toBeNull();
    const always = createNluEngine({ version: 1, faqs }, { model: { ...model, ambiguityMargin: 1 }, threshold: 0 });
    expect(always.parse('اینترنتم قطع شده چیکار کنم').intent).toBeNull();
  });

  it('uses the threshold tuned by the eval script unless one is given', () => {
    expect(nlu.threshold).toBe(loadNluModel().threshold);
    const text = 'اینترنتم قطع شده چیکار کنم';
    const confidence = nlu.parse(text).confidence;
    const strict = createNluEngine({ version: 1, faqs }, { threshold: (confidence + 1) / 2 });
    expect(strict.threshold).toBe((confidence + 1) / 2);
    expect(strict.parse(text).intent).toBeNull();
  });

  it('holds what the recogniser heard in a call to its own threshold, typed text to the other', () => {
    // The recogniser turns other businesses' words into FAQ-like ones, so its text needs a higher
    // bar; the tuned values move with every retune, so the behaviour is pinned with values set here.
    const text = 'اینترنتم قطع شده چیکار کنم';
    const confidence = nlu.parse(text).confidence;
    // (The fit to the knowledge base is left out here, so that these thresholds are the ones used.)
    const model = { ...loadNluModel(), fit: undefined, threshold: confidence / 2, spokenThreshold: (confidence + 1) / 2 };
    const engine = createNluEngine({ version: 1, faqs }, { model });
    expect(engine.parse(text).intent).toBe('internet_outage');
    expect(engine.parse(text, { spoken: true }).intent).toBeNull();
    expect(engine.parse(text, { spoken: true }).alternatives[0].intent).toBe('internet_outage');
    // A threshold ops set in the config holds for both.
    const set = createNluEngine({ version: 1, faqs }, { model, threshold: confidence / 2 });
    expect(set.parse(text, { spoken: true }).intent).toBe('internet_outage');
    expect(loadNluModel().spokenThreshold).toBeGreaterThan(loadNluModel().threshold);
  });

  it('ignores disabled FAQs and copes with an empty knowledge base', () => {
    const without = createNluEngine({ version: 2, faqs: faqs.map((f) => (f.id === 'internet_outage' ? { ...f, enabled: false } : f)) });
    expect(without.parse('اینترنتم قطع شده چیکار کنم').intent).not.toBe('internet_outage');
    const empty = createNluEngine({ version: 0, faqs: [] });
    expect(empty.parse('اینترنتم قطع شده').intent).toBeNull();
    expect(nlu.parse('').intent).toBeNull();
  });

  it('exposes the knowledge base and grammar words for recogniser biasing', () => {
    const vocab = nlu.vocabulary();
    expect(vocab).toContain('اینترنت');
    expect(vocab).toContain('اپراتور');
    expect(vocab).toContain('خرداد');
  });
});
