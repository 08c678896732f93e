import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { freshPostgres, POSTGRES_ADMIN_URL, type TestDatabase } from './helpers/databases.js';
import { request, ScriptedCaller } from './helpers/handoff_caller_double.js';

describe('a waiting caller and a database hiccup', () => {
  let db: TestDatabase;
  let svc: HandoffRuntime;
  afterEach(async () => {
    await svc?.close();
    await db?.drop();
  });

  it('keeps the caller waiting through dropped connections, then connects them', async () => {
    db = await freshPostgres();
    const config = loadConfig({}, { handoff: { waitUpdateSeconds: 1, routeIntervalMs: 50, callbackOffer: false } });
    svc = createHandoffService({ database: db.database, config, pollMs: 20 });
    await svc.ready();
    await svc.agents.upsert({ id: 'dana', name: 'دانا', pin: '1111' });

    const caller = new ScriptedCaller('H1');
    const outcome = svc.handle(request('H1'), caller);
    await caller.heard(/نفر اول/);

    // For a second and a half, every connection to this database is killed as soon as it appears.
    const name = db.url!.split('/').pop();
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    let killed = 0;
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      const res = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
        [name],
      );
      killed += res.rowCount ?? 0;
      await new Promise((r) => setTimeout(r, 10));
    }
    await admin.end();
    expect(killed).toBeGreaterThan(0);
    expect(caller.ended).toBe(false);

    // The caller is still in line and is connected once an agent is free.
    await svc.agents.setPresence('dana', 'available');
    let entryId: string | null = null;
    for (let i = 0; i < 200 && !entryId; i++) {
      const agent = await svc.agents.get('dana');
      if (agent?.currentEntryId) entryId = agent.currentEntryId;
      else await new Promise((r) => setTimeout(r, 20));
    }
    await svc.accept(entryId!, 'dana');
    expect(await outcome).toEqual({ kind: 'connected', agentId: 'dana' });
  });
});
