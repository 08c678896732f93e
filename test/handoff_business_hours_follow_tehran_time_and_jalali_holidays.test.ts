import { describe, expect, it } from 'vitest';
import { availability, businessHoursSchema, localTime, whenOpens } from '../src/handoff/hours.js';
import { loadConfig } from '../src/config/load.js';

// Tehran is UTC+03:30 all year. 1405-09-15 (Jalali) is Sunday 2026-12-06.
const tehran = (iso: string) => new Date(`${iso}+03:30`);
const TZ = 'Asia/Tehran';
const hours = businessHoursSchema.parse({ days: ['sat', 'sun', 'mon', 'tue', 'wed', 'thu'], open: '08:00', close: '17:00', byDay: { thu: { open: '08:00', close: '13:00' } } });

describe('business hours', () => {
  it('reads the clock as a Jalali date, weekday and time in Tehran, whatever the server’s zone', () => {
    expect(localTime(tehran('2026-12-06T03:00:00'), TZ)).toEqual({ year: 1405, month: 9, day: 15, weekday: 'sun', minutes: 180 });
    expect(localTime(new Date('2026-03-20T20:30:00Z'), TZ)).toMatchObject({ year: 1405, month: 1, day: 1 });
  });

  it('is closed at 03:00 and says the queue opens at eight the same morning', () => {
    const now = tehran('2026-12-06T03:00:00');
    const a = availability(now, hours, [], TZ);
    expect(a).toEqual({ open: false, reason: 'closed', nextOpen: tehran('2026-12-06T08:00:00') });
    expect(whenOpens(now, tehran('2026-12-06T08:00:00'), TZ)).toBe('امروز ساعت هشت صبح');
  });

  it('is open in the working day, closes at the hour, and has its own hours on Thursday', () => {
    expect(availability(tehran('2026-12-06T08:00:00'), hours, [], TZ)).toEqual({ open: true });
    expect(availability(tehran('2026-12-06T16:59:00'), hours, [], TZ)).toEqual({ open: true });
    expect(availability(tehran('2026-12-06T17:00:00'), hours, [], TZ)).toMatchObject({ open: false, nextOpen: tehran('2026-12-07T08:00:00') });
    expect(availability(tehran('2026-12-10T13:30:00'), hours, [], TZ)).toMatchObject({ open: false, reason: 'closed' });
  });

  it('is closed on Friday and opens on Saturday, said as «فردا» or the weekday', () => {
    const friday = tehran('2026-12-11T10:00:00');
    const a = availability(friday, hours, [], TZ);
    expect(a).toMatchObject({ open: false, reason: 'closed', nextOpen: tehran('2026-12-12T08:00:00') });
    expect(whenOpens(friday, tehran('2026-12-12T08:00:00'), TZ)).toBe('فردا ساعت هشت صبح');
    expect(whenOpens(tehran('2026-12-10T20:00:00'), tehran('2026-12-12T08:00:00'), TZ)).toBe('شنبه ساعت هشت صبح');
  });

  it('is closed on the Jalali holidays of the list, every year’s (MM-DD) and one year’s (YYYY-MM-DD)', () => {
    const nowruz = ['01-01', '01-02', '01-03', '01-04'];
    const a = availability(tehran('2026-03-21T10:00:00'), hours, nowruz, TZ); // 1405-01-01, a Saturday
    expect(a).toMatchObject({ open: false, reason: 'holiday', nextOpen: tehran('2026-03-25T08:00:00') });
    expect(availability(tehran('2026-12-06T10:00:00'), hours, ['1405-09-15'], TZ)).toMatchObject({ open: false, reason: 'holiday' });
    expect(availability(tehran('2026-12-06T10:00:00'), hours, ['1404-09-15'], TZ)).toEqual({ open: true });
  });

  it('is always open when no hours are set (the default), and the config refuses a malformed holiday', () => {
    expect(availability(tehran('2026-12-06T03:00:00'), null, [], TZ)).toEqual({ open: true });
    expect(loadConfig({}, {}).handoff.hours).toBeNull();
    expect(() => loadConfig({}, { handoff: { holidays: ['1405/01/01'] } })).toThrow();
  });
});
