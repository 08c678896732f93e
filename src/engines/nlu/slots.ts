import { zonedFormat } from '../../text/clock.js';
import { findNumberSpans, isNumberWord, numberWordValue, tokenizePersian } from '../../text/normalize.js';
import type { Slots } from './types.js';
import { grammar, matchPhrases } from './grammars.js';

/**
 * Slot values a caller gives in passing: yes/no, digits and numbers (spoken or typed), Jalali dates,
 * times and menu choices. Grammars in `grammars/` hold the words; this file holds the arithmetic.
 */

export interface SlotOptions {
  /** How many choices were offered, to resolve «آخری» (the last one). */
  choiceCount?: number;
  /** Reference time for «فردا», «امروز». */
  now?: Date;
  timeZone?: string;
}

const ORDINAL_SPECIAL: Record<string, string> = { اول: 'یک', یکم: 'یک', سوم: 'سه', اولین: 'یک' };

/** «پانزدهم» → «پانزده», «سی‌ام» → «سی», «۲۱م» → «21»: ordinals read as their numbers. */
export function deOrdinal(token: string): string {
  if (ORDINAL_SPECIAL[token]) return ORDINAL_SPECIAL[token];
  if (/^\d+(م|ام)$/.test(token)) return token.replace(/\D/g, '');
  for (const end of ['ام', 'م']) {
    if (token.endsWith(end) && isNumberWord(token.slice(0, -end.length))) return token.slice(0, -end.length);
  }
  return token;
}

export function parseSlots(text: string, options: SlotOptions = {}): Slots {
  const words = tokenizePersian(text, { numbers: false });
  const numbered = tokenizePersian(text);
  const slots: Slots = {};
  const yn = matchPhrases(grammar('yes-no'), words)[0];
  if (yn) slots.yesNo = yn.value as 'yes' | 'no';
  const choice = parseChoice(words, options.choiceCount);
  if (choice !== undefined) slots.choice = choice;
  const digits = parseDigits(numbered, words);
  if (digits) {
    slots.digits = digits.digits;
    if (digits.number !== undefined) slots.number = digits.number;
  }
  const date = parseDate(words, options);
  if (date) slots.date = date;
  const time = parseTime(words, numbered);
  if (time) slots.time = time;
  return slots;
}

function parseChoice(words: string[], count: number | undefined): number | undefined {
  for (const m of matchPhrases(grammar('menu'), words)) {
    if (m.value === 'last') {
      if (count) return count;
      continue;
    }
    if (m.value === 'prefix') {
      const next = words[m.end];
      if (next === undefined) continue;
      const v = /^\d+$/.test(next) ? Number(next) : numberWordValue(deOrdinal(next));
      if (v !== undefined && v >= 1 && v <= 9) return v;
      continue;
    }
    return Number(m.value);
  }
  // A lone number word or digit answers a menu too («دو»).
  if (words.length === 1) {
    const v = /^\d$/.test(words[0]) ? Number(words[0]) : words[0] === 'نه' ? undefined : numberWordValue(words[0]);
    if (v !== undefined && v >= 1 && v <= 9) return v;
  }
  return undefined;
}

/** The longest run of adjacent digit groups («0 912 345 67 89» → «09123456789»). */
function parseDigits(numbered: string[], words: string[]): { digits: string; number?: number } | null {
  let best: string[] = [];
  let run: string[] = [];
  for (const t of [...numbered, '']) {
    if (/^\d+$/.test(t)) run.push(t);
    else {
      if (run.join('').length > best.join('').length) best = run;
      run = [];
    }
  }
  if (best.length === 0 && words.length === 1 && (words[0] === 'یک' || words[0] === 'یه')) best = ['1'];
  if (best.length === 0) return null;
  const digits = best.join('');
  const number = best.length === 1 && Number.isSafeInteger(Number(digits)) ? Number(digits) : undefined;
  return { digits, number };
}

function jalaliDate(offsetDays: number, now: Date, timeZone: string) {
  const at = new Date(now.getTime() + offsetDays * 86_400_000);
  const parts = zonedFormat('en-u-ca-persian-nu-latn', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

function parseDate(words: string[], options: SlotOptions): Slots['date'] | undefined {
  for (const w of words) {
    let m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(w);
    if (m) return valid({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) });
    m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(w);
    if (m) return valid({ year: Number(m[3]), month: Number(m[2]), day: Number(m[1]) });
  }
  const ord = words.map(deOrdinal);
  const spans = findNumberSpans(ord);
  const single = (start: number, end: number) => {
    // Lone ambiguous words («یک», «سی») are numbers here: a month name right after makes them days.
    const span = spans.find((s) => s.end === end) ?? spans.find((s) => s.start === start);
    if (span) return Number(span.groups[span.groups.length - 1]);
    const v = /^\d+$/.test(ord[start]) ? Number(ord[start]) : numberWordValue(ord[start]);
    return v;
  };
  for (const m of matchPhrases(grammar('dates'), words)) {
    if (m.value.startsWith('relative:')) {
      return jalaliDate(Number(m.value.slice(9)), options.now ?? new Date(), options.timeZone ?? 'Asia/Tehran');
    }
    if (!m.value.startsWith('month:') || m.start === 0) continue;
    const day = single(m.start - 1, m.start);
    if (day === undefined || day < 1 || day > 31) continue;
    const month = Number(m.value.slice(6));
    const yearSpan = spans.find((s) => s.start === m.end);
    const typedYear = /^\d{4}$/.test(ord[m.end] ?? '') ? Number(ord[m.end]) : undefined;
    const year = typedYear ?? (yearSpan && yearSpan.groups.length === 1 ? Number(yearSpan.groups[0]) : undefined);
    return valid({ ...(year !== undefined && year >= 1300 && year <= 1500 ? { year } : {}), month, day });
  }
  return undefined;
}

function valid(d: { year?: number; month: number; day: number }) {
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31) return undefined;
  if (d.month > 6 && d.day > 30) return undefined;
  return d;
}

function parseTime(words: string[], numbered: string[]): Slots['time'] | undefined {
  for (const t of numbered) {
    const m = /^(\d{1,2}):(\d{2})$/.exec(t);
    if (m && Number(m[1]) < 24 && Number(m[2]) < 60) return { hour: Number(m[1]), minute: Number(m[2]) };
  }
  const marks = matchPhrases(grammar('dates'), words);
  const spans = findNumberSpans(words);
  // «ساعت یک»: a lone «یک»/«نه»/«سی» is not a number span on its own, but after «ساعت» it is.
  for (const m of marks) {
    if (m.value !== 'hour-word' || spans.some((s) => s.start === m.end)) continue;
    const v = numberWordValue(words[m.end] ?? '');
    if (v !== undefined) spans.push({ start: m.end, end: m.end + 1, groups: [String(v)] });
  }
  for (const span of spans) {
    const before = marks.find((m) => m.end === span.start && m.value === 'hour-word');
    const after = (i: number) => marks.find((m) => m.start === i);
    let hour = Number(span.groups[0]);
    let minute = 0;
    let next = span.end;
    if (span.groups.length === 2 && words[span.end] === 'دقیقه') {
      minute = Number(span.groups[1]);
      next = span.end + 1;
    } else if (span.groups.length !== 1) continue;
    if (words[next] === 'و') {
      const mm = after(next + 1);
      if (mm?.value.startsWith('minutes:')) {
        minute = Number(mm.value.slice(8));
        next = mm.end;
      }
    }
    const part = after(next);
    const isPart = part?.value.startsWith('daypart:');
    if (!before && !isPart) continue;
    if (isPart) {
      const shift = part!.value.slice(8);
      if (shift === '12' && hour < 12) hour += 12;
      if (shift === 'noon' && hour < 6) hour += 12;
    }
    if (hour > 24 || minute >= 60) continue;
    return { hour: hour === 24 ? 0 : hour, minute };
  }
  return undefined;
}
