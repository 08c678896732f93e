import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaigns } from '../src/campaigns/index.js';
import { campaignsConfigSchema } from '../src/campaigns/config.js';
import { createOpsConsole } from '../src/console/index.js';
import { createApp } from '../src/http/app.js';
import type { DialEvent } from '../src/campaigns/dialers/types.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';
import { surveyCampaign } from './helpers/campaign_harness.js';

// The console's campaigns page against the real campaigns API (the dialer is a double that the test
// answers), in Chromium: progress, outcomes, start/pause/resume, and the results download link.
const KEY = 'campaign-console-admin-key-0123456789';
const SHOTS = join(process.cwd(), 'test-output', 'console');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe('the campaigns page of the ops console', () => {
  let db: TestDatabase;
  let server: Server;
  let base: string;
  let browser: Browser;
  let campaigns: ReturnType<typeof createCampaigns>;
  const reports: ((e: DialEvent) => void)[] = [];
  const errors: string[] = [];

  const api = (method: string, path: string, body?: unknown) =>
    fetch(base + path, { method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.json() as Promise<any>);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    db = await freshPglite();
    const ops = createOpsConsole({ database: db.database, adminKeys: () => [KEY], timezone: 'Asia/Tehran', campaignsEnabled: true });
    campaigns = createCampaigns({
      database: db.database,
      settings: campaignsConfigSchema.parse({ scheduler: false }),
      companyName: 'نت‌آسا',
      defaultQueue: 'general',
      mediaToken: 'x'.repeat(20),
      localUrl: () => base,
      now: () => new Date('2026-12-05T07:00:00Z'),
      createDialer: () => ({ kind: 'double', place: async (_r, onEvent) => (reports.push(onEvent), { providerCallId: null }), close: async () => {} }),
    });
    const app = createApp({
      adminKeys: () => [KEY],
      apiAuth: ops.apiAuth,
      api: [{ path: '/campaigns', app: campaigns.routes }, { path: '/dnc', app: campaigns.dnc }, ...ops.api],
      pages: [ops.page],
      readiness: [],
      renderMetrics: async () => '',
    });
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await api('POST', '/api/users', { username: 'reza', password: 'reza-secret-1', role: 'ops' });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await campaigns?.service.stop();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await db?.drop();
  });

  async function signIn(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'fa-IR', timezoneId: 'Asia/Tehran' });
    const page = await context.newPage();
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && !msg.text().startsWith('Failed to load resource') && errors.push(msg.text()));
    await page.goto(`${base}/console/login`);
    await page.fill('#username', 'reza');
    await page.fill('#password', 'reza-secret-1');
    await page.click('#login-btn');
    await page.waitForURL(`${base}/console`);
    return page;
  }

  it('an ops user sees each campaign with its progress and outcomes, starts a draft, pauses and resumes a running one, and finds the CSV link', async () => {
    const running = await api('POST', '/api/campaigns', surveyCampaign({ name: 'نظرسنجی آذر', retry: { maxAttempts: 1 } }));
    await api('POST', `/api/campaigns/${running.id}/contacts`, { contacts: [{ phone: '09121110001' }, { phone: '09121110002' }, { phone: '09121110003' }] });
    await api('POST', `/api/campaigns/${running.id}/start`);
    await campaigns.service.tick();
    reports[0]({ kind: 'ended', outcome: 'busy' });
    await campaigns.service.idle();
    const draft = await api('POST', '/api/campaigns', surveyCampaign({ name: 'اطلاع‌رسانی قطعی' }));
    await api('POST', `/api/campaigns/${draft.id}/contacts`, { contacts: [{ phone: '09121110009' }] });

    const page = await signIn();
    await page.goto(`${base}/console/campaigns`);
    const row = (name: string) => page.locator('#campaigns tr', { hasText: name });
    await row('نظرسنجی آذر').waitFor();
    expect(await row('نظرسنجی آذر').textContent()).toContain('در حال اجرا');
    expect(await row('نظرسنجی آذر').textContent()).toContain('اشغال: ۱');
    expect(await row('نظرسنجی آذر').locator('progress').getAttribute('max')).toBe('3');
    expect(await row('اطلاع‌رسانی قطعی').textContent()).toContain('پیش‌نویس');
    expect(await row('نظرسنجی آذر').locator('a[download]').getAttribute('href')).toBe(`/api/campaigns/${running.id}/results?format=csv`);

    await row('اطلاع‌رسانی قطعی').getByRole('button', { name: 'آغاز' }).click();
    await row('اطلاع‌رسانی قطعی').getByText('در حال اجرا').waitFor();
    await row('نظرسنجی آذر').getByRole('button', { name: 'توقف' }).click();
    await row('نظرسنجی آذر').getByText('متوقف‌شده').waitFor();
    expect((await api('GET', `/api/campaigns/${running.id}`)).status).toBe('paused');
    await row('نظرسنجی آذر').getByRole('button', { name: 'ادامه' }).click();
    await row('نظرسنجی آذر').getByText('در حال اجرا').waitFor();

    await page.evaluate(axeSource);
    const serious = await page.evaluate(async () => {
      const r = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } }).axe.run();
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
    });
    expect(serious).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'campaigns.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});
