import { normalizeChars, normalizeDigits } from './normalize.js';
import { findNumberSpans } from './numbers.js';

/**
 * Privacy: phone numbers, 10-digit national IDs, 16-digit card numbers and IBANs are masked before
 * transcripts and logs are stored. Digits may come in any script (ASCII, Persian, Arabic-Indic),
 * grouped by spaces or dashes, or spoken as words by the recogniser («صفر نهصد و دوازده …»).
 * Amounts («۲۵۰٬۰۰۰ تومان») are left alone: their digit counts do not look like identifiers.
 */

export const MASK = '*';

/** Is a run of `n` digits (after separators are removed) an identifier worth hiding? */
export function looksPersonal(digits: string): boolean {
  const d = digits.replace(/^\+/, '');
  if (/^(98|0098)?9\d{9}$/.test(d)) return true; // mobile: 9xxxxxxxxx with optional country code
  if (/^09\d{9}$/.test(d)) return true;
  if (/^0\d{10}$/.test(d)) return true; // landline with area code: 021xxxxxxxx
  if (/^(98|0098)\d{10}$/.test(d)) return true;
  if (d.length === 10) return true; // national ID (کد ملی)
  if (d.length === 16) return true; // bank card
  if (d.length === 24) return true; // IBAN digits (شبا) without the IR prefix
  return false;
}

// Digits with single spaces, dashes or dots between groups, optionally led by + or IR (IBAN).
const DIGIT_RUN_RE = /(?:IR ?)?\+?\d(?:[ \-.]?\d)*/gi;

export function maskPersonalNumbers(text: string): string {
  // Digit scripts and Arabic letters map one UTF-16 unit to one, so indices in the normalised
  // copy address the same characters in the original and the original's script is kept.
  const folded = normalizeDigits(text);
  const sameLength = folded.length === text.length;
  const view = sameLength ? folded : text;
  let out = '';
  let last = 0;
  for (const m of view.matchAll(DIGIT_RUN_RE)) {
    const digits = m[0].replace(/^IR ?/i, '').replace(/[^\d+]/g, '');
    if (!looksPersonal(digits)) continue;
    const start = m.index ?? 0;
    out += text.slice(last, start) + text.slice(start, start + m[0].length).replace(/[\p{N}]/gu, MASK);
    last = start + m[0].length;
  }
  out += text.slice(last);
  return maskSpokenNumbers(out);
}

/** Numbers spoken as words: a run whose groups add up to an identifier is replaced as a whole. */
function maskSpokenNumbers(text: string): string {
  const words = text.split(' ');
  const clean = words.map((w) => normalizeChars(w).replace(/[^\p{L}\p{N}]/gu, ''));
  const spans = findNumberSpans(clean);
  if (spans.length === 0) return text;
  const drop = new Set<number>();
  for (const span of spans) {
    if (span.groups.length === 1 && /^\d+$/.test(clean[span.start])) continue;
    const digits = span.groups.join('');
    // Long digit strings read in three or more groups are identifiers whatever their length.
    if (!looksPersonal(digits) && !(digits.length >= 8 && span.groups.length >= 3)) continue;
    words[span.start] = MASK.repeat(3);
    for (let k = span.start + 1; k < span.end; k++) drop.add(k);
  }
  return drop.size === 0 && spans.every((s) => words[s.start] !== MASK.repeat(3))
    ? text
    : words.filter((_, i) => !drop.has(i)).join(' ');
}
