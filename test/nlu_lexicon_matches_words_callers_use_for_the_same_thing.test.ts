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
});
