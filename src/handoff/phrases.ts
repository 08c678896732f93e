import { addOrdinalSuffix, numberToWords } from '@persian-tools/persian-tools';

/**
 * What the caller hears while waiting for a person: their place, an honest estimate, and a way
 * out (call-back) — never an "invisible queue". Short sentences; numbers as words so the TTS
 * reads them naturally.
 */
const words = (n: number) => String(numberToWords(n));

export function ordinal(n: number): string {
  if (n === 1) return 'اول';
  return String(addOrdinalSuffix(words(n)));
}

export function waitDuration(seconds: number): string {
  if (seconds < 60) return 'کمتر از یک دقیقه';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `حدود ${words(minutes)} دقیقه`;
  const hours = Math.floor(minutes / 60);
  const rest = Math.round((minutes % 60) / 5) * 5;
  return rest > 0 ? `حدود ${words(hours)} ساعت و ${words(rest)} دقیقه` : `حدود ${words(hours)} ساعت`;
}

export function positionAnnouncement(position: number, estimateSeconds: number | null): string {
  const place = `شما نفر ${ordinal(position)} صف هستید`;
  // Nobody on duty: no made-up estimate; the call-back offer that follows is the better way out.
  if (estimateSeconds == null) return `${place}؛ همکارانم در این لحظه در دسترس نیستند و به‌محض حضور، به‌ترتیب پاسخگوی شما خواهند بود.`;
  return `${place}؛ زمان تقریبی انتظار ${waitDuration(estimateSeconds)} است.`;
}

export const handoffPhrases = {
  allBusy: 'همه‌ی همکارانم در حال پاسخگویی هستند. لطفاً گوشی را نگه دارید.',
  callbackOffer: 'اگر ترجیح می‌دهید به‌جای انتظار با شما تماس بگیریم، کلید یک را بزنید یا بگویید «بله».',
  enterNumber: 'لطفاً شماره‌ی تماس را با صفحه‌کلید وارد کنید و در پایان کلید مربع را بزنید.',
  numberNotValid: 'این شماره کامل نبود.',
  callbackFailed: 'ثبت درخواست تماس انجام نشد؛ در صف می‌مانید و جایگاهتان حفظ شده است.',
  connecting: 'یکی از همکارانم آماده‌ی پاسخگویی است. تماس شما را وصل می‌کنم.',
  transferring: 'تماس شما را به همکارانم منتقل می‌کنم. لطفاً گوشی را نگه دارید.',
  /** Said after why nobody can answer now (closed, holiday, a long wait): the ways out. */
  insteadOffer: 'اگر مایلید با شما تماس بگیریم، کلید یک را بزنید یا بگویید «بله»؛ برای گذاشتن پیام کوتاه کلید دو را بزنید.',
  longWait: 'پوزش می‌خواهم که انتظارتان طولانی شد؛ همکارانم هنوز مشغول پاسخگویی هستند.',
  messagePrompt: 'لطفاً پیام کوتاهتان را پس از این جمله بگویید.',
  messageTaken: 'پیام شما ثبت شد و همکارانم به‌نوبت با شما تماس می‌گیرند. از تماس شما سپاسگزاریم، خدانگهدار.',
  messageMissing: 'پیامی نشنیدم.',
  callbackNotTaken: 'ثبت درخواست تماس انجام نشد.',
  defaultHold: [
    'از شکیبایی شما سپاسگزاریم؛ به‌زودی یکی از همکارانم پاسخگوی شما خواهد بود.',
    'لطفاً گوشی را نگه دارید؛ جایگاه شما در صف حفظ می‌شود.',
    'تماس شما برای ما مهم است؛ از صبرتان متشکریم.',
  ],
} as const;

/** Reads a number digit by digit ("صفر نهصد و دوازده…" would be wrong for a phone number). */
export function spellDigits(number: string): string {
  const names = ['صفر', 'یک', 'دو', 'سه', 'چهار', 'پنج', 'شش', 'هفت', 'هشت', 'نه'];
  return [...number.replace(/^\+/, '')].map((d) => names[Number(d)] ?? d).join(' ');
}

export function confirmNumber(number: string, isOwn: boolean): string {
  const spoken = spellDigits(number);
  return isOwn
    ? `با همین شماره، ${spoken}، تماس بگیریم؟ برای تأیید کلید یک، و برای وارد کردن شماره‌ی دیگر کلید دو را بزنید.`
    : `شماره‌ی ${spoken} را وارد کردید. درست است؟ برای تأیید کلید یک، و برای وارد کردن دوباره کلید دو را بزنید.`;
}

export function callbackConfirmed(number: string, position: number | null): string {
  const place = position ? ` جایگاه شما، نفر ${ordinal(position)}، در صف حفظ می‌شود و` : ' جایگاه شما در صف حفظ می‌شود و';
  return `درخواست تماس ثبت شد.${place} همکارانم به‌نوبت با شماره‌ی ${spellDigits(number)} تماس می‌گیرند. از تماس شما سپاسگزاریم، خدانگهدار.`;
}

/**
 * Outside business hours, plainly: when the people are back, and that the bot still answers.
 * `when` is hours.ts's «فردا ساعت هشت صبح»; null when no opening is in sight.
 */
export function closedAnnouncement(reason: 'closed' | 'holiday', when: string | null): string {
  const now = reason === 'holiday' ? 'امروز تعطیل است و همکارانم در دسترس نیستند' : 'در این ساعت همکارانم در دسترس نیستند';
  return when ? `${now}؛ از ${when} پاسخگوی شما هستند.` : `${now}.`;
}
