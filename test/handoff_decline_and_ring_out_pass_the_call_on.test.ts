import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { backends, type TestDatabase } from './helpers/databases.js';
import { request, ScriptedCaller } from './helpers/handoff_caller_double.js';

const until = async <T>(f: () => Promise<T | null | undefined>, what: string, ms = 10_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe.each(backends)('decline and ring-out ($name)', (backend) => {
  let db: TestDatabase;
  let svc: HandoffRuntime;
  afterEach(async () => {
    await svc?.close();
    await db?.drop();
  });

  async function setup(overrides: Record<string, unknown> = {}, reofferAfterSeconds = 60) {
    db = await backend.open();
    const config = loadConfig({}, { handoff: { waitUpdateSeconds: 5, routeIntervalMs: 50, callbackOffer: false, ...overrides } });
    svc = createHandoffService({ database: db.database, config, pollMs: 20, reofferAfterSeconds });
    await svc.ready();
  }
  const offerOf = (id: string) =>
    until(async () => {
      const e = (await svc.queue.live()).find((x) => x.callId === id && x.state === 'offered');
      return e ?? null;
    }, `offer of ${id}`);

  it('rings the longest-idle agent first; a decline passes the call to the next agent', async () => {
    await setup();
    await svc.agents.upsert({ id: 'early', name: 'اول', pin: '1111' });
    await svc.agents.upsert({ id: 'late', name: 'دوم', pin: '2222' });
    await svc.agents.setPresence('early', 'available');
    await new Promise((r) => setTimeout(r, 30));
    await svc.agents.setPresence('late', 'available');

    const caller = new ScriptedCaller('X');
    const outcome = svc.handle(request('X'), caller);
    const first = await offerOf('X');
    expect(first.offeredTo).toBe('early');
    expect((await svc.agents.get('late'))?.presence).toBe('available');

    await svc.decline(first.id, 'early');
    const second = await offerOf('X');
    expect(second.offeredTo).toBe('late');
    // The decliner is free again and keeps their idle rank, but is not rung with this call again.
    expect((await svc.agents.get('early'))?.presence).toBe('available');
    await expect(svc.accept(first.id, 'early')).rejects.toThrow(/no longer offered/);
    await svc.accept(second.id, 'late');
    expect(await outcome).toEqual({ kind: 'connected', agentId: 'late' });

    const offers = await db.database.query<any>(
      `select agent_id, outcome from handoff_offers where entry_id = $1 order by id`,
      [first.id],
    );
    expect(offers).toEqual([
      { agent_id: 'early', outcome: 'declined' },
      { agent_id: 'late', outcome: 'accepted' },
    ]);
  });

  it('with one agent, a declined call goes back to the queue and rings that agent again only later', async () => {
    await setup({}, 1);
    await svc.agents.upsert({ id: 'solo', name: 'تنها', pin: '1111' });
    await svc.agents.setPresence('solo', 'available');
    const caller = new ScriptedCaller('Y');
    const outcome = svc.handle(request('Y'), caller);
    const offer = await offerOf('Y');
    await svc.decline(offer.id, 'solo');
    const back = await svc.queue.get(offer.id);
    expect(back?.state).toBe('waiting');
    expect(back?.declinedBy).toEqual(['solo']);
    // Not straight back to the desk that just said no …
    await new Promise((r) => setTimeout(r, 400));
    expect((await svc.queue.get(offer.id))?.state).toBe('waiting');
    // … but after the re-offer delay, rather than leaving the caller waiting for no one.
    const again = await offerOf('Y');
    expect(again.offeredTo).toBe('solo');
    await svc.accept(again.id, 'solo');
    expect(await outcome).toEqual({ kind: 'connected', agentId: 'solo' });
  });

  it('an offer that rings out returns to the queue and the silent desk is set offline', async () => {
    await setup({ offerTimeoutSeconds: 0.3 });
    await svc.agents.upsert({ id: 'away', name: 'غایب', pin: '1111' });
    await svc.agents.upsert({ id: 'here', name: 'حاضر', pin: '2222' });
    await svc.agents.setPresence('away', 'available');
    const caller = new ScriptedCaller('Z');
    const outcome = svc.handle(request('Z'), caller);
    const offer = await offerOf('Z');
    expect(offer.offeredTo).toBe('away');
    await until(async () => (await svc.agents.get('away'))?.presence === 'offline', 'ring-out');
    expect((await svc.queue.get(offer.id))?.state).toBe('waiting');

    await svc.agents.setPresence('here', 'available');
    const next = await offerOf('Z');
    expect(next.offeredTo).toBe('here');
    await svc.accept(next.id, 'here');
    expect(await outcome).toEqual({ kind: 'connected', agentId: 'here' });
    const [{ outcome: first }] = await db.database.query<any>(
      `select outcome from handoff_offers where entry_id = $1 and agent_id = 'away'`,
      [offer.id],
    );
    expect(first).toBe('timeout');
  });
});
