import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runFaqCommand } from '../src/knowledge/cli.js';
import { createKnowledgeBase } from '../src/knowledge/service.js';
import { freshPostgres, type TestDatabase } from './helpers/databases.js';

let t: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), 'pasokh-faq-cli-'));

beforeAll(async () => {
  t = await freshPostgres();
  vi.stubEnv('DATABASE_URL', t.url!);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await t.drop();
});

describe('npm run faq -- import <file>', () => {
  it('imports a good CSV into the configured database', async () => {
    const file = join(dir, 'faqs.csv');
    writeFileSync(file, '\ufeffid,question,answer,action,examples\nhours,ساعت کاری؟,نه صبح تا پنج عصر,answer,کی بازید|ساعت کار\n');
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await runFaqCommand(['import', file])).toBe(0);
    expect(JSON.parse(out.mock.calls.at(-1)![0] as string)).toMatchObject({ ok: true, faqs: 1, format: 'csv' });
    out.mockRestore();
    const kb = await createKnowledgeBase(t.database, { pollMs: 0 });
    expect(kb.list().map((f) => f.id)).toEqual(['hours']);
    kb.close();
  });

  it('rejects a broken file with exit code 1, names the row, and imports nothing', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ faqs: [{ id: 'ok', question: 'س', answer: 'پ' }, { id: 'bad', question: 'س', answer: 'پ', action: 'sing' }] }));
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await runFaqCommand(['import', file])).toBe(1);
    expect(err.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/row 2 \(bad\): action/);
    err.mockRestore();
    out.mockRestore();
    const kb = await createKnowledgeBase(t.database, { pollMs: 0 });
    expect(kb.list().map((f) => f.id)).toEqual(['hours']);
    kb.close();
  });

  it('prints usage for a missing file argument', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await runFaqCommand(['import'])).toBe(2);
    err.mockRestore();
  });
});
