import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { Database } from '../store/db.js';

export type Query = <T = Record<string, any>>(text: string, params?: unknown[]) => Promise<T[]>;

/**
 * Runs `fn` in one transaction on one connection. The `Database` facade's `query` may use a
 * different pooled connection per call, so anything that must hold row locks goes through here.
 *
 * Not drizzle's `db.transaction`: with node-postgres it leaves the call hanging when the server
 * kills the connection mid-transaction (measured: a restart or pg_terminate_backend stalls the
 * routing loop for good). Here a connection that failed is destroyed, not returned to the pool.
 */
export async function inTransaction<T>(database: Database, fn: (q: Query) => Promise<T>): Promise<T> {
  const client = (database.db as unknown as { $client: unknown }).$client;
  if (database.kind === 'pglite') {
    return (client as PGlite).transaction(async (tx) =>
      fn(async (text, params = []) => (await tx.query<any>(text, params as any[])).rows),
    );
  }
  const conn = await (client as pg.Pool).connect();
  let broken = false;
  try {
    await conn.query('begin');
    const result = await fn(async (text, params = []) => (await conn.query(text, params as any[])).rows);
    await conn.query('commit');
    return result;
  } catch (err) {
    // A refused action rolls back on a healthy connection; one that cannot roll back is dead.
    await conn.query('rollback').catch(() => (broken = true));
    throw err;
  } finally {
    conn.release(broken ? true : undefined);
  }
}
