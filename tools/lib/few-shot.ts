/**
 * Few-shot evaluation: what a new site sees when it uploads its own FAQ with K phrasings per FAQ.
 * Each knowledge base is uploaded through the same code path as the ops API (`POST
 * /api/faqs/import` on a fresh embedded database, answered once the NLU for it is live) and every
 * held-out line is asked through `POST /api/nlu/parse`. fastText (npm `fasttext.wasm.js`), trained
 * on exactly the lines uploaded, is scored beside it in the same run.
 *
 *   ISP:     the catalogue's 25 questions and answers + the first K lines per FAQ of
 *            faq-isp/train.jsonl (K = 0: questions only); asked: the blind test files (in-scope and
 *            out-of-scope lines; none of them is ever uploaded).
 *   MASSIVE: K lines per intent of massive-fa/train.jsonl, the first standing for the question
 *            (K = 0: that one line only); asked: massive-fa/test.jsonl (every `--massive-every`-th line).
 */
import { Hono } from 'hono';
import { getFastTextClass, getFastTextModule } from 'fasttext.wasm.js';
import { createNluProvider } from '../../src/engines/nlu/provider.js';
import { createNluRoutes } from '../../src/engines/nlu/routes.js';
import { requireAdminKey } from '../../src/http/auth.js';
import { createFaqRoutes } from '../../src/knowledge/routes.js';
import { createKnowledgeBase } from '../../src/knowledge/service.js';
import { openDatabase } from '../../src/store/db.js';
import { normalizePersian } from '../../src/text/normalize.js';
import type { Labelled } from './nlu-eval.js';

const KEY = 'few-shot-eval-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };

export interface UploadFaq {
  id: string;
  question: string;
  answer: string;
  action?: 'answer' | 'handoff' | 'end';
  examples: string[];
}

export interface ApiParse {
  intent: string | null;
  confidence: number;
  alternatives: { intent: string; confidence: number }[];
}

/** A fresh service (embedded database, knowledge base, NLU, the two API routes), nothing seeded. */
export async function freshService() {
  const database = await openDatabase({});
  const kb = await createKnowledgeBase(database, { seed: false, pollMs: 0 });
  const nlu = createNluProvider(kb);
  const app = new Hono();
  app.use('/api/*', requireAdminKey(() => [KEY]));
  app.route('/api/faqs', createFaqRoutes({ kb, nlu }));
  app.route('/api/nlu', createNluRoutes({ nlu }));
  return {
    async upload(faqs: UploadFaq[]): Promise<{ status: number; ms: number; body: unknown }> {
      const t0 = performance.now();
      const res = await app.request('/api/faqs/import', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ faqs }),
      });
      const body = await res.json();
      return { status: res.status, ms: performance.now() - t0, body };
    },
    async parse(text: string): Promise<ApiParse> {
      const res = await app.request('/api/nlu/parse', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
      return (await res.json()) as ApiParse;
    },
    async close() {
      nlu.close();
      kb.close();
      await database.close();
    },
  };
}

/** fastText supervised, one fixed setting for small data, on our normalised text. */
export async function trainFastText(lines: { text: string; intent: string }[]) {
  const FastText = await getFastTextClass({ getFastTextModule });
  const ft = new FastText();
  const label = (i: string) => `__label__${i}`;
  const body = lines.map((l) => `${label(l.intent)} ${normalizePersian(l.text)}`).join('\n') + '\n';
  const url = `data:text/plain;base64,${Buffer.from(body).toString('base64')}`;
  const model = (await ft.trainSupervised(
    url,
    { epoch: 50, lr: 0.5, wordNgrams: 2, minn: 2, maxn: 5, dim: 50, bucket: 200_000, loss: 'softmax', verbose: 0 },
    () => {},
  )) as { predict(text: string, k: number, threshold: number): { size(): number; get(i: number): [number, string] } };
  return (text: string): string | null => {
    const p = model.predict(normalizePersian(text), 1, 0);
    return p.size() ? p.get(0)[1].slice(label('').length) : null;
  };
}

export interface FewShotFigures {
  dataset: string;
  k: string;
  faqs: number;
  phrasings_uploaded: number;
  import_ms: number;
  import_status: number;
  n_in_scope: number;
  n_out_of_scope: number;
  /** In-scope lines accepted with the right FAQ. */
  answered_right: number;
  /** In-scope lines whose right FAQ is ranked first (accepted or not). */
  ranked_first: number;
  false_accept: number | null;
  fasttext_ranked_first: number;
  fasttext_train_ms: number;
  /** From the import response's quality report (null: nothing fitted). */
  fitted_threshold: number | null;
  expected_answer_rate: number | null;
  error?: string;
}

const pct = (n: number, d: number) => (d ? Math.round((1000 * n) / d) / 10 : 0);

export async function scoreUpload(dataset: string, k: string, faqs: UploadFaq[], tests: Labelled[], log: (...a: unknown[]) => void): Promise<FewShotFigures> {
  const service = await freshService();
  const phrasings = faqs.reduce((n, f) => n + f.examples.length, 0);
  const inScope = tests.filter((l) => l.intent !== null);
  const oos = tests.filter((l) => l.intent === null);
  const base: FewShotFigures = {
    dataset,
    k,
    faqs: faqs.length,
    phrasings_uploaded: phrasings,
    import_ms: 0,
    import_status: 0,
    n_in_scope: inScope.length,
    n_out_of_scope: oos.length,
    answered_right: 0,
    ranked_first: 0,
    false_accept: oos.length ? 0 : null,
    fasttext_ranked_first: 0,
    fasttext_train_ms: 0,
    fitted_threshold: null,
    expected_answer_rate: null,
  };
  try {
    const up = await service.upload(faqs);
    base.import_ms = Math.round(up.ms);
    base.import_status = up.status;
    if (up.status !== 200) {
      const err = up.body as { error?: { message?: string } };
      base.error = err.error?.message ?? `HTTP ${up.status}`;
      log(`${dataset} K=${k}: import refused: ${base.error}`);
    } else {
      const q = (up.body as { quality?: { threshold: number; expectedAnswerRate: number } | null }).quality;
      if (q) {
        base.fitted_threshold = q.threshold;
        base.expected_answer_rate = pct(q.expectedAnswerRate, 1);
      }
      let right = 0;
      let first = 0;
      let fa = 0;
      for (const l of tests) {
        const r = await service.parse(l.text);
        const top = r.alternatives[0]?.intent ?? r.intent;
        if (l.intent === null) {
          if (r.intent !== null) fa++;
        } else {
          if (r.intent === l.intent) right++;
          if (top === l.intent) first++;
        }
      }
      base.answered_right = pct(right, inScope.length);
      base.ranked_first = pct(first, inScope.length);
      if (oos.length) base.false_accept = pct(fa, oos.length);
    }
  } finally {
    await service.close();
  }
  const t0 = performance.now();
  const ft = await trainFastText(faqs.flatMap((f) => [f.question, ...f.examples].map((text) => ({ text, intent: f.id }))));
  base.fasttext_train_ms = Math.round(performance.now() - t0);
  base.fasttext_ranked_first = pct(inScope.filter((l) => ft(l.text) === l.intent).length, inScope.length);
  log(
    `${dataset} K=${k}: ${faqs.length} FAQs, ${phrasings} phrasings, import ${base.import_ms} ms; answered right ${base.answered_right} %, ranked first ${base.ranked_first} %, false accepts ${base.false_accept ?? '—'} % (fitted threshold ${base.fitted_threshold ?? '—'}, expected ${base.expected_answer_rate ?? '—'} %); fastText ranked first ${base.fasttext_ranked_first} %`,
  );
  return base;
}

/** K phrasings per FAQ on top of the catalogue's questions ("all": every line). */
export function ispUpload(catalogue: { id: string; question: string; answer: string; action?: UploadFaq['action'] }[], train: Labelled[], k: number): UploadFaq[] {
  return catalogue.map((f) => ({
    id: f.id,
    question: f.question,
    answer: f.answer,
    action: f.action ?? 'answer',
    examples: train.filter((l) => l.intent === f.id).slice(0, k).map((l) => l.text),
  }));
}

/** K lines per intent, the first as the question (K = 0: the first line alone). */
export function massiveUpload(train: Labelled[], k: number): UploadFaq[] {
  const byIntent = new Map<string, string[]>();
  for (const l of train) if (l.intent) byIntent.set(l.intent, [...(byIntent.get(l.intent) ?? []), l.text]);
  return [...byIntent.entries()].map(([intent, lines]) => {
    const [question, ...rest] = lines.slice(0, Math.max(1, k));
    return { id: intent, question, answer: `(${intent})`, action: 'answer' as const, examples: rest };
  });
}

export function fewShotTable(rows: FewShotFigures[]): string {
  const head = '| data set | K | phrasings uploaded | import | answered right | ranked first | false accepts | fitted threshold (expected answer rate) | fastText ranked first |\n|---|---|---|---|---|---|---|---|---|';
  const body = rows.map(
    (r) =>
      `| ${r.dataset} | ${r.k} | ${r.phrasings_uploaded} | ${r.error ? `refused: ${r.error}` : `${(r.import_ms / 1000).toFixed(2)} s`} | ${r.answered_right} % | ${r.ranked_first} % | ${r.false_accept === null ? '—' : `${r.false_accept} %`} | ${r.fitted_threshold === null ? '—' : `${r.fitted_threshold} (${r.expected_answer_rate} %)`} | ${r.fasttext_ranked_first} % |`,
  );
  return [head, ...body].join('\n');
}
