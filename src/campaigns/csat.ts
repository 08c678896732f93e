import type { CallIO } from '../dialog/types.js';

/**
 * Post-call CSAT for inbound calls (config `campaigns.postCallCsat`): after the goodbye the caller
 * may rate the call with a key from 1 to 5 (or say the number). The score is a `csat` call event,
 * which `/api/kpis` averages. Silence or anything else is no answer, and the call just ends.
 */
export const CSAT_PROMPT = 'پیش از پایان تماس، لطفاً میزان رضایت خود را از این گفتگو با زدن کلیدی از یک تا پنج اعلام کنید؛ پنج یعنی بسیار راضی.';
export const CSAT_THANKS = 'از نظر شما سپاسگزاریم.';

export async function askCsat(io: CallIO, timeoutMs = 6000): Promise<number | null> {
  if (io.ended) return null;
  const reply = await io.ask(CSAT_PROMPT, { timeoutMs });
  let score: number | null = null;
  if (reply.kind === 'dtmf' && /^[1-5]$/.test(reply.digits)) score = Number(reply.digits);
  else if (reply.kind === 'speech') {
    const n = reply.nlu.slots.number ?? reply.nlu.slots.choice;
    if (n !== undefined && n >= 1 && n <= 5) score = n;
  }
  if (score === null) return null;
  io.note('csat', { score, via: reply.kind });
  if (!io.ended) await io.say(CSAT_THANKS);
  return score;
}
