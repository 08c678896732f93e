import { describe, expect, it } from 'vitest';
import { TfidfMatcher } from '../src/engines/nlu/matcher.js';

// Persian writes a compound with a zero-width non-joiner, a space or nothing between its parts;
// callers, ops teams and the recogniser each pick their own.
const matcher = TfidfMatcher.train([
  { intent: 'coverage_check', text: 'امکان سنجی فیبر نوری' },
  { intent: 'coverage_check', text: 'منطقه ما پوشش دارد' },
  { intent: 'account_change', text: 'شماره سیم کارت جدید را ثبت کنید' },
  { intent: 'account_change', text: 'می‌خواهم کدملی را اصلاح کنم' },
  { intent: 'internet_outage', text: 'اینترنتم قطع شده' },
]);

describe('NLU and compounds however they are spaced', () => {
  it('reads a compound the same with a non-joiner, a space or run together', () => {
    const spaced = matcher.correctedTokens('امکان سنجی').corrected;
    expect(matcher.correctedTokens('امکان‌سنجی').corrected).toEqual(spaced);
    expect(matcher.correctedTokens('امکانسنجی').corrected).toEqual(spaced);
    expect(matcher.score('امکان‌سنجی')[0].intent).toBe('coverage_check');
  });

  it('splits a run-together compound whose second word carries an ending', () => {
    expect(matcher.correctedTokens('سیم‌کارتم عوض شده').corrected.slice(0, 2)).toEqual(['سیم', 'کارت']);
  });

  it('joins the pieces of a word the knowledge base writes as one', () => {
    expect(matcher.correctedTokens('کد ملی را اصلاح کنید').corrected).toContain('کدملی');
  });

  it('leaves alone a word that is not two known words, and one the knowledge base knows', () => {
    expect(matcher.correctedTokens('لوکیشن').corrected).toEqual(['لوکیشن']);
    expect(matcher.correctedTokens('اینترنتم').raw).toEqual(['اینترنتم']);
  });
});
