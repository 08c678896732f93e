import { readFileSync } from 'node:fs';
import { asc, desc, eq, sql } from 'drizzle-orm';
import type { Database, Db } from '../store/db.js';
import { kbFaqs, kbLive, kbVersions } from '../store/schema/knowledge.js';
import { parseUpload } from './parse.js';
import type { Faq, KbSnapshot, KnowledgeBase } from './types.js';
import { validateFaqs, type ValidationReport } from './validate.js';

/**
 * The FAQ knowledge base in the database, with versions. Writers (import, edit, delete, rollback)
 * each write a whole new version and move the live pointer in one transaction under an advisory
 * lock, so concurrent writers — in this process or another one sharing PostgreSQL — queue up
 * instead of interleaving. Readers get an immutable snapshot held in memory: swapping it is one
 * assignment, so a turn that took a snapshot keeps it while the next turn sees the new one.
 * Other instances notice a new live version by polling its number.
 */

export interface VersionInfo {
  version: number;
  createdAt: string;
  source: string;
  note: string | null;
  basedOn: number | null;
  faqCount: number;
  live: boolean;
}

export interface CommitResult {
  version: number;
  faqCount: number;
}

export interface ImportOptions {
  /** replace: the upload is the whole FAQ (default); merge: upserts by id, keeps the rest. */
  mode?: 'replace' | 'merge';
  note?: string;
}

export interface KnowledgeService extends KnowledgeBase {
  list(): readonly Faq[];
  get(id: string): Faq | undefined;
  /** Writes already-validated FAQs as a new live version. */
  importFaqs(faqs: readonly Faq[], options?: ImportOptions & { source?: string }): Promise<CommitResult>;
  /** Parses and validates a file; writes nothing unless every row is valid. */
  importFile(bytes: Uint8Array, options?: ImportOptions & { contentType?: string; filename?: string }): Promise<ImportReport>;
  /** Adds or replaces one FAQ. */
  put(faq: Faq): Promise<CommitResult>;
  /** Removes one FAQ; null when it does not exist. */
  remove(id: string): Promise<CommitResult | null>;
  /** Makes the content of `version` live again, as a new version. Null when it does not exist. */
  rollback(version: number): Promise<CommitResult | null>;
  versions(): Promise<VersionInfo[]>;
  /** Loads the live version from the database if another instance moved it. */
  refresh(): Promise<boolean>;
  close(): void;
}

export interface ImportReport extends Omit<ValidationReport, 'faqs'> {
  format: 'json' | 'csv';
  version?: number;
  faqCount?: number;
}

export interface KnowledgeOptions {
  /** Load this catalogue when the database holds no version yet. Default: the sample ISP FAQ (models/nlu-fa/sample-faq.json); false = none (config `knowledge.seedSample`). */
  seed?: string | URL | false;
  /** How often to look for a version written by another instance (ms); 0 = never. Default 1000. */
  pollMs?: number;
  onError?: (err: unknown) => void;
}

export const SAMPLE_CATALOGUE = new URL('../../models/nlu-fa/sample-faq.json', import.meta.url);

// Arbitrary but fixed: every instance must take the same lock.
const KB_LOCK_KEY = 727_005;

export async function createKnowledgeBase(database: Database, options: KnowledgeOptions = {}): Promise<KnowledgeService> {
  const db = database.db;
  const onError = options.onError ?? ((err: unknown) => console.error('knowledge base:', err));
  let snapshot: KbSnapshot = freeze({ version: 0, faqs: [] });
  let byId = new Map<string, Faq>();
  const listeners = new Set<(s: KbSnapshot) => void>();
  // In-process queue; the advisory lock does the same across processes.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  const install = (next: KbSnapshot) => {
    // Versions only grow (a rollback is a new version), so an older one arriving late — our own
    // commit finishing after the poll already saw another instance's newer one — is stale.
    if (next.version <= snapshot.version) return false;
    snapshot = freeze(next);
    byId = new Map(snapshot.faqs.map((f) => [f.id, f]));
    for (const listener of listeners) {
      try {
        listener(snapshot);
      } catch (err) {
        onError(err);
      }
    }
    return true;
  };

  async function readVersion(q: Db, version: number): Promise<Faq[]> {
    const rows = await q.select().from(kbFaqs).where(eq(kbFaqs.version, version)).orderBy(asc(kbFaqs.position));
    return rows.map((r) => ({
      id: r.id,
      question: r.question,
      answer: r.answer,
      action: r.action,
      queue: r.queue,
      examples: r.examples,
      tags: r.tags,
      menu: r.menu,
      enabled: r.enabled,
    }));
  }

  async function liveVersion(q: Db): Promise<number | null> {
    const rows = await q.select({ version: kbLive.version }).from(kbLive);
    return rows[0]?.version ?? null;
  }

  /**
   * One write: under the lock, read the live FAQs, let `change` derive the new list, store it as
   * the next version and point `kb_live` at it. `change` returning null means "nothing to do".
   */
  function commit(
    source: string,
    change: (live: Faq[], liveVersion: number | null, tx: Db) => Promise<{ faqs: Faq[]; note?: string; basedOn?: number } | null>,
  ): Promise<CommitResult | null> {
    return serial(async () => {
      // The store's transaction, not drizzle's: a connection the server kills mid-commit is dropped
      // instead of leaving the writers' queue waiting on it for good.
      const result = await database.transaction(async ({ db: tx }) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${KB_LOCK_KEY})`);
        const current = await liveVersion(tx);
        const live = current === null ? [] : await readVersion(tx, current);
        const next = await change(live, current, tx);
        if (!next) return null;
        const [{ max }] = await tx.select({ max: sql<number | null>`max(${kbVersions.version})` }).from(kbVersions);
        const version = Number(max ?? 0) + 1;
        await tx.insert(kbVersions).values({ version, source, note: next.note ?? null, basedOn: next.basedOn ?? null, faqCount: next.faqs.length });
        const rows = next.faqs.map((f, position) => ({ version, position, ...f }));
        for (let i = 0; i < rows.length; i += 500) await tx.insert(kbFaqs).values(rows.slice(i, i + 500));
        await tx
          .insert(kbLive)
          .values({ singleton: true, version })
          .onConflictDoUpdate({ target: kbLive.singleton, set: { version } });
        return { version, faqs: next.faqs };
      });
      if (!result) return null;
      install({ version: result.version, faqs: result.faqs });
      return { version: result.version, faqCount: result.faqs.length };
    });
  }

  async function refresh(): Promise<boolean> {
    const current = await liveVersion(db);
    if (current === null || current === snapshot.version) return false;
    const faqs = await readVersion(db, current);
    return install({ version: current, faqs });
  }

  const importFaqs = async (faqs: readonly Faq[], opts: ImportOptions & { source?: string } = {}) =>
    (await commit(opts.source ?? 'import', async (live) => {
      if (opts.mode === 'merge') {
        const incoming = new Map(faqs.map((f) => [f.id, f]));
        const merged = live.map((f) => incoming.get(f.id) ?? f);
        for (const f of faqs) if (!live.some((l) => l.id === f.id)) merged.push(f);
        return { faqs: merged, note: opts.note };
      }
      return { faqs: [...faqs], note: opts.note };
    }))!;

  const service: KnowledgeService = {
    current: () => snapshot,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    list: () => snapshot.faqs,
    get: (id) => byId.get(id),
    importFaqs,
    async importFile(bytes, opts = {}) {
      const parsed = parseUpload(bytes, opts);
      const report = validateFaqs(parsed.rows, parsed.rowNumbers);
      // A file-level problem (not UTF-8, no header, unknown column) blocks the import like a bad row.
      const problems = parsed.problems.length && parsed.rows.length === 0 ? parsed.problems : [...parsed.problems, ...report.problems];
      const ok = report.ok && parsed.problems.length === 0;
      const base: ImportReport = { ok, rows: report.rows, problems: dedupe(problems), format: parsed.format };
      if (!ok) return base;
      const result = await importFaqs(report.faqs, { mode: opts.mode, note: opts.note ?? opts.filename });
      return { ...base, version: result.version, faqCount: result.faqCount };
    },
    put: async (faq) =>
      (await commit('edit', async (live) => {
        const i = live.findIndex((f) => f.id === faq.id);
        const faqs = [...live];
        if (i >= 0) faqs[i] = faq;
        else faqs.push(faq);
        return { faqs, note: `${i >= 0 ? 'edit' : 'add'} ${faq.id}` };
      }))!,
    remove: (id) =>
      commit('delete', async (live) => {
        if (!live.some((f) => f.id === id)) return null;
        return { faqs: live.filter((f) => f.id !== id), note: `delete ${id}` };
      }),
    rollback: (version) =>
      commit('rollback', async (_live, _current, tx) => {
        const exists = await tx.select({ v: kbVersions.version }).from(kbVersions).where(eq(kbVersions.version, version));
        if (exists.length === 0) return null;
        return { faqs: await readVersion(tx, version), note: `rollback to ${version}`, basedOn: version };
      }),
    async versions() {
      const rows = await db.select().from(kbVersions).orderBy(desc(kbVersions.version));
      const live = await liveVersion(db);
      return rows.map((r) => ({
        version: r.version,
        createdAt: new Date(r.createdAt).toISOString(),
        source: r.source,
        note: r.note,
        basedOn: r.basedOn,
        faqCount: r.faqCount,
        live: r.version === live,
      }));
    },
    refresh,
    close() {
      if (timer) clearInterval(timer);
      listeners.clear();
    },
  };

  await refresh();
  if (snapshot.version === 0 && options.seed !== false) {
    const seed = readSeed(options.seed ?? SAMPLE_CATALOGUE);
    // Seeding checks emptiness under the lock: two instances starting together seed once.
    await commit('seed', async (_live, current) => (current === null ? { faqs: seed, note: 'sample FAQ (models/nlu-fa/sample-faq.json)' } : null));
    await refresh();
  }

  const pollMs = options.pollMs ?? 1000;
  let polling = false;
  const timer =
    pollMs > 0
      ? setInterval(() => {
          if (polling) return;
          polling = true;
          refresh()
            .catch(onError)
            .finally(() => {
              polling = false;
            });
        }, pollMs)
      : null;
  timer?.unref();
  return service;
}

function readSeed(path: string | URL): Faq[] {
  const parsed = parseUpload(readFileSync(path), { filename: String(path) });
  const report = validateFaqs(parsed.rows, parsed.rowNumbers);
  if (!report.ok || parsed.problems.length) {
    throw new Error(`Invalid seed catalogue ${String(path)}: ${JSON.stringify([...parsed.problems, ...report.rows.filter((r) => r.status === 'error')])}`);
  }
  return report.faqs;
}

function freeze(s: KbSnapshot): KbSnapshot {
  for (const f of s.faqs) {
    Object.freeze(f.examples);
    Object.freeze(f.tags);
    Object.freeze(f);
  }
  Object.freeze(s.faqs);
  return Object.freeze(s);
}

function dedupe<T>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const k = JSON.stringify(i);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
