import type { Alternative, NluResult } from '../engines/nlu/types.js';

/** What the bot is waiting for, which changes how a reply is read ("بله" means different things). */
export type Awaiting = 'question' | 'anything-else' | 'choice';

export interface DialogState {
  awaiting: Awaiting;
  /** FAQ ids offered in the last clarification, in the order they were read out. */
  choices: Alternative[];
  noMatch: number;
  noInput: number;
  lowConfidence: number;
  engineErrors: number;
}

export const initialDialogState = (): DialogState => ({
  awaiting: 'question',
  choices: [],
  noMatch: 0,
  noInput: 0,
  lowConfidence: 0,
  engineErrors: 0,
});

export interface PolicyOptions {
  maxReprompts: number;
  lowConfidenceTurns: number;
  maxChoices: number;
  /** Alternatives at or above this are worth offering as choices when nothing is accepted. */
  clarifyFloor: number;
  defaultQueue: string;
}

export type HandoffReason = 'caller-request' | 'dtmf-0' | 'faq-action' | 'low-confidence' | 'no-input' | 'no-match' | 'engine-error';

export type Decision =
  | { kind: 'answer'; intent: string; text: string; then: 'anything-else' | 'handoff' | 'end'; queue: string }
  | { kind: 'clarify'; choices: Alternative[] }
  /** The caller chose one of the offered FAQs; the session answers it as if it had matched. */
  | { kind: 'picked'; intent: string }
  | { kind: 'handoff'; reason: HandoffReason; queue: string }
  | { kind: 'repeat' }
  | { kind: 'reprompt'; reason: 'no-match' | 'no-input' | 'engine-error' | 'invalid-choice' }
  | { kind: 'go-ahead' }
  | { kind: 'goodbye' };

export type PolicyInput =
  | { kind: 'speech'; nlu: NluResult }
  | { kind: 'dtmf'; digits: string }
  | { kind: 'no-input' }
  | { kind: 'engine-error' };

/**
 * The dialog policy as a pure function: the session feeds it what the caller did and carries out
 * the decision. Keeping it free of I/O makes every rule below a one-line test.
 */
export function decide(state: DialogState, input: PolicyInput, o: PolicyOptions): { decision: Decision; state: DialogState } {
  const s: DialogState = { ...state };
  const handoff = (reason: HandoffReason, queue = o.defaultQueue) => ({ decision: { kind: 'handoff', reason, queue } as Decision, state: s });

  if (input.kind === 'dtmf') {
    if (input.digits === '0') return handoff('dtmf-0');
    if (input.digits === '#' || input.digits === '*') return { decision: { kind: 'repeat' }, state: s };
    if (s.awaiting === 'choice') {
      const picked = s.choices[Number(input.digits) - 1];
      if (picked) return pick(s, picked);
    }
    if (s.awaiting === 'anything-else' && (input.digits === '1' || input.digits === '2')) {
      return input.digits === '1' ? goAhead(s) : { decision: { kind: 'goodbye' }, state: s };
    }
    return repromptOrHandoff(s, 'invalid-choice', o);
  }

  if (input.kind === 'no-input') {
    s.noInput++;
    if (s.noInput > o.maxReprompts) return handoff('no-input');
    return { decision: { kind: 'reprompt', reason: 'no-input' }, state: s };
  }

  if (input.kind === 'engine-error') {
    s.engineErrors++;
    if (s.engineErrors > o.maxReprompts) return handoff('engine-error');
    return { decision: { kind: 'reprompt', reason: 'engine-error' }, state: s };
  }

  const nlu = input.nlu;
  s.noInput = 0;
  if (nlu.system === 'operator') return handoff('caller-request');
  if (nlu.system === 'repeat') return { decision: { kind: 'repeat' }, state: s };

  if (s.awaiting === 'choice' && nlu.slots.choice !== undefined) {
    const picked = s.choices[nlu.slots.choice - 1];
    if (picked) return pick(s, picked);
  }

  if (s.awaiting === 'anything-else' && !nlu.intent) {
    if (nlu.system === 'no' || nlu.system === 'goodbye') return { decision: { kind: 'goodbye' }, state: s };
    if (nlu.system === 'yes') return goAhead(s);
  }
  if (nlu.system === 'goodbye' && !nlu.intent) return { decision: { kind: 'goodbye' }, state: s };

  if (nlu.intent && nlu.answer !== null && nlu.action) {
    s.noMatch = 0;
    s.lowConfidence = 0;
    s.awaiting = nlu.action === 'answer' ? 'anything-else' : 'question';
    s.choices = [];
    const then = nlu.action === 'answer' ? 'anything-else' : nlu.action;
    return {
      decision: { kind: 'answer', intent: nlu.intent, text: nlu.answer, then, queue: nlu.queue ?? o.defaultQueue },
      state: s,
    };
  }

  // Nothing accepted. Plausible alternatives become a short menu once; otherwise reprompt.
  s.lowConfidence++;
  const choices = nlu.alternatives.filter((a) => a.confidence >= o.clarifyFloor).slice(0, o.maxChoices);
  if (s.lowConfidence >= o.lowConfidenceTurns + 1) return handoff('low-confidence');
  if (choices.length >= 2 && s.awaiting !== 'choice') {
    s.awaiting = 'choice';
    s.choices = choices;
    return { decision: { kind: 'clarify', choices }, state: s };
  }
  return repromptOrHandoff(s, 'no-match', o);
}

function pick(s: DialogState, picked: Alternative) {
  s.awaiting = 'question';
  s.choices = [];
  return { decision: { kind: 'picked', intent: picked.intent } as Decision, state: s };
}

function goAhead(s: DialogState) {
  s.awaiting = 'question';
  return { decision: { kind: 'go-ahead' } as Decision, state: s };
}

function repromptOrHandoff(s: DialogState, reason: 'no-match' | 'invalid-choice', o: PolicyOptions) {
  s.noMatch++;
  if (s.noMatch > o.maxReprompts) {
    return { decision: { kind: 'handoff', reason: 'no-match', queue: o.defaultQueue } as Decision, state: s };
  }
  return { decision: { kind: 'reprompt', reason } as Decision, state: s };
}
