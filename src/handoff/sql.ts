import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../store/db.js';

export type Query = <T = Record<string, any>>(text: string, params?: unknown[]) => Promise<T[]>;

/** `$1`-style SQL to a drizzle SQL object, so raw queries can run inside a drizzle transaction. */
function toSql(text: string, params: readonly unknown[]): SQL {
  const parts = text.split(/\$(\d+)/);
  const chunks: SQL[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 0) chunks.push(sql.raw(parts[i]));
    // sql.param keeps arrays as one parameter instead of expanding them into a list.
    else chunks.push(sql`${sql.param(params[Number(parts[i]) - 1])}`);
  }
  return sql.join(chunks, sql.raw(''));
}

/**
 * Runs `fn` in one transaction on one connection. The `Database` facade's `query` may use a
 * different pooled connection per call, so anything that must hold row locks goes through here.
 */
export async function inTransaction<T>(database: Database, fn: (q: Query) => Promise<T>): Promise<T> {
  return database.db.transaction(async (tx) => {
    const q: Query = async (text, params = []) => {
      const res = (await tx.execute(toSql(text, params))) as unknown as { rows: any[] };
      return res.rows;
    };
    return fn(q);
  });
}
