import { afterAll, describe, expect, it } from 'vitest';
import { InstanceRegistry } from '../src/store/instances.js';
import { freshPostgres, type TestDatabase } from './helpers/databases.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The rules of src/store/instances.ts, with the heartbeats driven by hand (the timer is an hour). */
describe('instance heartbeats on one PostgreSQL', () => {
  let pg: TestDatabase;
  afterAll(async () => {
    await pg?.drop();
  });

  it('ends a silent instance’s open calls as lost, and nothing of a running or cleanly stopped one', async () => {
    pg = await freshPostgres();
    const registry = (id: string) => new InstanceRegistry(pg.database, { instanceId: id, heartbeatMs: 3_600_000, goneAfterMs: 300 });
    const [a, b, c] = ['inst-a', 'inst-b', 'inst-c'].map(registry);
    for (const r of [a, b, c]) await r.start();
    const call = (id: string, instance: string, ended: boolean) =>
      pg.database.query(
        `insert into calls (id, protocol, started_at, ended_at, outcome, instance_id) values ($1, 'twilio', now() - interval '1 minute', $2, $3, $4)`,
        [id, ended ? new Date() : null, ended ? 'completed' : null, instance],
      );
    await call('a-open', 'inst-a', false);
    await call('a-done', 'inst-a', true);
    await call('b-open', 'inst-b', false);
    await call('c-open', 'inst-c', false);
    await c.stop(); // a clean stop: its calls ended with it (or will be ended by it), nobody judges it

    const outcomes = async () =>
      Object.fromEntries((await pg.database.query<{ id: string; outcome: string | null }>('select id, outcome from calls order by id')).map((r) => [r.id, r.outcome]));

    // B's first heartbeat after a gap (here: its first) does not judge yet: after a database outage
    // every heartbeat is stale, and the others must get the time to write theirs.
    await sleep(400);
    await b.tick();
    expect(await outcomes()).toEqual({ 'a-done': 'completed', 'a-open': null, 'b-open': null, 'c-open': null });

    // Once B has been heartbeating for goneAfterMs, A (silent all along) is gone; C stopped cleanly.
    await sleep(400);
    await b.tick();
    expect(await outcomes()).toEqual({ 'a-done': 'completed', 'a-open': 'lost', 'b-open': null, 'c-open': null });
    const [lost] = await pg.database.query<{ ended_at: Date; heartbeat_at: Date }>(
      `select c.ended_at, i.heartbeat_at from calls c, pasokh_instances i where c.id = 'a-open' and i.id = 'inst-a'`,
    );
    expect(lost.ended_at.getTime()).toBe(lost.heartbeat_at.getTime()); // ended when A was last seen alive
    expect(await pg.database.query(`select type, data from call_events where call_id = 'a-open'`)).toEqual([
      { type: 'lost', data: { reason: 'instance gone', instance: 'inst-a' } },
    ]);
    const marks = await pg.database.query<{ id: string; gone: boolean; stopped: boolean }>(
      `select id, gone_at is not null as gone, stopped_at is not null as stopped from pasokh_instances order by id`,
    );
    expect(marks).toEqual([
      { id: 'inst-a', gone: true, stopped: false },
      { id: 'inst-b', gone: false, stopped: false },
      { id: 'inst-c', gone: false, stopped: true },
    ]);

    // A second sweep finds nothing new; A coming back (it was only cut off) clears its mark.
    await b.tick();
    expect(await pg.database.query(`select count(*)::int as n from call_events`)).toEqual([{ n: 1 }]);
    await a.tick();
    expect((await pg.database.query<{ gone: boolean }>(`select gone_at is not null as gone from pasokh_instances where id = 'inst-a'`))[0].gone).toBe(false);
    await a.stop();
    await b.stop();
  });
});
