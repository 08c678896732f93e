import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/db.js';
import { createKnowledgeBase, type KnowledgeService } from '../src/knowledge/service.js';
import { createNluProvider } from '../src/engines/nlu/provider.js';
import type { Faq } from '../src/knowledge/types.js';
import { backends, freshPostgres, type TestDatabase } from './helpers/databases.js';

const faq = (id: string, answer: string, examples: string[] = []): Faq => ({
  id,
  question: `سوال ${id}`,
  answer,
  action: 'answer',
  queue: null,
  examples,
  tags: [],
  enabled: true,
});

const opened: TestDatabase[] = [];
const services: KnowledgeService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) s.close();
  for (const d of opened.splice(0)) await d.drop();
});

describe.each(backends)('knowledge base on $name', ({ open }) => {
  // One database per backend (starting PGlite is slow); each test starts from empty tables.
  let t: TestDatabase;
  beforeAll(async () => {
    t = await open();
  });
  afterAll(async () => {
    await t.drop();
  });
  async function start(options: Parameters<typeof createKnowledgeBase>[1] = {}) {
    await t.database.exec('truncate kb_live, kb_faqs, kb_versions');
    const kb = await createKnowledgeBase(t.database, { pollMs: 0, ...options });
    services.push(kb);
    return { kb, t };
  }

  it('loads the sample ISP FAQ on first start with an empty database', async () => {
    const { kb } = await start();
    expect(kb.current().version).toBe(1);
    expect(kb.list()).toHaveLength(25);
    expect(kb.get('internet_outage')?.examples.length).toBeGreaterThan(5);
    const versions = await kb.versions();
    expect(versions).toMatchObject([{ version: 1, source: 'seed', live: true, faqCount: 25 }]);
  });

  it('makes a new version for every import, edit and delete, and tells listeners', async () => {
    const { kb } = await start({ seed: false });
    const seen: number[] = [];
    kb.onChange((s) => seen.push(s.version));
    await kb.importFaqs([faq('a', 'الف'), faq('b', 'ب')]);
    await kb.put(faq('a', 'الف دوم'));
    await kb.put(faq('c', 'ج'));
    expect(await kb.remove('b')).toMatchObject({ version: 4, faqCount: 2 });
    expect(await kb.remove('missing')).toBeNull();
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(kb.list().map((f) => [f.id, f.answer])).toEqual([
      ['a', 'الف دوم'],
      ['c', 'ج'],
    ]);
    expect((await kb.versions()).map((v) => v.source)).toEqual(['delete', 'edit', 'edit', 'import']);
  });

  it('rolls back to any version as a new live version, and the NLU follows', async () => {
    const { kb } = await start({ seed: false });
    const nlu = createNluProvider(kb);
    await kb.importFaqs([faq('modem', 'پاسخ قدیمی مودم', ['مودمم را چطور تنظیم کنم'])]);
    await kb.importFaqs([faq('modem', 'پاسخ جدید مودم', ['مودمم را چطور تنظیم کنم'])]);
    await nlu.ready();
    expect(nlu.current().parse('مودمم را چطور تنظیم کنم').answer).toBe('پاسخ جدید مودم');
    const result = await kb.rollback(1);
    expect(result).toEqual({ version: 3, faqCount: 1 });
    expect(kb.get('modem')?.answer).toBe('پاسخ قدیمی مودم');
    await nlu.ready();
    expect(nlu.current().parse('مودمم را چطور تنظیم کنم')).toMatchObject({ answer: 'پاسخ قدیمی مودم', kbVersion: 3 });
    expect(await kb.rollback(99)).toBeNull();
    const versions = await kb.versions();
    expect(versions[0]).toMatchObject({ version: 3, source: 'rollback', basedOn: 1, live: true });
  });

  it('retrains a large knowledge base in the background: the old NLU answers until the new one is ready', async () => {
    const { kb } = await start({ seed: false });
    const nlu = createNluProvider(kb, { asyncFrom: 1 });
    await kb.importFaqs([faq('modem', 'پاسخ قدیمی', ['مودمم را چطور تنظیم کنم'])]);
    await nlu.ready();
    expect(nlu.current().parse('مودمم را چطور تنظیم کنم').answer).toBe('پاسخ قدیمی');
    const held = nlu.current();
    await kb.importFaqs([faq('modem', 'پاسخ تازه', ['مودمم را چطور تنظیم کنم'])]);
    // The import has returned; training runs in slices, so this turn still has a whole engine.
    expect(held.parse('مودمم را چطور تنظیم کنم').kbVersion).toBe(1);
    await nlu.ready();
    expect(nlu.current().parse('مودمم را چطور تنظیم کنم')).toMatchObject({ answer: 'پاسخ تازه', kbVersion: 2 });
    nlu.close();
  });

  it('keeps a snapshot taken before an import unchanged (a turn sees one version)', async () => {
    const { kb } = await start({ seed: false });
    await kb.importFaqs([faq('a', 'یک')]);
    const held = kb.current();
    await kb.importFaqs([faq('a', 'دو'), faq('b', 'سه')]);
    expect(held.version).toBe(1);
    expect(held.faqs.map((f) => f.answer)).toEqual(['یک']);
    expect(Object.isFrozen(held.faqs)).toBe(true);
    expect(kb.current().faqs).toHaveLength(2);
  });

  it('serialises concurrent imports: every version is whole and the last one is live', async () => {
    const { kb } = await start({ seed: false });
    const uploads = Array.from({ length: 6 }, (_, n) =>
      Array.from({ length: 40 }, (_, i) => faq(`q${i}`, `پاسخ ${n}-${i}`, [`نمونه ${n} ${i}`])),
    );
    const results = await Promise.all(uploads.map((u) => kb.importFaqs(u)));
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const v of await kb.versions()) expect(v.faqCount).toBe(40);
    const last = results.find((r) => r.version === 6)!;
    const n = results.indexOf(last);
    expect(kb.current().version).toBe(6);
    expect(new Set(kb.list().map((f) => f.answer.split(' ')[1].split('-')[0]))).toEqual(new Set([String(n)]));
  });
});

describe('two instances sharing PostgreSQL', () => {
  it('serialise their imports through the advisory lock and each sees the other’s version', async () => {
    const t = await freshPostgres();
    opened.push(t);
    const second = await openDatabase({ url: t.url });
    try {
      const a = await createKnowledgeBase(t.database, { pollMs: 100 });
      const b = await createKnowledgeBase(second, { pollMs: 100 });
      services.push(a, b);
      // Both started on an empty database; the lock let exactly one of them seed it.
      expect((await a.versions()).filter((v) => v.source === 'seed')).toHaveLength(1);
      const many = (tag: string) => Array.from({ length: 30 }, (_, i) => faq(`f${i}`, `${tag} ${i}`));
      const [ra, rb] = await Promise.all([a.importFaqs(many('A')), b.importFaqs(many('B'))]);
      expect(new Set([ra.version, rb.version])).toEqual(new Set([2, 3]));
      const winner = ra.version === 3 ? 'A' : 'B';
      const deadline = Date.now() + 3000;
      while ((a.current().version !== 3 || b.current().version !== 3) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const kb of [a, b]) {
        expect(kb.current().version).toBe(3);
        expect(kb.list().every((f) => f.answer.startsWith(winner))).toBe(true);
      }
      // An edit on one instance goes live on the other by itself: wait for b's own change event,
      // not a wall-clock limit (how fast is a benchmark's question; the test's timeout bounds it).
      const live = new Promise<void>((resolve) => {
        const off = b.onChange(() => {
          if (!b.get('new')) return;
          off();
          resolve();
        });
      });
      await a.put(faq('new', 'تازه'));
      await live;
      expect(b.get('new')?.answer).toBe('تازه');
    } finally {
      for (const s of services.splice(0)) s.close();
      await second.close();
    }
  });
});

describe('a second process sharing PostgreSQL', () => {
  it('imports concurrently with this one without corrupting either version, and this one notices', async () => {
    const t = await freshPostgres();
    opened.push(t);
    const kb = await createKnowledgeBase(t.database, { pollMs: 100 });
    services.push(kb);
    const script = `
      import { openDatabase } from './src/store/db.ts';
      import { createKnowledgeBase } from './src/knowledge/service.ts';
      const database = await openDatabase({ url: process.env.KB_URL });
      const kb = await createKnowledgeBase(database, { pollMs: 0 });
      const faqs = Array.from({ length: 50 }, (_, i) => ({ id: 'p' + i, question: 'سوال ' + i, answer: 'CHILD ' + i,
        action: 'answer', queue: null, examples: ['نمونه ' + i], tags: [], enabled: true }));
      // Both processes start their import on the same signal, so the two really race.
      console.log('ready');
      await new Promise((resolve) => process.stdin.once('data', resolve));
      process.stdin.destroy();
      const r = await kb.importFaqs(faqs);
      console.log(JSON.stringify(r));
      kb.close();
      await database.close();`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('..', import.meta.url).pathname,
      env: { ...process.env, KB_URL: t.url },
    });
    let out = '';
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('ready')) resolve();
      });
      exited.then((code) => reject(new Error(`child exited ${code} before it was ready`)));
    });
    child.stdin.end('go\n');
    const mine = await kb.importFaqs(Array.from({ length: 50 }, (_, i) => faq(`p${i}`, `PARENT ${i}`)));
    expect(await exited).toBe(0);
    const theirs = JSON.parse(out.trim().split('\n').at(-1)!) as { version: number; faqCount: number };
    expect(new Set([mine.version, theirs.version])).toEqual(new Set([2, 3]));
    for (const v of await kb.versions()) expect(v.faqCount).toBe(v.source === 'seed' ? 25 : 50);
    const deadline = Date.now() + 3000;
    while (kb.current().version !== 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(kb.current().version).toBe(3);
    const winner = mine.version === 3 ? 'PARENT' : 'CHILD';
    expect(kb.list().every((f) => f.answer.startsWith(winner))).toBe(true);
  });
});
