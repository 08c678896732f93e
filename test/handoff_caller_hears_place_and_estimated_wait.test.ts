import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { backends, type TestDatabase } from './helpers/databases.js';
import { request, ScriptedCaller } from './helpers/handoff_caller_double.js';


describe.each(backends)('the waiting caller ($name)', (backend) => {
  let db: TestDatabase;
  let svc: HandoffRuntime;
  afterEach(async () => {
    await svc?.close();
    await db?.drop();
  });

  it('hears their place and an estimate from handle time and agents on duty, refreshed until an agent answers', async () => {
    db = await backend.open();
    const config = loadConfig({}, {
      handoff: { waitUpdateSeconds: 1, defaultHandleSeconds: 90, callbackOffer: false, routeIntervalMs: 50 },
    });
    svc = createHandoffService({ database: db.database, config, pollMs: 20 });
    await svc.ready();
    // One agent on duty but still wrapping up an earlier call: the callers must wait.
    await svc.agents.upsert({ id: 'sara', name: 'سارا', pin: '1234' });
    await svc.agents.setPresence('sara', 'after-call-work');

    const first = new ScriptedCaller('c1');
    const second = new ScriptedCaller('c2', '09351112233');
    const firstOutcome = svc.handle(request('c1'), first);
    await first.heard(/نفر اول/);
    const secondOutcome = svc.handle(request('c2'), second);

    // 2nd in line × 90 s handle time ÷ 1 agent on duty = three minutes.
    expect(await second.heard(/نفر دوم/)).toBe('شما نفر دوم صف هستید؛ زمان تقریبی انتظار حدود سه دقیقه است.');
    // Between updates: short hold messages, then the update again.
    await second.heard(/سپاسگزاریم|نگه دارید|متشکریم/);
    await new Promise((r) => setTimeout(r, 1200));
    expect(second.prompts.filter((p) => p.includes('نفر دوم')).length).toBeGreaterThanOrEqual(2);

    // The agent becomes free: the first caller is offered to her; she accepts.
    await svc.agents.setPresence('sara', 'available');
    let offered = null;
    for (let i = 0; i < 100 && !offered; i++) {
      offered = (await svc.queue.live()).find((e) => e.state === 'offered') ?? null;
      if (!offered) await new Promise((r) => setTimeout(r, 20));
    }
    expect(offered?.callId).toBe('c1');
    expect(offered?.offeredTo).toBe('sara');
    await svc.accept(offered!.id, 'sara');
    expect(await firstOutcome).toEqual({ kind: 'connected', agentId: 'sara' });

    // The second caller moves up.
    expect(await second.heard(/نفر اول/)).toMatch(/^شما نفر اول صف هستید؛/);
    second.hangup();
    expect(await secondOutcome).toEqual({ kind: 'abandoned' });
  });
});
