import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';
import { dtmf, request, ScriptedCaller } from './helpers/handoff_caller_double.js';
import { startDeskServer } from './helpers/handoff_http_harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('queue KPIs through the API', () => {
  let db: TestDatabase;
  let svc: HandoffRuntime;
  let http: Awaited<ReturnType<typeof startDeskServer>>;
  const started = new Date(Date.now() - 1000);

  beforeAll(async () => {
    db = await freshPglite();
    const config = loadConfig({}, { handoff: { waitUpdateSeconds: 5, routeIntervalMs: 30, serviceLevelSeconds: 2 } });
    svc = createHandoffService({ database: db.database, config, pollMs: 20, replyTimeoutMs: 10 });
    await svc.ready();
    http = await startDeskServer(svc);
    await svc.agents.upsert({ id: 'a1', name: 'یکم', pin: '1111' });
    await svc.agents.upsert({ id: 'a2', name: 'دوم', pin: '2222' });
  });
  afterAll(async () => {
    await http?.close();
    await svc?.close();
    await db?.drop();
  });

  const ringing = async (agentId: string) => {
    for (let i = 0; i < 400; i++) {
      const id = (await svc.agents.get(agentId))?.currentEntryId;
      if (id && (await svc.queue.get(id))?.state === 'offered') return id;
      await sleep(10);
    }
    throw new Error(`nothing rang for ${agentId}`);
  };
  const serve = async (entryId: string, agentId: string, talkMs: number) => {
    await svc.accept(entryId, agentId);
    await sleep(talkMs);
    await svc.endCall(entryId, agentId);
    await sleep(talkMs / 2);
    await svc.wrapUp(entryId, agentId, 'resolved', null);
  };

  it('reports speed of answer, abandons, service level, handle times and reasons for the calls made', async () => {
    // K1: answered at once.
    await svc.agents.setPresence('a1', 'available');
    const k1 = svc.handle(request('K1'), new ScriptedCaller('K1'));
    await serve(await ringing('a1'), 'a1', 300);
    expect(await k1).toEqual({ kind: 'connected', agentId: 'a1' });
    await svc.agents.setPresence('a1', 'offline');

    // K5 (billing): declined by a1, answered by a2 right after.
    const k5 = svc.handle(request('K5', { reason: 'low-confidence', queue: 'billing' }), new ScriptedCaller('K5'));
    await svc.agents.setPresence('a1', 'available');
    await svc.decline(await ringing('a1'), 'a1');
    await svc.agents.setPresence('a1', 'offline');
    await svc.agents.setPresence('a2', 'available');
    await serve(await ringing('a2'), 'a2', 200);
    expect(await k5).toEqual({ kind: 'connected', agentId: 'a2' });

    // With a2 on the phone: K2 waits; K3 gives up; K4 asks for a call-back.
    const k2 = svc.handle(request('K2', { reason: 'no-match' }), new ScriptedCaller('K2'));
    await sleep(20);
    const k3caller = new ScriptedCaller('K3');
    const k3 = svc.handle(request('K3', { reason: 'no-match' }), k3caller);
    await sleep(20);
    const k4 = svc.handle(
      request('K4', { reason: 'dtmf-0' }),
      new ScriptedCaller('K4', '09123334455').answer(/به‌جای انتظار/, dtmf('1')).answer(/با همین شماره/, dtmf('1')),
    );
    // a2 wrapped up K5 and K2 rings on her desk at once; she lets it ring past the 2 s service level.
    const k2entry = await ringing('a2');
    await k3caller.heard(/نفر/);
    k3caller.hangup();
    expect(await k3).toEqual({ kind: 'abandoned' });
    expect(await k4).toEqual({ kind: 'callback', number: '09123334455' });
    await sleep(2500);
    await serve(k2entry, 'a2', 200);
    expect(await k2).toEqual({ kind: 'connected', agentId: 'a2' });
    // Next in line for a2 is K4's call-back task; she declines it for now.
    const next = await ringing('a2');
    expect((await svc.queue.get(next))?.callId).toBe('K4');
    await svc.decline(next, 'a2');
    await svc.agents.setPresence('a2', 'offline');

    const unauth = await fetch(`${http.base}/api/queue/kpis`);
    expect(unauth.status).toBe(401);
    const bad = await http.admin('/api/queue/kpis?from=yesterday');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('invalid');

    const res = await http.admin(`/api/queue/kpis?from=${encodeURIComponent(started.toISOString())}`);
    expect(res.status).toBe(200);
    const k = await res.json();
    expect(k).toMatchObject({
      entered: 5,
      answered: 3,
      abandoned: 1,
      callbacks: 1,
      transferred: 0,
      pending: 1,
      abandonRate: 0.25, // 1 abandoned of 4 whose wait ended
      serviceLevelSeconds: 2,
      serviceLevel: 0.5, // K1 and K5 within 2 s; K2 not; K3 abandoned
      offers: { made: 5, declined: 2, ringNoAnswer: 0 },
    });
    // Cross-check the averages against the stored timestamps.
    const rows = await db.database.query<any>(
      `select extract(epoch from answered_at - enqueued_at) as asa, extract(epoch from wrapped_up_at - answered_at) as ht
       from handoff_entries where answered_at is not null`,
    );
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(k.averageSpeedOfAnswerSeconds).toBeCloseTo(mean(rows.map((r) => Number(r.asa))), 1);
    expect(k.averageSpeedOfAnswerSeconds).toBeGreaterThan(0.8); // K2's 2.5 s wait is in it
    expect(k.handle.count).toBe(3);
    expect(k.handle.averageHandleSeconds).toBeCloseTo(mean(rows.map((r) => Number(r.ht))), 1);
    expect(k.handle.averageTalkSeconds).toBeGreaterThanOrEqual(0.2);
    expect(k.handle.averageAfterCallWorkSeconds).toBeGreaterThanOrEqual(0.1);
    expect(k.byReason).toEqual([
      { reason: 'no-match', entered: 2, answered: 1, abandoned: 1 },
      { reason: 'caller-request', entered: 1, answered: 1, abandoned: 0 },
      { reason: 'dtmf-0', entered: 1, answered: 0, abandoned: 0 },
      { reason: 'low-confidence', entered: 1, answered: 1, abandoned: 0 },
    ]);
    expect(k.byQueue).toEqual([
      { queue: 'general', entered: 4, answered: 2, abandoned: 1 },
      { queue: 'billing', entered: 1, answered: 1, abandoned: 0 },
    ]);

    const billing = await (await http.admin(`/api/queue/kpis?queue=billing&from=${encodeURIComponent(started.toISOString())}`)).json();
    expect(billing).toMatchObject({ entered: 1, answered: 1, abandoned: 0, serviceLevel: 1 });

    // The live view shows the call-back task still in line.
    const live = await (await http.admin('/api/queue')).json();
    expect(live.entries.map((e: any) => [e.callId, e.state, e.callbackNumber])).toEqual([['K4', 'callback', '09123334455']]);
    expect(live.agents.map((a: any) => a.id)).toEqual(['a1', 'a2']);
    expect(live.queues.map((q: any) => q.name).sort()).toEqual(['billing', 'general']);
  });
});
