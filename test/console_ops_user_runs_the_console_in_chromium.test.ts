import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPglite, type TestDatabase } from './helpers/databases.js';
import { seedCalls, startConsoleServer } from './helpers/console_server.js';

const SHOTS = join(process.cwd(), 'test-output', 'console');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core injected into the page (through the debugger, so the console's CSP stays on); serious and critical violations only. */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(o?: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run();
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
  });
  return result;
}

async function shoot(page: Page, name: string) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

describe('the ops console in a real browser', () => {
  let db: TestDatabase;
  let http: Awaited<ReturnType<typeof startConsoleServer>>;
  let browser: Browser;
  const pageErrors: string[] = [];

  async function signIn(username: string, password: string, viewport = { width: 1366, height: 768 }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, locale: 'fa-IR', timezoneId: 'Asia/Tehran' });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${username}: ${err.message}`));
    page.on('console', (msg) => {
      // Refused requests (403 for the viewer, 404 for missing recordings) are expected; script errors and CSP violations are not.
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.push(`${username}: ${msg.text()}`);
    });
    await page.goto(`${http.base}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.click('#login-btn');
    await page.waitForURL(`${http.base}/console`);
    return { context, page };
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    db = await freshPglite();
    http = await startConsoleServer(db.database);
    await seedCalls(db.database);
    for (const [username, role] of [['reza', 'ops'], ['mina', 'viewer'], ['sara', 'admin']]) {
      const res = await http.admin('/api/users', { method: 'POST', body: JSON.stringify({ username, password: `${username}-secret-1`, role }) });
      expect(res.status).toBe(201);
    }
    await http.handoff.agents.upsert({ id: 'maryam', name: 'مریم رضایی', pin: '4821', skills: ['billing'] });
    await db.database.query(
      `insert into handoff_entries (id, call_id, protocol, caller_number, queue, reason, enqueued_at) values ('q-1', 'call-live', 'twilio', '09190001122', 'general', 'dtmf-0', now() - interval '95 seconds')`,
    );
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await db?.drop();
  });

  it('an ops user signs in; the dashboard shows real KPIs and charts, in Persian and right to left', async () => {
    const wrong = await browser.newPage();
    await wrong.goto(`${http.base}/console/login`);
    await wrong.fill('#username', 'reza');
    await wrong.fill('#password', 'not-the-password');
    await wrong.click('#login-btn');
    await wrong.waitForSelector('#login-error:has-text("نادرست")');
    expect(await seriousViolations(wrong)).toEqual([]);
    await shoot(wrong, 'login');
    await wrong.close();

    const { context, page } = await signIn('reza', 'reza-secret-1');
    await page.waitForSelector('#kpis .kpi');
    const calls = await page.textContent('#kpis .kpi:first-child .value');
    expect(calls).toBe('۴'); // four calls seeded today, shown in Persian digits
    // The seeded calls started within the last hour: today's chart has them unless Tehran's day began since.
    const tehranHour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tehran', hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
    if (tehranHour >= 1) {
      // Drawn by uPlot on a canvas (see console_charts_are_drawn_by_the_bundled_library for the pixels).
      await page.waitForSelector('#hourly canvas');
      expect(await page.evaluate(() => (window as any).Pasokh.charts.hourly.plot.data[1].reduce((a: number, b: number) => a + b, 0))).toBeGreaterThan(0);
      expect(await page.getAttribute('#hourly canvas', 'aria-label')).toContain('تماس‌ها در هر ساعت');
    }
    await page.waitForSelector('#reasons .hbars');
    expect(await page.textContent('#reasons')).toContain('پرسش ناشناخته');
    expect(await page.textContent('#intents')).toContain('internet_outage');
    // The date range is in the Jalali calendar, with Persian digits.
    expect(await page.inputValue('#until')).toMatch(/^۱۴[۰-۹]{2}\/[۰-۹]{2}\/[۰-۹]{2}$/);
    await page.fill('#since', '۱۳۹۹/۱۳/۰۱');
    await page.click('#range button[type=submit]');
    await page.waitForSelector('#range-error:has-text("خورشیدی")');
    await page.click('[data-days="7"]');
    await page.waitForSelector('#range-error', { state: 'hidden' });
    // The menu reaches every page, by keyboard as well.
    const menu = await page.$$eval('header nav a', (as) => as.map((a) => a.getAttribute('href')));
    expect(menu).toEqual(['/console', '/console/faqs', '/console/calls', '/console/unanswered', '/console/live', '/console/campaigns']);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'dashboard');
    await page.reload();
    await page.waitForSelector('#kpis .kpi');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('پرش به محتوای اصلی');
    for (let i = 0; i < 4 && (await page.evaluate(() => document.activeElement?.getAttribute('href'))) !== '/console/faqs'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('/console/faqs');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${http.base}/console/faqs`);
    expect(await page.getAttribute('header nav a[aria-current="page"]', 'href')).toBe('/console/faqs');
    await page.goBack();
    await page.waitForSelector('#kpis .kpi');
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await shoot(page, 'dashboard-tablet');
    await context.close();
  });

  it('an ops user uploads a FAQ file with a bad row, edits an answer, asks the bot, and rolls the edit back', async () => {
    const { context, page } = await signIn('reza', 'reza-secret-1');
    await page.click('header nav a[href="/console/faqs"]');
    await page.waitForSelector('#faq-list table');
    expect(await page.$$eval('#faq-list tbody tr', (rows) => rows.length)).toBe(25);
    await page.fill('#faq-search', 'وای‌فای');
    expect(await page.$$eval('#faq-list tbody tr', (rows) => rows.map((r) => r.getAttribute('data-id')))).toContain('wifi_password');
    await page.fill('#faq-search', '');
    // The understanding's quality report for the live FAQ: expected answer rate, confusable FAQs, thin ones.
    await page.waitForSelector('#faq-quality .quality-summary, #faq-quality .empty');
    const quality = await page.textContent('#faq-quality');
    const report = http.nlu.quality();
    if (report?.summary) expect(quality).toContain(report.summary);
    else expect(quality).toContain('هنوز برآوردی نیست');

    // A file with one bad row: the report names the row, and nothing changes.
    const before = http.kb.current().version;
    const csv = 'id,question,answer\ngift_card,کارت هدیه چطور کار می‌کند؟,کارت هدیه را در پنل کاربری وارد کنید.\nbroken_row,این سطر پاسخ ندارد,\n';
    await page.setInputFiles('#upload-file', { name: 'faqs.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await page.click('#upload-form button[type=submit]');
    await page.waitForSelector('#upload-report table');
    expect(await page.textContent('#upload-report .error')).toContain('هیچ تغییری اعمال نشد');
    const bad = await page.$$eval('#upload-report tr.bad td', (tds) => tds.map((td) => td.textContent));
    expect(bad[0]).toBe('۳'); // file line 3 (the header is line 1)
    expect(bad[1]).toBe('broken_row');
    expect(bad[3]).toContain('پاسخ');
    expect(http.kb.current().version).toBe(before);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'faqs-upload-report');

    // Edit an answer; "ask the bot" answers with it at once.
    const faqBefore = http.kb.get('working_hours')!;
    await page.click('#faq-list tr[data-id="working_hours"] button');
    await page.waitForSelector('#faq-dialog[open]');
    expect(await page.inputValue('#f-question')).toBe(faqBefore.question);
    const newAnswer = 'پشتیبانی تلفنی شبانه‌روزی است و دفاتر از شنبه تا پنجشنبه، ساعت ۸ تا ۲۰ باز هستند.';
    await page.fill('#f-answer', newAnswer);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'faqs-edit');
    await page.click('#faq-save');
    await page.waitForSelector('#faq-dialog', { state: 'hidden' });
    await page.waitForSelector('#toast:has-text("زنده")');
    expect(http.kb.get('working_hours')!.answer).toBe(newAnswer);

    await page.fill('#ask-text', faqBefore.question);
    await page.click('#ask-form button');
    await page.waitForSelector('#ask-answer');
    expect(await page.textContent('#ask-intent')).toBe('working_hours');
    expect(await page.textContent('#ask-answer')).toBe(newAnswer);
    expect(await page.textContent('#ask-confidence')).toMatch(/[۰-۹]/);
    await page.fill('#ask-text', 'آدرس دفترتون کجاست');
    await page.click('#ask-form button');
    await page.waitForFunction(() => document.querySelector('#ask-intent')?.textContent === 'branch_address');
    expect(await page.$$eval('#ask-alternatives li', (li) => li.length)).toBeGreaterThanOrEqual(0);

    // The version before the edit: its diff shows the old and new answers, and rolling back restores it.
    const editVersion = http.kb.current().version;
    await page.waitForSelector(`#versions tr[data-version="${editVersion}"].live`);
    await page.click(`#versions tr[data-version="${editVersion - 1}"] button:has-text("تفاوت")`);
    await page.waitForSelector('#diff .diff');
    expect(await page.textContent('#diff')).toContain(newAnswer);
    expect(await page.textContent('#diff')).toContain(faqBefore.answer);
    await shoot(page, 'faqs-versions-diff');
    page.once('dialog', (d) => void d.accept());
    await page.click(`#versions tr[data-version="${editVersion - 1}"] button:has-text("بازگرداندن")`);
    await page.waitForSelector(`#versions tr[data-version="${editVersion + 1}"].live`);
    expect(http.kb.get('working_hours')!.answer).toBe(faqBefore.answer);
    await page.fill('#ask-text', faqBefore.question);
    await page.click('#ask-form button');
    await page.waitForFunction((a) => document.querySelector('#ask-answer')?.textContent === a, faqBefore.answer);

    // A recorded answer: uploaded from the editor, then played back there.
    await page.click('#faq-list tr[data-id="goodbye"] button');
    await page.waitForSelector('#f-audio-player .hint:has-text("صدای ضبط‌شده‌ای نیست")');
    await page.setInputFiles('#f-audio-file', join(process.cwd(), 'fixtures/asr/heldout/f4_05.wav'));
    await page.click('#f-audio-upload');
    await page.waitForSelector('#f-audio-player audio');
    expect(await page.evaluate(async () => {
      const audio = document.querySelector('#f-audio-player audio') as HTMLAudioElement;
      if (audio.readyState < 1) await new Promise((r) => audio.addEventListener('loadedmetadata', r, { once: true }));
      return audio.duration;
    })).toBeGreaterThan(0.5);
    await page.click('#faq-cancel');
    await context.close();
  }, 150_000); // three FAQ versions, each refitting the understanding in this process: 74 s at load 31 on 2 cores

  it('an ops user finds a call by number in any spelling and reads its transcript with timings', async () => {
    const { context, page } = await signIn('reza', 'reza-secret-1');
    await page.goto(`${http.base}/console/calls`);
    await page.waitForSelector('#call-list table');
    expect(await page.$$eval('#call-list tbody tr', (rows) => rows.length)).toBe(4);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'calls');
    // Filter by what the caller asked for.
    await page.fill('#c-intent', 'internet_outage');
    await page.click('#call-filters button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#call-list tbody tr').length === 1);
    expect(await page.getAttribute('#call-list tbody tr', 'data-id')).toBe('call-answered');
    await page.fill('#c-intent', '');
    await page.fill('#c-from', '۰۹۳۵۱۱۱۲۲۳۳'); // stored as +989351112233
    await page.click('#call-filters button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#call-list tbody tr').length === 1);
    expect(await page.getAttribute('#call-list tbody tr', 'data-id')).toBe('call-handoff');
    await page.click('#call-list tbody tr a');
    await page.waitForURL(/\/console\/calls\/call-handoff$/);
    await page.waitForSelector('#transcript .turn');
    const turns = await page.$$eval('#transcript .turn', (els) => els.map((e) => e.textContent ?? ''));
    expect(turns).toHaveLength(2);
    expect(turns[0]).toContain('کارت هدیه‌ام کار نمی‌کنه');
    expect(turns[0]).toContain('۷۵۴ میلی‌ثانیه'); // total turn time
    expect(turns[1]).toContain('انتقال به اپراتور');
    expect(await page.textContent('#call-summary')).toContain('پرسش ناشناخته');
    expect(await page.textContent('#events')).toContain('handoff');
    // The caller's audio is fetched on demand; with no recording stored the page says so.
    await page.click('#transcript .turn[data-seq="1"] .turn-audio button');
    await page.waitForSelector('#transcript .turn[data-seq="1"] .turn-audio:has-text("ضبط نشده")');
    // A turn whose audio was kept plays it.
    await page.click('#transcript .turn[data-seq="2"] .turn-audio button');
    await page.waitForSelector('#transcript .turn[data-seq="2"] .turn-audio audio');
    const seconds = await page.$eval('#transcript .turn[data-seq="2"] .turn-audio audio', async (el) => {
      const audio = el as HTMLAudioElement;
      if (audio.readyState < 1) await new Promise((r) => audio.addEventListener('loadedmetadata', r, { once: true }));
      return audio.duration;
    });
    expect(seconds).toBeGreaterThan(0.5);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'call-transcript');
    await context.close();
  });

  it('an ops user adds an unanswered question, grouped across spellings, to an FAQ in one click', async () => {
    const { context, page } = await signIn('reza', 'reza-secret-1');
    await page.goto(`${http.base}/console/unanswered`);
    await page.waitForSelector('#unanswered table');
    const row = page.locator('#unanswered tbody tr', { hasText: 'کارت' });
    expect(await row.count()).toBe(1); // three spellings, one group
    expect(await row.locator('td.num').first().textContent()).toBe('۳');
    // What the bot placed with low confidence is listed too, with its guess chosen as the target.
    const doubtful = page.locator('#unanswered tbody tr', { hasText: 'قبضمو چطوری بدم' });
    expect(await doubtful.textContent()).toContain('اطمینان کم');
    expect(await doubtful.locator('select').inputValue()).toBe('pay_bill');
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'unanswered');
    const text = await row.getAttribute('data-text');
    await row.locator('select').selectOption('refund');
    await row.locator('button.add').click();
    await row.locator('.added:has-text("افزوده شد")').waitFor();
    expect(http.kb.get('refund')!.examples).toContain(text);
    await context.close();
  });

  it('the live page lists active calls, the queue and agents, and updates without reload', async () => {
    const { context, page } = await signIn('reza', 'reza-secret-1');
    await page.goto(`${http.base}/console/live`);
    await page.waitForSelector('#active tr[data-id="call-live"]');
    expect(await page.textContent('#queue')).toContain('09190001122');
    expect(await page.textContent('#queue')).toContain('کلید صفر');
    expect(await page.textContent('#agents')).toContain('مریم رضایی');
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'live');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await db.database.query(`insert into calls (id, protocol, from_number, started_at) values ('call-new', 'raw', '09350000000', now())`);
    await page.waitForSelector('#active tr[data-id="call-new"]', { timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42); // same page, not reloaded

    await page.click('header nav a[href="/console/campaigns"]');
    await page.waitForSelector('#campaigns h2');
    expect(await page.textContent('#campaigns')).toContain('هنوز فعال نیستند');
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'campaigns');
    await context.close();
  });

  it('a viewer sees everything and every change is refused', async () => {
    const { context, page } = await signIn('mina', 'mina-secret-1');
    await page.goto(`${http.base}/console/faqs`);
    await page.waitForSelector('#faq-list table');
    expect(await page.textContent('main .note')).toContain('بیننده');
    expect(await page.isDisabled('#upload-form button[type=submit]')).toBe(true);
    expect(await page.isDisabled('#faq-new')).toBe(true);
    await page.waitForSelector('#versions table');
    expect(await page.$$eval('#versions button.danger', (bs) => bs.every((b) => (b as HTMLButtonElement).disabled))).toBe(true);
    // Asking the bot is reading: allowed.
    await page.fill('#ask-text', 'ساعت کاری شما چیست؟');
    await page.click('#ask-form button');
    await page.waitForSelector('#ask-intent');
    // A change sent anyway (the page's own request, with the session and its CSRF token) is refused with a Persian message.
    const refused = await page.evaluate(async () => {
      const P = (window as unknown as { Pasokh: { api(m: string, p: string, b?: unknown): Promise<unknown>; messageOf(e: unknown): string } }).Pasokh;
      try {
        await P.api('DELETE', '/api/faqs/working_hours');
        return 'allowed';
      } catch (err) {
        return `${(err as { status: number }).status} ${P.messageOf(err)}`;
      }
    });
    expect(refused).toBe('403 نقش شما اجازه‌ی این کار را نمی‌دهد.');
    expect(http.kb.get('working_hours')).toBeDefined();
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'faqs-viewer');
    // At a tablet's width the page reflows; wide tables scroll inside their own frame.
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await shoot(page, 'faqs-viewer-tablet');
    const users = await page.goto(`${http.base}/console/users`);
    expect(users?.status()).toBe(403);
    await context.close();
  });

  it('an admin manages users and reads who changed what in the audit log', async () => {
    const { context, page } = await signIn('sara', 'sara-secret-1');
    await page.click('header nav a[href="/console/users"]');
    await page.waitForSelector('#users table');
    await page.fill('#u-name', 'ali');
    await page.fill('#u-password', 'ali-secret-1');
    await page.selectOption('#u-role', 'ops');
    await page.click('#user-form button');
    await page.waitForSelector('#users tr[data-user="ali"]');
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'users');
    await page.click('header nav a[href="/console/audit"]');
    await page.waitForSelector('#audit table');
    const audit = await page.textContent('#audit');
    expect(audit).toContain('PUT /api/faqs/working_hours');
    expect(audit).toContain('POST /api/faqs/versions/');
    expect(audit).toContain('PUT /api/faqs/refund');
    expect(audit).toContain('reza');
    expect(audit).toContain('POST /api/users');
    expect(audit).not.toContain('DELETE /api/faqs/working_hours'); // the viewer's refused change is no change
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'audit');
    // Logging out ends the session: the pages go back to the sign-in form.
    await page.click('header .who button');
    await page.waitForURL(/\/console\/login$/);
    await page.goto(`${http.base}/console/faqs`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await context.close();
    expect(pageErrors).toEqual([]);
  });
});
