import { describe, expect, it } from 'vitest';
import { wordFeatures } from '../src/engines/nlu/features.js';
import { conceptOf } from '../src/engines/nlu/lexicon.js';
import { TfidfMatcher } from '../src/engines/nlu/matcher.js';
import { tokenizePersian } from '../src/text/normalize.js';

// The one word each, as the normaliser spells it (colloquial forms become formal ones first).
const concept = (word: string) => {
  const [token] = tokenizePersian(word);
  return conceptOf(token);
};

describe('the lexicon of words callers use for the same thing', () => {
  it('puts formal, colloquial and borrowed words for one thing in one concept', () => {
    expect(concept('کنسل')).toBe(concept('لغو'));
    expect(concept('فسخ')).toBe(concept('لغو'));
    expect(concept('پسوورد')).toBe(concept('گذرواژه'));
    expect(concept('آدرس')).toBe(concept('نشانی'));
    expect(concept('خونه')).toBe(concept('منزل'));
    expect(concept('اپراتور')).toBe(concept('کارشناس'));
    expect(concept('لغو')).toBeDefined();
    // Different things stay apart.
    expect(concept('لغو')).not.toBe(concept('قیمت'));
    // A word the lexicon does not hold has no concept.
    expect(concept('دندانپزشکی')).toBeUndefined();
  });

  it('finds the concept of a word with a possessive ending or ZWNJ spelt either way', () => {
    expect(conceptOf('قیمتش', ['قیمت'])).toBe(concept('هزینه'));
    expect(concept('اسباب‌کشی')).toBe(concept('اسباب کشی'.replace(' ', '')));
    expect(wordFeatures(tokenizePersian('کنسل کنید'))).toContain(`~${concept('لغو')}`);
  });

  it('lets a FAQ written with one word answer a caller who uses another', () => {
    // Questions only, no phrasings: without the lexicon the first three share no word with their FAQ.
    const faqs: [string, string][] = [
      ['cancel', 'چطور سرویس را لغو کنم؟'],
      ['password', 'رمز ورود را فراموش کرده‌ام'],
      ['price', 'تعرفه‌ی خدمات چقدر است؟'],
      ['address', 'نشانی دفتر مرکزی کجاست؟'],
      ['agent', 'می‌خواهم با اپراتور صحبت کنم'],
      ['delivery', 'سفارشم کی ارسال می‌شود؟'],
    ];
    const matcher = TfidfMatcher.train(faqs.map(([intent, text]) => ({ intent, text })));
    for (const [text, intent] of [
      ['اشتراکمو کنسل کنید', 'cancel'],
      ['پسووردمو یادم رفته', 'password'],
      ['قیمتش چنده', 'price'],
      ['هزینه‌اش چقدر میشه', 'price'],
      ['آدرستون کجاست', 'address'],
    ]) {
      const [best, next] = matcher.score(text);
      expect(best.intent, text).toBe(intent);
      expect(best.rank, text).toBeGreaterThan(next.rank);
    }
  });

  it('does not let a word the knowledge base uses pull in the FAQs of its synonyms', () => {
    // «قبض» and «صورتحساب» are one concept. A caller's «فاکتور» (no FAQ uses it) meets both FAQs
    // through it; «قبض», which one FAQ uses, matches that FAQ as itself and leaves the other alone,
    // as other businesses' «قبض گازمو…» must not be tied to every billing FAQ of the upload.
    const matcher = TfidfMatcher.train([
      { intent: 'pay', text: 'قبض را پرداخت کنم' },
      { intent: 'invoice', text: 'صورتحساب رسمی شرکت' },
    ]);
    const wordOf = (text: string, intent: string) => matcher.score(text).find((s) => s.intent === intent)!.word;
    expect(wordOf('فاکتور', 'pay')).toBeGreaterThan(0);
    expect(wordOf('فاکتور', 'invoice')).toBeGreaterThan(0);
    expect(wordOf('قبض', 'pay')).toBeGreaterThan(0);
    expect(wordOf('قبض', 'invoice')).toBe(0);
  });

  it('keeps the concept of a known word where it leads to no other FAQ', () => {
    // «نوبت» is the booking FAQ's own word; its concept also covers «وقت», which only that FAQ
    // uses, so the concept still gathers the FAQ's phrasings and no other FAQ's.
    const matcher = TfidfMatcher.train([
      { intent: 'booking', text: 'نوبت دندانپزشکی' },
      { intent: 'booking', text: 'وقت ویزیت می‌خواهم' },
      { intent: 'price', text: 'هزینه‌ی ایمپلنت' },
    ]);
    const best = matcher.score('نوبت ویزیت')[0];
    const without = TfidfMatcher.train([
      { intent: 'booking', text: 'نوبت دندانپزشکی' },
      { intent: 'booking', text: 'وقت ویزیت می‌خواهم' },
      { intent: 'price', text: 'هزینه‌ی ایمپلنت' },
      // A second FAQ with a word of the same concept: now «نوبت» matches as itself only.
      { intent: 'hours', text: 'زمان کار مطب' },
    ]).score('نوبت ویزیت')[0];
    expect(best.intent).toBe('booking');
    expect(without.intent).toBe('booking');
    expect(best.word).toBeGreaterThan(without.word);
  });
});
