import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway PostgreSQL cluster of a test's own, for the faults that need the server itself
 * stopped or restarted: the machine's shared PostgreSQL on 5432 serves everyone's tests and is
 * never touched. initdb into a temp dir, started on a free port; as root (initdb refuses root)
 * the server runs as the postgres user.
 */
function findBinaries(): string | null {
  const candidates = process.env.PASOKH_PG_BIN ? [process.env.PASOKH_PG_BIN] : [];
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // no Debian-style PostgreSQL install
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) ?? null;
}

const BIN = findBinaries() ?? '';
/** False where the PostgreSQL server binaries are not installed: such tests skip, saying so. */
export const havePostgresServer = BIN !== '';
export const noPostgresServerMessage = 'no initdb/pg_ctl under /usr/lib/postgresql/*/bin (set PASOKH_PG_BIN)';

const isRoot = process.getuid?.() === 0;
const asPostgres = (cmd: string, args: string[]) =>
  (isRoot
    ? execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args], { stdio: 'pipe', timeout: 60_000 })
    : execFileSync(join(BIN, cmd), args, { stdio: 'pipe', timeout: 60_000 })
  ).toString();

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:port/postgres */
  readonly url: string;
  /** The cluster's folder (its server.log is there); a test may keep other files in it. */
  readonly root: string;
  start(): void;
  /** Fast shutdown: every connection is killed, as in a restart or a crash of the server. */
  stop(): void;
  /** Stops the server if it runs and deletes the cluster. */
  destroy(): void;
}

/** initdb + start on a free port. */
export async function privatePostgres(prefix = 'pasokh-pg-'): Promise<PrivatePostgres> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  if (isRoot) chownSync(root, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  const pgdata = join(root, 'data');
  asPostgres('initdb', ['-D', pgdata, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const start = () => {
    asPostgres('pg_ctl', ['-D', pgdata, '-w', '-l', join(root, 'server.log'), '-o', `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  };
  const stop = () => {
    asPostgres('pg_ctl', ['-D', pgdata, '-w', '-m', 'fast', 'stop']);
  };
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    root,
    start,
    stop,
    destroy() {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
