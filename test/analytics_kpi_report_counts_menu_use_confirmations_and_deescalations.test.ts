import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeKpis } from '../src/analytics/kpis.js';
import { BufferedCallRecorder } from '../src/store/recorder.js';
import { backends, type TestDatabase } from './helpers/databases.js';

/**
 * Four calls with the events the dialog records, counted by hand: M1 reached an answer by key,
 * M2 was offered the menu and pressed 0, M3 confirmed one guess and rejected another and was
 * calmed once, M4 lies outside the range.
 */
type Ev = { type: string; data: Record<string, unknown> };
const seeds: { id: string; start: string; outcome: string; events: Ev[] }[] = [
  { id: 'M1', start: '2026-11-20T06:00:00Z', outcome: 'completed', events: [
    { type: 'menu.offered', data: { reason: 'failures' } },
    { type: 'menu.selected', data: { path: [1], topic: 'قبض' } },
    { type: 'menu.selected', data: { path: [1, 1], faqId: 'bill_amount' } },
  ] },
  { id: 'M2', start: '2026-11-20T07:00:00Z', outcome: 'handoff', events: [{ type: 'menu.offered', data: { reason: 'failures' } }] },
  { id: 'M3', start: '2026-11-20T08:00:00Z', outcome: 'completed', events: [
    { type: 'confirm.answered', data: { intent: 'internet_outage', confidence: 0.4, confirmed: false } },
    { type: 'confirm.answered', data: { intent: 'internet_slow', confidence: 0.45, confirmed: true } },
    { type: 'deescalation', data: { cue: 'complaint' } },
  ] },
  { id: 'M4', start: '2026-10-01T08:00:00Z', outcome: 'completed', events: [{ type: 'menu.offered', data: { reason: 'failures' } }, { type: 'deescalation', data: { cue: 'insult' } }] },
];

describe.each(backends)('dialog KPIs on $name', ({ open }) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await open();
    const recorder = new BufferedCallRecorder({ database: test.database });
    for (const s of seeds) {
      const start = new Date(s.start);
      recorder.callStarted({ id: s.id, protocol: 'raw', fromNumber: null, toNumber: null, startedAt: start });
      s.events.forEach((e, i) => recorder.event({ callId: s.id, at: new Date(start.getTime() + i * 1000), ...e }));
      recorder.callEnded({ callId: s.id, endedAt: new Date(start.getTime() + 60_000), outcome: s.outcome, handoffReason: null });
    }
    await recorder.close(10_000);
  });
  afterAll(async () => {
    await test.drop();
  });

  it('counts calls offered the keypad menu, where it led, confirmations per FAQ and de-escalations', async () => {
    const k = await computeKpis(test.database, { since: new Date('2026-11-19T00:00:00Z'), until: new Date('2026-11-21T00:00:00Z') });
    expect(k.dialog).toEqual({
      menu: {
        calls: 2,
        callsAnsweredByKey: 1,
        outcomes: [{ outcome: 'completed', count: 1 }, { outcome: 'handoff', count: 1 }],
        answers: [{ intent: 'bill_amount', count: 1 }],
      },
      confirmations: [
        { intent: 'internet_outage', confirmed: 0, rejected: 1 },
        { intent: 'internet_slow', confirmed: 1, rejected: 0 },
      ],
      deescalation: { calls: 1, cues: [{ cue: 'complaint', count: 1 }] },
    });
  });
});
