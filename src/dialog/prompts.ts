import { zonedFormat } from '../text/clock.js';

/**
 * Everything the bot says that is not an FAQ answer. Short, polite, positive (say what the bot can
 * do), a human always one word or one key away — see the phrasing guidance in DESIGN.md.
 * Fixed texts are synthesised into the answer cache at start-up, so they cost nothing per call.
 */
export interface PromptContext {
  companyName: string;
  botName: string;
}

const persianDigits = '۰۱۲۳۴۵۶۷۸۹';
export const toPersianDigits = (n: number | string) => String(n).replace(/\d/g, (d) => persianDigits[Number(d)]);

/** Hour of day in the call centre's time zone (Tehran by default), whatever the server's zone. */
export function localHour(now: Date, timeZone: string): number {
  return Number(zonedFormat('en-GB', { timeZone, hour: 'numeric', hourCycle: 'h23' }).format(now)) % 24;
}

export function timeOfDayGreeting(hour: number): string {
  if (hour >= 5 && hour < 12) return 'صبح بخیر';
  if (hour >= 12 && hour < 17) return 'ظهر بخیر';
  if (hour >= 17 && hour < 21) return 'عصر بخیر';
  return 'شب بخیر';
}

export function greeting(ctx: PromptContext, hour: number, callerName?: string | null): string {
  const hello = timeOfDayGreeting(hour);
  const who = callerName ? `${callerName} عزیز، ` : '';
  // Short on purpose: callers are impatient, and the way to a human is said up front.
  return `${who}${hello}، به ${ctx.companyName} خوش آمدید؛ ${ctx.botName} هستم. چطور می‌توانم کمکتان کنم؟ برای صحبت با همکارانم، صفر را بزنید.`;
}

export const prompts = {
  anythingElse: 'آیا کار دیگری هست که بتوانم برایتان انجام دهم؟',
  goAhead: 'بفرمایید، در خدمتتان هستم.',
  goodbye: 'از تماس شما سپاسگزاریم. روزتان خوش، خدانگهدار.',
  noInput: 'صدایی نشنیدم. لطفاً پرسش خود را بفرمایید، یا برای صحبت با همکارانم کلید صفر را بزنید.',
  noMatch: 'می‌خواهم درست متوجه شوم؛ لطفاً پرسش خود را کوتاه‌تر بفرمایید، یا برای صحبت با همکارانم کلید صفر را بزنید.',
  engineError: 'پوزش می‌خواهم، صدایتان را به‌خوبی دریافت نکردم. لطفاً دوباره بفرمایید، یا برای صحبت با همکارانم کلید صفر را بزنید.',
  transferring: 'تماس شما را به یکی از همکارانم وصل می‌کنم. لطفاً گوشی را نگه دارید.',
  nothingToRepeat: 'هنوز پاسخی برای تکرار ندارم. لطفاً پرسش خود را بفرمایید.',
  invalidChoice: 'این گزینه در فهرست نبود.',
  stillHere: 'بسیار خب. من همچنان در خدمتتان هستم؛ اگر پرسشی دارید بفرمایید.',
  rejected: 'پوزش می‌خواهم. لطفاً پرسشتان را با کلمات دیگری بفرمایید، یا برای صحبت با همکارانم کلید صفر را بزنید.',
  // The recogniser was unsure of what it heard: the line or the voice, not the caller's words.
  unclear: 'صدایتان را واضح نشنیدم. لطفاً پرسشتان را کوتاه و شمرده بفرمایید، یا برای صحبت با همکارانم کلید صفر را بزنید.',
} as const;

/** «Did you mean …?», short, answered by voice or by key 1 / 2. */
export function confirmQuestion(label: string, fromQuestion = false): string {
  const what = fromQuestion ? `این است: ${stripQuestionMark(label)}` : `${stripQuestionMark(label)} است`;
  return `منظورتان ${what}؟ بله یا نه؟ می‌توانید کلید یک یا دو را هم بزنید.`;
}

export function clarify(questions: readonly string[]): string {
  const ordinal = ['اول', 'دوم', 'سوم', 'چهارم'];
  const items = questions.map((q, i) => `${ordinal[i]}، ${stripQuestionMark(q)}`);
  const keys = questions.map((_, i) => toPersianDigits(i + 1)).join('، ');
  return `منظورتان کدام است؟ ${items.join('؛ ')}. می‌توانید شماره‌ی گزینه را بگویید یا کلید ${keys} را بزنید.`;
}

function stripQuestionMark(q: string): string {
  return q.replace(/[؟?.!]+\s*$/u, '');
}

/** Fixed prompt texts by key: pre-synthesised into the cache; ops may replace any with a recording. */
export function fixedPrompts(ctx: PromptContext): Record<string, string> {
  const out: Record<string, string> = { ...prompts };
  for (const hour of [8, 13, 18, 23]) out[`greeting_${timeOfDayGreeting(hour).split(' ')[0]}`] = greeting(ctx, hour);
  return out;
}
