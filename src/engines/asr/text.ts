/**
 * Transcript normalisation onto the acoustic model's alphabet: Persian letters and single spaces.
 * Mirrors `normalize_for_asr` in models/asr-fa/recipe/textnorm.py, so that the references the
 * model was trained on, the references it is scored against and the words it is biased towards
 * are spelled the same way. ZWNJ becomes a space (it cannot be heard), digits become words (they
 * are spoken), and the few Latin terms a caller says are spelled as they sound.
 */

const CHAR_MAP: Record<string, string> = {
  'ي': 'ی', 'ى': 'ی', 'ك': 'ک', 'ة': 'ه', 'ۀ': 'ه', 'أ': 'ا', 'إ': 'ا', 'ٱ': 'ا',
  'ؤ': 'و', 'ئ': 'ی', 'ھ': 'ه', '\u200c': ' ', '\u200d': '', 'ـ': '',
};
const LETTERS = new Set('آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیء');
const DIACRITICS_RE = /[\u064b-\u065f\u0670\u06d6-\u06ed]/g;

const LATIN_WORDS: Record<string, string> = {
  adsl: 'ای دی اس ال', vdsl: 'وی دی اس ال', internet: 'اینترنت', wireless: 'وایرلس', wifi: 'وای فای',
  'wi-fi': 'وای فای', ip: 'آی پی', sms: 'اس ام اس', ok: 'اوکی', lan: 'لن', dns: 'دی ان اس', tv: 'تی وی', usb: 'یو اس بی',
};

const ONES = ['صفر', 'یک', 'دو', 'سه', 'چهار', 'پنج', 'شش', 'هفت', 'هشت', 'نه'];
const TEENS = ['ده', 'یازده', 'دوازده', 'سیزده', 'چهارده', 'پانزده', 'شانزده', 'هفده', 'هجده', 'نوزده'];
const TENS = ['', '', 'بیست', 'سی', 'چهل', 'پنجاه', 'شصت', 'هفتاد', 'هشتاد', 'نود'];
const HUNDREDS = ['', 'صد', 'دویست', 'سیصد', 'چهارصد', 'پانصد', 'ششصد', 'هفتصد', 'هشتصد', 'نهصد'];
const SCALES: Array<[number, string]> = [[1e9, 'میلیارد'], [1e6, 'میلیون'], [1e3, 'هزار']];

function belowThousand(n: number): string[] {
  const parts: string[] = [];
  if (n >= 100) {
    parts.push(HUNDREDS[Math.floor(n / 100)]);
    n %= 100;
  }
  if (n >= 20) {
    parts.push(TENS[Math.floor(n / 10)]);
    n %= 10;
    if (n) parts.push(ONES[n]);
  } else if (n >= 10) parts.push(TEENS[n - 10]);
  else if (n > 0) parts.push(ONES[n]);
  return parts;
}

/** Cardinal number in Persian words («۱۲۰» → «صد و بیست»); integers below 10^12. */
export function numberToWords(n: number): string {
  if (n === 0) return ONES[0];
  const parts: string[] = [];
  for (const [value, name] of SCALES) {
    if (n >= value) {
      const head = Math.floor(n / value);
      parts.push(head > 1 || value > 1000 ? `${belowThousand(head).join(' و ')} ${name}` : name);
      n %= value;
    }
  }
  if (n) parts.push(belowThousand(n).join(' و '));
  return parts.join(' و ');
}

function expandNumber(raw: string): string {
  const s = raw.replace(/[,٬]/g, '');
  // Codes and phone numbers are read digit by digit, as callers say them.
  if (s.length > 9 || (s.length > 1 && s.startsWith('0'))) return ` ${[...s].map((d) => ONES[Number(d)]).join(' ')} `;
  return ` ${numberToWords(Number(s))} `;
}

/** Letters, digits-as-words and spaces; ZWNJ kept (this is what a synthesiser would read). */
export function normalizeCharsForAsr(text: string): string {
  let t = text.normalize('NFC');
  t = t.replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0)).replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x0660));
  t = t.replace(DIACRITICS_RE, '');
  t = [...t].map((c) => (c === '\u200c' ? c : (CHAR_MAP[c] ?? c))).join('');
  t = t.replace(/[A-Za-z][A-Za-z-]*/g, (w) => ` ${LATIN_WORDS[w.toLowerCase()] ?? w} `);
  t = t.replace(/\d[\d,٬]*/g, expandNumber);
  return t.replace(/[ \t]+/g, ' ').trim();
}

/** The model's spelling of a transcript: only vocabulary letters and single spaces. */
export function normalizeForAsr(text: string): string {
  const t = [...normalizeCharsForAsr(text)].map((c) => CHAR_MAP[c] ?? c).map((c) => (LETTERS.has(c) ? c : ' ')).join('');
  return t.replace(/ +/g, ' ').trim();
}
