import { normalizePersian } from '../text/normalize.js';

/**
 * Frustration cues and what the bot says to them. A caller who complains, is angry, insults the
 * bot, asks for a human a second time or keeps not being understood hears one short sentence of
 * regret and apology with the way to a human (DESIGN.md, "How the bot should speak": listen,
 * express regret, apologise, offer remedy), once per call; from then on the policy hands the call
 * over at the next failure instead of reprompting (`DialogState.calmed`).
 */
export type FrustrationCue = 'insult' | 'anger' | 'complaint' | 'operator-twice' | 'repeated-failures';

/** Words, as normalizePersian writes them (no ZWNJ, Persian ی/ک), matched as whole words or stems. */
const INSULT = ['احمق', 'احمقی', 'بیشعور', 'بی شعور', 'نفهم', 'نفهمی', 'خری', 'الاغ', 'گمشو', 'کثافت', 'لعنتی', 'مزخرف', 'اشغال', 'آشغال', 'دیوونه', 'خفه شو', 'خفه'];
const ANGER = ['عصبانی', 'عصبانیم', 'اعصابم', 'اعصاب', 'کلافه', 'کلافم', 'خسته شدم', 'خستم کردین', 'خسته م کردید', 'مسخره', 'مسخرست', 'افتضاح', 'افتضاحه', 'داغون', 'داغونه', 'بدبخت', 'ناراضی', 'ناراضیم', 'چند بار زنگ زدم', 'چندبار زنگ زدم', 'صد بار', 'هزار بار'];
const COMPLAINT = ['شکایت', 'شاکی', 'شاکیم', 'اعتراض', 'معترض'];

const compile = (words: string[]) => new RegExp(`(^|\\s)(${words.map((w) => w.replace(/\s+/g, '\\s*')).join('|')})(\\s|$)`, 'u');
const RE: [FrustrationCue, RegExp][] = [
  ['insult', compile(INSULT)],
  ['anger', compile(ANGER)],
  ['complaint', compile(COMPLAINT)],
];

/** The cue in what the caller said, strongest first; null when the words are calm. */
export function frustrationInWords(text: string): FrustrationCue | null {
  const norm = normalizePersian(text).replace(/\u200c/g, ' ');
  for (const [cue, re] of RE) if (re.test(norm)) return cue;
  return null;
}

/** One short sentence: regret, an apology, and the way to a human unless what follows says it. */
export function empathySentence(cue: FrustrationCue, offerHuman = true): string {
  const regret =
    cue === 'repeated-failures'
      ? 'پوزش می‌خواهم که منظورتان را درست متوجه نشدم.'
      : cue === 'operator-twice'
        ? 'حق دارید؛ پوزش می‌خواهم که منتظرتان گذاشتم.'
        : 'متأسفم که چنین تجربه‌ای داشته‌اید و از شما پوزش می‌خواهم.';
  return !offerHuman ? regret : `${regret} هر زمان بخواهید، با کلید صفر شما را به همکارانم وصل می‌کنم.`;
}
