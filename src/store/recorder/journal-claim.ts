import { appendFileSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

export interface JournalClaim {
  /** The journal file this recorder appends to and replays. */
  path: string;
  /** Journal files adopted from processes that died (already appended to `path`). */
  adopted: string[];
  release(): void;
}

/** Journal files held by recorders of this process (several services may run in one process, e.g. tests). */
const claimedHere = new Set<string>();
let privateCounter = 0;

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false; // our own pid in a lock or file name is a previous life's
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function takeLock(lockPath: string, token: string): boolean {
  try {
    writeFileSync(lockPath, token, { flag: 'wx' });
    return true;
  } catch {
    let holder = NaN;
    try {
      holder = Number(readFileSync(lockPath, 'utf8').split('\n')[0]);
    } catch {
      // unreadable lock: treat as stale
    }
    if (alive(holder)) return false;
    writeFileSync(lockPath, token);
    return true;
  }
}

/**
 * Several service processes may share one data dir (several instances on one host, one
 * PostgreSQL). The first takes the shared journal under a lock file; the others journal into
 * files named by their pid, so no two processes ever append to or truncate the same file.
 * Files left by dead processes are adopted (appended to this recorder's journal) on start; two
 * live processes adopting the same file at once only replay it twice, which the idempotent
 * writes absorb.
 */
export function claimJournal(dataDir: string, base: string): JournalClaim {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = join(dataDir, `${base}.lock`);
  const token = `${process.pid}\n${randomUUID()}\n`;
  let owner = false;
  const mainPath = join(dataDir, `${base}.jsonl`);
  // A sibling recorder in this process may hold the lock: our own pid in it is then not stale.
  if (!claimedHere.has(mainPath)) owner = takeLock(lockPath, token);
  const path = owner ? mainPath : join(dataDir, `${base}-${process.pid}-${++privateCounter}.jsonl`);
  claimedHere.add(path);

  const adopted: string[] = [];
  const pattern = new RegExp(`^${base}-(\\d+)(?:-\\d+)?\\.jsonl$`);
  for (const name of readdirSync(dataDir)) {
    const m = pattern.exec(name);
    const file = join(dataDir, name);
    if (!m || claimedHere.has(file) || alive(Number(m[1]))) continue;
    try {
      const text = readFileSync(file, 'utf8');
      if (text.length > 0) appendFileSync(path, text.endsWith('\n') ? text : `${text}\n`);
      unlinkSync(file);
      adopted.push(file);
    } catch {
      // another process adopted it first
    }
  }

  return {
    path,
    adopted,
    release() {
      claimedHere.delete(path);
      if (!owner) return;
      try {
        if (readFileSync(lockPath, 'utf8') === token) unlinkSync(lockPath);
      } catch {
        // already gone
      }
    },
  };
}
