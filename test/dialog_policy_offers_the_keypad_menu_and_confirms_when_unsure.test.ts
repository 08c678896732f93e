import { describe, expect, it } from 'vitest';
import { decide, initialDialogState, type DialogState, type PolicyInput, type PolicyOptions } from '../src/dialog/policy.js';
import type { Menu } from '../src/dialog/menu.js';
import type { NluResult } from '../src/engines/nlu/types.js';

const menu: Menu = {
  options: [
    { label: 'اینترنت', options: [{ label: 'قطعی', faqId: 'internet_outage' }, { label: 'کندی', faqId: 'internet_slow' }] },
    { label: 'ساعت کاری', faqId: 'working_hours' },
  ],
};
const options: PolicyOptions = { maxReprompts: 2, lowConfidenceTurns: 2, maxChoices: 3, clarifyFloor: 0.15, defaultQueue: 'general', menu, menuAfterFailures: 2, confirmFloor: 0.3 };
const nlu = (over: Partial<NluResult> = {}): NluResult => ({
  intent: null, confidence: 0, action: null, answer: null, queue: null, alternatives: [], slots: {}, system: null, kbVersion: 1, ...over,
});
const garbled: PolicyInput = { kind: 'speech', nlu: nlu() };
const unsure: PolicyInput = { kind: 'speech', nlu: nlu({ alternatives: [{ intent: 'internet_outage', confidence: 0.45 }, { intent: 'internet_slow', confidence: 0.12 }] }) };
const key = (digits: string): PolicyInput => ({ kind: 'dtmf', digits });

function run(inputs: PolicyInput[], o = options, state: DialogState = initialDialogState()) {
  const results = [];
  for (const input of inputs) {
    const r = decide(state, input, o);
    results.push(r);
    state = r.state;
  }
  return results;
}

describe('dialog policy: a caller who is not understood', () => {
  it('gets the keypad menu on the second failure in a row, not a second reprompt', () => {
    const [first, second] = run([garbled, garbled]);
    expect(first.decision).toMatchObject({ kind: 'reprompt', reason: 'no-match' });
    expect(second.decision).toMatchObject({ kind: 'menu', top: true, invalid: false, options: menu.options });
    expect(second.notes).toEqual([{ type: 'menu.offered', data: { reason: 'failures' } }, { type: 'deescalation', data: { cue: 'repeated-failures' } }]);
    expect(second.empathy).toBe('repeated-failures');
  });

  it('goes from a topic key to its sub-menu and from an option key to that FAQ', () => {
    const [, , topic, option] = run([garbled, garbled, key('1'), key('2')]);
    expect(topic.decision).toMatchObject({ kind: 'menu', top: false, options: menu.options[0].options });
    expect(option.decision).toEqual({ kind: 'picked', intent: 'internet_slow' });
    expect(option.notes).toEqual([{ type: 'menu.selected', data: { path: [0, 1], faqId: 'internet_slow' } }]);
  });

  it('accepts a spoken option number in the menu, goes back to the top on *, and hands off on 0', () => {
    expect(run([garbled, garbled, { kind: 'speech', nlu: nlu({ slots: { choice: 2 } }) }])[2].decision).toEqual({ kind: 'picked', intent: 'working_hours' });
    expect(run([garbled, garbled, key('1'), key('*')])[3].decision).toMatchObject({ kind: 'menu', top: true });
    expect(run([garbled, garbled, key('0')])[2].decision).toMatchObject({ kind: 'handoff', reason: 'dtmf-0' });
  });

  it('repeats the menu after a key that is not in it, and hands off when the menu keeps failing', () => {
    const results = run([garbled, garbled, key('9'), key('8'), key('7')]);
    expect(results.slice(2).map((r) => r.decision.kind)).toEqual(['menu', 'menu', 'handoff']);
    expect(results[2].decision).toMatchObject({ invalid: true });
  });

  it('reads the menu again when speech over it is not understood (the caller it is for), and still hands off when that keeps happening', () => {
    const results = run([garbled, garbled, garbled, key('1'), key('2')]);
    expect(results[2].decision).toMatchObject({ kind: 'menu', top: true, invalid: true });
    expect(results[4].decision).toEqual({ kind: 'picked', intent: 'internet_slow' });
    expect(run([garbled, garbled, garbled, garbled, garbled]).slice(2).map((r) => r.decision.kind)).toEqual(['menu', 'menu', 'handoff']);
    // Outside the menu, a failure after the bot has said sorry still goes to a human at once.
    const calmed = run([{ kind: 'speech', nlu: nlu(), cue: 'complaint' }]);
    expect(decide(calmed[0].state, garbled, options).decision).toMatchObject({ kind: 'handoff', reason: 'frustration' });
  });

  it('answers a confident request spoken in the middle of the menu', () => {
    const matched = nlu({ intent: 'pay_bill', confidence: 0.9, action: 'answer', answer: 'در درگاه بپردازید.' });
    expect(run([garbled, garbled, { kind: 'speech', nlu: matched }])[2].decision).toMatchObject({ kind: 'answer', intent: 'pay_bill' });
  });

  it('keeps reprompting and then hands off when there is no menu (turned off or no FAQ)', () => {
    const kinds = run([garbled, garbled, garbled], { ...options, menu: null }).map((r) => r.decision.kind);
    expect(kinds).toEqual(['reprompt', 'reprompt', 'handoff']);
  });
});

describe('dialog policy: a guess between the lower bound and the accept threshold', () => {
  it('is put to the caller as one yes/no question; yes (voice or key 1) answers it and is noted', () => {
    const [ask, yes] = run([unsure, { kind: 'speech', nlu: nlu({ system: 'yes', slots: { yesNo: 'yes' } }) }]);
    expect(ask.decision).toEqual({ kind: 'confirm', intent: 'internet_outage', question: undefined });
    expect(yes.decision).toEqual({ kind: 'picked', intent: 'internet_outage' });
    expect(yes.notes).toEqual([{ type: 'confirm.answered', data: { intent: 'internet_outage', confidence: 0.45, confirmed: true } }]);
    expect(run([unsure, key('1')])[1].decision).toEqual({ kind: 'picked', intent: 'internet_outage' });
  });

  it('no (voice or key 2) is noted and counts as a failure: a reprompt, then the menu', () => {
    const results = run([unsure, key('2'), garbled]);
    expect(results[1].decision).toEqual({ kind: 'reprompt', reason: 'rejected' });
    expect(results[1].notes[0].data).toMatchObject({ confirmed: false });
    expect(results[2].decision.kind).toBe('menu');
  });

  it('is not confirmed when it hardly leads the runner-up (a short list instead) or is below the lower bound', () => {
    const close = nlu({ alternatives: [{ intent: 'a', confidence: 0.4 }, { intent: 'b', confidence: 0.35 }] });
    expect(decide(initialDialogState(), { kind: 'speech', nlu: close }, options).decision.kind).toBe('clarify');
    const weak = nlu({ alternatives: [{ intent: 'a', confidence: 0.2 }] });
    expect(decide(initialDialogState(), { kind: 'speech', nlu: weak }, options).decision.kind).toBe('reprompt');
    expect(decide(initialDialogState(), unsure, { ...options, confirmFloor: undefined }).decision.kind).toBe('reprompt');
  });

  it('gives way to a confident new request instead of a yes or no', () => {
    const matched = nlu({ intent: 'pay_bill', confidence: 0.9, action: 'answer', answer: 'در درگاه بپردازید.' });
    expect(run([unsure, { kind: 'speech', nlu: matched }])[1].decision).toMatchObject({ kind: 'answer', intent: 'pay_bill' });
  });
});

describe('dialog policy: speech the recogniser itself was unsure of (below asrConfidenceFloor)', () => {
  const floored: PolicyOptions = { ...options, asrConfidenceFloor: 0.6 };
  const unclear = (over: Partial<NluResult> = {}, asrConfidence = 0.41): PolicyInput => ({ kind: 'speech', nlu: nlu(over), asrConfidence });
  const matched = { intent: 'pay_bill', confidence: 0.9, action: 'answer' as const, answer: 'در درگاه بپردازید.' };

  it('counts as a failure with its own reason and prompt, and two of them bring the keypad menu', () => {
    const [first, second] = run([unclear(), unclear()], floored);
    expect(first.decision).toEqual({ kind: 'reprompt', reason: 'unclear' });
    expect(first.notes).toEqual([{ type: 'asr.low-confidence', data: { confidence: 0.41, floor: 0.6, intent: null, outcome: 'failure' } }]);
    expect(first.state).toMatchObject({ failures: 1, lowConfidence: 1 });
    expect(second.decision).toMatchObject({ kind: 'menu', top: true });
    expect(second.notes.map((n) => n.type)).toEqual(['asr.low-confidence', 'menu.offered', 'deescalation']);
    // One unclear turn and one no-match are two failures in a row as well.
    expect(run([unclear(), garbled], floored)[1].decision.kind).toBe('menu');
  });

  it('leads to a human after the reprompts when there is no menu, each turn noted with its confidence', () => {
    const results = run([unclear(), unclear({}, 0.2), unclear()], { ...floored, menu: null });
    expect(results.map((r) => r.decision.kind)).toEqual(['reprompt', 'reprompt', 'handoff']);
    expect(results.map((r) => r.notes[0].data.confidence)).toEqual([0.41, 0.2, 0.41]);
    // The bot said sorry at the second failure (de-escalation); the third goes to a human.
    expect(results[2].decision).toMatchObject({ reason: 'frustration' });
  });

  it('puts an FAQ the NLU accepted from it to the caller as a yes/no question instead of answering', () => {
    const [ask, yes] = run([unclear(matched), { kind: 'speech', nlu: nlu({ system: 'yes', slots: { yesNo: 'yes' } }), asrConfidence: 0.3 }], floored);
    expect(ask.decision).toEqual({ kind: 'confirm', intent: 'pay_bill' });
    expect(ask.notes[0].data).toMatchObject({ intent: 'pay_bill', outcome: 'confirm' });
    expect(ask.state.failures).toBe(0);
    // A «بله» heard unclearly is still a yes: short replies to the bot's own question stand.
    expect(yes.decision).toEqual({ kind: 'picked', intent: 'pay_bill' });
    // Confirmations turned off: the NLU's word stands.
    expect(decide(initialDialogState(), unclear(matched), { ...floored, confirmFloor: undefined }).decision).toMatchObject({ kind: 'answer', intent: 'pay_bill' });
  });

  it('offers no guess or list built from it, but a request for a human or a menu key still counts', () => {
    const guess = { alternatives: [{ intent: 'internet_outage', confidence: 0.45 }, { intent: 'internet_slow', confidence: 0.12 }] };
    expect(decide(initialDialogState(), unclear(guess), floored).decision).toEqual({ kind: 'reprompt', reason: 'unclear' });
    const list = { alternatives: [{ intent: 'a', confidence: 0.4 }, { intent: 'b', confidence: 0.35 }] };
    expect(decide(initialDialogState(), unclear(list), floored).decision).toEqual({ kind: 'reprompt', reason: 'unclear' });
    expect(decide(initialDialogState(), unclear({ system: 'operator' }), floored).decision).toMatchObject({ kind: 'handoff', reason: 'caller-request' });
    expect(run([garbled, garbled, unclear({ slots: { choice: 2 } })], floored)[2].decision).toEqual({ kind: 'picked', intent: 'working_hours' });
  });

  it('changes nothing at or above the floor, without a floor, or when the engine gives no confidence', () => {
    expect(decide(initialDialogState(), unclear(matched, 0.6), floored).decision).toMatchObject({ kind: 'answer' });
    expect(decide(initialDialogState(), unclear(matched), options).decision).toMatchObject({ kind: 'answer' });
    expect(decide(initialDialogState(), { kind: 'speech', nlu: nlu(matched) }, floored).decision).toMatchObject({ kind: 'answer' });
    expect(decide(initialDialogState(), unclear({}, 0.6), floored).decision).toEqual({ kind: 'reprompt', reason: 'no-match' });
  });
});
