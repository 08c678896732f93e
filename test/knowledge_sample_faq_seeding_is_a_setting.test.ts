import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createKnowledgeBase, SAMPLE_CATALOGUE } from '../src/knowledge/service.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await freshPglite();
});
afterAll(async () => {
  await t.drop();
});

describe('seeding the sample FAQ', () => {
  it('is on out of the box and off when the operator says so', () => {
    expect(loadConfig({}).knowledge.seedSample).toBe(true);
    expect(loadConfig({ PASOKH_SEED_SAMPLE_FAQ: '0' }).knowledge.seedSample).toBe(false);
    expect(loadConfig({ PASOKH_SEED_SAMPLE_FAQ: 'false' }).knowledge.seedSample).toBe(false);
    expect(loadConfig({}, { knowledge: { seedSample: false } }).knowledge.seedSample).toBe(false);
  });

  it('leaves an empty database empty when off, and loads the shipped sample when on', async () => {
    const off = await createKnowledgeBase(t.database, { seed: false, pollMs: 0 });
    expect(off.current().faqs).toHaveLength(0);
    off.close();
    const on = await createKnowledgeBase(t.database, { pollMs: 0 });
    expect(on.current().faqs.map((f) => f.id)).toContain('internet_outage');
    on.close();
  });

  it('comes from models/nlu-fa, the same FAQ as the test fixture, and nothing in src/ reads fixtures/', () => {
    expect(SAMPLE_CATALOGUE.pathname).toMatch(/models\/nlu-fa\/sample-faq\.json$/);
    const shipped = readFileSync(SAMPLE_CATALOGUE, 'utf8');
    expect(shipped).toBe(readFileSync(new URL('../fixtures/faq/catalogue.json', import.meta.url), 'utf8'));
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.ts$/.test(name) && /['"`][^'"`\n]*fixtures\//.test(readFileSync(path, 'utf8'))) offenders.push(path);
      }
    };
    walk(new URL('../src', import.meta.url).pathname);
    expect(offenders).toEqual([]);
  });
});
