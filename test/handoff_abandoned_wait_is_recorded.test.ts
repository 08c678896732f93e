import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';
import { request, ScriptedCaller } from './helpers/handoff_caller_double.js';

describe('a caller who hangs up while waiting', () => {
  let db: TestDatabase;
  let svc: HandoffRuntime;
  afterEach(async () => {
    await svc?.close();
    await db?.drop();
  });

  it('is recorded as abandoned, and a desk it was ringing on is freed', async () => {
    db = await freshPglite();
    const config = loadConfig({}, { handoff: { waitUpdateSeconds: 5, routeIntervalMs: 50, callbackOffer: false } });
    svc = createHandoffService({ database: db.database, config, pollMs: 20 });
    await svc.ready();

    // Waiting with no one on duty, then hangs up during the hold message.
    const waiting = new ScriptedCaller('W1');
    const w1 = svc.handle(request('W1', { reason: 'dtmf-0' }), waiting);
    await waiting.heard(/نفر اول/);
    waiting.hangup();
    expect(await w1).toEqual({ kind: 'abandoned' });
    const [e1] = await db.database.query<any>(`select state, ended_at, answered_at from handoff_entries where call_id = 'W1'`);
    expect(e1.state).toBe('abandoned');
    expect(e1.ended_at).not.toBeNull();
    expect(e1.answered_at).toBeNull();
    expect(waiting.notes.map((n) => n.type)).toEqual(['handoff.enqueued', 'handoff.abandoned']);

    // Ringing on a desk, then hangs up: the offer is withdrawn and the agent is free again.
    await svc.agents.upsert({ id: 'nika', name: 'نیکا', pin: '1111' });
    await svc.agents.setPresence('nika', 'available');
    const ringing = new ScriptedCaller('W2');
    const w2 = svc.handle(request('W2'), ringing);
    for (let i = 0; i < 200; i++) {
      if ((await svc.agents.get('nika'))?.currentEntryId) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const entryId = (await svc.agents.get('nika'))!.currentEntryId!;
    expect((await svc.queue.get(entryId))?.state).toBe('offered');
    ringing.hangup();
    expect(await w2).toEqual({ kind: 'abandoned' });
    const agent = await svc.agents.get('nika');
    expect(agent?.presence).toBe('available');
    expect(agent?.currentEntryId).toBeNull();
    await expect(svc.accept(entryId, 'nika')).rejects.toThrow(/no longer offered/);
    const [offer] = await db.database.query<any>(`select outcome from handoff_offers where entry_id = $1`, [entryId]);
    expect(offer.outcome).toBe('withdrawn');
  });
});
