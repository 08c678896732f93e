import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizePersian, tokenizePersian } from '../src/text/normalize.js';
import { maskPersonalNumbers } from '../src/text/mask.js';

const Z = '\u200c';

describe('normalizePersian', () => {
  it('maps Arabic yeh and kaf to their Persian forms', () => {
    expect(normalizePersian('علي كريم')).toBe('علی کریم');
    expect(normalizePersian('كارت هديه')).toBe('کارت هدیه');
  });

  it('removes diacritics and tatweel', () => {
    expect(normalizePersian('سَلامـــ عَلَیکُم')).toBe('سلام علیکم');
  });

  it('turns Persian and Arabic-Indic digits into ASCII', () => {
    expect(normalizePersian('کد ۱۲۳۴ و ٤٥٦')).toBe('کد 1234 و 456');
  });

  it('writes می‌ with a ZWNJ whether it was typed with a space, a ZWNJ or nothing', () => {
    expect(normalizePersian('می خواهم')).toBe(`می${Z}خواهم`);
    expect(normalizePersian(`می${Z}خواهم`)).toBe(`می${Z}خواهم`);
    expect(normalizePersian('نمی   دانم')).toBe(`نمی${Z}دانم`);
  });

  it('unifies spacing, doubled ZWNJ and invisible characters', () => {
    expect(normalizePersian(`  بسته${Z}${Z}ها \u200b را\u00a0ببین  `)).toBe(`بسته${Z}ها را ببین`);
    expect(normalizePersian('بسته ها')).toBe(`بسته${Z}ها`);
  });

  it('turns colloquial forms into standard Persian', () => {
    expect(normalizePersian('میخوام')).toBe(`می${Z}خواهم`);
    expect(normalizePersian(`می${Z}خوام`)).toBe(`می${Z}خواهم`);
    expect(normalizePersian('اینترنتم قطعه')).toBe('اینترنتم قطع است');
    expect(normalizePersian('چیکار کنم؟')).toBe('چه کار کنم');
    expect(normalizePersian('سرعتم کمه')).toBe('سرعتم کم است');
  });

  it('reads the formal register as the everyday verbs the phrasings use', () => {
    expect(normalizePersian('سرویس اینجانب قطع گردیده، بررسی بفرمایید')).toBe('سرویس من قطع شده بررسی کنید');
    expect(normalizePersian('درخواست نموده‌ام ولی انجام نمی‌گردد')).toBe(`درخواست کرده${Z}ام ولی انجام نمی${Z}شود`);
    expect(normalizePersian('قبض بنده چقدر می باشد')).toBe('قبض من چقدر است');
  });

  it('fixes common recogniser slips and spelt-out acronyms', () => {
    expect(normalizePersian('انترنت ای دی اس ال')).toBe('اینترنت adsl');
    expect(normalizePersian('وای فای')).toBe(`وای${Z}فای`);
  });

  it('reads the Latin terms callers type, and loanwords, as the Persian the FAQ uses', () => {
    expect(normalizePersian('پسورد WiFi')).toBe(`رمز وای${Z}فای`);
    expect(normalizePersian('Wi-Fi')).toBe(`وای${Z}فای`);
    expect(normalizePersian('static IP دارید')).toBe(`استاتیک آی${Z}پی دارید`);
  });

  it('puts back an object marker the recogniser wrote as a word of its own', () => {
    expect(normalizePersian('می خوام بدهی مو آنلاین بدم')).toBe(normalizePersian('می‌خوام بدهیمو آنلاین بدم'));
  });

  it('turns number words into digits, one token per spoken group', () => {
    expect(normalizePersian('صد و بیست و سه')).toBe('123');
    expect(normalizePersian('دو میلیون و پانصد هزار تومان')).toBe('2500000 تومان');
    expect(normalizePersian('صفر نهصد و دوازده سیصد و چهل و پنج')).toBe('0 912 345');
  });

  it('leaves «نه» (no) and the article «یک» alone when they stand by themselves', () => {
    expect(normalizePersian('نه ممنون')).toBe('نه ممنون');
    expect(normalizePersian('یک سوال دارم')).toBe('یک سوال دارم');
    expect(normalizePersian('نه صد')).toBe('900');
  });

  it('is idempotent', () => {
    for (const s of ['اینترنتم قطعه چیکار کنم؟', 'می خوام بسته ها رو ببینم', 'صد و بیست و سه هزار']) {
      const once = normalizePersian(s);
      expect(normalizePersian(once)).toBe(once);
    }
  });

  it('is idempotent on thousands of random sentences built from caller words (seeded)', () => {
    const words = readFileSync(new URL('../fixtures/faq/train.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => (JSON.parse(l) as { text: string }).text.split(/\s+/))
      .concat(['صد', 'و', 'بیست', 'هزار', 'نه', 'یک', 'سی', 'ها', 'ام', 'می', 'نمی', 'ای دی اس ال', 'وای', 'فای', 'قبضمو', 'ـ', '\u200c']);
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => words[Math.floor(rand() * words.length)]).join(rand() < 0.5 ? ' ' : '  ');
      const once = normalizePersian(text);
      expect(normalizePersian(once), text).toBe(once);
    }
  });

  it('tokenises without ZWNJ so spelling variants meet', () => {
    expect(tokenizePersian('می خوام')).toEqual(tokenizePersian(`می${Z}خواهم`));
    expect(tokenizePersian('میخوام')).toEqual(['میخواهم']);
  });
});

describe('maskPersonalNumbers', () => {
  it('masks mobile numbers in any digit script and grouping', () => {
    expect(maskPersonalNumbers('شماره‌ام 09121234567 است')).toBe('شماره‌ام *********** است');
    expect(maskPersonalNumbers('شماره‌ام ۰۹۱۲ ۱۲۳ ۴۵۶۷')).toBe('شماره‌ام **** *** ****');
    expect(maskPersonalNumbers('+989121234567')).toBe('+************');
  });

  it('masks national IDs and card numbers', () => {
    expect(maskPersonalNumbers('کد ملی ٠٠١٢٣٤٥٦٧٨')).toBe('کد ملی **********');
    expect(maskPersonalNumbers('کارت 6037-9911-2345-6789')).toBe('کارت ****-****-****-****');
  });

  it('masks numbers read out as words', () => {
    expect(maskPersonalNumbers('شمارم صفر نهصد و دوازده سیصد و چهل و پنج شصت و هفت هشتاد و نه است')).toBe('شمارم *** است');
  });

  it('leaves amounts and short numbers alone', () => {
    expect(maskPersonalNumbers('قبضم ۲۵۰۰۰۰ تومان است و کد پیگیری 12345')).toBe('قبضم ۲۵۰۰۰۰ تومان است و کد پیگیری 12345');
    expect(maskPersonalNumbers('دو میلیون تومان')).toBe('دو میلیون تومان');
  });
});
