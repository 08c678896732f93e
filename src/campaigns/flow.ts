import { localHour, timeOfDayGreeting, toPersianDigits } from '../dialog/prompts.js';
import type { CallerReply, CallIO } from '../dialog/types.js';
import { normalizePersian } from '../text/normalize.js';
import { renderText } from './render.js';
import type { AttemptOutcome, Campaign, Contact, NotifyScript, Question, SurveyAnswer, SurveyScript } from './types.js';

/**
 * The outbound call, as a flow over CallIO (like the queue wait): the session speaks and listens,
 * this decides what to say. It greets the callee by name, tells a notification or runs a survey,
 * takes keys and speech, offers a person on the agent key («اپراتور»), honours the opt-out key,
 * and treats long uninterrupted speech at the start as an answering machine.
 */
export interface FlowContext {
  campaign: Campaign;
  contact: Contact;
  companyName: string;
  now: Date;
  /** Puts the callee's number on the do-not-call list (opt-out key). */
  optOut(): Promise<void>;
  /** Queue for callees who ask for a person. */
  queue: string;
  /** No attempt follows this one (the retry policy is used up): a machine gets the message now. */
  lastAttempt?: boolean;
}

export interface FlowResult {
  outcome: AttemptOutcome;
  confirmed?: boolean;
  answers?: Record<string, SurveyAnswer>;
  /** Hand the callee to this queue (the session does the hand-off). */
  handoffQueue?: string;
}

const fa = toPersianDigits;

export const phrases = {
  calling: (company: string) => `از ${company} تماس می‌گیرم.`,
  confirmHint: (s: NotifyScript) =>
    `برای تأیید شنیدن این پیام کلید ${fa(s.confirmKey)}، برای شنیدن دوباره کلید ${fa(s.repeatKey)}، برای صحبت با همکاران ما کلید ${fa(s.agentKey)}، و اگر نمی‌خواهید دوباره با شما تماس بگیریم کلید ${fa(s.optOutKey)} را بزنید.`,
  thanks: 'سپاسگزاریم. روزتان خوش، خدانگهدار.',
  optedOut: 'شماره‌ی شما از فهرست تماس‌های ما خارج شد و دیگر با شما تماس نمی‌گیریم. خدانگهدار.',
  surveyIntro: 'لطفاً به چند پرسش کوتاه پاسخ دهید.',
  surveyOutro: 'از وقتی که گذاشتید سپاسگزاریم. روزتان خوش، خدانگهدار.',
  notHeard: 'صدایی نشنیدم.',
  notUnderstood: 'متوجه نشدم.',
  unconfirmedBye: 'پیام را دوباره در فرصتی دیگر به اطلاعتان می‌رسانیم. خدانگهدار.',
} as const;

const OPT_OUT_SPEECH = /(تماس\s*نگیر|زنگ\s*نزن|دیگه\s*زنگ|دیگر\s*تماس|لغو\s*عضویت)/u;

export function greetingFor(ctx: FlowContext, timeZone: string): string {
  const hello = timeOfDayGreeting(localHour(ctx.now, timeZone));
  const name = ctx.contact.name?.trim();
  return `${name ? `${name} عزیز، ` : ''}${hello}. ${phrases.calling(ctx.companyName)}`;
}

export async function runCampaignFlow(io: CallIO, ctx: FlowContext): Promise<FlowResult> {
  const timeZone = ctx.campaign.schedule.timezone;
  const opening = greetingFor(ctx, timeZone);
  return ctx.campaign.kind === 'notify'
    ? notifyFlow(io, ctx, ctx.campaign.script as NotifyScript, opening)
    : surveyFlow(io, ctx, ctx.campaign.script as SurveyScript, opening);
}

/** The first reply of the call is long uninterrupted speech: an answering machine's greeting. */
function isMachine(reply: CallerReply, ctx: FlowContext, first: boolean): boolean {
  const md = ctx.campaign.options.machineDetection;
  return first && md.enabled && reply.kind === 'speech' && (reply.speechMs ?? 0) >= md.minSpeechMs;
}

async function onMachine(io: CallIO, ctx: FlowContext, message: string | null): Promise<FlowResult> {
  io.note('campaign-machine', {});
  // Retrying later is the policy's call; otherwise (or on the last attempt) a notification is left as a message.
  if (message && (!ctx.campaign.retry.on.includes('machine') || ctx.lastAttempt)) await io.say(message);
  return { outcome: 'machine' };
}

const wantsPerson = (reply: CallerReply) => reply.kind === 'speech' && reply.nlu.system === 'operator';
const wantsOptOut = (reply: CallerReply) => reply.kind === 'speech' && OPT_OUT_SPEECH.test(normalizePersian(reply.text));

async function notifyFlow(io: CallIO, ctx: FlowContext, script: NotifyScript, opening: string): Promise<FlowResult> {
  const message = renderText(script.message, ctx.contact, ctx.campaign.schedule.timezone);
  let prompt = `${opening} ${message} ${phrases.confirmHint(script)}`;
  let first = true;
  let misses = 0;
  let repeats = 0;
  for (;;) {
    const reply = await io.ask(prompt);
    if (isMachine(reply, ctx, first)) return onMachine(io, ctx, `${opening} ${message}`);
    const wasFirst = first;
    first = false;
    if (reply.kind === 'hangup') return { outcome: 'unconfirmed', confirmed: false };
    const key = reply.kind === 'dtmf' ? reply.digits : null;
    if (key === script.confirmKey || (reply.kind === 'speech' && (reply.nlu.system === 'yes' || reply.nlu.slots.yesNo === 'yes'))) {
      io.note('campaign-confirmed', { via: key ? 'dtmf' : 'speech' });
      await io.say(renderText(script.thanks ?? phrases.thanks, ctx.contact, ctx.campaign.schedule.timezone));
      return { outcome: 'completed', confirmed: true };
    }
    if (key === script.optOutKey || wantsOptOut(reply)) return optOut(io, ctx, { confirmed: false });
    if (key === script.agentKey || wantsPerson(reply)) return { outcome: 'handoff', confirmed: false, handoffQueue: ctx.queue };
    if ((key === script.repeatKey || (reply.kind === 'speech' && reply.nlu.system === 'repeat')) && repeats < 3) {
      repeats++;
      prompt = `${message} ${phrases.confirmHint(script)}`;
      continue;
    }
    // «الو؟» over the greeting is not an answer: say it all again, once, without counting it.
    if (wasFirst && reply.kind === 'speech') {
      prompt = `${opening} ${message} ${phrases.confirmHint(script)}`;
      continue;
    }
    if (++misses > 1) {
      await io.say(phrases.unconfirmedBye);
      return { outcome: 'unconfirmed', confirmed: false };
    }
    prompt = `${reply.kind === 'no-input' ? phrases.notHeard : phrases.notUnderstood} ${phrases.confirmHint(script)}`;
  }
}

async function optOut(io: CallIO, ctx: FlowContext, extra: Partial<FlowResult>): Promise<FlowResult> {
  await ctx.optOut().catch((err: Error) => io.note('error', { stage: 'campaign-opt-out', message: err.message }));
  io.note('campaign-opt-out', {});
  await io.say(phrases.optedOut);
  return { ...extra, outcome: 'opted-out' };
}

/** What to say after a question so the callee knows how to answer. */
export function answerHint(q: Question): string {
  switch (q.type) {
    case 'choice':
      return Object.entries(q.options ?? {})
        .map(([k, label]) => `برای ${label} کلید ${fa(k)}`)
        .join('، ')
        .concat(' را بزنید.');
    case 'scale':
      return `لطفاً عددی از ${fa(q.min ?? 1)} تا ${fa(q.max ?? 5)} را بگویید یا با صفحه‌کلید وارد کنید.`;
    case 'yesno': {
      const [yesKey, noKey] = yesNoKeys(q);
      return `برای بله کلید ${fa(yesKey)} و برای خیر کلید ${fa(noKey)} را بزنید، یا بفرمایید بله یا خیر.`;
    }
    case 'number':
      return 'لطفاً عدد را بگویید، یا وارد کنید و در پایان کلید مربع را بزنید.';
    case 'open':
      return 'لطفاً پاسخ خود را بفرمایید.';
  }
}

function yesNoKeys(q: Question): [string, string] {
  const entries = Object.entries(q.options ?? {});
  const yes = entries.find(([, v]) => /^(yes|بله|آری|بلی)$/i.test(v.trim()))?.[0] ?? '1';
  const no = entries.find(([, v]) => /^(no|خیر|نه)$/i.test(v.trim()))?.[0] ?? '2';
  return [yes, no];
}

/** A reply → the answer it gives to the question, or null when it gives none. */
export function interpret(q: Question, reply: CallerReply): SurveyAnswer | null {
  if (reply.kind === 'dtmf') {
    const keys = reply.digits.replace(/#$/, '');
    switch (q.type) {
      case 'choice': {
        const label = q.options?.[keys];
        return label ? { value: label, via: 'dtmf' } : null;
      }
      case 'scale': {
        const n = Number(keys);
        return /^\d$/.test(keys) && n >= (q.min ?? 1) && n <= (q.max ?? 5) ? { value: n, via: 'dtmf' } : null;
      }
      case 'yesno': {
        const [yesKey, noKey] = yesNoKeys(q);
        return keys === yesKey ? { value: 'yes', via: 'dtmf' } : keys === noKey ? { value: 'no', via: 'dtmf' } : null;
      }
      case 'number': {
        if (!/^\d+$/.test(keys)) return null;
        const n = Number(keys);
        return (q.min === undefined || n >= q.min) && (q.max === undefined || n <= q.max) ? { value: n, via: 'dtmf' } : null;
      }
      case 'open':
        return keys ? { value: keys, via: 'dtmf' } : null;
    }
  }
  if (reply.kind !== 'speech') return null;
  const heard = reply.text;
  const { nlu } = reply;
  switch (q.type) {
    case 'choice': {
      const text = normalizePersian(heard);
      const byLabel = Object.entries(q.options ?? {}).find(([, label]) => text.includes(normalizePersian(label)));
      if (byLabel) return { value: byLabel[1], via: 'speech', heard };
      const k = nlu.slots.choice ?? nlu.slots.number;
      const label = k !== undefined ? q.options?.[String(k)] : undefined;
      return label ? { value: label, via: 'speech', heard } : null;
    }
    case 'scale': {
      const n = nlu.slots.number ?? nlu.slots.choice;
      return n !== undefined && n >= (q.min ?? 1) && n <= (q.max ?? 5) ? { value: n, via: 'speech', heard } : null;
    }
    case 'yesno': {
      const yn = nlu.system === 'yes' || nlu.slots.yesNo === 'yes' ? 'yes' : nlu.system === 'no' || nlu.slots.yesNo === 'no' ? 'no' : null;
      return yn ? { value: yn, via: 'speech', heard } : null;
    }
    case 'number': {
      const n = nlu.slots.number;
      return n !== undefined && (q.min === undefined || n >= q.min) && (q.max === undefined || n <= q.max) ? { value: n, via: 'speech', heard } : null;
    }
    case 'open':
      return heard.trim() ? { value: heard.trim(), via: 'speech', heard } : null;
  }
}

async function surveyFlow(io: CallIO, ctx: FlowContext, script: SurveyScript, opening: string): Promise<FlowResult> {
  const tz = ctx.campaign.schedule.timezone;
  const answers: Record<string, SurveyAnswer> = {};
  const byId = new Map(script.questions.map((q, i) => [q.id, i]));
  let index = 0;
  let lead = `${opening} ${renderText(script.intro ?? phrases.surveyIntro, ctx.contact, tz)}`;
  let first = true;
  const asked = new Set<string>();
  while (index < script.questions.length) {
    const q = script.questions[index];
    if (asked.has(q.id)) break; // a `next` loop never traps a callee
    asked.add(q.id);
    const question = `${renderText(q.prompt, ctx.contact, tz)} ${answerHint(q)}`;
    let tries = 0;
    let answer: SurveyAnswer | null = null;
    let prefix = lead;
    for (;;) {
      const reply = await io.ask(`${prefix ? `${prefix} ` : ''}${question}`, { maxDigits: q.type === 'number' || q.type === 'open' ? 12 : 1 });
      if (isMachine(reply, ctx, first)) return onMachine(io, ctx, null);
      const wasFirst = first;
      first = false;
      if (reply.kind === 'hangup') return { outcome: Object.keys(answers).length ? 'partial' : 'hangup', answers };
      answer = interpret(q, reply);
      if (answer) break;
      const key = reply.kind === 'dtmf' ? reply.digits : null;
      if (key === script.agentKey || wantsPerson(reply)) return { outcome: 'handoff', answers, handoffQueue: ctx.queue };
      if (key === script.optOutKey || wantsOptOut(reply)) return optOut(io, ctx, { answers });
      if (wasFirst && reply.kind === 'speech') {
        prefix = lead; // «الو؟» over the greeting: the whole opening again, not counted
        continue;
      }
      // Not answered: asked again once, then skipped and recorded as such.
      if (++tries > 1) break;
      prefix = reply.kind === 'no-input' ? phrases.notHeard : phrases.notUnderstood;
    }
    lead = '';
    answers[q.id] = answer ?? { value: null, via: null, skipped: true };
    io.note('campaign-answer', { question: q.id, value: answers[q.id].value, via: answers[q.id].via, skipped: !answer });
    const target = answer ? (q.next?.[String(answer.value)] ?? (answer.via === 'dtmf' && q.type === 'choice' ? q.next?.[keyOf(q, answer.value)] : undefined)) : undefined;
    if (target === 'end') break;
    index = target !== undefined && byId.has(target) ? byId.get(target)! : index + 1;
  }
  await io.say(renderText(script.outro ?? phrases.surveyOutro, ctx.contact, tz));
  return { outcome: 'completed', answers };
}

function keyOf(q: Question, label: unknown): string {
  return Object.entries(q.options ?? {}).find(([, v]) => v === label)?.[0] ?? '';
}
