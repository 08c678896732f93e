import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { linkInstances } from '../src/store/cluster.js';
import { openDatabase, type Database } from '../src/store/db.js';
import { freshPostgres, type TestDatabase } from './helpers/databases.js';
import { request, ScriptedCaller } from './helpers/handoff_caller_double.js';
import { eventually } from './helpers/pasokh_process.js';

/**
 * Two instances on one PostgreSQL: the caller waits on A, the agent clicks accept on B's desk.
 * The caller's entry is re-read only every POLL_MS, far longer than the test may take, so the only
 * thing that can bring the accept to the caller in time is B's change reaching A (LISTEN/NOTIFY)
 * and waking the wait.
 */
const POLL_MS = 600_000;

describe('a caller waiting in the queue on one instance', () => {
  let pg: TestDatabase;
  const databases: Database[] = [];
  const runtimes: HandoffRuntime[] = [];
  const unlinks: (() => Promise<void>)[] = [];

  const instance = async (instanceId: string, route: boolean) => {
    const database = await openDatabase({ url: pg.url!, instanceId });
    databases.push(database);
    // No position updates, hold messages or call-back offers while the test runs: the line is quiet.
    const config = loadConfig({}, { handoff: { waitUpdateSeconds: 3600, callbackOffer: false, routeIntervalMs: 200 } });
    const runtime = createHandoffService({ database, config, instanceId, route, pollMs: POLL_MS });
    runtimes.push(runtime);
    await runtime.ready();
    unlinks.push(await linkInstances(database, { instanceId, handoff: runtime }));
    return runtime;
  };

  beforeAll(async () => {
    pg = await freshPostgres();
  }, 60_000);

  afterAll(async () => {
    for (const unlink of unlinks) await unlink();
    for (const r of runtimes) await r.close();
    for (const d of databases) await d.close();
    await pg?.drop();
  });

  it('is connected as soon as an agent accepts on another instance, not at its next poll', async () => {
    const a = await instance('wait-a', true);
    const b = await instance('wait-b', false);
    await b.agents.upsert({ id: 'agent-1', name: 'مریم', pin: '1111' });
    await b.agents.setPresence('agent-1', 'available');

    const caller = new ScriptedCaller('call-wake-1', null, 5, 20);
    const outcome = a.handle(request('call-wake-1'), caller);
    // A routes the call to the agent; B's desk sees the offer.
    const entryId = await eventually(async () => (await b.agents.get('agent-1'))?.currentEntryId ?? undefined, 'the offer on the desk', 30_000);
    await eventually(async () => (await b.queue.get(entryId))?.state === 'offered', 'the entry offered', 30_000);
    // Let the caller's wait go quiet. It says nothing here when A offered the entry before the
    // wait's first read (an offered entry has no place to announce), so hearing something cannot be
    // the signal (CI 2026-12-05: nothing heard in 30 s). Were the wait still busy at the accept it
    // would see it at its next read anyway; only a wait that missed the wake-up takes POLL_MS.
    await caller.heard(/./, 1500).catch(() => undefined);

    const acceptedAt = Date.now();
    await b.accept(entryId, 'agent-1');
    const result = await outcome;
    const tookMs = Date.now() - acceptedAt;

    expect(result).toEqual({ kind: 'connected', agentId: 'agent-1' });
    expect(caller.notes.find((n) => n.type === 'handoff.connected')?.data).toMatchObject({ entryId, agentId: 'agent-1' });
    // A poll-bound wait would take up to POLL_MS; a woken one takes a notification and a read.
    expect(tookMs).toBeLessThan(POLL_MS / 20);
  }, 120_000);

  it('is let go as soon as the caller hangs up, the abandon recorded then, not at the next poll', async () => {
    const [a] = runtimes;
    const caller = new ScriptedCaller('call-wake-2', null, 5, 20);
    const outcome = a.handle(request('call-wake-2'), caller);
    // In the quiet part of the wait: the place announcement is heard, the agent is busy with the first call.
    await caller.heard(/./, 30_000);
    await new Promise((r) => setTimeout(r, 300));

    const hungUpAt = Date.now();
    caller.hangup();
    expect(await outcome).toEqual({ kind: 'abandoned' });
    expect(Date.now() - hungUpAt).toBeLessThan(POLL_MS / 20);
    const [row] = await pg.database.query<{ state: string }>("select state from handoff_entries where call_id = 'call-wake-2'");
    expect(row.state).toBe('abandoned');
  }, 120_000);
});
