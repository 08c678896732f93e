import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { campaignHarness, surveyCampaign } from './helpers/campaign_harness.js';
import { freshPostgres, type TestDatabase } from './helpers/databases.js';

/** A scheduler process: `ready` once it is connected, `go()` starts its ticking, `done` its events. */
function start(url: string, instance: string) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/campaigns_scheduler_process.ts'], {
    env: { ...process.env, DATABASE_URL: url, INSTANCE_ID: instance, RUN_MS: '8000' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const events: Record<string, string>[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    try {
      const event = JSON.parse(line) as Record<string, string>;
      events.push(event);
      if (event.event === 'ready') markReady();
    } catch {
      /* not ours */
    }
  });
  const done = new Promise<Record<string, string>[]>((resolve, reject) => {
    proc.on('exit', (code) => (code === 0 ? resolve(events) : reject(new Error(`${instance} exited ${code}`))));
  });
  return { ready: Promise.race([ready, done.then(() => undefined)]), go: () => proc.stdin!.end('go\n'), done };
}

async function run(url: string, instances: string[]): Promise<Record<string, string>[][]> {
  const procs = instances.map((instance) => start(url, instance));
  await Promise.all(procs.map((p) => p.ready));
  for (const p of procs) p.go();
  return Promise.all(procs.map((p) => p.done));
}

describe('two scheduler processes on one PostgreSQL', () => {
  let pg: TestDatabase;
  afterAll(async () => {
    await pg?.drop();
  });

  it('share the contacts between them, never dial one twice, and together keep to the campaign\'s calls per minute', async () => {
    pg = await freshPostgres();
    const h = campaignHarness(pg.database);
    const phones = Array.from({ length: 150 }, (_, i) => `0912${String(3000000 + i)}`);
    const { body: c } = await h.request('POST', '/api/campaigns', surveyCampaign({ pacing: { maxConcurrent: 20, callsPerMinute: 100 }, retry: { maxAttempts: 1 } }));
    await h.request('POST', `/api/campaigns/${c.id}/contacts`, { contacts: phones.map((phone) => ({ phone })) });
    await h.request('POST', `/api/campaigns/${c.id}/start`);

    const [a, b] = await run(pg.url!, ['alpha', 'beta']);
    const placed = [...a, ...b].filter((e) => e.event === 'placed');
    // Their clocks stand still: 100 calls per minute is all two processes together may place.
    expect(placed).toHaveLength(100);
    expect(new Set(placed.map((e) => e.to)).size).toBe(100);
    // Both took part.
    expect(a.filter((e) => e.event === 'placed').length).toBeGreaterThan(0);
    expect(b.filter((e) => e.event === 'placed').length).toBeGreaterThan(0);
    const rows = await pg.database.query<{ n: string; contacts: string }>('select count(*) as n, count(distinct contact_id) as contacts from campaign_attempts where campaign_id = $1', [c.id]);
    expect(rows[0]).toEqual({ n: '100', contacts: '100' });
    const { body } = await h.request('GET', `/api/campaigns/${c.id}`);
    expect(body).toMatchObject({ status: 'running', counts: { busy: 100, pending: 50 } });
    await h.service.stop();
  }, 60_000);
});
