import { describe, expect, it } from 'vitest';
import { callbackConfirmed, ordinal, positionAnnouncement, spellDigits, waitDuration } from '../src/handoff/phrases.js';
import { validCallbackNumber, yesNo } from '../src/handoff/wait.js';
import { dtmf, speech } from './helpers/handoff_caller_double.js';

describe('what the waiting caller hears', () => {
  it('says places as Persian ordinals and waits as rounded, spoken durations', () => {
    expect([1, 2, 3, 4, 12, 21].map(ordinal)).toEqual(['اول', 'دوم', 'سوم', 'چهارم', 'دوازدهم', 'بیست و یکم']);
    expect(waitDuration(20)).toBe('کمتر از یک دقیقه');
    expect(waitDuration(180)).toBe('حدود سه دقیقه');
    expect(waitDuration(200)).toBe('حدود سه دقیقه');
    expect(waitDuration(3900)).toBe('حدود یک ساعت و پنج دقیقه');
    expect(positionAnnouncement(2, 180)).toBe('شما نفر دوم صف هستید؛ زمان تقریبی انتظار حدود سه دقیقه است.');
    // No agent on duty: no invented estimate.
    expect(positionAnnouncement(1, null)).not.toMatch(/دقیقه/);
  });

  it('reads phone numbers digit by digit', () => {
    expect(spellDigits('0912')).toBe('صفر نه یک دو');
    expect(spellDigits('+98')).toBe('نه هشت');
    expect(callbackConfirmed('0912', 3)).toContain('نفر سوم');
  });
});

describe('what the waiting caller answers', () => {
  it('takes key 1 / 2 and spoken yes / no, whatever the keyboard the text was typed on', () => {
    expect(yesNo(dtmf('1'))).toBe('yes');
    expect(yesNo(dtmf('2'))).toBe('no');
    expect(yesNo(dtmf('5'))).toBeNull();
    expect(yesNo(speech('بله'))).toBe('yes');
    expect(yesNo(speech('آره لطفاً تماس بگیرید'))).toBe('yes');
    expect(yesNo(speech('نه ممنون'))).toBe('no');
    expect(yesNo(speech('خير'))).toBe('no');
    expect(yesNo(speech('اشتباه است'))).toBe('no');
    expect(yesNo(speech('چی گفتید'))).toBeNull();
    // The NLU's yes/no slot wins over the words.
    expect(yesNo(speech('همین شماره', { yesNo: 'yes' }))).toBe('yes');
    expect(yesNo(speech('تماس بگیرید', {}, 'callback'))).toBe('yes');
  });

  it('accepts dialable numbers in any digits and rejects incomplete ones', () => {
    expect(validCallbackNumber('09121234567')).toBe('09121234567');
    expect(validCallbackNumber('۰۹۱۲۱۲۳۴۵۶۷')).toBe('09121234567');
    expect(validCallbackNumber('٠٩١٢١٢٣٤٥٦٧')).toBe('09121234567');
    expect(validCallbackNumber('+989121234567')).toBe('+989121234567');
    expect(validCallbackNumber('00989121234567')).toBe('+989121234567');
    expect(validCallbackNumber('0912 123 45 67')).toBe('09121234567');
    expect(validCallbackNumber('0912')).toBeNull();
    expect(validCallbackNumber('anonymous')).toBeNull();
    expect(validCallbackNumber(null)).toBeNull();
  });
});
