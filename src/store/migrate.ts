import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './db.js';

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Applies `src/store/migrations/NNN_name.sql` in name order, each once. Each domain (calls,
 * knowledge, handoff, …) owns its own numbered files so that they can evolve independently.
 * An advisory lock keeps two instances starting together from applying the same file twice.
 */
export async function runMigrations(database: Database): Promise<string[]> {
  const files = readdirSync(migrationsDir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort();
  const applied: string[] = [];
  if (database.kind === 'postgres') await database.exec('select pg_advisory_lock(727001)');
  try {
    await database.exec(
      'create table if not exists pasokh_migrations (name text primary key, applied_at timestamptz not null default now())',
    );
    const done = new Set(
      (await database.query<{ name: string }>('select name from pasokh_migrations')).map((r) => r.name),
    );
    for (const file of files) {
      if (done.has(file)) continue;
      const body = readFileSync(join(migrationsDir, file), 'utf8');
      // One transaction per file: a half-applied migration would be worse than none.
      await database.exec(
        `begin;\n${body}\n;insert into pasokh_migrations(name) values ('${file}');\ncommit;`,
      );
      applied.push(file);
    }
  } finally {
    if (database.kind === 'postgres') await database.exec('select pg_advisory_unlock(727001)');
  }
  return applied;
}
