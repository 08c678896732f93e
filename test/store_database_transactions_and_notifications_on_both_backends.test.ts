import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { handoffQueues } from '../src/store/schema/handoff.js';
import { backends, freshPostgres, type TestDatabase } from './helpers/databases.js';

/** The one way to reach the database: `transaction()` for drizzle and raw SQL alike, LISTEN/NOTIFY for the instances. */
describe.each(backends)('Database on $name', ({ open }) => {
  const opened: TestDatabase[] = [];
  afterAll(async () => {
    for (const t of opened) await t.drop();
  });

  it('commits drizzle and raw SQL of one transaction together, and rolls both back when it throws', async () => {
    const t = await open();
    opened.push(t);
    const { database } = t;
    const seen = await database.transaction(async (tx) => {
      await tx.db.insert(handoffQueues).values({ name: 'billing', priority: 3 });
      // Raw SQL on the same connection sees the uncommitted drizzle write, and the other way round.
      await tx.query(`update handoff_queues set label = 'مالی' where name = $1`, ['billing']);
      const [row] = await tx.db.select().from(handoffQueues).where(eq(handoffQueues.name, 'billing'));
      return row.label;
    });
    expect(seen).toBe('مالی');
    expect(await database.query('select name, label, priority from handoff_queues')).toEqual([{ name: 'billing', label: 'مالی', priority: 3 }]);

    await expect(
      database.transaction(async (tx) => {
        await tx.db.insert(handoffQueues).values({ name: 'sales' });
        await tx.query(`update handoff_queues set priority = 9`);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await database.query('select name, priority from handoff_queues')).toEqual([{ name: 'billing', priority: 3 }]);
    // The connection is usable after the rollback.
    expect(await database.transaction(async (tx) => (await tx.query<{ n: number }>('select 1 as n'))[0].n)).toBe(1);
  });

  it('stores and returns audio bytes exactly: every byte value, a view into a larger buffer, nothing at all', async () => {
    const t = await open();
    opened.push(t);
    const { database } = t;
    await database.exec('create table blobs (k int primary key, b bytea)');
    const every = Uint8Array.from({ length: 512 }, (_, i) => i & 255);
    const backing = Uint8Array.from({ length: 96_000 }, (_, i) => (i * 31) & 255);
    const view = backing.subarray(1_001, 81_001); // a turn's samples cut out of a longer recording
    const cases = [every, view, new Uint8Array(0)];
    for (const [k, b] of cases.entries()) await database.query('insert into blobs values ($1, $2)', [k, b]);
    const rows = await database.query<{ k: number; b: Uint8Array }>('select k, b from blobs order by k');
    expect(rows.map((r) => r.b instanceof Uint8Array)).toEqual([true, true, true]);
    expect(rows.map((r) => Array.from(r.b))).toEqual(cases.map((b) => Array.from(b)));
  });

  it('delivers a NOTIFY to a listener, only after commit', async () => {
    const t = await open();
    opened.push(t);
    const got: string[] = [];
    const stop = await t.database.listen('pasokh_test', (p) => got.push(p));
    await t.database.transaction(async (tx) => {
      await tx.query(`select pg_notify('pasokh_test', 'in-tx')`);
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual([]);
    });
    await t.database.notify('pasokh_test', 'دو');
    await expect.poll(() => got, { timeout: 10_000 }).toEqual(['in-tx', 'دو']);
    await stop();
    await t.database.notify('pasokh_test', 'after stop');
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual(['in-tx', 'دو']);
  });
});

describe('LISTEN on PostgreSQL across processes and connection loss', () => {
  let t: TestDatabase;
  let other: TestDatabase | null = null;
  afterAll(async () => {
    await other?.database.close();
    await t?.drop();
  });

  it('hears another connection pool, and after its connection is killed hears an empty "re-read" then new messages', async () => {
    t = await freshPostgres();
    const { openDatabase } = await import('../src/store/db.js');
    other = { database: await openDatabase({ url: t.url!, migrate: false }), drop: async () => {} };
    const got: string[] = [];
    await t.database.listen('pasokh_test', (p) => got.push(p));
    await other.database.notify('pasokh_test', 'from-other');
    await expect.poll(() => got, { timeout: 10_000 }).toEqual(['from-other']);

    // The listening backend dies (as in a PostgreSQL restart): the listener reconnects by itself.
    await other.database.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen%'`);
    await expect.poll(() => got, { timeout: 15_000 }).toEqual(['from-other', '']);
    await other.database.notify('pasokh_test', 'after-reconnect');
    await expect.poll(() => got, { timeout: 10_000 }).toEqual(['from-other', '', 'after-reconnect']);
  });
});
