import { cardinal, ordinal } from '../engines/tts/spoken/index.js';
import { jalaliParts, parseLocalDate } from './schedule.js';

const MONTHS = ['فروردین', 'اردیبهشت', 'خرداد', 'تیر', 'مرداد', 'شهریور', 'مهر', 'آبان', 'آذر', 'دی', 'بهمن', 'اسفند'];

const toAscii = (s: string) =>
  s.replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0)).replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660)).replace(/[٬،]/g, ',');

/**
 * A contact's value as the bot should say it: amounts and numbers in words («یک میلیون و دویست و
 * پنجاه هزار»), Gregorian and Jalali dates as Jalali dates in words («چهاردهم آذر هزار و چهارصد و
 * پنج»). Codes (leading zero, or very long) and anything else are left to the voice's own reading.
 */
export function spokenValue(value: string, timeZone = 'Asia/Tehran'): string {
  const v = toAscii(value.trim());
  if (/^\d{1,3}(,\d{3})+$/.test(v) || (/^[1-9]\d{0,14}$/.test(v) && v.length <= 15)) return cardinal(v.replace(/,/g, ''));
  const date = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(v);
  if (date) {
    const at = parseLocalDate(v, timeZone);
    if (at) {
      const j = jalaliParts(at, timeZone);
      return `${ordinal(j.day)} ${MONTHS[j.month - 1]} ${cardinal(j.year)}`;
    }
  }
  return value.trim();
}

/** `{name}` and any contact column (`{amount}`, `{due_date}`) → the contact's value, said in Persian. */
export function renderText(template: string, contact: { name: string | null; vars: Record<string, string> }, timeZone?: string): string {
  return template
    .replace(/\{([\p{L}\p{N}_\-\u200c]+)\}/gu, (_m, key: string) => {
      const value = key === 'name' ? contact.name : contact.vars[key];
      return value ? spokenValue(value, timeZone) : '';
    })
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
