import { digitsArToEn, digitsFaToEn } from '@persian-tools/persian-tools';
import { COLLOQUIAL, OBJECT_MARKER_RE, PHRASES, VERB_ENDINGS } from './colloquial.js';
import { numberWordsToDigits } from './numbers.js';

/**
 * Persian text normalisation shared by the NLU, the speech recogniser's vocabulary biasing and
 * search. Typed text, speech-recogniser output and the FAQ sheets an ops team uploads spell the
 * same words differently (Arabic ي/ك, ZWNJ or space or nothing in «می‌خواهم», Persian digits,
 * colloquial «میخوام»); everything that compares text goes through here so that they meet.
 */

export const ZWNJ = '\u200c';

export interface NormalizeOptions {
  /** Number words → ASCII digits («صد و بیست» → «120»). Default true. */
  numbers?: boolean;
  /** Colloquial forms and recogniser slips → standard Persian («میخوام» → «می‌خواهم»). Default true. */
  colloquial?: boolean;
  /** Keep sentence punctuation instead of turning it into spaces. Default false. */
  keepPunctuation?: boolean;
}

const CHAR_MAP: Record<string, string> = {
  '\u064a': 'ی', // Arabic yeh
  '\u0649': 'ی', // alef maksura
  '\u06cc': 'ی',
  '\u0643': 'ک', // Arabic kaf
  '\u06a9': 'ک',
  '\u0629': 'ه', // teh marbuta
  '\u06c0': 'ه', // heh with yeh above: «خانۀ» is written «خانه‌ی» or «خانه»
  '\u06be': 'ه', // heh doachashmee
  '\u06d5': 'ه',
  '\u0623': 'ا',
  '\u0625': 'ا',
  '\u0671': 'ا',
  '\u0624': 'و',
  '\u0626': 'ی',
};
const CHAR_RE = new RegExp(`[${Object.keys(CHAR_MAP).join('')}]`, 'g');

// Harakat, superscript alef, Quranic marks and tatweel carry no meaning for matching.
const DIACRITICS_RE = /[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]/g;
// Invisible characters other than ZWNJ: zero-width space/joiner, BOM, soft hyphen, bidi marks.
const INVISIBLE_RE = /[\u200b\u200d\ufeff\u00ad\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const SPACES_RE = /[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+/g;
// Everything that is not a letter, a digit, ZWNJ or space; «:» and «/» inside numbers survive
// (times «10:30», Jalali dates «1403/2/15»).
const PUNCT_RE = /(?<!\d)[:/](?!\d)|[^\p{L}\p{N}\u200c\s:/]/gu;

/** Arabic letter forms → Persian, diacritics and tatweel removed, presentation forms unfolded. */
export function normalizeChars(text: string): string {
  return text
    .normalize('NFKC')
    .replace(CHAR_RE, (c) => CHAR_MAP[c])
    .replace(DIACRITICS_RE, '')
    .replace(INVISIBLE_RE, '');
}

/** Persian (۰–۹) and Arabic-Indic (٠–٩) digits → ASCII. */
export function normalizeDigits(text: string): string {
  return digitsArToEn(digitsFaToEn(text));
}

/** One space between words; ZWNJ only between two letters, never doubled or next to a space. */
export function unifySpacing(text: string): string {
  return text
    .replace(SPACES_RE, ' ')
    .replace(/\u200c{2,}/g, ZWNJ)
    .replace(/ ?\u200c ?/g, (m) => (m === ZWNJ ? ZWNJ : ' '))
    .replace(/(^|[^\p{L}])\u200c|\u200c(?=[^\p{L}]|$)/gu, '$1')
    .trim();
}

/** «می خواهم» / «نمی خواهم» → «می‌خواهم» / «نمی‌خواهم». */
export function joinVerbPrefixes(text: string): string {
  return text.replace(/(^| )(ن?می) (?=[\p{L}])/gu, `$1$2${ZWNJ}`);
}

// Plural and possessive suffixes written apart: «بسته ها» → «بسته‌ها», «بسته ام» → «بسته‌ام».
const SUFFIX_RE = /(\p{L}) (ها|های|هایی|هایم|هایت|هایش|هایمان|هایتان|هایشان|تر|ترین)(?= |$)/gu;
const HEH_SUFFIX_RE = /(ه) (ام|ات|اش|ای|ایم|اید|اند|ی)(?= |$)/g;

export function attachSuffixes(text: string): string {
  return text.replace(SUFFIX_RE, `$1${ZWNJ}$2`).replace(HEH_SUFFIX_RE, `$1${ZWNJ}$2`);
}

export function stripZwnj(text: string): string {
  return text.replace(/\u200c/g, '');
}

const COLLOQUIAL_MAP = new Map(Object.entries(COLLOQUIAL).map(([k, v]) => [stripZwnj(k), v]));

/** Colloquial Tehrani forms and common recogniser slips → standard Persian, word by word. */
export function formalize(text: string): string {
  let out = text;
  for (const [re, to] of PHRASES) out = out.replace(re, to).replace(re, to);
  return out
    .split(' ')
    .map((w) => COLLOQUIAL_MAP.get(stripZwnj(w)) ?? regularForm(w))
    .join(' ');
}

function regularForm(word: string): string {
  for (const [re, to] of VERB_ENDINGS) if (re.test(word)) return word.replace(re, to);
  return word.replace(OBJECT_MARKER_RE, '$1 را');
}

/**
 * The one normaliser: characters, digits, punctuation, spacing and ZWNJ, colloquial forms and
 * number words. Idempotent: normalising normalised text changes nothing.
 */
export function normalizePersian(text: string, options: NormalizeOptions = {}): string {
  // One parse normalises the same utterance several times (matcher, slots, system intents);
  // a few recent results are kept so that the work is done once.
  const key = `${options.numbers === false ? 0 : 1}${options.colloquial === false ? 0 : 1}${options.keepPunctuation ? 1 : 0}${text}`;
  const hit = recent.get(key);
  if (hit !== undefined) return hit;
  const out = normalizeUncached(text, options);
  if (recent.size >= 16) recent.delete(recent.keys().next().value!);
  recent.set(key, out);
  return out;
}

const recent = new Map<string, string>();

function normalizeUncached(text: string, options: NormalizeOptions): string {
  let out = normalizeDigits(normalizeChars(text)).toLowerCase();
  if (!options.keepPunctuation) out = out.replace(PUNCT_RE, ' ');
  out = joinVerbPrefixes(unifySpacing(out));
  if (options.colloquial !== false) out = formalize(out);
  out = attachSuffixes(out);
  if (options.numbers !== false && !options.keepPunctuation) out = numberWordsToDigits(out);
  return unifySpacing(out);
}

/**
 * Tokens for matching: normalised words with ZWNJ removed, so «می‌خواهم», «می خواهم» and
 * «میخواهم» are one token.
 */
export function tokenizePersian(text: string, options: NormalizeOptions = {}): string[] {
  const norm = normalizePersian(text, { ...options, keepPunctuation: false });
  if (norm === '') return [];
  return norm.split(' ').map(stripZwnj);
}

export { numberWordsToDigits, findNumberSpans, isNumberWord, numberWordValue } from './numbers.js';
