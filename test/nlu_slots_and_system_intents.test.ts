import { describe, expect, it } from 'vitest';
import { parseSlots } from '../src/engines/nlu/slots.js';
import { detectSystemIntent } from '../src/engines/nlu/system.js';
import { grammarNames, grammarVocabulary } from '../src/engines/nlu/grammars.js';
import { createNluEngine } from '../src/engines/nlu/engine.js';
import type { Faq } from '../src/knowledge/types.js';

describe('system intents', () => {
  it.each([
    ['اپراتور', 'operator'],
    ['می‌خوام با یه آدم صحبت کنم', 'operator'],
    ['دوباره بگو', 'repeat'],
    ['ببخشید متوجه نشدم', 'repeat'],
    ['بله', 'yes'],
    ['آره درسته', 'yes'],
    ['نه', 'no'],
    ['خیر ممنون', 'no'],
    ['نه ممنون، خداحافظ', 'goodbye'],
    ['لطفا بعدا با من تماس بگیرید', 'callback'],
  ])('«%s» → %s', (text, intent) => {
    expect(detectSystemIntent(text)).toBe(intent);
  });

  it('hears «اپراتور» even when the recogniser splits it in two', () => {
    expect(detectSystemIntent('می خواهم با پرا تور صحبت کنم')).toBe('operator');
    expect(detectSystemIntent('اینترنت من قطع است')).toBeNull();
  });

  it('does not take a question that starts with «نه» for a refusal', () => {
    expect(detectSystemIntent('نه، اینترنتم هنوز قطعه')).toBeNull();
    expect(detectSystemIntent('اینترنتم دوباره قطع شده از دیروز تا حالا')).toBeNull();
  });

  it('takes a bare «هیچی» for "nothing", never for a request, and «هیچی باز نمیشه» for one', () => {
    expect(detectSystemIntent('هیچی هیچی')).toBe('no');
    expect(detectSystemIntent('هیچی، ممنون')).toBe('no');
    expect(detectSystemIntent('هیچی باز نمیشه')).toBeNull();
  });

  it('counts everyday words as system requests only when said on their own', () => {
    expect(detectSystemIntent('دوباره')).toBe('repeat');
    expect(detectSystemIntent('دوباره قطع شد')).toBeNull();
    expect(detectSystemIntent('فعلا')).toBe('goodbye');
    expect(detectSystemIntent('فعلا اینترنتم قطعه')).toBeNull();
  });
});

describe('slots', () => {
  it('reads yes/no', () => {
    expect(parseSlots('آره همینه').yesNo).toBe('yes');
    expect(parseSlots('نخیر').yesNo).toBe('no');
  });

  it('joins digits read in groups (a phone number) and typed in any script', () => {
    expect(parseSlots('شماره‌م صفر نهصد و دوازده سیصد و چهل و پنج شصت و هفت هشتاد و نه').digits).toBe('09123456789');
    expect(parseSlots('کد ملی ۰۰۱۲۳۴۵۶۷۸').digits).toBe('0012345678');
    expect(parseSlots('صفر نه یک دو').digits).toBe('0912');
  });

  it('reads amounts as numbers', () => {
    expect(parseSlots('بیست و پنج هزار تومان').number).toBe(25000);
    expect(parseSlots('دو میلیون و پانصد هزار').number).toBe(2_500_000);
  });

  it('reads Jalali dates, spoken or written', () => {
    expect(parseSlots('پانزدهم خرداد ۱۴۰۳').date).toEqual({ year: 1403, month: 3, day: 15 });
    expect(parseSlots('بیست و یکم مهر').date).toEqual({ month: 7, day: 21 });
    expect(parseSlots('تاریخ ۱۴۰۲/۱۱/۰۵').date).toEqual({ year: 1402, month: 11, day: 5 });
    expect(parseSlots('سی و یکم اسفند').date).toBeUndefined();
    // 1 Farvardin 1404 was 21 March 2025.
    expect(parseSlots('فردا', { now: new Date('2025-03-20T12:00:00Z') }).date).toEqual({ year: 1404, month: 1, day: 1 });
  });

  it('reads times of day', () => {
    expect(parseSlots('ساعت ده و نیم صبح').time).toEqual({ hour: 10, minute: 30 });
    expect(parseSlots('ساعت سه بعد از ظهر').time).toEqual({ hour: 15, minute: 0 });
    expect(parseSlots('ساعت ۱۸:۴۵').time).toEqual({ hour: 18, minute: 45 });
    expect(parseSlots('ساعت یک ظهر').time).toEqual({ hour: 13, minute: 0 });
    expect(parseSlots('ساعت کاری شما چیست').time).toBeUndefined();
  });

  it('reads menu choices', () => {
    expect(parseSlots('گزینه دو').choice).toBe(2);
    expect(parseSlots('دومی').choice).toBe(2);
    expect(parseSlots('سومی رو می‌خوام').choice).toBe(3);
    expect(parseSlots('آخری', { choiceCount: 3 }).choice).toBe(3);
  });

  it('resolves a menu choice to the FAQ offered in that position', () => {
    const faqs: Faq[] = ['a', 'b', 'c'].map((id) => ({ id, question: `سوال ${id}`, answer: `پاسخ ${id}`, action: 'answer', queue: null, examples: [], tags: [], enabled: true }));
    const nlu = createNluEngine({ version: 1, faqs });
    const r = nlu.parse('دومی', { choices: ['c', 'a'] });
    expect(r).toMatchObject({ intent: 'a', answer: 'پاسخ a', confidence: 1 });
  });
});

describe('grammars', () => {
  it('ships the documented grammar files and exports their words', () => {
    expect(grammarNames()).toEqual(['dates', 'digits', 'menu', 'numbers', 'system', 'yes-no']);
    const words = grammarVocabulary();
    for (const w of ['بله', 'خیر', 'اپراتور', 'دومی', 'خرداد', 'هزار']) expect(words).toContain(w);
  });
});
