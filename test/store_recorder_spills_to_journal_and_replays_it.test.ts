import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCall } from '../src/store/call-queries.js';
import { openDatabase, type Database } from '../src/store/db.js';
import { BufferedCallRecorder, JOURNAL_FILE } from '../src/store/recorder.js';
import { backends, type TestDatabase } from './helpers/databases.js';

const t0 = new Date('2026-11-22T09:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

/** A database nobody listens on: every write fails with a refused connection. */
const unreachable = () => openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', migrate: false });

function recordCall(recorder: BufferedCallRecorder, id: string, turns: number) {
  recorder.callStarted({ id, protocol: 'raw', fromNumber: '+989100000000', toNumber: null, startedAt: t0 });
  for (let seq = 0; seq < turns; seq++) {
    recorder.turn({ callId: id, seq, at: at(seq * 1000), input: 'speech', heardText: `جمله ${seq}`, partialsCount: 0, intent: null, confidence: null, action: 'reprompt', botText: null, timings: {} });
    recorder.event({ callId: id, at: at(seq * 1000), type: 'reprompt', data: { seq } });
  }
  recorder.callEnded({ callId: id, endedAt: at(turns * 1000), outcome: 'completed', handoffReason: null });
}

describe.each(backends)('recorder journal on $name', ({ open }) => {
  let test: TestDatabase;
  let dead: Database;
  let dir: string;

  // One database per backend; each test uses its own call ids and its own journal folder.
  beforeAll(async () => {
    test = await open();
  });
  afterAll(async () => {
    await test.drop();
  });
  beforeEach(async () => {
    dead = await unreachable();
    dir = mkdtempSync(join(tmpdir(), 'pasokh-journal-'));
  });
  afterEach(async () => {
    await dead.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spills past the memory limit while the database is down and replays everything, in order, on the next start', async () => {
    const first = new BufferedCallRecorder({ database: dead, dataDir: dir, maxMemoryEntries: 10, retryMinMs: 20, retryMaxMs: 50 });
    recordCall(first, 'J-1', 20); // 1 + 20 turns + 20 events + 1 end = 42 entries
    await first.flush(200);
    expect(first.stats()).toMatchObject({ queued: 10, spilled: 32, journalPending: true, written: 0, dropped: 0 });
    await first.close(100);

    // Closing puts what was still in memory in front of the spilled entries: 42 lines, call first, end last.
    const lines = readFileSync(join(dir, JOURNAL_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(42);
    expect(lines[0]).toMatchObject({ k: 'call', id: 'J-1' });
    expect(lines[41]).toMatchObject({ k: 'end', callId: 'J-1' });

    const second = new BufferedCallRecorder({ database: test.database, dataDir: dir, maxMemoryEntries: 10, maxBatch: 7 });
    // New records made while the journal replays queue behind it.
    recordCall(second, 'J-2', 2);
    await second.flush(20_000);
    expect(second.stats()).toMatchObject({ queued: 0, journalPending: false, deadLettered: 0 });
    expect(existsSync(join(dir, JOURNAL_FILE))).toBe(false);

    const call = await getCall(test.database.db, 'J-1');
    expect(call?.outcome).toBe('completed');
    expect(call?.turns.map((t) => t.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(call?.events.map((e) => e.data.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((await getCall(test.database.db, 'J-2'))?.turns).toHaveLength(2);
    await second.close();
  });

  it('skips a torn last line left by a crash and replays every complete line', async () => {
    const first = new BufferedCallRecorder({ database: dead, dataDir: dir, maxMemoryEntries: 2, retryMinMs: 20, retryMaxMs: 50 });
    recordCall(first, 'J-3', 3);
    await first.close(50);
    appendFileSync(join(dir, JOURNAL_FILE), '{"k":"turn","callId":"J-3","seq":99,"at":"2026-11-2');

    const second = new BufferedCallRecorder({ database: test.database, dataDir: dir });
    await second.flush(20_000);
    const call = await getCall(test.database.db, 'J-3');
    expect(call?.turns.map((t) => t.seq)).toEqual([0, 1, 2]);
    expect(call?.events).toHaveLength(3);
    expect(call?.endedAt).not.toBeNull();
    expect(existsSync(join(dir, JOURNAL_FILE))).toBe(false);
    await second.close();
  });

  it('keeps the order across the memory/disk boundary while the database is up', async () => {
    const recorder = new BufferedCallRecorder({ database: test.database, dataDir: dir, maxMemoryEntries: 5, maxBatch: 3 });
    recordCall(recorder, 'J-4', 60);
    await recorder.flush(20_000);
    expect(recorder.stats().spilled).toBeGreaterThan(100);
    const call = await getCall(test.database.db, 'J-4');
    expect(call?.turns).toHaveLength(60);
    // Events were written in recording order: their write order (n) matches their seq.
    const rows = await test.database.query<{ seq: number }>(`select (data->>'seq')::int as seq from call_events where call_id = 'J-4' order by n`);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    await recorder.close();
  });

  it('gives a second process sharing the data dir its own journal, and adopts it after that process is gone', async () => {
    const holder = new BufferedCallRecorder({ database: dead, dataDir: dir, maxMemoryEntries: 1, retryMinMs: 20, retryMaxMs: 50 });
    recordCall(holder, 'P-1', 2);

    // Another service process on the same host and data dir, whose database is down too.
    const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
    const script = join(dir, 'other-process.mts');
    writeFileSync(
      script,
      `import { openDatabase } from ${JSON.stringify(pathToFileURL(join(repo, 'src/store/db.ts')).href)};
       import { BufferedCallRecorder } from ${JSON.stringify(pathToFileURL(join(repo, 'src/store/recorder.ts')).href)};
       const dead = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', migrate: false });
       const r = new BufferedCallRecorder({ database: dead, dataDir: ${JSON.stringify(dir)}, maxMemoryEntries: 1, retryMinMs: 20, retryMaxMs: 50 });
       r.callStarted({ id: 'C-1', protocol: 'raw', fromNumber: null, toNumber: null, startedAt: new Date('2026-11-22T09:00:00Z') });
       for (let seq = 0; seq < 3; seq++) r.turn({ callId: 'C-1', seq, at: new Date(), input: 'speech', heardText: 'x', partialsCount: 0, intent: null, confidence: null, action: 'answer', botText: null, timings: {} });
       await r.close(50);
       await dead.close();
       console.log(process.pid);`,
    );
    let childOut: string;
    try {
      childOut = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: repo, timeout: 60_000 }).toString();
    } catch (err) {
      // The child's own words, not just "Command failed", when it does not finish.
      const e = err as { status?: number; signal?: string; stderr?: Buffer };
      throw new Error(`the other process failed (status ${e.status}, signal ${e.signal}): ${e.stderr?.toString() ?? ''}`);
    }
    const childPid = childOut.trim().split('\n').pop();
    const own = readdirSync(dir).filter((f) => f.startsWith(`recorder-journal-${childPid}`));
    expect(own).toHaveLength(1);
    const childJournal = join(dir, own[0]);
    expect(readFileSync(childJournal, 'utf8').trim().split('\n')).toHaveLength(4); // call + 3 turns
    await holder.close(50);
    expect(readFileSync(join(dir, JOURNAL_FILE), 'utf8')).not.toContain('C-1');

    const next = new BufferedCallRecorder({ database: test.database, dataDir: dir });
    await next.flush(20_000);
    expect((await getCall(test.database.db, 'C-1'))?.turns).toHaveLength(3);
    expect((await getCall(test.database.db, 'P-1'))?.turns).toHaveLength(2);
    await next.close();
    expect(readdirSync(dir).filter((f) => f.startsWith('recorder-journal'))).toEqual([]);
  });

  it('loses nothing when the process is killed during a database outage', async () => {
    const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
    const script = join(dir, 'killed-process.mts');
    writeFileSync(
      script,
      `import { openDatabase } from ${JSON.stringify(pathToFileURL(join(repo, 'src/store/db.ts')).href)};
       import { BufferedCallRecorder } from ${JSON.stringify(pathToFileURL(join(repo, 'src/store/recorder.ts')).href)};
       const dead = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', migrate: false });
       const r = new BufferedCallRecorder({ database: dead, dataDir: ${JSON.stringify(dir)}, retryMinMs: 20, retryMaxMs: 50 });
       const turn = (seq) => ({ callId: 'X-1', seq, at: new Date(), input: 'speech', heardText: 't' + seq, partialsCount: 0, intent: null, confidence: null, action: 'answer', botText: null, timings: {} });
       r.callStarted({ id: 'X-1', protocol: 'twilio', fromNumber: null, toNumber: null, startedAt: new Date('2026-11-22T09:00:00Z') });
       for (let seq = 0; seq < 5; seq++) r.turn(turn(seq));
       while (r.stats().retries === 0) await new Promise((ok) => setTimeout(ok, 10));
       for (let seq = 5; seq < 8; seq++) r.turn(turn(seq));
       r.callEnded({ callId: 'X-1', endedAt: new Date('2026-11-22T09:05:00Z'), outcome: 'completed', handoffReason: null });
       await new Promise((ok) => setTimeout(ok, 1000)); // journal appends are asynchronous
       process.kill(process.pid, 'SIGKILL');`,
    );
    // No close(), no flush: the process dies the way an OOM kill or a power cut would end it.
    expect(() => execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: repo, timeout: 60_000, stdio: 'pipe' })).toThrow();

    const next = new BufferedCallRecorder({ database: test.database, dataDir: dir });
    await next.flush(20_000);
    const call = await getCall(test.database.db, 'X-1');
    expect(call?.turns.map((t) => t.heardText)).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7']);
    expect(call?.outcome).toBe('completed');
    await next.close();
  });

  it('keeps two services in one process on separate journals, and replays both later', async () => {
    const a = new BufferedCallRecorder({ database: dead, dataDir: dir, maxMemoryEntries: 1, retryMinMs: 20, retryMaxMs: 50 });
    const b = new BufferedCallRecorder({ database: dead, dataDir: dir, maxMemoryEntries: 1, retryMinMs: 20, retryMaxMs: 50 });
    recordCall(a, 'S-A', 2);
    recordCall(b, 'S-B', 3);
    await a.close(50);
    await b.close(50);
    const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
    expect(files).toHaveLength(2);
    expect(files.map((f) => readFileSync(join(dir, f), 'utf8').includes('S-A'))).toContain(false);

    const next = new BufferedCallRecorder({ database: test.database, dataDir: dir });
    await next.flush(20_000);
    expect((await getCall(test.database.db, 'S-A'))?.turns).toHaveLength(2);
    expect((await getCall(test.database.db, 'S-B'))?.turns).toHaveLength(3);
    await next.close();
    expect(readdirSync(dir).filter((f) => f.startsWith('recorder-journal'))).toEqual([]);
  });
});
