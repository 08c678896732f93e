import { cardinal, codeGroups, dictatedGroup, digitByDigit, ordinal, ordinalAdjective } from './numbers.js';
import { BUILTIN_TERMS, sayAddress, sayLatinWord } from './latin.js';

export { cardinal, ordinal, digitByDigit, codeGroups, dictatedGroup } from './numbers.js';
export { BUILTIN_TERMS, LETTER_NAMES, spellLatin } from './latin.js';

export interface SpokenFormOptions {
  /** Terms → how to say them (config `tts.lexicon`); keys match whole words, Latin ones in any case. */
  lexicon?: Record<string, string>;
}

const MONTHS = ['فروردین', 'اردیبهشت', 'خرداد', 'تیر', 'مرداد', 'شهریور', 'مهر', 'آبان', 'آذر', 'دی', 'بهمن', 'اسفند'];

/** Words after a number that make it a quantity (read as a number, never digit by digit). */
const QUANTITY_AFTER =
  /^\s*(?:تومان|تومن|ریال|هزار|میلیون|میلیارد|درصد|دقیقه|ثانیه|ساعت|روز|هفته|ماه|سال|بار|عدد|نفر|مگ|گیگ|مگابیت|گیگابایت|مگابایت|کیلوبیت|حرف|رقم|مرحله|قسط)/u;
/** Words before a digit run that make it a code, read digit by digit in groups. */
const CODE_BEFORE =
  /(?:کد|شناسه|سامانه|سامانه‌ی|پیامکی|پیامک|شماره\s*(?:‌ی)?\s*(?:پیگیری|رهگیری|سفارش|اشتراک|حساب|کارت|شبا|قبض|پرونده|درخواست|مشتری)|پیگیری|رهگیری)(?:\s*‌?(?:ی|ِ))?(?:\s+\S+){0,2}\s*[:：]?\s*$/u;

const W = '\\p{L}\\p{M}\\p{N}';

/** ي/ك → ی/ک, Persian and Arabic-Indic digits → ASCII (internally), tatweel and odd spaces removed. */
export function normalizeCharacters(text: string): string {
  return text
    .replace(/[يى]/g, 'ی')
    .replace(/ك/g, 'ک')
    .replace(/ـ/g, '')
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/(?<=\d)\u066B(?=\d)/g, '.') // Arabic decimal separator
    .replace(/(?<=\d)[\u066C٬](?=\d)/g, ',') // Arabic thousands separator
    .replace(/٪/g, '%')
    .replace(/[\u00A0\u2000-\u200B\u202F]/g, ' ')
    .replace(/\u200C{2,}/g, '\u200C');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Pads a replacement with spaces so words never glue to a neighbouring letter. */
const pad = (s: string) => ` ${s} `;

function readDigitRun(run: string, before: string, after: string): string {
  if (QUANTITY_AFTER.test(after)) return cardinal(run);
  if (CODE_BEFORE.test(before)) return codeGroups(run).map(digitByDigit).join('، ');
  // A long run or a leading zero is an identifier, not an amount.
  if (run.length >= 7 || (run.length > 1 && run.startsWith('0'))) return codeGroups(run).map(digitByDigit).join('، ');
  return cardinal(run);
}

/**
 * Mobile numbers as Iranians dictate them: «۰۹۱۲ ۱۲۳ ۴۵ ۶۷» → «صفر نهصد و دوازده، صد و بیست و سه،
 * چهل و پنج، شصت و هفت». People (and operators' own IVRs for numbers a caller should recognise)
 * read 4-3-2-2 groups as numbers; reading eleven single digits is harder to follow and to remember.
 */
function sayMobile(digits: string): string {
  const local = `0${digits.replace(/^(?:\+98|0098|98|0)/, '')}`;
  return [local.slice(0, 4), local.slice(4, 7), local.slice(7, 9), local.slice(9, 11)].map(dictatedGroup).join('، ');
}

/** Landlines: area code, then the 8-digit number in pairs (Tehran style «۸۸ ۰۰ ۱۲ ۳۴»). */
function sayLandline(digits: string): string {
  const area = digits.slice(0, 3);
  const rest = digits.slice(3);
  const pairs = rest.match(/\d{1,2}/g) ?? [];
  return [area, ...pairs].map(dictatedGroup).join('، ');
}

/** Builds the normaliser: text as written → text as it should be spoken, all in Persian script. */
export function createSpokenForm(options: SpokenFormOptions = {}): (text: string) => string {
  const lexicon = new Map<string, string>();
  for (const [k, v] of Object.entries(options.lexicon ?? {})) lexicon.set(normalizeCharacters(k).toLowerCase(), v);
  // Longest keys first so «TP-Link» wins over «TP».
  const lexiconPattern =
    lexicon.size === 0
      ? null
      : new RegExp(
          `(?<![${W}])(?:${[...lexicon.keys()].sort((a, b) => b.length - a.length).map(escapeRegex).join('|')})(?![${W}])`,
          'giu',
        );

  return (input: string): string => {
    let t = normalizeCharacters(input);

    // URLs and e-mail addresses before anything splits them at dots.
    t = t.replace(
      /(?:https?:\/\/)?(?:[a-z0-9-]+\.)+(?:ir|com|net|org|info|io|co|me)(?:\/[\w\-./?=&%]*)?(?![a-z0-9])|[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+/gi,
      (m) => pad(sayAddress(m, lexicon)),
    );

    // The lexicon after addresses (whose labels it also serves) and before numbers and Latin words.
    if (lexiconPattern) t = t.replace(lexiconPattern, (m) => pad(lexicon.get(m.toLowerCase()) ?? m));

    // USSD codes: *123*4# → «ستاره یک دو سه ستاره چهار مربع».
    t = t.replace(/[*#][\d*#]*\d[\d*#]*/g, (m) =>
      pad(
        [...m]
          .map((c) => (c === '*' ? 'ستاره' : c === '#' ? 'مربع' : digitByDigit(c)))
          .join(' '),
      ),
    );

    // IPv4 addresses: each octet a number, «نقطه» between.
    t = t.replace(/(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])/g, (_m, ...o: string[]) =>
      pad(o.slice(0, 4).map((x) => cardinal(x)).join(' نقطه ')),
    );

    // Jalali dates 1403/05/12 or 1403-5-12 → «دوازدهم مرداد هزار و چهارصد و سه».
    t = t.replace(/(?<!\d)(1[34]\d\d)[/-](\d{1,2})[/-](\d{1,2})(?!\d)/g, (m, y: string, mo: string, d: string) => {
      const month = Number(mo);
      const day = Number(d);
      if (month < 1 || month > 12 || day < 1 || day > 31) return m;
      return pad(`${ordinal(day)} ${MONTHS[month - 1]} ${cardinal(y)}`);
    });

    // Times 14:30 → «ساعت چهارده و سی دقیقه»; 8:00 → «ساعت هشت».
    t = t.replace(/(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(?![\d:])/g, (_m, h: string, mi: string, s: string | undefined, offset: number, whole: string) => {
      const saidHour = /ساعت\s*$/u.test(whole.slice(Math.max(0, offset - 8), offset));
      const parts = [cardinal(h)];
      if (Number(mi) > 0) parts.push(`${cardinal(mi)} دقیقه`);
      if (s && Number(s) > 0) parts.push(`${cardinal(s)} ثانیه`);
      return pad(`${saidHour ? '' : 'ساعت '}${parts.join(' و ')}`);
    });

    // Mobile numbers (+98 / 0098 / 0 prefix), optionally written with spaces or dashes.
    t = t.replace(/(?<![\d+])(?:\+98|0098|0)9\d\d(?:[ -]?\d){7}(?!\d)/g, (m) => pad(sayMobile(m.replace(/[ -]/g, ''))));
    // Landlines with area code: 021 8800 1234.
    t = t.replace(/(?<!\d)0[1-8]\d(?:[ -]?\d){8}(?!\d)/g, (m) => pad(sayLandline(m.replace(/[ -]/g, ''))));

    // Ordinals written with digits: ۳ام → «سوم», ۲مین/۲امین → «دومین».
    t = t.replace(/(?<!\d)(\d+)[-\u200C]?(امین|مین)(?![\p{L}])/gu, (_m, n: string) => pad(ordinalAdjective(n)));
    t = t.replace(/(?<!\d)(\d+)[-\u200C]?(ام|م)(?![\p{L}])/gu, (_m, n: string) => pad(ordinal(n)));

    // Percentages and decimals.
    t = t.replace(/(?<![\d.])(\d+(?:\.\d+)?)\s*%/g, (_m, n: string) => pad(`${sayDecimal(n)} درصد`));
    t = t.replace(/(?<![\d.])(\d+)\.(\d+)(?![\d.])/g, (_m, a: string, b: string) => pad(sayDecimal(`${a}.${b}`)));

    // Amounts with thousands separators: 1,250,000 → «یک میلیون و دویست و پنجاه هزار».
    t = t.replace(/(?<![\d,])\d{1,3}(?:,\d{3})+(?![\d,])/g, (m) => pad(cardinal(m.replace(/,/g, ''))));

    // Everything else made of digits: by context, a quantity or a code.
    t = t.replace(/\d+/g, (run, offset: number, whole: string) =>
      pad(readDigitRun(run, whole.slice(Math.max(0, offset - 40), offset), whole.slice(offset + run.length, offset + run.length + 20))),
    );

    // Latin words left: lexicon, built-in ISP terms, else spelled with letter names.
    t = t.replace(/[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*/g, (m) => {
      const key = m.toLowerCase();
      if (lexicon.has(key) || BUILTIN_TERMS[key] || !key.includes('-')) return pad(sayLatinWord(m, lexicon));
      return pad(m.split('-').map((p) => sayLatinWord(p, lexicon)).join(' '));
    });

    t = t.replace(/\s*&\s*/g, ' و ').replace(/\s*@\s*/g, ' اَت ');
    // Tidy: one space, none before punctuation.
    return t.replace(/[ \t]+/g, ' ').replace(/ ([،؛.؟!,;:)»])/g, '$1').replace(/([(«]) /g, '$1').trim();
  };
}

function sayDecimal(n: string): string {
  const [whole, frac] = n.split('.');
  if (!frac) return cardinal(whole);
  // «۲٫۵» → «دو ممیز پنج»; «۲٫۰۵» → «دو ممیز صفر پنج» (leading zeros carry meaning).
  const fracWords = frac.startsWith('0') ? digitByDigit(frac) : cardinal(frac);
  return `${cardinal(whole)} ممیز ${fracWords}`;
}

/** The built-in normaliser with no lexicon. */
export const toSpokenForm = createSpokenForm();
