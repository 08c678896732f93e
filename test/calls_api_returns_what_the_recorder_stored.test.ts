import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallRoutes } from '../src/http/routes/calls.js';
import { BufferedCallRecorder } from '../src/store/recorder.js';
import { backends, type TestDatabase } from './helpers/databases.js';

const t0 = new Date('2026-11-20T08:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe.each(backends)('call records API on $name', ({ open }) => {
  let test: TestDatabase;
  let recorder: BufferedCallRecorder;
  let app: Hono;
  let dir: string;

  beforeAll(async () => {
    test = await open();
    dir = mkdtempSync(join(tmpdir(), 'pasokh-calls-api-'));
    recorder = new BufferedCallRecorder({ database: test.database, dataDir: dir });
    app = new Hono().route('/api/calls', createCallRoutes({ database: test.database }));

    // One full call, recorded the way the call session does it.
    recorder.callStarted({ id: 'CA-1', protocol: 'twilio', fromNumber: '+989121234567', toNumber: '+982100000000', startedAt: at(0), params: { campaign: 'none' } });
    recorder.turn({ callId: 'CA-1', seq: 0, at: at(100), input: 'greeting', heardText: null, partialsCount: 0, intent: null, confidence: null, action: 'greet', botText: 'صبح بخیر، من پاسخ هستم.', timings: { ttsFirstAudioMs: 40 } });
    recorder.turn({ callId: 'CA-1', seq: 1, at: at(5000), input: 'speech', heardText: 'ساعت کاری شما چنده', partialsCount: 3, intent: 'faq.hours', confidence: 0.91, action: 'answer', botText: 'از شنبه تا چهارشنبه، هشت تا پنج.', timings: { endpointMs: 500, asrMs: 120, nluMs: 4, ttsFirstAudioMs: 30, totalMs: 660 } });
    recorder.event({ callId: 'CA-1', at: at(6000), type: 'barge-in', data: { playedMs: 800 } });
    recorder.event({ callId: 'CA-1', at: at(6000), type: 'dtmf', data: { digit: '0' } });
    recorder.turn({ callId: 'CA-1', seq: 2, at: at(6100), input: 'dtmf', heardText: null, partialsCount: 0, intent: null, confidence: null, action: 'handoff', botText: 'شما را به همکارم وصل می‌کنم.', timings: {} });
    recorder.event({ callId: 'CA-1', at: at(6200), type: 'handoff', data: { reason: 'dtmf-0', queue: 'general' } });
    recorder.callEnded({ callId: 'CA-1', endedAt: at(9000), outcome: 'handoff', handoffReason: 'dtmf-0', handoffQueue: 'general' });

    // A few more calls for listing and filters, started one minute apart.
    for (let i = 2; i <= 6; i++) {
      recorder.callStarted({ id: `CA-${i}`, protocol: i % 2 ? 'asterisk' : 'raw', fromNumber: i <= 3 ? '+989351112233' : null, toNumber: null, startedAt: at(i * 60_000) });
      recorder.callEnded({ callId: `CA-${i}`, endedAt: at(i * 60_000 + 30_000), outcome: i === 4 ? 'abandoned' : 'completed', handoffReason: null });
    }
    // A call still in progress, started before the others (so listings by time are unchanged).
    recorder.callStarted({ id: 'CA-7', protocol: 'raw', fromNumber: null, toNumber: null, startedAt: at(-3_600_000) });
    await recorder.flush(10_000);
    expect(recorder.stats()).toMatchObject({ queued: 0, journalPending: false, deadLettered: 0 });
  });

  afterAll(async () => {
    await recorder?.close(1000);
    await test?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns a call with its turns in order, per-stage timings and events', async () => {
    const res = await app.request('/api/calls/CA-1');
    expect(res.status).toBe(200);
    const call = await res.json();
    expect(call).toMatchObject({
      id: 'CA-1',
      protocol: 'twilio',
      fromNumber: '+989121234567',
      toNumber: '+982100000000',
      startedAt: t0.toISOString(),
      endedAt: at(9000).toISOString(),
      durationMs: 9000,
      outcome: 'handoff',
      handoffReason: 'dtmf-0',
      handoffQueue: 'general',
      params: { campaign: 'none' },
      turnCount: 3,
    });
    expect(call.turns.map((t: any) => [t.seq, t.action])).toEqual([[0, 'greet'], [1, 'answer'], [2, 'handoff']]);
    expect(call.turns[1]).toMatchObject({
      input: 'speech',
      heardText: 'ساعت کاری شما چنده',
      partialsCount: 3,
      intent: 'faq.hours',
      confidence: 0.91,
      timings: { endpointMs: 500, asrMs: 120, nluMs: 4, ttsFirstAudioMs: 30, totalMs: 660 },
    });
    expect(call.turns[2].timings).toEqual({ endpointMs: null, asrMs: null, nluMs: null, ttsFirstAudioMs: null, totalMs: null });
    // Two events share a timestamp: they come back in the order they were recorded.
    expect(call.events.map((e: any) => e.type)).toEqual(['barge-in', 'dtmf', 'handoff']);
    expect(call.events[2].data).toEqual({ reason: 'dtmf-0', queue: 'general' });
  });

  it('answers an unknown id with a 404 JSON error', async () => {
    const res = await app.request('/api/calls/no-such-call');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No call with id no-such-call' } });
  });

  it('lists newest first and pages with a cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Response = await app.request(`/api/calls?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const body: any = await res.json();
      expect(body.calls.length).toBeLessThanOrEqual(2);
      seen.push(...body.calls.map((c: any) => c.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(['CA-6', 'CA-5', 'CA-4', 'CA-3', 'CA-2', 'CA-1', 'CA-7']);
    expect(pages).toBe(4);
  });

  it('filters by caller number (Persian digits accepted), outcome and time range', async () => {
    const byNumber = await (await app.request(`/api/calls?from=${encodeURIComponent('+۹۸۹۳۵۱۱۱۲۲۳۳')}`)).json();
    expect(byNumber.calls.map((c: any) => c.id)).toEqual(['CA-3', 'CA-2']);
    // Staff type the number as they see it on a phone: 0935 111 2233 is the same caller.
    const local = await (await app.request(`/api/calls?from=${encodeURIComponent('0935 111 2233')}`)).json();
    expect(local.calls.map((c: any) => c.id)).toEqual(['CA-3', 'CA-2']);
    const other = await (await app.request('/api/calls?from=09351112234')).json();
    expect(other.calls).toEqual([]);

    const live = await (await app.request('/api/calls?status=active')).json();
    expect(live.calls.map((c: any) => c.id)).toEqual(['CA-7']);
    const ended = await (await app.request('/api/calls?status=ended&limit=200')).json();
    expect(ended.calls).toHaveLength(6);

    const abandoned = await (await app.request('/api/calls?outcome=abandoned')).json();
    expect(abandoned.calls.map((c: any) => c.id)).toEqual(['CA-4']);

    const since = encodeURIComponent(at(3 * 60_000).toISOString());
    const until = encodeURIComponent(at(5 * 60_000).toISOString());
    const range = await (await app.request(`/api/calls?since=${since}&until=${until}`)).json();
    expect(range.calls.map((c: any) => c.id)).toEqual(['CA-4', 'CA-3']);
  });

  it('rejects bad query parameters with a 400 naming the field', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['since=yesterday', 'since'],
      ['outcome=DROP%20TABLE', 'outcome'],
      ['from=not-a-number', 'from'],
      ['colour=blue', ''],
      ['status=lost', 'status'],
    ] as const) {
      const res = await app.request(`/api/calls?${query}`);
      expect(res.status, query).toBe(400);
      const body = await res.json();
      expect(body.error.code).toBe('invalid_query');
      if (field) expect(body.error.details.map((d: any) => d.field)).toContain(field);
    }
    const badCursor = await app.request('/api/calls?cursor=garbage');
    expect(badCursor.status).toBe(400);
  });
});
