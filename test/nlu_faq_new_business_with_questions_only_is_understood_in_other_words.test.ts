import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNluProvider } from '../src/engines/nlu/provider.js';
import { createNluRoutes } from '../src/engines/nlu/routes.js';
import { requireAdminKey } from '../src/http/auth.js';
import { createFaqRoutes } from '../src/knowledge/routes.js';
import { createKnowledgeBase, type KnowledgeService } from '../src/knowledge/service.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';

// A dental clinic, not an ISP: written for this test, each FAQ with its question and answer only.
const CLINIC = [
  {
    id: 'appointment',
    question: 'چطور وقت دندانپزشکی بگیرم؟',
    answer: 'برای گرفتن نوبت با همین شماره تماس بگیرید یا از سایت کلینیک نوبت رزرو کنید؛ نوبت‌های خالی همین هفته را منشی اعلام می‌کند.',
  },
  {
    id: 'implant_cost',
    question: 'هزینه‌ی ایمپلنت چقدر است؟',
    answer: 'قیمت هر ایمپلنت بسته به برند پایه از پانزده تا سی میلیون تومان است و پس از معاینه و عکس دندان دقیق اعلام می‌شود.',
  },
  {
    id: 'insurance',
    question: 'آیا بیمه‌ی تکمیلی را قبول می‌کنید؟',
    answer: 'بله، با بیمه‌های تکمیلی دی، آسیا و ایران قرارداد داریم و هزینه‌ی جرم‌گیری و ترمیم را پوشش می‌دهند.',
  },
  {
    id: 'whitening',
    question: 'سفید کردن دندان انجام می‌دهید؟',
    answer: 'بله، بلیچینگ در مطب با دستگاه لیزر در یک جلسه‌ی یک‌ساعته انجام می‌شود و دندان‌ها چند درجه روشن‌تر می‌شوند.',
  },
  {
    id: 'toothache',
    question: 'دندانم خیلی درد می‌کند، اورژانسی می‌پذیرید؟',
    answer: 'برای درد شدید دندان یا ورم صورت همان روز بدون نوبت قبلی پذیرش می‌شوید؛ تا رسیدن به کلینیک مسکن بخورید.',
  },
  {
    id: 'braces',
    question: 'ارتودنسی برای بزرگسالان هم انجام می‌شود؟',
    answer: 'بله، ارتودنسی ثابت و متحرک و نامرئی برای هر سنی انجام می‌شود و طول درمان معمولاً یک تا دو سال است.',
  },
];

// How callers ask, in other words than the questions. Five of the eight were answered when this
// test was written (the others refused, none answered wrongly): see docs/BENCHMARKS.md, few-shot.
const PARAPHRASES: [string, string][] = [
  ['می‌خوام برای دندونم نوبت بگیرم', 'appointment'],
  ['ایمپلنت چند در میاد؟', 'implant_cost'],
  ['بیمه تکمیلی قبول دارین؟', 'insurance'],
  ['دندونامو می‌خوام سفید کنم', 'whitening'],
  ['دندون درد امونمو بریده', 'toothache'],
  ['سیم کشیدن دندون برای آدم بزرگ هم میشه؟', 'braces'],
  ['قیمت کاشت ایمپلنت چنده', 'implant_cost'],
  ['برای بلیچینگ باید چیکار کنم', 'whitening'],
];

// Other businesses' requests: none is this clinic's.
const OTHERS = ['قبض برقم رو چطوری پرداخت کنم', 'یه بلیط هواپیما برای مشهد می‌خوام', 'موجودی کارت بانکیم چقدره', 'پیتزا سفارش بدم', 'اینترنتم قطع شده'];

const KEY = 'test-admin-key-0123456789';
const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
let t: TestDatabase;
let kb: KnowledgeService;
let app: Hono;
let imported: { ok: boolean; quality: Quality | null };

interface Quality {
  expectedAnswerRate: number;
  falseAcceptRate: number;
  threshold: number;
  summary: string;
  needsPhrasings: { faq: string; phrasings: number; message: string }[];
  confusable: { faq: string; with: string; examples: string[]; message: string }[];
}

beforeAll(async () => {
  t = await freshPglite();
  kb = await createKnowledgeBase(t.database, { seed: false, pollMs: 0 });
  const nlu = createNluProvider(kb);
  app = new Hono();
  app.use('/api/*', requireAdminKey(() => [KEY]));
  app.route('/api/faqs', createFaqRoutes({ kb, nlu }));
  app.route('/api/nlu', createNluRoutes({ nlu }));
  const res = await app.request('/api/faqs/import', { method: 'POST', headers: auth, body: JSON.stringify({ faqs: CLINIC }) });
  expect(res.status).toBe(200);
  imported = await res.json();
}, 60_000);
afterAll(async () => {
  kb?.close();
  await t?.drop();
});

const ask = async (text: string) =>
  (await (await app.request('/api/nlu/parse', { method: 'POST', headers: auth, body: JSON.stringify({ text }) })).json()) as { intent: string | null };

describe('a new business uploads its FAQ with questions only', () => {
  it('answers callers who ask in other words, and never with the wrong FAQ', async () => {
    const results = await Promise.all(PARAPHRASES.map(async ([text, gold]) => ({ text, gold, got: (await ask(text)).intent })));
    const right = results.filter((r) => r.got === r.gold);
    const wrong = results.filter((r) => r.got !== null && r.got !== r.gold);
    expect(wrong).toEqual([]);
    expect(right.length, JSON.stringify(results)).toBeGreaterThanOrEqual(5);
  });

  it("refuses other businesses' requests", async () => {
    for (const text of OTHERS) expect((await ask(text)).intent, text).toBeNull();
  });

  it('tells ops what to expect and that every FAQ needs phrasings, in the import response and GET /api/faqs/quality', async () => {
    const q = imported.quality!;
    expect(q).not.toBeNull();
    expect(q.expectedAnswerRate).toBeGreaterThan(0);
    expect(q.expectedAnswerRate).toBeLessThanOrEqual(1);
    expect(q.summary).toMatch(/انتظار می‌رود/);
    expect(q.needsPhrasings.map((n) => n.faq).sort()).toEqual(CLINIC.map((f) => f.id).sort());
    expect(q.needsPhrasings[0].message).toMatch(/جمله/);
    const res = await app.request('/api/faqs/quality', { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(q);
  });
});
