import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { campaignHarness, surveyCampaign, type CampaignHarness } from './helpers/campaign_harness.js';
import { backends, type TestDatabase } from './helpers/databases.js';

const MIN = 60_000;

describe.each(backends)('the campaign scheduler on $name (fake clock)', ({ open }) => {
  let db: TestDatabase;
  let h: CampaignHarness;
  beforeEach(async () => {
    db = await open();
    h = campaignHarness(db.database, { staleDialSeconds: 300 });
  });
  afterEach(async () => {
    await h.service.stop();
    await db.drop();
  });

  async function running(body: Record<string, unknown>, phones: string[]): Promise<string> {
    const { body: c } = await h.request('POST', '/api/campaigns', surveyCampaign(body));
    await h.request('POST', `/api/campaigns/${c.id}/contacts`, { contacts: phones.map((phone) => ({ phone })) });
    expect((await h.request('POST', `/api/campaigns/${c.id}/start`)).status).toBe(200);
    return c.id;
  }
  const phones = (n: number) => Array.from({ length: n }, (_, i) => `0912000${String(i).padStart(4, '0')}`);

  it('never places a call outside a window: not on Friday, not before opening, not on a Jalali holiday, not after the end', async () => {
    await running({ schedule: { windows: [{ days: ['sat', 'sun', 'mon', 'tue', 'wed', 'thu'], from: '09:00', to: '20:00' }], holidays: ['1405/09/16'], end: '1405/09/17' } }, phones(3));
    h.clock.set('2026-12-04T08:00:00Z'); // Friday 11:30 Tehran
    expect(await h.service.tick()).toBe(0);
    h.clock.set('2026-12-05T05:29:00Z'); // Saturday 08:59
    expect(await h.service.tick()).toBe(0);
    h.clock.set('2026-12-07T07:00:00Z'); // Monday 1405/09/16, a holiday
    expect(await h.service.tick()).toBe(0);
    h.clock.set('2026-12-09T07:00:00Z'); // Wednesday, after the last day (1405/09/17 = Tuesday)
    expect(await h.service.tick()).toBe(0);
    h.clock.set('2026-12-05T16:31:00Z'); // Saturday 20:01
    expect(await h.service.tick()).toBe(0);
    h.clock.set('2026-12-05T05:30:00Z'); // Saturday 09:00: open
    expect(await h.service.tick()).toBe(3);
    expect(h.dialer.placed.map((p) => p.request.to).sort()).toEqual(['+989120000000', '+989120000001', '+989120000002']);
  });

  it('holds concurrency and calls per minute', async () => {
    const id = await running({ pacing: { maxConcurrent: 2, callsPerMinute: 3 }, retry: { maxAttempts: 1 } }, phones(6));
    expect(await h.service.tick()).toBe(2);
    expect(await h.service.tick()).toBe(0); // two in flight
    await h.dialer.placed[0].report({ kind: 'ended', outcome: 'busy' });
    expect(await h.service.tick()).toBe(1); // third call this minute
    await h.dialer.placed[1].report({ kind: 'ended', outcome: 'busy' });
    expect(await h.service.tick()).toBe(0); // 3 per minute reached
    h.clock.advance(61_000);
    expect(await h.service.tick()).toBe(1); // one slot free of two
    const { body } = await h.request('GET', `/api/campaigns/${id}`);
    expect(body.counts).toMatchObject({ contacts: 6, busy: 2, dialing: 2, pending: 2, inFlight: 2, attempts: 4 });
  });

  it('retries the outcomes the policy names after the delay, up to maxAttempts, and finishes the rest', async () => {
    const id = await running({ retry: { maxAttempts: 2, delayMinutes: 30, on: ['no-answer', 'machine'] } }, ['09121110001', '09121110002']);
    expect(await h.service.tick()).toBe(2);
    const [a, b] = h.dialer.placed;
    await a.report({ kind: 'ended', outcome: 'no-answer' });
    await b.report({ kind: 'ended', outcome: 'busy' }); // not in retry.on: final
    h.clock.advance(10 * MIN);
    expect(await h.service.tick()).toBe(0);
    h.clock.advance(21 * MIN);
    expect(await h.service.tick()).toBe(1);
    const second = h.dialer.placed[2];
    expect(second.request.to).toBe(a.request.to);
    await second.report({ kind: 'ended', outcome: 'no-answer' });
    h.clock.advance(31 * MIN);
    expect(await h.service.tick()).toBe(0); // two attempts used
    const { body } = await h.request('GET', `/api/campaigns/${id}`);
    expect(body.status).toBe('completed');
    expect(body.counts).toMatchObject({ 'no-answer': 1, busy: 1, attempts: 3 });
    const results = (await h.request('GET', `/api/campaigns/${id}/results`)).body.results;
    expect(results[0].attempts.map((x: { outcome: string }) => x.outcome)).toEqual(['no-answer', 'no-answer']);
    expect(results[0].finalOutcome).toBe('no-answer');
  });

  it('places nothing while paused, goes on after resume, and calls no one else once cancelled', async () => {
    const id = await running({ pacing: { maxConcurrent: 1, callsPerMinute: 100 }, retry: { maxAttempts: 1 } }, phones(3));
    await h.request('POST', `/api/campaigns/${id}/pause`);
    expect(await h.service.tick()).toBe(0);
    await h.request('POST', `/api/campaigns/${id}/resume`);
    expect(await h.service.tick()).toBe(1);
    await h.request('POST', `/api/campaigns/${id}/cancel`);
    await h.dialer.placed[0].report({ kind: 'ended', outcome: 'no-answer' });
    h.clock.advance(5 * MIN);
    expect(await h.service.tick()).toBe(0);
    const { body } = await h.request('GET', `/api/campaigns/${id}`);
    expect(body).toMatchObject({ status: 'cancelled', counts: { cancelled: 2, 'no-answer': 1 } });
  });

  it('keeps out a number put on the do-not-call list after the upload', async () => {
    const id = await running({}, ['09121112222', '09121113333']);
    await h.request('POST', '/api/dnc', { phone: '+989121113333' });
    expect(await h.service.tick()).toBe(1);
    expect(h.dialer.placed[0].request.to).toBe('+989121112222');
    expect((await h.request('GET', `/api/campaigns/${id}`)).body.counts.dnc).toBe(1);
  });

  it('records a call the dialer could not place as failed, and retries it by policy', async () => {
    const id = await running({ retry: { maxAttempts: 2, delayMinutes: 1, on: ['failed'] } }, ['09121114444']);
    h.dialer.refuse = new Error('trunk down');
    expect(await h.service.tick()).toBe(1);
    await h.service.idle();
    h.dialer.refuse = null;
    h.clock.advance(2 * MIN);
    expect(await h.service.tick()).toBe(1);
    const results = (await h.request('GET', `/api/campaigns/${id}/results`)).body.results;
    expect(results[0].attempts[0]).toMatchObject({ outcome: 'failed', detail: 'trunk down' });
  });

  it('resumes after a restart without calling anyone twice: finished contacts stay finished, calls of the stopped instance are ended as lost, the rest are dialled', async () => {
    const id = await running({ pacing: { maxConcurrent: 2, callsPerMinute: 100 }, retry: { maxAttempts: 3, on: ['no-answer', 'busy', 'failed'] } }, phones(5));
    expect(await h.service.tick()).toBe(2);
    await h.dialer.placed[0].report({ kind: 'ended', outcome: 'busy' });
    // The instance stops with one call ringing; a new one starts on the same database.
    await h.service.stop();
    const again = campaignHarness(db.database, { staleDialSeconds: 300 });
    again.clock.set(h.clock.now.toISOString());
    try {
      expect(await again.service.tick()).toBe(1); // one slot: the other is still "ringing"
      h.clock.advance(0);
      again.clock.advance(6 * MIN); // past staleDialSeconds
      await again.dialer.placed[0].report({ kind: 'ended', outcome: 'completed', durationSeconds: 30 });
      const placedAfter = await again.service.tick();
      expect(placedAfter).toBe(2);
      const results = (await again.request('GET', `/api/campaigns/${id}/results`)).body.results;
      const lost = results.find((r: { finalOutcome: string }) => r.finalOutcome === 'lost');
      expect(lost.attempts).toHaveLength(1);
      // Everyone dialled so far was dialled once, except the busy one which the policy retries later.
      const dialled = [...h.dialer.placed, ...again.dialer.placed].map((p) => p.request.to);
      expect(new Set(dialled).size).toBe(dialled.length);
    } finally {
      await again.service.stop();
    }
  });
});
