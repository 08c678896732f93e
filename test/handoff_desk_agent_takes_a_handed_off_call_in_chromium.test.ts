import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig } from '../src/config/load.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';
import { ScriptedCaller } from './helpers/handoff_caller_double.js';
import { startDeskServer } from './helpers/handoff_http_harness.js';

describe('the agent desk in a real browser', () => {
  let db: TestDatabase;
  let svc: HandoffRuntime;
  let http: Awaited<ReturnType<typeof startDeskServer>>;
  let browser: Browser;

  beforeAll(async () => {
    db = await freshPglite();
    const config = loadConfig({}, {
      handoff: { waitUpdateSeconds: 2, routeIntervalMs: 100, callbackOffer: false, queues: { billing: { label: 'امور مالی', priority: 1, skill: 'billing' } } },
    });
    svc = createHandoffService({ database: db.database, config, pollMs: 50 });
    await svc.ready();
    http = await startDeskServer(svc, { pollMs: 200 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await svc?.close();
    await db?.drop();
  });

  it('signs an agent in, rings with the screen pop, and records accept, end and wrap-up', async () => {
    // The admin creates the agent; only a hash of the PIN is stored.
    const created = await http.admin('/api/agents', {
      method: 'POST',
      body: JSON.stringify({ id: 'maryam', name: 'مریم رضایی', pin: '4821', skills: ['billing'] }),
    });
    expect(created.status).toBe(201);
    const [{ pin_hash }] = await db.database.query<{ pin_hash: string }>(`select pin_hash from handoff_agents where id = 'maryam'`);
    expect(pin_hash).not.toContain('4821');

    // This number called before: the screen pop shows it.
    await db.database.query(
      `insert into calls (id, protocol, from_number, started_at, outcome, handoff_reason)
       values ('old-1', 'twilio', '09127776655', now() - interval '2 days', 'handoff', 'no-match')`,
    );

    const page = await browser.newPage();
    await page.goto(`${http.base}/desk`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');

    await page.fill('#agent-id', 'maryam');
    await page.fill('#pin', '0000');
    await page.click('#login-btn');
    await page.waitForSelector('#login-error:has-text("نادرست")');

    await page.fill('#pin', '4821');
    await page.click('#login-btn');
    await page.waitForSelector('#conn:has-text("متصل")');
    expect(await page.textContent('#agent-name')).toContain('مریم رضایی');
    await page.selectOption('#presence', 'available');
    await expect.poll(async () => (await svc.agents.get('maryam'))?.presence).toBe('available');

    // The bot hands a call off.
    const caller = new ScriptedCaller('call-77', '09127776655');
    const outcome = svc.handle(
      {
        callId: 'call-77',
        protocol: 'twilio',
        callerNumber: '09127776655',
        callerName: 'علی کریمی',
        providerCallId: 'CA77',
        queue: 'billing',
        reason: 'low-confidence',
        intent: 'billing.refund',
        transcript: [
          { role: 'bot', text: 'سلام، چطور می‌توانم کمکتان کنم؟', at: new Date().toISOString() },
          { role: 'caller', text: 'پول قبضم دو بار کم شده', at: new Date().toISOString() },
        ],
      },
      caller,
    );

    // The offer rings on the desk with the screen pop.
    await page.waitForSelector('#call-title:has-text("تماس ورودی")', { timeout: 15_000 });
    expect(await page.textContent('#pop-number')).toBe('09127776655');
    expect(await page.textContent('#pop-name')).toBe('علی کریمی');
    expect(await page.textContent('#pop-intent')).toBe('billing.refund');
    expect(await page.textContent('#pop-reason')).toBe('ربات مطمئن نبود');
    expect(await page.textContent('#pop-queue')).toBe('امور مالی');
    expect(await page.textContent('#queue-list')).toContain('امور مالی');
    const lines = await page.$$eval('#pop-transcript li', (els) => els.map((e) => [e.className, e.textContent]));
    expect(lines).toEqual([
      ['bot', 'سلام، چطور می‌توانم کمکتان کنم؟'],
      ['caller', 'پول قبضم دو بار کم شده'],
    ]);
    expect(await page.textContent('#pop-history')).toContain('handoff');
    expect(await page.isVisible('#accept-btn')).toBe(true);

    await page.click('#accept-btn');
    expect(await outcome).toEqual({ kind: 'connected', agentId: 'maryam' });
    await page.waitForSelector('#call-title:has-text("در حال مکالمه")');
    expect(await page.inputValue('#presence')).toBe('busy');

    await page.click('#end-btn');
    await page.waitForSelector('#wrapup-form:visible');
    await page.selectOption('#wrap-code', 'follow-up');
    await page.fill('#wrap-notes', 'بازگشت وجه ثبت شد؛ پیگیری تا سه روز کاری.');
    await page.click('#wrapup-btn');
    await page.waitForSelector('#no-call:visible');

    const [entry] = await db.database.query<any>(`select * from handoff_entries where call_id = 'call-77'`);
    expect(entry.state).toBe('connected');
    expect(entry.answered_by).toBe('maryam');
    expect(entry.wrap_code).toBe('follow-up');
    expect(entry.notes).toBe('بازگشت وجه ثبت شد؛ پیگیری تا سه روز کاری.');
    expect(entry.ended_at).not.toBeNull();
    const agent = await svc.agents.get('maryam');
    expect(agent?.presence).toBe('available');
    expect(agent?.currentEntryId).toBeNull();
    await page.close();
  });

  it('a call declined on one desk rings on the next agent’s desk', async () => {
    for (const [id, name, pin] of [['omid', 'امید', '1357'], ['sima', 'سیما', '2468']]) {
      const res = await http.admin('/api/agents', { method: 'POST', body: JSON.stringify({ id, name, pin }) });
      expect(res.status).toBe(201);
    }
    // Maryam (from the first test) goes offline so only these two share the call.
    await svc.agents.setPresence('maryam', 'offline');
    const signIn = async (id: string, pin: string) => {
      const page = await browser.newPage();
      await page.goto(`${http.base}/desk`);
      await page.fill('#agent-id', id);
      await page.fill('#pin', pin);
      await page.click('#login-btn');
      await page.waitForSelector('#conn:has-text("متصل")');
      await page.selectOption('#presence', 'available');
      await expect.poll(async () => (await svc.agents.get(id))?.presence).toBe('available');
      return page;
    };
    const omid = await signIn('omid', '1357'); // idle longest: rung first
    const sima = await signIn('sima', '2468');

    const caller = new ScriptedCaller('call-88', '09130001122');
    const outcome = svc.handle(
      {
        callId: 'call-88',
        protocol: 'twilio',
        callerNumber: '09130001122',
        providerCallId: 'CA88',
        queue: 'general',
        reason: 'dtmf-0',
        intent: null,
        transcript: [{ role: 'caller', text: 'اپراتور', at: new Date().toISOString() }],
      },
      caller,
    );
    await omid.waitForSelector('#call-title:has-text("تماس ورودی")', { timeout: 15_000 });
    expect(await omid.textContent('#pop-reason')).toBe('کلید صفر');
    expect(await sima.isVisible('#no-call')).toBe(true);
    await omid.click('#decline-btn');
    await omid.waitForSelector('#no-call:visible');

    await sima.waitForSelector('#call-title:has-text("تماس ورودی")', { timeout: 15_000 });
    expect(await sima.textContent('#pop-number')).toBe('09130001122');
    await sima.click('#accept-btn');
    expect(await outcome).toEqual({ kind: 'connected', agentId: 'sima' });
    // The caller heard the connection announced.
    expect(caller.prompts.at(-1)).toBe('یکی از همکارانم آماده‌ی پاسخگویی است. تماس شما را وصل می‌کنم.');
    await sima.waitForSelector('#end-btn:visible');
    expect((await svc.agents.get('omid'))?.presence).toBe('available');
    await omid.close();
    await sima.close();
  });
});
