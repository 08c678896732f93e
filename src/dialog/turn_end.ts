import { normalizePersian } from '../text/normalize.js';
import type { PauseMelody } from './prosody.js';

/**
 * Has the caller finished? Decided from more than silence: what the recogniser heard up to the
 * pause (the words so far, re-read a moment later to see whether they are settled), whether those
 * words make a complete request, and how long the silence has lasted.
 *
 * - complete: a final verb (with a confident FAQ match, or three words and more), no dangling
 *   word («که»، «و»، «برای»، «اگه»، «یعنی» …), no trailing hesitation («اِ…»), the reading settled:
 *   answer after `completeMs` (~200 ms);
 * - likely complete (a confident FAQ match of three words and more, no verb heard): after
 *   `likelyMs` (~850 ms), longer than a pause in the middle of a sentence usually lasts;
 * - otherwise (a dangling word, a hesitation, no verb yet, a word added after the pause began):
 *   wait up to `maxMs` (~1,200 ms) before taking the silence as the end.
 * - complete words but a voice that did not fall at the pause (prosody.ts: the last voiced 100 ms
 *   less than `fallSemitones` below the speech before it): more may come, «تکنسین کی میاد |
 *   برای نصب»; answered after `likelyMs` instead.
 * - a likely complete request said with a sentence's falling end: after `likelyFallMs`. The
 *   recogniser often drops a colloquial copula («… خیلی پایین(ه)»); the voice still says the
 *   sentence is over, and inside a sentence it rarely falls that far.
 * `mode: 'silence'` keeps the plain fixed silence (`audio.endSilenceMs`).
 */
export interface TurnEndOptions {
  mode: 'smart' | 'silence';
  /** Plain mode's silence, and smart mode's when the recogniser cannot say what it heard so far. */
  silenceMs: number;
  completeMs: number;
  /** Silence after a likely complete request; above the 400–800 ms of a mid-sentence pause. */
  likelyMs: number;
  maxMs: number;
  /**
   * A sentence's end falls at least this many semitones below the speech before it; a complete
   * request whose voice did not waits `likelyMs`. Undefined = the melody is not read.
   */
  fallSemitones?: number;
  /** Silence after a likely complete request whose voice fell (`fallSemitones`); undefined = `likelyMs`. */
  likelyFallMs?: number;
}

export type Completeness =
  | { complete: true; why: 'faq' | 'verb' }
  | { complete: false; why: 'empty' | 'dangling' | 'hesitation' | 'no-verb' | 'unsure' | 'unsettled'; likely?: boolean };

/** What the recogniser made of the speech so far, as the pause began and a moment later. */
export interface HeardSoFar {
  atPause: string;
  settled: string;
  /** The NLU accepts `settled` as an FAQ request with confidence. */
  faqConfident: boolean;
  /** How the voice ended before the pause; null/absent when too little was voiced to tell. */
  melody?: PauseMelody | null;
}

/** Words that leave a Persian sentence hanging when they come last. */
const DANGLING = new Set([
  'که', 'و', 'برای', 'واسه', 'اگه', 'اگر', 'یعنی', 'با', 'از', 'به', 'در', 'تو', 'توی', 'تا', 'ولی', 'اما', 'یا', 'چون', 'مثلا',
  'را', 'رو', 'این', 'اون', 'آن', 'هم', 'های', 'بعد', 'قبل', 'وقتی', 'اینکه', 'کهی', 'بخاطر', 'خاطر', 'درباره', 'مورد', 'راجع',
  // Modals and openers that promise more words: «می‌خواستم …»، «می‌تونم …»، «سلام …».
  'میخواستم', 'میخوام', 'میخواهم', 'خواستم', 'میخواستیم', 'میتونم', 'میتوانم', 'بتونم', 'بتوانم', 'باید', 'لطفا', 'ببخشید', 'سلام', 'بخیر', 'نباشید', 'الو', 'خب', 'خوب',
]);
/** Common words ending in «ه» that are no verb: «دیگه»، «خونه»، «بسته»، «شماره» … */
const NOT_COPULA = new Set(['دیگه', 'همه', 'خونه', 'خانه', 'بسته', 'ماهانه', 'شماره', 'هفته', 'دفعه', 'اینکه', 'چونکه', 'یه', 'نه', 'کله', 'بقیه', 'اجاره', 'هزینه', 'برنامه', 'روزانه']);
/** Openers of a clause that needs another after it: «برای …»، «اگه …»، «وقتی …». */
const SUBORDINATE = new Set(['برای', 'واسه', 'اگه', 'اگر', 'وقتی', 'چون', 'تا', 'که']);
/** Fillers a caller says while thinking: «اِ»، «اممم»، «ااا». */
const HESITATION = /^(ا+|اِ+|آ+|ای+|ام+|اوم+|هم+|مم+|ه+|اه+|ا+م+)$/u;
/** A word shaped like a finite verb: «می‌…»/«نمی‌…» forms, subjunctives «ب…م», copulas and past forms. */
const VERB_PREFIX = /^(ن?می|نمی)\S{2,}$/u;
const WANT = new Set(['میخواستم', 'میخوام', 'میخواهم', 'خواستم']);
const VERB_WORDS = new Set([
  'بدم', 'بدیم', 'بشه', 'بزنم', 'بیاد', 'بیان', 'بره', 'بخوام', 'بکنید', 'بفرستید', 'بفرمایید', 'بگیرید', 'بخرید', 'کنن', 'میاد',
  'است', 'هست', 'هستم', 'هستید', 'نیست', 'نیستم', 'بود', 'بودم', 'شد', 'شده', 'شدم', 'نشد', 'نشده', 'دارم', 'داره', 'دارد', 'داریم', 'ندارم', 'نداره', 'ندارد',
  'کنم', 'کنید', 'کنیم', 'بکنم', 'کن', 'بده', 'بدم', 'بدید', 'بگیرم', 'بخرم', 'بدونم', 'بدانم', 'بپرسم', 'بگید', 'بگویید', 'بزنم', 'ببینم', 'بشه', 'بشود', 'کردم', 'کرد',
  'کردید', 'گرفتم', 'خریدم', 'زدم', 'دادم', 'چیه', 'چیست', 'کجاست', 'کیه', 'چنده', 'چقدره', 'چطوره', 'کنه', 'کند', 'خداحافظ', 'ممنون', 'مرسی', 'متشکرم', 'ممنونم',
]);
/** Colloquial copula on an adjective or participle: «قطعه»، «کنده»، «پایینه»، «رفته» (or a noun: «بسته»). */
const COPULA_SUFFIX = /\S{3,}(ه|ست)$/u;

export function completeness(heard: HeardSoFar): Completeness {
  const words = normalizePersian(heard.settled).replace(/\u200c/g, '').split(' ').filter(Boolean);
  if (words.length === 0) return { complete: false, why: 'empty' };
  const last = words[words.length - 1];
  if (HESITATION.test(last)) return { complete: false, why: 'hesitation' };
  // «… رو می‌خواستم» («I wanted the price list»): the modal is the main verb after its object.
  const wantsObject = WANT.has(last) && (words.at(-2) === 'رو' || words.at(-2) === 'را');
  if (DANGLING.has(last) && !wantsObject) return { complete: false, why: 'dangling' };
  // A word that appeared after the pause began: the caller was still saying something. (The
  // decoder revising a letter or two with more context, «چقدر» → «چقدره», is not that.)
  const count = (t: string) => t.trim().split(/\s+/).filter(Boolean).length;
  if (count(heard.settled) > count(heard.atPause)) return { complete: false, why: 'unsettled' };
  if (wantsObject) return { complete: true, why: heard.faqConfident ? 'faq' : 'verb' };
  // Persian puts the verb last: a request is complete when it ends in one. A plain verb form
  // suffices with three words or an FAQ match; a word that merely may be a colloquial copula
  // («…ه») needs the FAQ match too. An FAQ match without a verb («سرعت»، «حجم باقیمونده») is
  // usually the start of a question and waits.
  const isVerb = (w: string) => VERB_WORDS.has(w) || VERB_PREFIX.test(w);
  const verb = isVerb(last);
  // «فیلم که می‌بینم …», «درخواستی که ثبت کرده …»: a clause with «که» and its one verb waits for the main one.
  if (words.slice(0, -1).includes('که') && words.filter(isVerb).length < 2) return { complete: false, why: 'dangling' };
  if (verb && (heard.faqConfident || words.length >= 3)) return { complete: true, why: heard.faqConfident ? 'faq' : 'verb' };
  // «میخوام یه بسته …»: a modal earlier in the sentence waits for its verb.
  const modal = words.slice(0, -1).some((w) => WANT.has(w) || w === 'میتونم' || w === 'باید');
  if (heard.faqConfident && words.length >= 3 && !modal && !SUBORDINATE.has(words[0]) && COPULA_SUFFIX.test(last) && !NOT_COPULA.has(last)) {
    return { complete: true, why: 'faq' };
  }
  // A confident FAQ match of three words and more without a verb the recogniser heard («سرعت
  // اینترنتم خیلی پایین», the copula swallowed): likely complete, so no longer than plain silence.
  const likely = heard.faqConfident && words.length >= 3 && !modal && !SUBORDINATE.has(words[0]);
  return { complete: false, why: verb || heard.faqConfident ? 'unsure' : 'no-verb', ...(likely ? { likely } : {}) };
}

/** Why a turn was taken as over, as recorded with the turn. */
export type TurnEndReason = 'complete' | 'complete, voice not falling' | 'likely, voice fell' | 'silence';

/**
 * End the turn now, and why; null = not yet. `heard` is null while the recogniser's reading of
 * the pause is not known (no reading at all: the plain silence decides). The decision and its
 * reason come from one place, so the reason recorded is the rule that ended the turn.
 */
export function turnEndReason(silenceMs: number, heard: HeardSoFar | null | 'unknown', o: TurnEndOptions): TurnEndReason | null {
  if (o.mode === 'silence' || heard === 'unknown') return silenceMs >= o.silenceMs ? 'silence' : null;
  const c = heard ? completeness(heard) : null;
  const complete = silenceMs < o.likelyMs ? 'complete' : 'complete, voice not falling';
  if (silenceMs >= o.maxMs) return c?.complete ? complete : 'silence';
  if (!heard || !c || silenceMs < o.completeMs) return null;
  const likelyWaited = silenceMs >= Math.min(o.likelyMs, o.maxMs);
  if (c.complete) return likelyWaited || !stillRising(heard, o) ? complete : null;
  if (c.likely !== true) return null;
  if (likelyWaited) return 'silence';
  return o.likelyFallMs !== undefined && silenceMs >= o.likelyFallMs && voiceFell(heard, o) ? 'likely, voice fell' : null;
}

export function shouldEndTurn(silenceMs: number, heard: HeardSoFar | null | 'unknown', o: TurnEndOptions): boolean {
  return turnEndReason(silenceMs, heard, o) !== null;
}

/** The voice fell at the pause as at a sentence's end. */
function voiceFell(heard: HeardSoFar, o: TurnEndOptions): boolean {
  return o.fallSemitones !== undefined && heard.melody != null && heard.melody.finalSemitones <= -o.fallSemitones;
}

/** The voice stayed up at the pause: the words may be complete, the sentence is not. */
function stillRising(heard: HeardSoFar, o: TurnEndOptions): boolean {
  return o.fallSemitones !== undefined && heard.melody != null && heard.melody.finalSemitones > -o.fallSemitones;
}
