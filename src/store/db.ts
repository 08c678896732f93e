import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { runMigrations } from './migrate.js';

export type Db = PgDatabase<PgQueryResultHKT>;

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** Runs raw SQL that may hold several statements and no parameters (migrations, admin). */
  exec(sqlText: string): Promise<void>;
  /** Parameterised raw query ($1, $2 …) for the few places drizzle's builder does not fit. */
  query<T = Record<string, unknown>>(sqlText: string, params?: unknown[]): Promise<T[]>;
  /** Cheap liveness probe for /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent an embedded PGlite database is used. */
  url?: string;
  /** Folder for the embedded database; `undefined` keeps it in memory (tests). */
  dataDir?: string;
  migrate?: boolean;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.url ? openPostgres(options.url) : await openPglite(options.dataDir);
  if (options.migrate !== false) await runMigrations(database);
  return database;
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const client = dataDir ? new PGlite(dataDir) : new PGlite();
  await client.waitReady;
  return {
    kind: 'pglite',
    db: drizzlePglite(client) as unknown as Db,
    exec: async (sqlText) => {
      await client.exec(sqlText);
    },
    query: async <T>(sqlText: string, params?: unknown[]) =>
      (await client.query<T>(sqlText, params as any[])).rows,
    ping: async () => {
      try {
        await client.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}

function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 2_000 });
  // A PostgreSQL restart kills idle connections; the pool must not take the process down with it.
  pool.on('error', () => {});
  // …and neither may a client that is checked out when the server goes away: pg emits 'error' on
  // it, and without a listener that is an uncaught exception. The failed query still rejects, and
  // the pool discards the broken client when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return {
    kind: 'postgres',
    db: drizzlePostgres(pool) as unknown as Db,
    exec: async (sqlText) => {
      await pool.query(sqlText);
    },
    query: async <T>(sqlText: string, params?: unknown[]) =>
      (await pool.query(sqlText, params as any[])).rows as T[],
    ping: async () => {
      try {
        await pool.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
}
