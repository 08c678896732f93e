/**
 * Persian number words. Written here rather than taken from @persian-tools' numberToWords, which
 * writes «چهار صد» and «یک هزار و چهار صد و سه»: a synthesiser reads «چهار صد» as two words with
 * two stresses, and nobody says «یک هزار» for a year. These follow spoken usage: «هزار و چهارصد و سه».
 */

const ONES = ['صفر', 'یک', 'دو', 'سه', 'چهار', 'پنج', 'شش', 'هفت', 'هشت', 'نه'];
const TEENS = ['ده', 'یازده', 'دوازده', 'سیزده', 'چهارده', 'پانزده', 'شانزده', 'هفده', 'هجده', 'نوزده'];
const TENS = ['', '', 'بیست', 'سی', 'چهل', 'پنجاه', 'شصت', 'هفتاد', 'هشتاد', 'نود'];
const HUNDREDS = ['', 'صد', 'دویست', 'سیصد', 'چهارصد', 'پانصد', 'ششصد', 'هفتصد', 'هشتصد', 'نهصد'];
const SCALES = ['', 'هزار', 'میلیون', 'میلیارد', 'تریلیون', 'کوادریلیون'];

function belowThousand(n: number): string[] {
  const parts: string[] = [];
  const h = Math.floor(n / 100);
  const rest = n % 100;
  if (h > 0) parts.push(HUNDREDS[h]);
  if (rest >= 20) {
    parts.push(TENS[Math.floor(rest / 10)]);
    if (rest % 10 > 0) parts.push(ONES[rest % 10]);
  } else if (rest >= 10) {
    parts.push(TEENS[rest - 10]);
  } else if (rest > 0) {
    parts.push(ONES[rest]);
  }
  return parts;
}

/** Cardinal words for a non-negative integer given as digits (any length up to 18 digits). */
export function cardinal(digits: string | number | bigint): string {
  let n = BigInt(typeof digits === 'string' ? digits.replace(/^0+(?=\d)/, '') || '0' : digits);
  if (n < 0n) return `منفی ${cardinal(-n)}`;
  if (n === 0n) return ONES[0];
  const groups: number[] = [];
  while (n > 0n) {
    groups.push(Number(n % 1000n));
    n /= 1000n;
  }
  if (groups.length > SCALES.length) return digitByDigit(String(digits));
  const words: string[] = [];
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i];
    if (g === 0) continue;
    // «هزار», not «یک هزار»; but «یک میلیون», «یک میلیارد» as people say them.
    const chunk = i === 1 && g === 1 ? [] : belowThousand(g);
    const scale = SCALES[i];
    words.push([chunk.join(' و '), scale].filter(Boolean).join(' '));
  }
  return words.join(' و ');
}

/** Ordinal words: «سوم», «دوازدهم», «بیست و یکم», «سی‌ام». */
export function ordinal(digits: string | number): string {
  const words = cardinal(digits);
  if (words === 'یک') return 'یکم';
  if (words.endsWith('سه')) return `${words.slice(0, -2)}سوم`;
  if (words.endsWith('سی')) return `${words}\u200cام`;
  return `${words}م`;
}

/** «سومین», «دهمین». */
export function ordinalAdjective(digits: string | number): string {
  const o = ordinal(digits);
  return o === 'یکم' ? 'اولین' : `${o}ین`;
}

export function digitByDigit(digits: string): string {
  return [...digits].filter((d) => /\d/.test(d)).map((d) => ONES[Number(d)]).join(' ');
}

/**
 * A group of a dictated number, as Iranians read phone numbers: leading zeros one by one, the rest
 * as a number — «045» → «صفر چهل و پنج», «00» → «صفر صفر».
 */
export function dictatedGroup(group: string): string {
  const zeros = /^0*/.exec(group)![0].length;
  const words = Array.from({ length: zeros }, () => ONES[0]);
  if (zeros < group.length) words.push(cardinal(group.slice(zeros)));
  return words.join(' ');
}

/**
 * Splits a code's digits into listening-sized groups: fours when the length allows (card numbers,
 * SMS short codes), 3-3-4 for ten digits (postal codes, national IDs), otherwise threes with the
 * remainder joined to the last group so no digit is left on its own.
 */
export function codeGroups(digits: string): string[] {
  const n = digits.length;
  let sizes: number[];
  if (n <= 4) sizes = [n];
  else if (n % 4 === 0) sizes = Array(n / 4).fill(4);
  else if (n === 10) sizes = [3, 3, 4];
  else {
    sizes = Array(Math.floor(n / 3)).fill(3);
    if (n % 3 === 1) sizes[sizes.length - 1] = 4;
    else if (n % 3 === 2) sizes.push(2);
  }
  const out: string[] = [];
  let i = 0;
  for (const s of sizes) {
    out.push(digits.slice(i, i + s));
    i += s;
  }
  return out;
}
