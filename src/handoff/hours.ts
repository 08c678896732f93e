import { z } from 'zod';
import { zonedFormat } from '../text/clock.js';

/**
 * When a queue has people to answer: weekdays and hours in the call centre's time zone (Tehran by
 * default), minus holidays given as Jalali dates (`1405-01-13`, or `01-01` for every year's
 * Nowruz). Pure functions of a clock reading, so tests run them at 03:00 without waiting for it.
 */
export const WEEKDAYS = ['sat', 'sun', 'mon', 'tue', 'wed', 'thu', 'fri'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM (24-hour)');

export const businessHoursSchema = z.object({
  days: z.array(z.enum(WEEKDAYS)).default(['sat', 'sun', 'mon', 'tue', 'wed']).describe('Working weekdays'),
  open: hhmm.default('08:00').describe('Opening time, HH:MM in timezone'),
  close: hhmm.default('17:00').describe('Closing time, HH:MM in timezone'),
  byDay: z.partialRecord(z.enum(WEEKDAYS), z.object({ open: hhmm, close: hhmm })).default({}).describe('Other hours on some weekdays, e.g. {"thu": {"open": "08:00", "close": "13:00"}}'),
});
export type BusinessHours = z.infer<typeof businessHoursSchema>;

export const jalaliDateSchema = z.string().regex(/^(\d{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a holiday is a Jalali date YYYY-MM-DD or MM-DD (every year)');

export interface LocalTime {
  /** Jalali calendar date. */
  year: number;
  month: number;
  day: number;
  weekday: Weekday;
  /** Minutes since local midnight. */
  minutes: number;
}

const WEEKDAY_OF: Record<string, Weekday> = { Sat: 'sat', Sun: 'sun', Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri' };

/** The clock reading as a Jalali date, weekday and time of day in `timeZone`. */
export function localTime(now: Date, timeZone: string): LocalTime {
  const f = zonedFormat('en-US-u-ca-persian-nu-latn', {
    timeZone, year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23',
  });
  const parts = Object.fromEntries(f.formatToParts(now).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAY_OF[parts.weekday],
    minutes: (Number(parts.hour) % 24) * 60 + Number(parts.minute),
  };
}

const toMinutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
const pad = (n: number) => String(n).padStart(2, '0');

export function isHoliday(t: Pick<LocalTime, 'year' | 'month' | 'day'>, holidays: readonly string[]): boolean {
  const md = `${pad(t.month)}-${pad(t.day)}`;
  return holidays.includes(md) || holidays.includes(`${t.year}-${md}`);
}

function hoursOn(t: LocalTime, hours: BusinessHours, holidays: readonly string[]): { open: number; close: number } | null {
  if (isHoliday(t, holidays) || !hours.days.includes(t.weekday)) return null;
  const day = hours.byDay[t.weekday] ?? hours;
  return { open: toMinutes(day.open), close: toMinutes(day.close) };
}

export type Availability =
  | { open: true }
  | { open: false; reason: 'closed' | 'holiday'; nextOpen: Date | null };

/** Whether the queue is within its hours at `now`; when not, why and when it opens next. */
export function availability(now: Date, hours: BusinessHours | null, holidays: readonly string[], timeZone: string): Availability {
  if (!hours) return { open: true };
  const t = localTime(now, timeZone);
  const today = hoursOn(t, hours, holidays);
  if (today && t.minutes >= today.open && t.minutes < today.close) return { open: true };
  return { open: false, reason: isHoliday(t, holidays) ? 'holiday' : 'closed', nextOpen: nextOpening(now, hours, holidays, timeZone) };
}

/** The next opening time within three weeks (a long holiday included), or null. */
export function nextOpening(now: Date, hours: BusinessHours, holidays: readonly string[], timeZone: string): Date | null {
  const t = localTime(now, timeZone);
  for (let ahead = 0; ahead < 21; ahead++) {
    // Noon of the day `ahead` days on: clear of any daylight-saving shift around midnight.
    const noon = new Date(now.getTime() + (ahead * 24 * 60 + (12 * 60 - t.minutes)) * 60_000);
    const day = localTime(noon, timeZone);
    const h = hoursOn(day, hours, holidays);
    if (!h) continue;
    if (ahead === 0 && t.minutes >= h.open) continue;
    return new Date(noon.getTime() + (h.open - 12 * 60) * 60_000);
  }
  return null;
}

const WEEKDAY_NAMES: Record<Weekday, string> = { sat: 'شنبه', sun: 'یکشنبه', mon: 'دوشنبه', tue: 'سه‌شنبه', wed: 'چهارشنبه', thu: 'پنجشنبه', fri: 'جمعه' };
const HOUR_WORDS = ['دوازده', 'یک', 'دو', 'سه', 'چهار', 'پنج', 'شش', 'هفت', 'هشت', 'نه', 'ده', 'یازده', 'دوازده'];

/** «فردا ساعت هشت», «شنبه ساعت هشت و نیم»: when the queue opens, as the bot says it. */
export function whenOpens(now: Date, next: Date, timeZone: string): string {
  const a = localTime(now, timeZone);
  const b = localTime(next, timeZone);
  const same = (x: LocalTime, y: LocalTime) => x.year === y.year && x.month === y.month && x.day === y.day;
  const tomorrow = localTime(new Date(now.getTime() + 86_400_000), timeZone);
  const day = same(a, b) ? 'امروز' : same(tomorrow, b) ? 'فردا' : WEEKDAY_NAMES[b.weekday];
  const hour = Math.floor(b.minutes / 60);
  const minute = b.minutes % 60;
  const spoken = `${HOUR_WORDS[hour % 12 === 0 && hour !== 0 ? 12 : hour % 12]}${minute === 30 ? ' و نیم' : minute ? ` و ${minute} دقیقه` : ''}`;
  const part = hour < 12 ? 'صبح' : hour < 17 ? 'بعدازظهر' : 'عصر';
  return `${day} ساعت ${spoken} ${part}`;
}
