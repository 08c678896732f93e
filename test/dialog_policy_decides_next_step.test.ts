import { describe, expect, it } from 'vitest';
import type { NluResult } from '../src/engines/nlu/types.js';
import { decide, initialDialogState, type PolicyOptions } from '../src/dialog/policy.js';

const options: PolicyOptions = { maxReprompts: 2, lowConfidenceTurns: 2, maxChoices: 3, clarifyFloor: 0.15, defaultQueue: 'general' };

const nlu = (over: Partial<NluResult>): NluResult => ({
  intent: null, confidence: 0, action: null, answer: null, queue: null, alternatives: [], slots: {}, system: null, kbVersion: 1, ...over,
});
const matched = nlu({ intent: 'internet_outage', confidence: 0.9, action: 'answer', answer: 'مودم را خاموش و روشن کنید.' });

describe('dialog policy', () => {
  it('answers a confident FAQ match and then asks whether there is anything else', () => {
    const { decision, state } = decide(initialDialogState(), { kind: 'speech', nlu: matched }, options);
    expect(decision).toMatchObject({ kind: 'answer', intent: 'internet_outage', then: 'anything-else' });
    expect(state.awaiting).toBe('anything-else');
  });

  it('hands off at once when the caller presses 0 or asks for an operator', () => {
    expect(decide(initialDialogState(), { kind: 'dtmf', digits: '0' }, options).decision).toMatchObject({ kind: 'handoff', reason: 'dtmf-0' });
    expect(decide(initialDialogState(), { kind: 'speech', nlu: nlu({ system: 'operator' }) }, options).decision).toMatchObject({ kind: 'handoff', reason: 'caller-request' });
  });

  it('says goodbye when the caller has nothing else', () => {
    const after = decide(initialDialogState(), { kind: 'speech', nlu: matched }, options).state;
    expect(decide(after, { kind: 'speech', nlu: nlu({ system: 'no' }) }, options).decision.kind).toBe('goodbye');
    expect(decide(after, { kind: 'speech', nlu: nlu({ system: 'yes' }) }, options).decision.kind).toBe('go-ahead');
  });

  it('hands off an FAQ whose action is handoff, to its queue', () => {
    const billing = nlu({ intent: 'billing_dispute', confidence: 0.8, action: 'handoff', answer: 'شما را به واحد مالی وصل می‌کنم.', queue: 'billing' });
    expect(decide(initialDialogState(), { kind: 'speech', nlu: billing }, options).decision).toMatchObject({ kind: 'answer', then: 'handoff', queue: 'billing' });
  });

  it('reprompts silence up to the limit, then hands off instead of leaving the caller in silence', () => {
    let state = initialDialogState();
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = decide(state, { kind: 'no-input' }, options);
      kinds.push(r.decision.kind === 'handoff' ? `handoff:${r.decision.reason}` : r.decision.kind);
      state = r.state;
    }
    expect(kinds).toEqual(['reprompt', 'reprompt', 'handoff:no-input']);
  });

  it('offers at most the configured number of choices when several FAQs are plausible, and a digit picks one', () => {
    const vague = nlu({ alternatives: [
      { intent: 'internet_outage', confidence: 0.4, question: 'اینترنتم قطع است' },
      { intent: 'internet_slow', confidence: 0.35, question: 'سرعتم کم است' },
      { intent: 'modem_setup', confidence: 0.3 },
      { intent: 'billing', confidence: 0.25 },
    ] });
    const first = decide(initialDialogState(), { kind: 'speech', nlu: vague }, options);
    expect(first.decision.kind).toBe('clarify');
    if (first.decision.kind === 'clarify') expect(first.decision.choices).toHaveLength(3);
    expect(decide(first.state, { kind: 'dtmf', digits: '2' }, options).decision).toEqual({ kind: 'picked', intent: 'internet_slow' });
    expect(decide(first.state, { kind: 'speech', nlu: nlu({ slots: { choice: 1 } }) }, options).decision).toEqual({ kind: 'picked', intent: 'internet_outage' });
  });

  it('hands off after repeated no-match and after recogniser failures', () => {
    let state = initialDialogState();
    let last;
    for (let i = 0; i < 3; i++) ({ decision: last, state } = decide(state, { kind: 'speech', nlu: nlu({}) }, options));
    expect(last).toMatchObject({ kind: 'handoff' });
    state = initialDialogState();
    for (let i = 0; i < 3; i++) ({ decision: last, state } = decide(state, { kind: 'engine-error' }, options));
    expect(last).toMatchObject({ kind: 'handoff', reason: 'engine-error' });
  });

  it('repeats the last answer on # or «دوباره بگو»', () => {
    expect(decide(initialDialogState(), { kind: 'dtmf', digits: '#' }, options).decision.kind).toBe('repeat');
    expect(decide(initialDialogState(), { kind: 'speech', nlu: nlu({ system: 'repeat' }) }, options).decision.kind).toBe('repeat');
  });
});
