import { describe, expect, it } from 'vitest';
import { cardinal, codeGroups, createSpokenForm, ordinal, toSpokenForm } from '../src/engines/tts/spoken/index.js';

describe('cardinal and ordinal numbers are written as Persians say them', () => {
  it.each([
    [0, 'صفر'],
    [7, 'هفت'],
    [12, 'دوازده'],
    [40, 'چهل'],
    [105, 'صد و پنج'],
    [912, 'نهصد و دوازده'],
    [1000, 'هزار'],
    [1403, 'هزار و چهارصد و سه'],
    [21_000, 'بیست و یک هزار'],
    [1_250_000, 'یک میلیون و دویست و پنجاه هزار'],
    [2_000_000_000, 'دو میلیارد'],
  ])('%i → %s', (n, words) => {
    expect(cardinal(n)).toBe(words);
  });

  it.each([
    [1, 'یکم'],
    [2, 'دوم'],
    [3, 'سوم'],
    [12, 'دوازدهم'],
    [23, 'بیست و سوم'],
    [30, 'سی\u200cام'],
    [31, 'سی و یکم'],
  ])('ordinal %i → %s', (n, words) => {
    expect(ordinal(n)).toBe(words);
  });

  it('reads digits written with ۳ام / ۲مین as ordinals', () => {
    expect(toSpokenForm('قسط ۳ام')).toBe('قسط سوم');
    expect(toSpokenForm('برای ۲مین بار')).toBe('برای دومین بار');
  });

  it('accepts Persian, Arabic-Indic and ASCII digits alike', () => {
    expect(toSpokenForm('۱۵ دقیقه')).toBe('پانزده دقیقه');
    expect(toSpokenForm('١٥ دقیقه')).toBe('پانزده دقیقه');
    expect(toSpokenForm('15 دقیقه')).toBe('پانزده دقیقه');
  });
});

describe('amounts', () => {
  it('reads separated amounts in تومان and ریال as one number', () => {
    expect(toSpokenForm('مبلغ ۱,۲۵۰,۰۰۰ تومان است.')).toBe('مبلغ یک میلیون و دویست و پنجاه هزار تومان است.');
    expect(toSpokenForm('۳٬۵۰۰٬۰۰۰ ریال')).toBe('سه میلیون و پانصد هزار ریال');
  });
  it('reads a long unseparated run followed by a currency as an amount, not a code', () => {
    expect(toSpokenForm('۱۲۵۰۰۰۰۰ ریال')).toBe('دوازده میلیون و پانصد هزار ریال');
    expect(toSpokenForm('۱۲۵ هزار تومان')).toBe('صد و بیست و پنج هزار تومان');
  });
  it('reads percentages and decimals', () => {
    expect(toSpokenForm('۲۰٪ تخفیف')).toBe('بیست درصد تخفیف');
    expect(toSpokenForm('۲٫۵ گیگ')).toBe('دو ممیز پنج گیگ');
  });
});

describe('Jalali dates and times', () => {
  it('reads «۱۲ مرداد ۱۴۰۳» with the year as a number', () => {
    expect(toSpokenForm('۱۲ مرداد ۱۴۰۳')).toBe('دوازده مرداد هزار و چهارصد و سه');
  });
  it('reads numeric 1403/05/12 and 1403-5-1 as day-month-year with the month name', () => {
    expect(toSpokenForm('تاریخ 1403/05/12')).toBe('تاریخ دوازدهم مرداد هزار و چهارصد و سه');
    expect(toSpokenForm('۱۴۰۲-۱۲-۲۹')).toBe('بیست و نهم اسفند هزار و چهارصد و دو');
    expect(toSpokenForm('۱۴۰۳/۱/۱')).toBe('یکم فروردین هزار و چهارصد و سه');
  });
  it('leaves impossible dates to the ordinary number rules', () => {
    expect(toSpokenForm('1403/13/40')).not.toContain('فروردین');
  });
  it('reads times, adding «ساعت» only when it is not already there', () => {
    expect(toSpokenForm('ساعت 14:30')).toBe('ساعت چهارده و سی دقیقه');
    expect(toSpokenForm('از ۸:۰۰ تا ۱۷:۱۵')).toBe('از ساعت هشت تا ساعت هفده و پانزده دقیقه');
  });
});

describe('phone numbers and codes', () => {
  it('dictates mobile numbers in 4-3-2-2 groups, whatever the prefix or spacing', () => {
    const said = 'صفر نهصد و دوازده، صد و بیست و سه، چهل و پنج، شصت و هفت';
    expect(toSpokenForm('09121234567')).toBe(said);
    expect(toSpokenForm('۰۹۱۲ ۱۲۳ ۴۵ ۶۷')).toBe(said);
    expect(toSpokenForm('+989121234567')).toBe(said);
    expect(toSpokenForm('0912-123-4567')).toBe(said);
  });
  it('keeps zeros inside groups: 09350045007', () => {
    expect(toSpokenForm('09350045007')).toBe('صفر نهصد و سی و پنج، صفر صفر چهار، پنجاه، صفر هفت');
  });
  it('reads a landline as area code then pairs', () => {
    expect(toSpokenForm('۰۲۱-۸۸۰۰۱۲۳۴')).toBe('صفر بیست و یک، هشتاد و هشت، صفر صفر، دوازده، سی و چهار');
  });
  it('reads tracking codes and SMS short codes digit by digit in groups', () => {
    expect(toSpokenForm('کد پیگیری ۱۲۳۴۵۶۷۸۹۰')).toBe('کد پیگیری یک دو سه، چهار پنج شش، هفت هشت نه صفر');
    expect(toSpokenForm('سامانه‌ی پیامکی ۳۰۰۰۱۲۳۴')).toBe('سامانه‌ی پیامکی سه صفر صفر صفر، یک دو سه چهار');
    expect(toSpokenForm('کد ۴۵۶')).toBe('کد چهار پنج شش');
  });
  it('reads a short number with no code context as a number (house numbers)', () => {
    expect(toSpokenForm('پلاک ۱۲۳۴')).toBe('پلاک هزار و دویست و سی و چهار');
  });
  it('groups digits so that no digit is left alone', () => {
    expect(codeGroups('1234567')).toEqual(['123', '4567']);
    expect(codeGroups('1234123412341234')).toEqual(['1234', '1234', '1234', '1234']);
    expect(codeGroups('12345')).toEqual(['123', '45']);
  });
  it('reads USSD codes symbol by symbol', () => {
    expect(toSpokenForm('*141*1#')).toBe('ستاره یک چهار یک ستاره یک مربع');
  });
});

describe('Latin ISP terms, addresses and the lexicon', () => {
  it('spells acronyms with Persian letter names', () => {
    expect(toSpokenForm('چراغ ADSL روشن است')).toBe('چراغ ای دی اس ال روشن است');
    expect(toSpokenForm('سرویس VDSL')).toBe('سرویس وی دی اس ال');
    expect(toSpokenForm('آدرس IP و SMS')).toBe('آدرس آی پی و اس ام اس');
  });
  it('says word-like terms and modem brands as words', () => {
    expect(toSpokenForm('رمز Wi-Fi')).toBe('رمز وای فای');
    expect(toSpokenForm('چراغ Internet')).toBe('چراغ اینترنت');
    expect(toSpokenForm('مودم TP-Link یا Huawei')).toBe('مودم تی پی لینک یا هوآوی');
    expect(toSpokenForm('سرعت 16 Mbps')).toBe('سرعت شانزده مگابیت بر ثانیه');
  });
  it('reads IP addresses octet by octet', () => {
    expect(toSpokenForm('نشانی ۱۹۲.۱۶۸.۱.۱ را باز کنید')).toBe('نشانی صد و نود و دو نقطه صد و شصت و هشت نقطه یک نقطه یک را باز کنید');
  });
  it('reads URLs and e-mail addresses label by label', () => {
    expect(toSpokenForm('به https://www.google.com/ بروید')).toBe('به دبلیو دبلیو دبلیو نقطه گوگل نقطه کام بروید');
    expect(toSpokenForm('my.isp.ir')).toBe('ام وای نقطه آی اس پی نقطه آی آر');
  });
  it('uses the configured lexicon for brand names, in addresses too, and over built-ins', () => {
    const say = createSpokenForm({ lexicon: { Netasa: 'نِت آسا', 'نت‌آسا': 'نِت آسا', modem: 'مودِم' } });
    expect(say('سایت www.netasa.ir')).toBe('سایت دبلیو دبلیو دبلیو نقطه نِت آسا نقطه آی آر');
    expect(say('اپلیکیشن نت‌آسا و NETASA')).toBe('اپلیکیشن نِت آسا و نِت آسا');
    expect(say('modem')).toBe('مودِم');
  });
  it('normalises Arabic letters and leaves no Latin letters or digits behind', () => {
    const said = toSpokenForm('كد پيگيري 98765 و ADSL2+ روی مودم ZXHN H108N');
    expect(said).toContain('کد پیگیری');
    expect(said).not.toMatch(/[A-Za-z0-9\u06F0-\u06F9]/);
  });
  it('is idempotent, so an engine may normalise text the cache already normalised', () => {
    const once = toSpokenForm('با ۰۹۱۲۱۲۳۴۵۶۷ و ADSL در ۱۴۰۳/۰۵/۱۲ ساعت ۱۴:۳۰ مبلغ ۱,۰۰۰ تومان');
    expect(toSpokenForm(once)).toBe(once);
  });
});
