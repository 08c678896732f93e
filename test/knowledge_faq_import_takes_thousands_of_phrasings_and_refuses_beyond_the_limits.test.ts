import { existsSync, readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNluProvider } from '../src/engines/nlu/provider.js';
import { createNluRoutes } from '../src/engines/nlu/routes.js';
import { requireAdminKey } from '../src/http/auth.js';
import { createFaqRoutes } from '../src/knowledge/routes.js';
import { createKnowledgeBase, type KnowledgeService } from '../src/knowledge/service.js';
import { LIMITS, validateFaqs } from '../src/knowledge/validate.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';

const faq = (id: string, n: number) => ({ id, question: `سوال ${id}`, answer: 'پاسخ', examples: Array.from({ length: n }, (_, i) => `جمله‌ی ${i} از ${id}`) });

describe('import limits', () => {
  it('takes 5,000 phrasings in one FAQ and refuses the 5,001st by row', () => {
    expect(validateFaqs([faq('big', LIMITS.examplesPerFaq)]).ok).toBe(true);
    const report = validateFaqs([faq('small', 3), faq('too_big', LIMITS.examplesPerFaq + 1)]);
    expect(report.ok).toBe(false);
    expect(report.rows[0].status).toBe('ok');
    expect(report.rows[1].problems[0].message).toMatch(/more than 5,000 examples/);
  });

  it('takes 100,000 phrasings in a knowledge base and names every row beyond them', () => {
    const rows = Array.from({ length: 21 }, (_, i) => faq(`f${i}`, 5000));
    const report = validateFaqs(rows);
    expect(report.ok).toBe(false);
    expect(report.rows.slice(0, 20).every((r) => r.status === 'ok')).toBe(true);
    expect(report.rows[20].problems.map((p) => p.message).join()).toMatch(/more than 100,000 examples \(phrasings\): 100,000 in the rows before this one/);
    expect(validateFaqs(rows.slice(0, 20)).ok).toBe(true);
  });
});

// The whole MASSIVE-fa training split (60 intents, up to ~600 phrasings each), when the shared
// datasets are checked out beside the repository.
const MASSIVE = new URL('../../shared/datasets/massive-fa/train.jsonl', import.meta.url);

describe.skipIf(!existsSync(MASSIVE))('MASSIVE-fa in full through the API', () => {
  const KEY = 'test-admin-key-0123456789';
  const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  let t: TestDatabase;
  let kb: KnowledgeService;
  let app: Hono;
  beforeAll(async () => {
    t = await freshPglite();
    kb = await createKnowledgeBase(t.database, { seed: false, pollMs: 0 });
    const nlu = createNluProvider(kb);
    app = new Hono();
    app.use('/api/*', requireAdminKey(() => [KEY]));
    app.route('/api/faqs', createFaqRoutes({ kb, nlu }));
    app.route('/api/nlu', createNluRoutes({ nlu }));
  });
  afterAll(async () => {
    kb?.close();
    await t?.drop();
  });

  it('imports every line without a refusal and answers from it', async () => {
    const byIntent = new Map<string, string[]>();
    for (const line of readFileSync(MASSIVE, 'utf8').split('\n').filter(Boolean)) {
      const { utt, intent } = JSON.parse(line);
      byIntent.set(intent, [...(byIntent.get(intent) ?? []), utt]);
    }
    const faqs = [...byIntent].map(([id, [question, ...examples]]) => ({ id, question, answer: id, examples }));
    const res = await app.request('/api/faqs/import', { method: 'POST', headers: auth, body: JSON.stringify({ faqs }) });
    const body = await res.json();
    expect(res.status, JSON.stringify(body).slice(0, 500)).toBe(200);
    expect(body.faqCount).toBe(byIntent.size);
    const parsed = await (await app.request('/api/nlu/parse', { method: 'POST', headers: auth, body: JSON.stringify({ text: 'فردا ساعت هفت صبح بیدارم کن' }) })).json();
    expect(parsed.alternatives[0].intent).toBe('alarm_set');
  }, 180_000);
});
