import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeKpis } from '../src/analytics/kpis.js';
import { queueKpis } from '../src/handoff/kpis.js';
import { createKpiRoutes } from '../src/http/routes/kpis.js';
import { BufferedCallRecorder } from '../src/store/recorder.js';
import type { TurnRecord } from '../src/store/types.js';
import { backends, type TestDatabase } from './helpers/databases.js';

/**
 * Seven calls whose KPIs are worked out by hand below. Tehran is UTC+03:30, so K4 (21:00 UTC on
 * the 20th) belongs to the 21st in the per-day figures; K0 lies before the range but makes K4 a
 * repeat call; K6 is still in progress.
 */
const H = 3_600_000;
type Seed = { id: string; from: string | null; start: string; seconds: number | null; outcome?: string; reason?: string; turns: Partial<TurnRecord>[]; csat?: string };
const seeds: Seed[] = [
  { id: 'K0', from: '+989120000003', start: '2026-11-19T10:00:00Z', seconds: 50, outcome: 'completed', turns: [{ input: 'speech', heardText: 'خارج از بازه', intent: null }] },
  { id: 'K1', from: '+989120000001', start: '2026-11-20T06:00:00Z', seconds: 60, outcome: 'completed', csat: '5', turns: [
    { input: 'speech', heardText: 'ساعت کاری', intent: 'faq.hours', timings: { totalMs: 600 } },
    { input: 'speech', heardText: 'جمعه‌ها هم؟', intent: 'faq.hours', timings: { totalMs: 800 } },
  ] },
  { id: 'K2', from: '+989120000002', start: '2026-11-20T07:00:00Z', seconds: 120, outcome: 'handoff', reason: 'dtmf-0', turns: [
    { input: 'speech', heardText: 'ساعت کاری شعبه ها', intent: null, timings: { totalMs: 900 } },
    { input: 'dtmf', heardText: null, intent: null },
  ] },
  { id: 'K3', from: '+989120000001', start: '2026-11-20T10:00:00Z', seconds: 30, outcome: 'completed', csat: '4', turns: [
    { input: 'speech', heardText: 'قبضم', intent: 'faq.billing', timings: { totalMs: 700 } },
  ] },
  { id: 'K4', from: '+989120000003', start: '2026-11-20T21:00:00Z', seconds: 90, outcome: 'handoff', reason: 'low-confidence', turns: [
    { input: 'speech', heardText: 'ساعت كاري شعبه‌ها؟', intent: null, timings: { totalMs: 1000 } },
  ] },
  { id: 'K5', from: null, start: '2026-11-21T08:00:00Z', seconds: 40, outcome: 'abandoned', csat: '9', turns: [
    { input: 'speech', heardText: 'یه سوال دیگه', intent: null },
    { input: 'speech', heardText: 'ساعت کاری شعبه ها', intent: null },
  ] },
  { id: 'K6', from: '+989120000002', start: '2026-11-25T07:00:00Z', seconds: null, turns: [{ input: 'greeting', heardText: null, intent: null }] },
];

describe.each(backends)('KPIs over stored calls on $name', ({ open }) => {
  let test: TestDatabase;
  let app: Hono;

  beforeAll(async () => {
    test = await open();
    const recorder = new BufferedCallRecorder({ database: test.database });
    for (const s of seeds) {
      const start = new Date(s.start);
      recorder.callStarted({ id: s.id, protocol: 'twilio', fromNumber: s.from, toNumber: null, startedAt: start });
      s.turns.forEach((t, seq) =>
        recorder.turn({ callId: s.id, seq, at: new Date(start.getTime() + (seq + 1) * 5000), input: 'speech', heardText: null, partialsCount: 0, intent: null, confidence: null, action: 'answer', botText: null, timings: {}, ...t }),
      );
      if (s.csat) recorder.event({ callId: s.id, at: start, type: 'csat', data: { score: s.csat } });
      if (s.seconds !== null) recorder.callEnded({ callId: s.id, endedAt: new Date(start.getTime() + s.seconds * 1000), outcome: s.outcome!, handoffReason: s.reason ?? null });
    }
    await recorder.close(10_000);
    expect(recorder.stats().written).toBeGreaterThan(0);
    app = new Hono().route(
      '/api/kpis',
      createKpiRoutes({
        database: test.database,
        timezone: 'Asia/Tehran',
        queueKpis: (r) => queueKpis(test.database, { from: r.since, to: r.until }, 20),
      }),
    );
  });
  afterAll(async () => {
    await test.drop();
  });

  it('computes containment, hand-offs, handle time, intents, unanswered questions, FCR, CSAT and days', async () => {
    const res = await app.request('/api/kpis?since=2026-11-20&until=2026-11-25');
    expect(res.status).toBe(200);
    const k = await res.json();
    // Date-only bounds are Tehran days: 2026-11-20 00:00 +03:30 … end of 2026-11-25.
    expect(k.range).toEqual({ since: '2026-11-19T20:30:00.000Z', until: '2026-11-25T20:30:00.000Z', timezone: 'Asia/Tehran' });
    expect(k.calls).toEqual({ total: 6, ended: 5, inProgress: 1 });
    expect(k.containment).toEqual({ contained: 2, rate: 0.4 });
    expect(k.handoff).toEqual({
      count: 2,
      rate: 0.4,
      reasons: [
        { reason: 'dtmf-0', count: 1, share: 0.5 },
        { reason: 'low-confidence', count: 1, share: 0.5 },
      ],
    });
    expect(k.outcomes).toEqual([
      { outcome: 'completed', count: 2 },
      { outcome: 'handoff', count: 2 },
      { outcome: 'abandoned', count: 1 },
      { outcome: 'in-progress', count: 1 },
    ]);
    expect(k.averageHandleTimeSeconds).toBe(68); // (60 + 120 + 30 + 90 + 40) / 5
    expect(k.turns).toEqual({ total: 9, latencyP50Ms: 800, latencyP95Ms: 980 });
    expect(k.topIntents).toEqual([
      { intent: 'faq.hours', turns: 2, calls: 1 },
      { intent: 'faq.billing', turns: 1, calls: 1 },
    ]);
    // «ساعت كاري شعبه‌ها؟» (Arabic kaf/yeh, ZWNJ, question mark) is the same question as «ساعت کاری شعبه ها».
    expect(k.unansweredQuestions).toEqual([
      { text: 'ساعت کاری شعبه ها', count: 3, calls: 3, lastAt: '2026-11-21T08:00:10.000Z', exampleCallId: 'K5' },
      { text: 'یه سوال دیگه', count: 1, calls: 1, lastAt: '2026-11-21T08:00:05.000Z', exampleCallId: 'K5' },
    ]);
    // K1 is followed by K3 within 72 h (not resolved first time); K3 and K4 are repeats (K4 after K0).
    expect(k.firstCallResolution).toEqual({ windowHours: 72, callsWithNumber: 5, resolved: 4, rate: 0.8, repeatCalls: 2 });
    expect(k.csat).toEqual({ responses: 2, average: 4.5 });
    expect(k.perDay).toEqual([
      { day: '2026-11-20', calls: 3, ended: 3, contained: 2, handoffs: 1, containmentRate: 0.6667, averageHandleTimeSeconds: 70 },
      { day: '2026-11-21', calls: 2, ended: 2, contained: 0, handoffs: 1, containmentRate: 0, averageHandleTimeSeconds: 65 },
      { day: '2026-11-25', calls: 1, ended: 0, contained: 0, handoffs: 0, containmentRate: null, averageHandleTimeSeconds: null },
    ]);
    // The hand-off module's queue KPIs are reported alongside (no queue entries were seeded).
    expect(k.queue).toMatchObject({ entered: 0, answered: 0, abandonRate: null });
  });

  it('narrows to one Tehran day and honours a longer repeat window', async () => {
    const k = await computeKpis(test.database, { since: new Date('2026-11-20T20:30:00Z'), until: new Date('2026-11-21T20:30:00Z'), repeatWindowHours: 24 * 10 });
    expect(k.calls.total).toBe(2);
    expect(k.perDay.map((d) => d.day)).toEqual(['2026-11-21']);
    // With 10 days, K4 is still a repeat of K0; K5 has no number.
    expect(k.firstCallResolution).toMatchObject({ windowHours: 240, callsWithNumber: 1, resolved: 1, repeatCalls: 1 });
    expect(k.queue).toBeNull();
  });

  it('reports empty ranges as zeros and nulls, not errors', async () => {
    const k = await computeKpis(test.database, { since: new Date('2020-01-01T00:00:00Z'), until: new Date('2020-01-02T00:00:00Z') });
    expect(k.calls).toEqual({ total: 0, ended: 0, inProgress: 0 });
    expect(k.containment.rate).toBeNull();
    expect(k.averageHandleTimeSeconds).toBeNull();
    expect(k.unansweredQuestions).toEqual([]);
  });

  it('rejects bad parameters with a 400 naming the field', async () => {
    for (const [q, field] of [
      ['since=last-week', 'since'],
      ['since=2026-11-25&until=2026-11-20', 'since'],
      ['since=2020-01-01&until=2026-01-01', 'since'],
      ['repeatWindowHours=0', 'repeatWindowHours'],
      ['top=1000', 'top'],
      ['until=2026-11-20T10:00:00', 'until'],
    ] as const) {
      const res = await app.request(`/api/kpis?${q}`);
      expect(res.status, q).toBe(400);
      const body = await res.json();
      expect(body.error.code).toBe('invalid_query');
      expect(body.error.details.map((d: any) => d.field), q).toContain(field);
    }
  });
});
