import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/store/db.js';

/** The PostgreSQL server every developer machine and CI runs (trust auth). */
export const POSTGRES_ADMIN_URL = process.env.PASOKH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  database: Database;
  /** Connection string (PostgreSQL only), for tests that start a second process. */
  url?: string;
  drop(): Promise<void>;
}

/** A fresh in-memory PGlite database with all migrations applied. */
export async function freshPglite(): Promise<TestDatabase> {
  const database = await openDatabase({});
  return { database, drop: () => database.close() };
}

/** A fresh, uniquely named PostgreSQL database on the local server, dropped afterwards. */
export async function freshPostgres(): Promise<TestDatabase> {
  const name = `pasokh_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = POSTGRES_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const database = await openDatabase({ url });
  return {
    database,
    url,
    drop: async () => {
      await database.close();
      const again = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await again.connect();
      await again.query(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

/** Both backends, so store tests can run `describe.each(backends)`. */
export const backends = [
  { name: 'pglite', open: freshPglite },
  { name: 'postgres', open: freshPostgres },
] as const;
