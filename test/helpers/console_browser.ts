import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Debian's Chromium, as the desk and console tests use it. */
export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });

/** axe-core injected into the page (through the debugger, so the console's CSP stays on); serious and critical violations only. */
export async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(o?: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run();
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
  });
}

/**
 * Signs in through the console's form at 1366×768 in Tehran's time zone. Script errors and console
 * errors (CSP violations among them) land in `errors`; refused requests (403, 404) are expected.
 */
export async function signIn(browser: Browser, base: string, username: string, password: string, errors: string[]): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'fa-IR', timezoneId: 'Asia/Tehran' });
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(`${username}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(`${username}: ${msg.text()}`);
  });
  await page.goto(`${base}/console/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#login-btn');
  await page.waitForURL(`${base}/console`);
  return { context, page };
}

/** Today in Tehran as YYYY-MM-DD, and n days from it. */
export const tehranDay = (offsetDays = 0, now = new Date()) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tehran' }).format(new Date(now.getTime() + offsetDays * 86_400_000));

const persianDigits = (s: string) => s.replace(/[0-9]/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[Number(d)]);

/** A Gregorian day as the console shows and takes it: the Jalali date in Persian digits, e.g. ۱۴۰۵/۰۹/۱۴. */
export function jalali(isoDay: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US-u-ca-persian-nu-latn', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(new Date(`${isoDay}T12:00:00Z`))
      .map((p) => [p.type, p.value]),
  );
  const year = String(parts.year).replace(/\D/g, '');
  expect(year).toMatch(/^1[34]\d\d$/);
  return persianDigits(`${year}/${parts.month}/${parts.day}`);
}
