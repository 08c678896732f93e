import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as calls from '../src/store/schema/calls.js';
import * as campaigns from '../src/store/schema/campaigns.js';
import * as consoleTables from '../src/store/schema/console.js';
import * as corrections from '../src/store/schema/corrections.js';
import * as handoff from '../src/store/schema/handoff.js';
import * as instances from '../src/store/schema/instances.js';
import * as knowledge from '../src/store/schema/knowledge.js';
import * as tts from '../src/store/schema/tts.js';
import { backends, type TestDatabase } from './helpers/databases.js';

/**
 * The SQL migrations are what runs; the drizzle tables are what the code queries, so they must
 * agree. Every table each schema module exports is checked, so a table added to a module is
 * checked without anyone remembering to list it here.
 */
const modules = { calls, campaigns, console: consoleTables, corrections, handoff, instances, knowledge, tts };
const tables = Object.entries(modules).flatMap(([module, exports]) =>
  Object.values(exports)
    .filter((value): value is PgTable => is(value, PgTable))
    .map((table) => [`${module}: ${getTableConfig(table).name}`, table] as const),
);

/** What information_schema calls the types drizzle declares by their DDL names. */
const sqlType = (t: string) => (t === 'bigserial' ? 'bigint' : t === 'serial' ? 'integer' : t);

describe.each(backends)('drizzle schema against the migrations on $name', ({ open }) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await open();
  });
  afterAll(async () => {
    await test.drop();
  });

  it('checks every table of every schema module', () => {
    expect(tables.length).toBeGreaterThanOrEqual(22);
  });

  it.each(tables)('%s has the columns, types, nullability and indexes drizzle declares', async (_label, table) => {
    const config = getTableConfig(table);
    const rows = await test.database.query<{ column_name: string; data_type: string; udt_name: string; is_nullable: string }>(
      `select column_name, data_type, udt_name, is_nullable from information_schema.columns where table_schema = 'public' and table_name = $1`,
      [config.name],
    );
    const actual = rows
      .map((r) => ({
        name: r.column_name,
        type: r.data_type === 'ARRAY' ? `${r.udt_name.replace(/^_/, '')}[]` : r.data_type,
        notNull: r.is_nullable === 'NO',
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const declared = config.columns
      .map((c) => ({ name: c.name, type: sqlType(c.getSQLType()), notNull: c.notNull || c.primary || config.primaryKeys.some((k) => k.columns.includes(c)) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(actual).toEqual(declared);

    const indexes = (await test.database.query<{ indexname: string }>(`select indexname from pg_indexes where tablename = $1`, [config.name])).map((r) => r.indexname);
    for (const index of config.indexes) expect(indexes).toContain(index.config.name);
  });
});
