import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNluEngine } from '../src/engines/nlu/engine.js';
import type { Faq } from '../src/knowledge/types.js';

// None of these lines is in any training, tuning or test file.
const faqs = JSON.parse(readFileSync(new URL('../fixtures/faq/catalogue.json', import.meta.url), 'utf8')).faqs as Faq[];
const nlu = createNluEngine({ version: 1, faqs });

describe('NLU between an ISP request and a near miss', () => {
  it.each([
    ['پینگ بازیم خیلی بالا رفته و همش لگ داره', 'internet_slow'],
    ['چراغ مودمم قرمز شده و هیچ سایتی باز نمیشه', 'internet_outage'],
    ['میخوام خطمو از ای دی اس ال ببرم روی فیبر', 'change_plan'],
    ['اسباب کشی کردیم، اینترنت رو چطوری بیارم خونه جدید', 'relocation'],
  ])('understands a caller who describes the problem rather than naming it: «%s» → %s', (text, intent) => {
    expect(nlu.parse(text).intent).toBe(intent);
  });

  it('hears through the hesitations a recogniser transcribes («اِ», «چیزه», «اممم»)', () => {
    const clean = nlu.parse('نت خونه‌مون از دیشب قطعه');
    const hesitant = nlu.parse('الو اِ چیزه اممم نت خونه‌مون از دیشب قطعه');
    expect(hesitant.intent).toBe('internet_outage');
    expect(hesitant.confidence).toBeCloseTo(clean.confidence, 2);
  });

  it('understands a caller in the formal register: «ارتباط اینترنت منزل بنده از بامداد امروز قطع گردیده است»', () => {
    expect(nlu.parse('ارتباط اینترنت منزل بنده از بامداد امروز قطع گردیده است').intent).toBe('internet_outage');
  });

  it.each([
    'رمز دوم کارت بانکیم رو فراموش کردم',
    'شارژ سیم کارت ایرانسل میخوام',
    'قیمت گوشی سامسونگ چنده',
    'تلویزیون خونه‌مون برفکی شده',
  ])('does not answer a request that only borrows FAQ words: «%s»', (text) => {
    const r = nlu.parse(text);
    expect(r.intent).toBeNull();
    expect(r.confidence).toBeLessThan(nlu.threshold);
  });
});
