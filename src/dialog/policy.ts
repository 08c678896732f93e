import type { Alternative, NluResult } from '../engines/nlu/types.js';
import type { FrustrationCue } from './deescalate.js';
import { menuLevel, type Menu, type MenuOption } from './menu.js';

/** What the bot is waiting for, which changes how a reply is read ("بله" means different things). */
export type Awaiting = 'question' | 'anything-else' | 'choice' | 'menu' | 'confirm';

export interface DialogState {
  awaiting: Awaiting;
  /** FAQ ids offered in the last clarification, in the order they were read out. */
  choices: Alternative[];
  noMatch: number;
  noInput: number;
  lowConfidence: number;
  engineErrors: number;
  /** Turns in a row the caller was not understood (no match, a rejected guess); reset by an answer. */
  failures: number;
  /** Where the caller is in the keypad menu ([] = top, [i] = topic i) while awaiting 'menu'. */
  menuPath: number[];
  /** Menu turns in a row that chose nothing (a wrong key, speech not understood). */
  menuMisses: number;
  /** The FAQ the bot asked the caller to confirm, while awaiting 'confirm'. */
  confirming: Alternative | null;
  /** The bot has acknowledged the caller's frustration (once per call); the next failure hands off. */
  calmed: boolean;
  /** Times the caller asked for a human by voice. */
  operatorAsks: number;
}

export const initialDialogState = (): DialogState => ({
  awaiting: 'question',
  choices: [],
  noMatch: 0,
  noInput: 0,
  lowConfidence: 0,
  engineErrors: 0,
  failures: 0,
  menuPath: [],
  menuMisses: 0,
  confirming: null,
  calmed: false,
  operatorAsks: 0,
});

export interface PolicyOptions {
  maxReprompts: number;
  lowConfidenceTurns: number;
  maxChoices: number;
  /** Alternatives at or above this are worth offering as choices when nothing is accepted. */
  clarifyFloor: number;
  defaultQueue: string;
  /** Keypad menu offered after `menuAfterFailures` failures in a row; null/absent = no menu. */
  menu?: Menu | null;
  menuAfterFailures?: number;
  /**
   * Confirm when unsure: a best guess between this and the accept threshold (the NLU left it
   * unaccepted) is put to the caller as a yes/no question. Absent = never confirm.
   */
  confirmFloor?: number;
  /** …and only when it leads the runner-up by this much (otherwise several are offered). */
  confirmMargin?: number;
  /**
   * The recogniser's own confidence (0..1) below which what it heard is not trusted: an FAQ the
   * NLU accepted from it is confirmed first, and nothing accepted is a failure with its own
   * reason (no guess confirmed, no list offered from words the bot hardly heard). Absent = unused.
   */
  asrConfidenceFloor?: number;
}

/** Something worth recording about the turn (the session stores it as a call event). */
export interface PolicyNote {
  type: 'menu.offered' | 'menu.selected' | 'confirm.answered' | 'deescalation' | 'asr.low-confidence';
  data: Record<string, unknown>;
}

export type HandoffReason = 'caller-request' | 'dtmf-0' | 'faq-action' | 'low-confidence' | 'no-input' | 'no-match' | 'engine-error' | 'frustration';

export type Decision =
  | { kind: 'answer'; intent: string; text: string; then: 'anything-else' | 'handoff' | 'end'; queue: string }
  | { kind: 'clarify'; choices: Alternative[] }
  /** The caller chose one of the offered FAQs; the session answers it as if it had matched. */
  | { kind: 'picked'; intent: string }
  | { kind: 'handoff'; reason: HandoffReason; queue: string }
  | { kind: 'repeat' }
  | { kind: 'reprompt'; reason: 'no-match' | 'no-input' | 'engine-error' | 'invalid-choice' | 'rejected' | 'unclear' }
  /** A keypad menu level to read out; `invalid` when the last key or words chose nothing. */
  | { kind: 'menu'; options: MenuOption[]; top: boolean; invalid: boolean }
  /** «Did you mean …?» about one FAQ the NLU was not sure enough of. */
  | { kind: 'confirm'; intent: string; question?: string }
  | { kind: 'go-ahead' }
  | { kind: 'goodbye' };

export type PolicyInput =
  /**
   * `cue`: frustration in the caller's words (deescalate.ts), found by the session.
   * `asrConfidence`: the recogniser's confidence in what it heard, where it says (0..1).
   */
  | { kind: 'speech'; nlu: NluResult; cue?: FrustrationCue | null; asrConfidence?: number }
  | { kind: 'dtmf'; digits: string }
  | { kind: 'no-input' }
  | { kind: 'engine-error' };

export interface PolicyResult {
  decision: Decision;
  state: DialogState;
  notes: PolicyNote[];
  /** Say the empathy sentence for this cue before the decision (once per call). */
  empathy?: FrustrationCue;
}

/**
 * The dialog policy as a pure function: the session feeds it what the caller did and carries out
 * the decision. Keeping it free of I/O makes every rule below a one-line test.
 */
export function decide(state: DialogState, input: PolicyInput, o: PolicyOptions): PolicyResult {
  const result = decideTurn(state, input, o);
  // De-escalation: the first frustration cue of the call is acknowledged, and noted.
  const s = result.state;
  let cue: FrustrationCue | null = null;
  if (input.kind === 'speech') {
    if (input.nlu.system === 'operator') s.operatorAsks = state.operatorAsks + 1;
    cue = input.cue ?? (s.operatorAsks >= 2 ? 'operator-twice' : null);
  }
  if (!cue && s.failures >= 2 && s.failures > state.failures) cue = 'repeated-failures';
  if (cue && !state.calmed) {
    s.calmed = true;
    result.notes.push({ type: 'deescalation', data: { cue } });
    return { ...result, empathy: cue };
  }
  return result;
}

function decideTurn(state: DialogState, input: PolicyInput, o: PolicyOptions): PolicyResult {
  const s: DialogState = { ...state };
  const notes: PolicyNote[] = [];
  const out = (decision: Decision): PolicyResult => ({ decision, state: s, notes });
  const handoff = (reason: HandoffReason, queue = o.defaultQueue) => out({ kind: 'handoff', reason, queue });
  const wasMenu = s.awaiting === 'menu';
  const wasConfirm = s.awaiting === 'confirm' ? s.confirming : null;
  // A turn that leaves the menu or the confirmation leaves it for good, unless re-entered below.
  if (s.awaiting === 'menu' || s.awaiting === 'confirm') {
    s.awaiting = 'question';
    s.confirming = null;
  }

  if (input.kind === 'dtmf') {
    if (input.digits === '0') return handoff('dtmf-0');
    if (wasMenu) return menuKey(s, input.digits, o, out, notes);
    if (wasConfirm && (input.digits === '1' || input.digits === '2')) return confirmed(s, wasConfirm, input.digits === '1', o, out, notes);
    if (input.digits === '#' || input.digits === '*') return out({ kind: 'repeat' });
    if (s.awaiting === 'choice') {
      const picked = s.choices[Number(input.digits) - 1];
      if (picked) return pick(s, picked, out);
    }
    if (s.awaiting === 'anything-else' && (input.digits === '1' || input.digits === '2')) {
      return input.digits === '1' ? goAhead(s, out) : out({ kind: 'goodbye' });
    }
    return repromptOrHandoff(s, 'invalid-choice', o, out);
  }

  if (input.kind === 'no-input') {
    s.noInput++;
    if (s.noInput > o.maxReprompts) return handoff('no-input');
    if (wasMenu) return menuAgain(s, o, out, false);
    if (wasConfirm) {
      s.awaiting = 'confirm';
      s.confirming = wasConfirm;
    }
    return out({ kind: 'reprompt', reason: 'no-input' });
  }

  if (input.kind === 'engine-error') {
    s.engineErrors++;
    if (s.engineErrors > o.maxReprompts) return handoff('engine-error');
    return out({ kind: 'reprompt', reason: 'engine-error' });
  }

  const nlu = input.nlu;
  s.noInput = 0;
  if (nlu.system === 'operator') return handoff('caller-request');
  if (nlu.system === 'repeat') return wasMenu ? menuAgain(s, o, out, false) : out({ kind: 'repeat' });

  if (wasMenu && nlu.slots.choice !== undefined && !nlu.intent) return menuKey(s, String(nlu.slots.choice), o, out, notes);
  if (wasConfirm && !nlu.intent) {
    const said = nlu.slots.yesNo ?? (nlu.system === 'yes' ? 'yes' : nlu.system === 'no' ? 'no' : null);
    if (said) return confirmed(s, wasConfirm, said === 'yes', o, out, notes);
  }

  if (s.awaiting === 'choice' && nlu.slots.choice !== undefined) {
    const picked = s.choices[nlu.slots.choice - 1];
    if (picked) return pick(s, picked, out);
  }

  if (s.awaiting === 'anything-else' && !nlu.intent) {
    if (nlu.system === 'no' || nlu.system === 'goodbye') return out({ kind: 'goodbye' });
    if (nlu.system === 'yes') return goAhead(s, out);
  }
  if (nlu.system === 'goodbye' && !nlu.intent) return out({ kind: 'goodbye' });

  // Replies to what the bot just asked (yes/no, a choice, a menu number) and a request for a
  // human stand above however clearly they were heard; an FAQ does not.
  const floor = o.asrConfidenceFloor;
  const unclear = floor !== undefined && input.asrConfidence !== undefined && input.asrConfidence < floor;
  const confirms = o.confirmFloor !== undefined;
  if (unclear) {
    const outcome = nlu.intent && nlu.answer !== null && nlu.action ? (confirms && !wasConfirm ? 'confirm' : 'answer') : 'failure';
    notes.push({ type: 'asr.low-confidence', data: { confidence: round(input.asrConfidence!), floor, intent: nlu.intent, outcome } });
  }
  if (unclear && confirms && !wasConfirm && nlu.intent && nlu.answer !== null && nlu.action) {
    s.awaiting = 'confirm';
    s.confirming = { intent: nlu.intent, confidence: nlu.confidence };
    return out({ kind: 'confirm', intent: nlu.intent });
  }

  if (nlu.intent && nlu.answer !== null && nlu.action) {
    s.noMatch = 0;
    s.lowConfidence = 0;
    s.failures = 0;
    s.menuMisses = 0;
    s.awaiting = nlu.action === 'answer' ? 'anything-else' : 'question';
    s.choices = [];
    const then = nlu.action === 'answer' ? 'anything-else' : nlu.action;
    return out({ kind: 'answer', intent: nlu.intent, text: nlu.answer, then, queue: nlu.queue ?? o.defaultQueue });
  }

  // Nothing accepted. In the menu, the menu again; otherwise one confirmation of a likely guess,
  // or plausible alternatives as a short list once, or the menu after repeated failures.
  // In the menu, speech that was not understood reads the menu again: the menu is there for the
  // caller the recogniser cannot follow (and says 0 for a human), so a cough or a mumble over it
  // must not end it. Elsewhere, once the bot has acknowledged the caller's frustration, a human
  // comes at the next failure.
  if (wasMenu) return menuAgain(s, o, out, true);
  if (state.calmed && !wasConfirm) return handoff('frustration');
  const [top, runnerUp] = nlu.alternatives;
  const margin = o.confirmMargin ?? 0.15;
  if (
    !unclear && o.confirmFloor !== undefined && !wasConfirm && s.awaiting !== 'choice' && top && top.confidence >= o.confirmFloor &&
    (!runnerUp || top.confidence - runnerUp.confidence >= margin)
  ) {
    s.awaiting = 'confirm';
    s.confirming = top;
    return out({ kind: 'confirm', intent: top.intent, question: top.question });
  }
  s.lowConfidence++;
  s.failures++;
  if (o.menu && s.failures >= (o.menuAfterFailures ?? 2)) return offerMenu(s, o.menu, 'failures', out, notes);
  const choices = unclear ? [] : nlu.alternatives.filter((a) => a.confidence >= o.clarifyFloor).slice(0, o.maxChoices);
  if (s.lowConfidence >= o.lowConfidenceTurns + 1) return handoff('low-confidence');
  if (choices.length >= 2 && s.awaiting !== 'choice') {
    s.awaiting = 'choice';
    s.choices = choices;
    return out({ kind: 'clarify', choices });
  }
  return repromptOrHandoff(s, unclear ? 'unclear' : 'no-match', o, out);
}

type Out = (decision: Decision) => PolicyResult;

function offerMenu(s: DialogState, menu: Menu, reason: string, out: Out, notes: PolicyNote[]) {
  s.awaiting = 'menu';
  s.menuPath = [];
  s.menuMisses = 0;
  s.choices = [];
  notes.push({ type: 'menu.offered', data: { reason } });
  return out({ kind: 'menu', options: menu.options, top: true, invalid: false });
}

/** The same menu level again; `missed` when the caller's key or words chose nothing. */
function menuAgain(s: DialogState, o: PolicyOptions, out: Out, missed: boolean) {
  const options = o.menu ? menuLevel(o.menu, s.menuPath) : null;
  if (!options) return out({ kind: 'reprompt', reason: 'no-match' });
  if (missed && ++s.menuMisses > o.maxReprompts) return out({ kind: 'handoff', reason: 'no-match', queue: o.defaultQueue });
  s.awaiting = 'menu';
  return out({ kind: 'menu', options, top: s.menuPath.length === 0, invalid: missed });
}

function menuKey(s: DialogState, key: string, o: PolicyOptions, out: Out, notes: PolicyNote[]) {
  const options = o.menu ? menuLevel(o.menu, s.menuPath) : null;
  if (!options) return out({ kind: 'reprompt', reason: 'no-match' });
  if (key === '*') s.menuPath = [];
  if (key === '*' || key === '#') return menuAgain(s, o, out, false);
  const index = Number(key) - 1;
  const option = Number.isInteger(index) ? options[index] : undefined;
  if (!option) return menuAgain(s, o, out, true);
  const path = [...s.menuPath, index];
  if (option.options) {
    s.menuPath = path;
    s.menuMisses = 0;
    s.awaiting = 'menu';
    notes.push({ type: 'menu.selected', data: { path, topic: option.label } });
    return out({ kind: 'menu', options: option.options, top: false, invalid: false });
  }
  notes.push({ type: 'menu.selected', data: { path, faqId: option.faqId } });
  s.menuPath = [];
  s.menuMisses = 0;
  return pick(s, { intent: option.faqId!, confidence: 1 }, out);
}

function confirmed(s: DialogState, guess: Alternative, yes: boolean, o: PolicyOptions, out: Out, notes: PolicyNote[]) {
  notes.push({ type: 'confirm.answered', data: { intent: guess.intent, confidence: guess.confidence, confirmed: yes } });
  if (yes) return pick(s, guess, out);
  // A rejected guess is a failure to understand: the menu comes as soon as failures allow.
  s.failures++;
  s.lowConfidence++;
  if (o.menu && s.failures >= (o.menuAfterFailures ?? 2)) return offerMenu(s, o.menu, 'failures', out, notes);
  return out({ kind: 'reprompt', reason: 'rejected' });
}

function pick(s: DialogState, picked: Alternative, out: Out) {
  s.awaiting = 'question';
  s.choices = [];
  return out({ kind: 'picked', intent: picked.intent });
}

function goAhead(s: DialogState, out: Out) {
  s.awaiting = 'question';
  return out({ kind: 'go-ahead' });
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function repromptOrHandoff(s: DialogState, reason: 'no-match' | 'invalid-choice' | 'unclear', o: PolicyOptions, out: Out) {
  s.noMatch++;
  if (s.noMatch > o.maxReprompts) return out({ kind: 'handoff', reason: 'no-match', queue: o.defaultQueue });
  return out({ kind: 'reprompt', reason });
}
