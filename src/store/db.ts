import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { runMigrations } from './migrate.js';
import { PgListener } from './pg-listener.js';

export type Db = PgDatabase<PgQueryResultHKT>;

/** Parameterised raw SQL ($1, $2 …), for what drizzle's builder cannot say (CTE chains, row locks over joins). */
export type Query = <T = Record<string, unknown>>(sqlText: string, params?: unknown[]) => Promise<T[]>;

/** One transaction on one connection: drizzle's builder and raw SQL both run inside it. */
export interface Tx {
  readonly db: Db;
  readonly query: Query;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** Runs raw SQL that may hold several statements and no parameters (migrations, admin). */
  exec(sqlText: string): Promise<void>;
  /** Parameterised raw query ($1, $2 …) for the few places drizzle's builder does not fit. */
  query<T = Record<string, unknown>>(sqlText: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `fn` in one transaction on one connection (`db` and `query` may each use a different pooled
   * connection per call, so anything that must hold row locks goes through here); commits when `fn`
   * resolves, rolls back when it throws.
   *
   * Not drizzle's `db.transaction` on PostgreSQL: with node-postgres it leaves the call hanging when
   * the server kills the connection mid-transaction (measured: a restart or pg_terminate_backend
   * stalled the queue's routing loop for good). Here a connection that failed is destroyed, not
   * returned to the pool.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * LISTEN on `channel`: `onMessage` gets each NOTIFY payload, from this process and every other
   * one on the same database. Resolves once listening; the function it returns stops.
   */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  /** NOTIFY `channel` (delivered at commit to every listener, this process's included). */
  notify(channel: string, payload: string): Promise<void>;
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
  /**
   * Names this instance on every PostgreSQL connection (`pasokh.instance_id`), so that the rows it
   * writes carry it by column default (`calls.instance_id`, migration 010) whoever writes them.
   */
  instanceId?: string;
  /**
   * A migrated embedded database folder, closed, made by the same PGlite version: a new embedded
   * database starts as a copy of it instead of running initdb (about 3 s of CPU, most of a fresh
   * start). Default (undefined): `PASOKH_PGLITE_TEMPLATE`; null: none; ignored when missing. The
   * test run makes one, as each of its files starts fresh services (test/setup/pglite_template.ts).
   */
  template?: string | null;
}

/** What an instance id may hold: it travels in a connection's startup options. */
export const instanceIdPattern = /^[A-Za-z0-9_.-]{1,64}$/;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.url ? openPostgres(options.url, options.instanceId) : await openPglite(options.dataDir, options.template === undefined ? process.env.PASOKH_PGLITE_TEMPLATE : options.template);
  if (options.migrate !== false) await runMigrations(database);
  return database;
}

/** A folder that holds nothing yet: an existing database is never overwritten by the template. */
const isNewDataDir = (dir: string) => !existsSync(dir) || readdirSync(dir).length === 0;

/**
 * bytea in and out of PGlite through Buffer's native hex codec. PGlite's own goes byte by byte
 * (a string per byte out, a parseInt per byte in): storing the answers' audio at warm-up cost
 * seconds of the event loop, and every cached answer read back from the database paid it again.
 */
function byteaToHex(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

function byteaFromHex(text: string): Uint8Array {
  const bytes = Buffer.from(text.slice(2), 'hex');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

async function openPglite(dataDir: string | undefined, template: string | null | undefined): Promise<Database> {
  const source = template && existsSync(join(template, 'PG_VERSION')) ? template : undefined;
  // In memory means "throw it away at close": from a template that is a private copy on disk.
  const scratch = source && !dataDir ? mkdtempSync(join(tmpdir(), 'pasokh-pglite-')) : undefined;
  const dir = dataDir ?? scratch;
  if (dir) {
    if (source && isNewDataDir(dir)) cpSync(source, dir, { recursive: true });
    else mkdirSync(dir, { recursive: true });
  }
  const client = new PGlite({ dataDir: dir, serializers: { [types.BYTEA]: byteaToHex }, parsers: { [types.BYTEA]: byteaFromHex } });
  await client.waitReady;
  return {
    kind: 'pglite',
    db: drizzlePglite(client) as unknown as Db,
    exec: async (sqlText) => {
      await client.exec(sqlText);
    },
    query: async <T>(sqlText: string, params?: unknown[]) =>
      (await client.query<T>(sqlText, params as any[])).rows,
    // One embedded connection: PGlite's own transaction holds it exclusively until `fn` settles.
    transaction: (fn) =>
      client.transaction((t) =>
        fn({
          db: drizzlePglite({ client: t as unknown as PGlite }) as unknown as Db,
          query: async <T>(sqlText: string, params?: unknown[]) => (await t.query<T>(sqlText, params as any[])).rows,
        }),
      ),
    listen: async (channel, onMessage) => {
      const stop = await client.listen(channel, onMessage);
      return async () => stop();
    },
    notify: async (channel, payload) => {
      await client.query('select pg_notify($1, $2)', [channel, payload]);
    },
    ping: async () => {
      try {
        await client.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      await client.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}

function openPostgres(url: string, instanceId: string | undefined): Database {
  if (instanceId !== undefined && !instanceIdPattern.test(instanceId)) throw new Error(`invalid instance id ${JSON.stringify(instanceId)}`);
  const listeners = new PgListener(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 2_000,
    ...(instanceId ? { options: `-c pasokh.instance_id=${instanceId}` } : {}),
  });
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
    transaction: async (fn) => {
      const conn = await pool.connect();
      let broken = false;
      try {
        await conn.query('begin');
        const result = await fn({
          db: drizzlePostgres({ client: conn }) as unknown as Db,
          query: async <T>(sqlText: string, params?: unknown[]) => (await conn.query(sqlText, params as any[])).rows as T[],
        });
        await conn.query('commit');
        return result;
      } catch (err) {
        // A refused action rolls back on a healthy connection; one that cannot roll back is dead.
        await conn.query('rollback').catch(() => (broken = true));
        throw err;
      } finally {
        conn.release(broken ? true : undefined);
      }
    },
    listen: (channel, onMessage) => listeners.listen(channel, onMessage),
    notify: async (channel, payload) => {
      await pool.query('select pg_notify($1, $2)', [channel, payload]);
    },
    ping: async () => {
      try {
        await pool.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      await listeners.close();
      await pool.end();
    },
  };
}
