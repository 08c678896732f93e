import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/db.js';

/**
 * A new embedded database may start as a copy of a migrated one (the test run's own start-up
 * shortcut, PASOKH_PGLITE_TEMPLATE) — but never at the cost of a database that already has data.
 */
describe('a new embedded database given a template', () => {
  const root = mkdtempSync(join(tmpdir(), 'pasokh-template-test-'));
  const template = join(root, 'template');

  beforeAll(async () => {
    // Itself a copy of the run's template where there is one (test/setup), else made from scratch.
    const db = await openDatabase({ dataDir: template, template: process.env.PASOKH_PGLITE_TEMPLATE ?? null });
    await db.exec("insert into handoff_agents (id, name, pin_hash) values ('from-template', 'الگو', 'x')");
    await db.close();
  }, 60_000);

  const agentIds = async (db: Awaited<ReturnType<typeof openDatabase>>) =>
    (await db.query<{ id: string }>('select id from handoff_agents order by id')).map((r) => r.id);

  it('starts a new data folder as a copy of the template, migrated and with its rows', async () => {
    const db = await openDatabase({ dataDir: join(root, 'new'), template });
    expect(await agentIds(db)).toEqual(['from-template']);
    await db.close();
  });

  it('leaves a data folder that already holds a database as it is', async () => {
    const dir = join(root, 'existing');
    const first = await openDatabase({ dataDir: dir, template });
    await first.exec("delete from handoff_agents; insert into handoff_agents (id, name, pin_hash) values ('own', 'خودش', 'x')");
    await first.close();
    const again = await openDatabase({ dataDir: dir, template });
    expect(await agentIds(again)).toEqual(['own']);
    await again.close();
  }, 60_000);

  it('gives an in-memory database a private copy that is gone after close', async () => {
    // A temp folder of this test's own: test files running beside it open in-memory databases in
    // the shared one, and a copy of theirs made meanwhile was counted as one of these (CI, 3 for 2).
    const sharedTmp = process.env.TMPDIR;
    const ownTmp = mkdtempSync(join(root, 'tmp-'));
    process.env.TMPDIR = ownTmp;
    try {
      const a = await openDatabase({ template });
      const b = await openDatabase({ template });
      await a.exec("insert into handoff_agents (id, name, pin_hash) values ('only-in-a', 'آ', 'x')");
      expect(await agentIds(b)).toEqual(['from-template']);
      const scratch = readdirSync(ownTmp).filter((n) => n.startsWith('pasokh-pglite-'));
      expect(scratch).toHaveLength(2);
      await a.close();
      await b.close();
      for (const name of scratch) expect(existsSync(join(ownTmp, name))).toBe(false);
    } finally {
      if (sharedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = sharedTmp;
    }
  });
});
