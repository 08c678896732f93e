import { digitByDigit } from './numbers.js';

/** English letter names as Iranians say them when spelling (ADSL → «ای دی اس ال»). */
export const LETTER_NAMES: Record<string, string> = {
  a: 'ای', b: 'بی', c: 'سی', d: 'دی', e: 'ای', f: 'اف', g: 'جی', h: 'اچ', i: 'آی', j: 'جی', k: 'کی',
  l: 'ال', m: 'ام', n: 'ان', o: 'او', p: 'پی', q: 'کیو', r: 'آر', s: 'اس', t: 'تی', u: 'یو', v: 'وی',
  w: 'دبلیو', x: 'ایکس', y: 'وای', z: 'زد',
};

/**
 * Latin words an ISP's answers use, said the way Persian speakers say them. Acronyms not listed
 * here are spelled with letter names, which is how they are said anyway (VDSL, FTTH, ONT …);
 * entries are only needed where the spoken form is a word («وای فای», «مودم») or mixed («تی پی لینک»).
 * Keys are lower case; `config.tts.lexicon` adds to and overrides them.
 */
export const BUILTIN_TERMS: Record<string, string> = {
  'wi-fi': 'وای فای',
  wifi: 'وای فای',
  internet: 'اینترنت',
  wireless: 'وایرلس',
  modem: 'مودم',
  router: 'روتر',
  lan: 'لن',
  wan: 'وَن',
  ping: 'پینگ',
  online: 'آنلاین',
  offline: 'آفلاین',
  login: 'لاگین',
  admin: 'ادمین',
  password: 'پسورد',
  username: 'یوزرنیم',
  user: 'یوزر',
  pppoe: 'پی پی پی او ای',
  wps: 'دبلیو پی اس',
  wpa: 'دبلیو پی ای',
  wpa2: 'دبلیو پی ای دو',
  fiber: 'فیبر',
  fibre: 'فیبر',
  ftth: 'اف تی تی اچ',
  speedtest: 'اسپید تست',
  app: 'اپ',
  android: 'اندروید',
  iphone: 'آیفون',
  ios: 'آی او اس',
  windows: 'ویندوز',
  google: 'گوگل',
  email: 'ایمیل',
  info: 'اینفو',
  support: 'ساپورت',
  'e-mail': 'ایمیل',
  www: 'دبلیو دبلیو دبلیو',
  com: 'کام',
  net: 'نت',
  org: 'اُرگ',
  ir: 'آی آر',
  http: 'اچ تی تی پی',
  https: 'اچ تی تی پی اس',
  // Units
  mbps: 'مگابیت بر ثانیه',
  kbps: 'کیلوبیت بر ثانیه',
  gbps: 'گیگابیت بر ثانیه',
  mb: 'مگابایت',
  gb: 'گیگابایت',
  kb: 'کیلوبایت',
  tb: 'ترابایت',
  ghz: 'گیگاهرتز',
  mhz: 'مگاهرتز',
  // Modem and router brands common in Iran
  'tp-link': 'تی پی لینک',
  tplink: 'تی پی لینک',
  'd-link': 'دی لینک',
  dlink: 'دی لینک',
  huawei: 'هوآوی',
  zte: 'زد تی ای',
  tenda: 'تندا',
  asus: 'ایسوس',
  netgear: 'نت گیر',
  mikrotik: 'میکروتیک',
  zyxel: 'زایکسل',
  sagemcom: 'سجم کام',
  linksys: 'لینک سیس',
  cisco: 'سیسکو',
  utel: 'یوتل',
};

/** Spells a Latin token letter by letter (digits as Persian digits words): «WPA3» → «دبلیو پی ای سه». */
export function spellLatin(token: string): string {
  const words: string[] = [];
  for (const part of token.toLowerCase().match(/[a-z]|\d+/g) ?? []) {
    words.push(/\d/.test(part) ? digitByDigit(part) : LETTER_NAMES[part]);
  }
  return words.join(' ');
}

/** A Latin word: lexicon first, then the built-in terms, otherwise spelled. */
export function sayLatinWord(token: string, lexicon: ReadonlyMap<string, string>): string {
  const key = token.toLowerCase();
  return lexicon.get(key) ?? BUILTIN_TERMS[key] ?? spellLatin(token);
}

/**
 * A URL or e-mail address: each dot-separated label as a word (lexicon, built-ins, else spelled),
 * «نقطه» for dots, «اسلش» for slashes, «اَت» for @. The scheme is dropped, as people do.
 */
export function sayAddress(address: string, lexicon: ReadonlyMap<string, string>): string {
  const bare = address.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  const out: string[] = [];
  for (const piece of bare.split(/([./@:_-])/)) {
    if (!piece) continue;
    if (piece === '.') out.push('نقطه');
    else if (piece === '/') out.push('اسلش');
    else if (piece === '@') out.push('اَت');
    else if (piece === '-') out.push('خط تیره');
    else if (piece === '_') out.push('آندرلاین');
    else if (piece === ':') out.push('دونقطه');
    else if (/^\d+$/.test(piece)) out.push(digitByDigit(piece));
    else out.push(sayLatinWord(piece, lexicon));
  }
  return out.join(' ');
}
