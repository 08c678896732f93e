import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { backends, type TestDatabase } from './helpers/databases.js';
import { request, ScriptedCaller } from './helpers/handoff_caller_double.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)('routing ($name)', (backend) => {
  let db: TestDatabase;
  let svc: HandoffRuntime;
  afterEach(async () => {
    await svc?.close();
    await db?.drop();
  });

  it('serves higher-priority queues first, only with agents who have the skill, longest-idle first', async () => {
    db = await backend.open();
    const config = loadConfig({}, {
      handoff: {
        routeIntervalMs: 30,
        waitUpdateSeconds: 5,
        callbackOffer: false,
        queues: {
          billing: { label: 'مالی', priority: 5, skill: 'billing' },
          sales: { label: 'فروش', priority: 1, skill: 'sales' },
        },
      },
    });
    svc = createHandoffService({ database: db.database, config, pollMs: 20 });
    await svc.ready();
    expect(await svc.queue.listQueues()).toEqual([
      { name: 'billing', label: 'مالی', priority: 5, skill: 'billing' },
      { name: 'sales', label: 'فروش', priority: 1, skill: 'sales' },
      { name: 'general', label: null, priority: 0, skill: null },
    ]);
    await svc.agents.upsert({ id: 'generalist', name: 'عمومی', pin: '1111' });
    await svc.agents.upsert({ id: 'billing-1', name: 'مالی ۱', pin: '1111', skills: ['billing'] });
    await svc.agents.upsert({ id: 'billing-2', name: 'مالی ۲', pin: '1111', skills: ['billing', 'sales'] });

    // Callers arrive while nobody is free: general first, then sales, then two billing.
    const callers = ['G1', 'S1', 'B1', 'B2'].map((id) => new ScriptedCaller(id));
    const queues = { G1: 'general', S1: 'sales', B1: 'billing', B2: 'billing' } as const;
    const outcomes = [];
    for (const c of callers) {
      outcomes.push(svc.handle(request(c.callId, { queue: queues[c.callId as keyof typeof queues] }), c));
      await c.heard(/نفر/);
    }

    // Only the generalist is free: billing and sales need a skill she lacks, so she gets G1.
    await svc.agents.setPresence('generalist', 'available');
    const offered = async () =>
      Object.fromEntries((await svc.queue.live()).filter((e) => e.state === 'offered').map((e) => [e.callId, e.offeredTo]));
    // Waits on the offer itself, not a fixed time (a routing pass is slower on a busy machine), then
    // lets a few more passes run: none of them may offer her a call she lacks the skill for.
    for (let i = 0; i < 500 && Object.keys(await offered()).length === 0; i++) await sleep(20);
    await sleep(150);
    expect(await offered()).toEqual({ G1: 'generalist' });

    // billing-2 became free before billing-1: the longest idle gets the first billing call.
    await svc.agents.setPresence('billing-2', 'available');
    await sleep(20);
    await svc.agents.setPresence('billing-1', 'available');
    for (let i = 0; i < 100 && Object.keys(await offered()).length < 3; i++) await sleep(20);
    expect(await offered()).toEqual({ G1: 'generalist', B1: 'billing-2', B2: 'billing-1' });

    // S1 waits for an agent with the sales skill: billing-2 once she is free again.
    const b1 = (await svc.queue.live()).find((e) => e.callId === 'B1')!;
    await svc.accept(b1.id, 'billing-2');
    await svc.endCall(b1.id, 'billing-2');
    await svc.wrapUp(b1.id, 'billing-2', 'resolved', null);
    for (let i = 0; i < 100 && !(await offered()).S1; i++) await sleep(20);
    expect((await offered()).S1).toBe('billing-2');

    for (const c of callers) c.hangup();
    await Promise.all(outcomes);
  });
});
