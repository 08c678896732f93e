import { normalizePersian } from '../text/normalize.js';

/**
 * Has the caller finished? Decided from more than silence: what the recogniser heard up to the
 * pause (the words so far, re-read a moment later to see whether they are settled), whether those
 * words make a complete request, and how long the silence has lasted.
 *
 * - complete: a final verb (with a confident FAQ match, or three words and more), no dangling
 *   word («که»، «و»، «برای»، «اگه»، «یعنی» …), no trailing hesitation («اِ…»), the reading settled:
 *   answer after `completeMs` (~200 ms);
 * - otherwise (a dangling word, a hesitation, no verb yet, words still changing): wait up to
 *   `maxMs` (~1,200 ms) before taking the silence as the end.
 * `mode: 'silence'` keeps the plain fixed silence (`audio.endSilenceMs`).
 */
export interface TurnEndOptions {
  mode: 'smart' | 'silence';
  /** Plain mode's silence, and smart mode's when the recogniser cannot say what it heard so far. */
  silenceMs: number;
  completeMs: number;
  maxMs: number;
}

export type Completeness =
  | { complete: true; why: 'faq' | 'verb' }
  | { complete: false; why: 'empty' | 'dangling' | 'hesitation' | 'no-verb' | 'unsure' | 'unsettled' };

/** What the recogniser made of the speech so far, as the pause began and a moment later. */
export interface HeardSoFar {
  atPause: string;
  settled: string;
  /** The NLU accepts `settled` as an FAQ request with confidence. */
  faqConfident: boolean;
}

/** Words that leave a Persian sentence hanging when they come last. */
const DANGLING = new Set([
  'که', 'و', 'برای', 'واسه', 'اگه', 'اگر', 'یعنی', 'با', 'از', 'به', 'در', 'تو', 'توی', 'تا', 'ولی', 'اما', 'یا', 'چون', 'مثلا',
  'را', 'رو', 'این', 'اون', 'آن', 'هم', 'های', 'بعد', 'قبل', 'وقتی', 'اینکه', 'کهی', 'بخاطر', 'خاطر', 'درباره', 'مورد', 'راجع',
  // Modals and openers that promise more words: «می‌خواستم …»، «می‌تونم …»، «سلام …».
  'میخواستم', 'میخوام', 'میخواهم', 'خواستم', 'میخواستیم', 'میتونم', 'میتوانم', 'بتونم', 'بتوانم', 'باید', 'لطفا', 'ببخشید', 'سلام', 'بخیر', 'نباشید', 'الو', 'خب', 'خوب',
]);
/** Openers of a clause that needs another after it: «برای …»، «اگه …»، «وقتی …». */
const SUBORDINATE = new Set(['برای', 'واسه', 'اگه', 'اگر', 'وقتی', 'چون', 'تا', 'که']);
/** Fillers a caller says while thinking: «اِ»، «اممم»، «ااا». */
const HESITATION = /^(ا+|اِ+|آ+|ای+|ام+|اوم+|هم+|مم+|ه+|اه+|ا+م+)$/u;
/** A word shaped like a finite verb: «می‌…»/«نمی‌…» forms, subjunctives «ب…م», copulas and past forms. */
const VERB_PREFIX = /^(ن?می|نمی)\S{2,}$/u;
const VERB_WORDS = new Set([
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
  if (DANGLING.has(last)) return { complete: false, why: 'dangling' };
  if (heard.atPause.trim() !== heard.settled.trim()) return { complete: false, why: 'unsettled' };
  // Persian puts the verb last: a request is complete when it ends in one. A plain verb form
  // suffices with three words or an FAQ match; a word that merely may be a colloquial copula
  // («…ه») needs the FAQ match too. An FAQ match without a verb («سرعت»، «حجم باقیمونده») is
  // usually the start of a question and waits.
  const verb = VERB_WORDS.has(last) || VERB_PREFIX.test(last);
  if (verb && (heard.faqConfident || words.length >= 3)) return { complete: true, why: heard.faqConfident ? 'faq' : 'verb' };
  if (heard.faqConfident && words.length >= 3 && !SUBORDINATE.has(words[0]) && COPULA_SUFFIX.test(last)) return { complete: true, why: 'faq' };
  return { complete: false, why: verb || heard.faqConfident ? 'unsure' : 'no-verb' };
}

/**
 * End the turn now? `heard` is null while the recogniser's reading of the pause is not known
 * (no reading at all: the plain silence decides).
 */
export function shouldEndTurn(silenceMs: number, heard: HeardSoFar | null | 'unknown', o: TurnEndOptions): boolean {
  if (o.mode === 'silence' || heard === 'unknown') return silenceMs >= o.silenceMs;
  if (silenceMs >= o.maxMs) return true;
  if (silenceMs < o.completeMs || !heard) return false;
  return completeness(heard).complete;
}
