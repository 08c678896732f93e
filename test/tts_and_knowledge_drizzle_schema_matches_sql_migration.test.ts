import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kbFaqs, kbLive, kbVersions } from '../src/store/schema/knowledge.js';
import { ttsAudio } from '../src/store/schema/tts.js';
import { backends, type TestDatabase } from './helpers/databases.js';

/** Migrations 002, 004 and 007 are what runs; the drizzle tables are what the answer cache and the knowledge base query. */
describe.each(backends)('tts and knowledge schema on $name', ({ open }) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await open();
  });
  afterAll(async () => {
    await test.drop();
  });

  it.each([ttsAudio, kbVersions, kbFaqs, kbLive].map((t) => [getTableConfig(t as PgTable).name, t] as const))(
    'table %s has the columns, types, nullability and indexes drizzle declares',
    async (name, table) => {
      const config = getTableConfig(table as PgTable);
      const rows = await test.database.query<{ column_name: string; data_type: string; is_nullable: string }>(
        `select column_name, data_type, is_nullable from information_schema.columns where table_schema = 'public' and table_name = $1`,
        [name],
      );
      const actual = rows
        .map((r) => ({ name: r.column_name, type: r.data_type, notNull: r.is_nullable === 'NO' }))
        .sort((a, b) => a.name.localeCompare(b.name));
      const declared = config.columns
        .map((c) => ({ name: c.name, type: c.getSQLType(), notNull: c.notNull || c.primary || config.primaryKeys.some((k) => k.columns.includes(c)) }))
        .sort((a, b) => a.name.localeCompare(b.name));
      expect(actual).toEqual(declared);

      const indexes = (await test.database.query<{ indexname: string }>(`select indexname from pg_indexes where tablename = $1`, [name])).map((r) => r.indexname);
      for (const index of config.indexes) expect(indexes).toContain(index.config.name);
    },
  );
});
