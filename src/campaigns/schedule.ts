/**
 * Calling windows in the campaign's time zone (Asia/Tehran by default): days of the week, opening
 * hours, holidays, and the campaign's first and last day. Dates may be written in the Gregorian
 * (ISO `2026-03-21`, `2026-03-21T09:00`) or the Jalali calendar (`1405/01/01`, `۱۴۰۵-۰۱-۰۱ 09:00`).
 * All clock arithmetic goes through Intl, so the server's own zone never matters.
 */
import { zonedFormat } from '../text/clock.js';

export const DAYS = ['sat', 'sun', 'mon', 'tue', 'wed', 'thu', 'fri'] as const;
export type Day = (typeof DAYS)[number];

export interface Window {
  days: Day[];
  from: string;
  to: string;
}

export interface Schedule {
  timezone: string;
  start?: string;
  end?: string;
  windows: Window[];
  holidays?: string[];
}

/** Saturday to Thursday, 09:00–20:00: the Iranian working week; Fridays are skipped. */
export const DEFAULT_WINDOWS: Window[] = [{ days: ['sat', 'sun', 'mon', 'tue', 'wed', 'thu'], from: '09:00', to: '20:00' }];

const toAscii = (s: string) =>
  s.replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0)).replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660));

export interface LocalTime {
  day: Day;
  /** Gregorian local date, YYYY-MM-DD. */
  date: string;
  /** Jalali local date, YYYY/MM/DD. */
  jalali: string;
  /** Minutes since local midnight. */
  minutes: number;
}

export function localTime(at: Date, timeZone: string): LocalTime {
  const f = zonedFormat('en-US', { timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  const j = jalaliParts(at, timeZone);
  return {
    day: p.weekday.toLowerCase().slice(0, 3) as Day,
    date: `${p.year}-${p.month}-${p.day}`,
    jalali: `${j.year}/${String(j.month).padStart(2, '0')}/${String(j.day).padStart(2, '0')}`,
    minutes: (Number(p.hour) % 24) * 60 + Number(p.minute),
  };
}

export function jalaliParts(at: Date, timeZone = 'UTC'): { year: number; month: number; day: number } {
  const f = zonedFormat('en-u-ca-persian-nu-latn', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return { year: Number(p.year), month: Number(p.month), day: Number(p.day) };
}

/** Jalali → Gregorian (UTC midnight of that day): an estimate, then corrected with Intl's Persian calendar. */
export function jalaliToGregorian(jy: number, jm: number, jd: number): Date | null {
  if (jm < 1 || jm > 12 || jd < 1 || jd > 31 || (jm > 6 && jd > 30)) return null;
  const dayOfYear = (jm <= 6 ? (jm - 1) * 31 : 186 + (jm - 7) * 30) + jd - 1;
  let t = Date.UTC(jy + 621, 2, 21) + dayOfYear * 86_400_000;
  for (let i = 0; i < 8; i++) {
    const p = jalaliParts(new Date(t));
    if (p.year === jy && p.month === jm && p.day === jd) return new Date(t);
    let diff = (jy - p.year) * 365 + (dayOfYearOf(jm, jd) - dayOfYearOf(p.month, p.day));
    // Leap years make the estimate a day out at a year's edge: step towards the target.
    if (diff === 0) diff = jy > p.year ? 1 : -1;
    t += diff * 86_400_000;
  }
  return null;
}

const dayOfYearOf = (m: number, d: number) => (m <= 6 ? (m - 1) * 31 : 186 + (m - 7) * 30) + d;

/** Offset of `timeZone` from UTC at `at`, in ms. */
function zoneOffset(at: number, timeZone: string): number {
  const f = zonedFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' });
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour) % 24, Number(p.minute), Number(p.second)) - at;
}

/**
 * A date or date-time as the campaign owner wrote it → the instant, in the campaign's zone.
 * Returns null when it is neither an ISO nor a Jalali date.
 */
export function parseLocalDate(input: string, timeZone: string): Date | null {
  const s = toAscii(input.trim());
  // A full ISO instant with its own offset means exactly that instant.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2}))?$/.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0)];
  if (h > 23 || mi > 59) return null;
  let midnight: number;
  if (y >= 1300 && y < 1500) {
    const g = jalaliToGregorian(y, mo, d);
    if (!g) return null;
    midnight = g.getTime();
  } else {
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
    midnight = Date.UTC(y, mo - 1, d);
    if (new Date(midnight).getUTCDate() !== d) return null;
  }
  const wall = midnight + (h * 60 + mi) * 60_000;
  const guess = wall - zoneOffset(wall, timeZone);
  return new Date(wall - zoneOffset(guess, timeZone));
}

/** The local day a date names, as YYYY-MM-DD (Gregorian), for holiday matching. */
export function localDayOf(input: string, timeZone: string): string | null {
  const d = parseLocalDate(input.replace(/[T ].*$/, ''), timeZone);
  return d ? localTime(d, timeZone).date : null;
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/** Whether a call may be placed at `at`: inside the campaign's dates and a window, not on a holiday. */
export function inWindow(schedule: Schedule, at: Date): boolean {
  const tz = schedule.timezone;
  if (schedule.start) {
    const start = parseLocalDate(schedule.start, tz);
    if (start && at < start) return false;
  }
  if (schedule.end) {
    const endText = schedule.end.trim();
    let end = parseLocalDate(endText, tz);
    // A bare date as the end means "through that day".
    if (end && !/[T ]\d|:/.test(toAscii(endText))) end = new Date(end.getTime() + 86_400_000);
    if (end && at >= end) return false;
  }
  const local = localTime(at, tz);
  for (const h of schedule.holidays ?? []) if (localDayOf(h, tz) === local.date) return false;
  return (schedule.windows.length ? schedule.windows : DEFAULT_WINDOWS).some(
    (w) => w.days.includes(local.day) && local.minutes >= minutesOf(w.from) && local.minutes < minutesOf(w.to),
  );
}

/** The next instant (to the minute, within two weeks) a window is open; `at` itself when one is. */
export function nextOpening(schedule: Schedule, at: Date): Date | null {
  if (inWindow(schedule, at)) return at;
  const step = 5 * 60_000;
  let t = Math.ceil(at.getTime() / step) * step;
  for (let i = 0; i < (14 * 24 * 60) / 5; i++, t += step) {
    if (inWindow(schedule, new Date(t))) {
      // Back to the exact minute it opened.
      let u = t - step + 60_000;
      while (u < t && !inWindow(schedule, new Date(u))) u += 60_000;
      return new Date(u);
    }
  }
  return null;
}
