import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { freshPostgres, type TestDatabase } from './helpers/databases.js';

interface Child {
  proc: ChildProcess;
  events: Record<string, any>[];
  waitFor(pred: (e: Record<string, any>) => boolean, ms?: number): Promise<Record<string, any>>;
}

function startService(url: string, instance: string, calls: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/queue_service_process.ts'], {
    env: { ...process.env, DATABASE_URL: url, INSTANCE_ID: instance, CALLS: calls.join(',') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: Record<string, any>[] = [];
  const listeners: (() => void)[] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line));
    } catch {
      return;
    }
    listeners.forEach((l) => l());
  });
  return {
    proc,
    events,
    waitFor(pred, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.find(pred);
          if (hit) resolve(hit);
          return Boolean(hit);
        };
        if (check()) return;
        const timer = setTimeout(() => reject(new Error(`${instance}: no matching event; got ${JSON.stringify(events)}`)), ms);
        listeners.push(() => check() && clearTimeout(timer));
      });
    },
  };
}

describe('two service processes sharing one PostgreSQL', () => {
  let pg: TestDatabase;
  let desk: HandoffRuntime;
  const children: Child[] = [];
  let stopAgents: (() => Promise<unknown>) | undefined;
  afterAll(async () => {
    // A failed assertion leaves the agents' loops running: stop them before their pool closes.
    await stopAgents?.();
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await desk?.close();
    await pg?.drop();
  });

  it('never rings one call on two desks, and serves a dead process’s queued calls', async () => {
    pg = await freshPostgres();
    // The agents' side (the desk API) runs here, in the test process, with no routing loop of its own.
    desk = createHandoffService({ database: pg.database, config: loadConfig({}, {}), route: false });
    await desk.ready();
    await desk.agents.upsert({ id: 'agent-1', name: 'یک', pin: '1111' });
    await desk.agents.upsert({ id: 'agent-2', name: 'دو', pin: '2222' });

    const aCalls = Array.from({ length: 12 }, (_, i) => `a${i + 1}`);
    const bCalls = Array.from({ length: 12 }, (_, i) => `b${i + 1}`);
    const a = startService(pg.url!, 'proc-A', aCalls);
    const b = startService(pg.url!, 'proc-B', bCalls);
    children.push(a, b);
    await Promise.all([a.waitFor((e) => e.event === 'ready'), b.waitFor((e) => e.event === 'ready')]);
    await Promise.all([...aCalls.map((id) => a.waitFor((e) => e.event === 'enqueued' && e.callId === id)), ...bCalls.map((id) => b.waitFor((e) => e.event === 'enqueued' && e.callId === id))]);

    // Two agents answer whatever rings on their desk, talk briefly, wrap up, and go again.
    let stop = false;
    const served: { agent: string; entryId: string }[] = [];
    const agentLoop = async (agentId: string) => {
      await desk.agents.setPresence(agentId, 'available');
      while (!stop) {
        const agent = await desk.agents.get(agentId);
        const entry = agent?.currentEntryId ? await desk.queue.get(agent.currentEntryId) : null;
        if (entry?.state === 'offered' && entry.offeredTo === agentId) {
          await desk.accept(entry.id, agentId);
          served.push({ agent: agentId, entryId: entry.id });
          await new Promise((r) => setTimeout(r, 100));
          await desk.endCall(entry.id, agentId);
          await desk.wrapUp(entry.id, agentId, 'resolved', null);
        } else await new Promise((r) => setTimeout(r, 15));
      }
    };
    const loops = [agentLoop('agent-1'), agentLoop('agent-2')];
    stopAgents = () => {
      stop = true;
      return Promise.allSettled(loops);
    };

    // Process A dies mid-way, with most of its callers still in the queue, once it has routed at
    // least one call itself (which process wins each routing race is up to the scheduler). Which
    // callers the agents reach first is up to the scheduler too, so A's own queue is what is watched:
    // it dies as soon as no more than 8 of its 12 callers are still waiting.
    for (;;) {
      const [{ n, byA, aWaiting }] = await pg.database.query<{ n: string; byA: string; aWaiting: string }>(
        `select (select count(*) from handoff_entries where answered_at is not null) as n,
                (select count(*) from handoff_offers where instance_id = 'proc-A') as "byA",
                (select count(*) from handoff_entries where call_id like 'a%' and state = 'waiting') as "aWaiting"`,
      );
      if (Number(byA) >= 1 && (Number(aWaiting) <= 8 || Number(n) >= 8)) break;
      if (Number(n) > 14) throw new Error(`proc-A routed none of the first ${n} calls`);
      await new Promise((r) => setTimeout(r, 5));
    }
    a.proc.kill('SIGKILL');
    await new Promise((r) => a.proc.once('exit', r));
    const leftBehind = (
      await pg.database.query<{ id: string }>(`select id from handoff_entries where call_id like 'a%' and state = 'waiting'`)
    ).map((r) => r.id);
    expect(leftBehind.length).toBeGreaterThan(3);

    // Every call — including the dead process's — is answered by an agent.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [{ n }] = await pg.database.query<{ n: string }>(`select count(*) as n from handoff_entries where answered_at is not null`);
      if (Number(n) === 24) break;
      if (Date.now() > deadline) throw new Error(`only ${n} of 24 calls answered`);
      await new Promise((r) => setTimeout(r, 50));
    }
    stop = true;
    await Promise.all(loops);

    const entries = await pg.database.query<any>(`select id, call_id, state, answered_by from handoff_entries order by call_id`);
    expect(entries).toHaveLength(24);
    expect(entries.every((e) => e.state === 'connected' && e.answered_by)).toBe(true);
    expect(served).toHaveLength(24);
    expect(new Set(served.map((s) => s.entryId)).size).toBe(24);

    // The offer log: each call rang exactly once, on one desk, and was accepted there.
    const offers = await pg.database.query<any>(
      `select entry_id, agent_id, instance_id, outcome, offered_at, responded_at from handoff_offers order by offered_at, id`,
    );
    expect(offers).toHaveLength(24);
    expect(new Set(offers.map((o) => o.entry_id)).size).toBe(24);
    expect(offers.every((o) => o.outcome === 'accepted')).toBe(true);
    // No desk held two ringing calls at once: each offer was answered before the next one to that agent.
    for (const agent of ['agent-1', 'agent-2']) {
      const mine = offers.filter((o) => o.agent_id === agent);
      expect(mine.length).toBeGreaterThan(0);
      for (let i = 1; i < mine.length; i++) expect(+mine[i].offered_at).toBeGreaterThanOrEqual(+mine[i - 1].responded_at);
    }
    // Both processes routed calls, and the survivor routed the dead one's leftovers.
    const routedBy = new Set(offers.map((o) => o.instance_id));
    expect(routedBy).toEqual(new Set(['proc-A', 'proc-B']));
    // Every call the dead process left waiting was offered by the survivor.
    for (const id of leftBehind) {
      expect(offers.find((o) => o.entry_id === id)?.instance_id).toBe('proc-B');
    }

    // B's own callers heard they were connected.
    for (const id of bCalls) {
      const o = await b.waitFor((e) => e.event === 'outcome' && e.callId === id, 20_000);
      expect(o.outcome.kind).toBe('connected');
    }
    b.proc.kill('SIGTERM');
    await new Promise((r) => b.proc.once('exit', r));
  });
});
