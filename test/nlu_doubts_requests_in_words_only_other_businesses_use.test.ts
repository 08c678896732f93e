import { describe, expect, it } from 'vitest';
import { confidenceOf, evidenceOf, FALLBACK_MODEL, type NluModel } from '../src/engines/nlu/calibration.js';
import { BACKGROUND, TfidfMatcher } from '../src/engines/nlu/matcher.js';

// A bill FAQ and a background of other utilities' requests: «آب» and «گاز» are words only the
// background uses, «قبض» and «پرداخت» are the FAQ's.
const matcher = TfidfMatcher.train([
  { intent: 'pay_bill', text: 'قبض اینترنت را چطور پرداخت کنم' },
  { intent: 'pay_bill', text: 'می‌خواهم قبضم را آنلاین بدهم' },
  { intent: 'outage', text: 'اینترنتم قطع شده' },
  { intent: BACKGROUND, text: 'قبض آب را کجا پرداخت کنم' },
  { intent: BACKGROUND, text: 'آب ساختمان قطع شده' },
  { intent: BACKGROUND, text: 'کنتور آب خراب است' },
  { intent: BACKGROUND, text: 'قبض گاز آمده' },
  { intent: BACKGROUND, text: 'گاز خانه بو می‌دهد' },
  { intent: BACKGROUND, text: 'فردا هوا چطور است' },
  { intent: BACKGROUND, text: 'موبایلم خاموش شده' },
  { intent: BACKGROUND, text: 'موبایلم شارژ ندارد' },
  { intent: BACKGROUND, text: 'قبضم را گم کردم' },
  { intent: BACKGROUND, text: 'قبضم کجاست' },
  { intent: BACKGROUND, text: 'درباره‌ی فیلم امروز بگو' },
  { intent: BACKGROUND, text: 'درباره‌ی قیمت طلا بگو' },
  { intent: BACKGROUND, text: 'امروز جلسه دارم' },
]);

describe('NLU and words that only other businesses use', () => {
  it('marks a request that names another utility, however many FAQ words come with it', () => {
    const water = matcher.analyse('قبض آب را چطور پرداخت کنم');
    expect(water.foreign).toBeGreaterThan(0.5);
    expect(matcher.analyse('قبض اینترنت را چطور پرداخت کنم').foreign).toBe(0);
  });

  it('is surer of a word the background uses often than of one it used once', () => {
    expect(matcher.analyse('آب').foreign).toBeGreaterThan(matcher.analyse('گاز').foreign);
    expect(matcher.analyse('هوا').foreign).toBe(0);
  });

  it('knows a foreign word with or without its ending, but never a word whose stem the FAQ uses', () => {
    expect(matcher.analyse('موبایل نو می‌خواهم').foreign).toBeGreaterThan(0.3);
    expect(matcher.analyse('قبضم را چطور پرداخت کنم').foreign).toBe(0);
  });

  it('never takes a function word for another business, however often the background says it', () => {
    // «درباره» and «امروز» are in the background three times and never in the FAQ.
    expect(matcher.analyse('درباره‌ی قطعی امروز اینترنتم').foreign).toBe(0);
    expect(matcher.analyse('درباره‌ی قبض آب').foreign).toBeGreaterThan(0.5);
  });

  it('lowers the confidence by the weights the tuning gave foreign words and the background class', () => {
    const model: NluModel = { ...FALLBACK_MODEL, calibration: { ...FALLBACK_MODEL.calibration, foreign: -2, backgroundSoftmax: -2 } };
    const evidence = { score: 0.5, bestOther: 0.1, coverage: 0.8, word: 0.5, unknown: 0, bayes: 0.9, background: 0, softmax: 0.8, foreign: 0, backgroundSoftmax: 0 };
    expect(confidenceOf(model, { ...evidence, foreign: 0.75 })).toBeLessThan(confidenceOf(model, { ...evidence, foreign: 0 }));
    expect(confidenceOf(model, { ...evidence, backgroundSoftmax: 0.6 })).toBeLessThan(confidenceOf(model, { ...evidence, backgroundSoftmax: 0 }));
  });

  it('gives the background class its own probability, high for another utility and low for the FAQ', () => {
    expect(matcher.analyse('قبض آب را چطور پرداخت کنم').background!.softmax).toBeGreaterThan(matcher.analyse('قبض اینترنت را چطور پرداخت کنم').background!.softmax);
  });

  it('weighs the runner-up against the best and a missing candidate as no evidence', () => {
    const analysis = matcher.analyse('قبض آب را چطور پرداخت کنم');
    const [best, runnerUp] = [evidenceOf(analysis, 0), evidenceOf(analysis, 1)];
    expect(best.bestOther).toBe(analysis.ranked[1].score);
    expect(runnerUp.bestOther).toBe(analysis.ranked[0].score);
    expect(best.foreign).toBe(runnerUp.foreign);
    expect(evidenceOf(analysis, analysis.ranked.length).score).toBe(0);
  });
});
