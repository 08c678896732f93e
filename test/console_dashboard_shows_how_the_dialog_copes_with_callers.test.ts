import { describe, expect, it } from 'vitest';
import { seriousViolations, signIn, tehranDay } from './helpers/console_browser.js';
import { consoleInBrowser } from './helpers/console_fixture.js';

/**
 * Today's calls with the events the dialog records (src/dialog/policy.ts), counted by hand:
 * K1 reached bill_amount in two keys, K2 reached internet_outage in one, K3 heard the menu and
 * pressed 0 (handed off, then asked for a call-back), K4 confirmed one guess and rejected another
 * and was calmed after a complaint, K5 was calmed after asking for a person twice.
 */
type Ev = [type: string, data: Record<string, unknown>];
const CALLS: { id: string; outcome: string; events: Ev[] }[] = [
  { id: 'K1', outcome: 'completed', events: [['menu.offered', { reason: 'failures' }], ['menu.selected', { path: [1], topic: 'قبض' }], ['menu.selected', { path: [1, 2], faqId: 'bill_amount' }]] },
  { id: 'K2', outcome: 'completed', events: [['menu.offered', { reason: 'failures' }], ['menu.selected', { path: [3], faqId: 'internet_outage' }]] },
  { id: 'K3', outcome: 'handoff', events: [['menu.offered', { reason: 'failures' }], ['handoff.message', { entryId: 'h-1', text: 'لطفاً فردا صبح با من تماس بگیرید' }]] },
  { id: 'K4', outcome: 'completed', events: [
    ['confirm.answered', { intent: 'internet_slow', confidence: 0.45, confirmed: true }],
    ['confirm.answered', { intent: 'internet_outage', confidence: 0.4, confirmed: false }],
    ['confirm.answered', { intent: 'internet_slow', confidence: 0.5, confirmed: true }],
    ['deescalation', { cue: 'complaint' }],
  ] },
  { id: 'K5', outcome: 'handoff', events: [['deescalation', { cue: 'operator-twice' }]] },
];

describe('the dashboard shows how the dialog copes with callers it does not understand', () => {
  const errors: string[] = [];
  const fixture = consoleInBrowser({
    users: [['reza', 'ops']],
    async seed(database) {
      let e = 0;
      for (const [i, call] of CALLS.entries()) {
        await database.query(
          `insert into calls (id, protocol, started_at, ended_at, outcome) values ($1, 'twilio', now() - make_interval(mins => $2), now() - make_interval(mins => $2 - 1), $3)`,
          [call.id, 30 - i, call.outcome],
        );
        for (const [type, data] of call.events) {
          // A second apart, in the order listed (the call page lists events by time).
          await database.query(
            `insert into call_events (id, call_id, at, type, data) values ($1, $2, now() - interval '20 minutes' + make_interval(secs => $5), $3, $4::jsonb)`,
            [`ev-${e}`, call.id, type, JSON.stringify(data), e++],
          );
        }
      }
      await database.query(
        `insert into handoff_entries (id, call_id, protocol, caller_number, queue, reason, enqueued_at, state, callback_number)
         values ('h-1', 'K3', 'twilio', '09121112233', 'general', 'dtmf-0', now() - interval '25 minutes', 'callback', '09121112233')`,
      );
      await database.query(
        `insert into turns (call_id, seq, at, input, heard_text, action, bot_text) values ('K1', 1, now() - interval '29 minutes', 'dtmf', '1', 'menu', 'برای قبض ۱ را بزنید')`,
      );
    },
  });

  it('counts keys to an answer through the console API', async () => {
    // Yesterday and today: the calls of half an hour ago lie in one of them, whenever the test runs.
    const keypad = await (await fixture.http.admin(`/api/console/keypad?since=${tehranDay(-1)}&until=${tehranDay()}`)).json();
    expect(keypad).toMatchObject({ answers: 2, withinThree: 2, keys: [{ keys: 1, count: 1 }, { keys: 2, count: 1 }] });
    const bad = await fixture.http.admin(`/api/console/keypad?since=${tehranDay()}`);
    expect(bad.status).toBe(400);
  });

  it('shows menu use, keys to an answer, confirmations per FAQ, de-escalations and call-backs in Persian', async () => {
    const { context, page } = await signIn(fixture.browser, fixture.http.base, 'reza', 'reza-secret-1', errors);
    await page.click('[data-days="7"]');
    await page.waitForSelector('#dialog-kpis .kpi');
    const value = (id: string) => page.textContent(`#${id} .value`);
    await page.waitForFunction(() => document.querySelector('#kpi-menu-calls .value')?.textContent === '۳');
    expect(await value('kpi-menu-calls')).toBe('۳');
    expect(await value('kpi-menu-answered')).toBe('۲');
    expect(await page.textContent('#kpi-menu-answered .sub')).toMatch(/۶۶٫۷/); // two of the three menu calls
    expect(await value('kpi-menu-keys')).toBe('۲');
    expect(await value('kpi-confirmed')).toBe('۲');
    expect(await value('kpi-rejected')).toBe('۱');
    expect(await value('kpi-deescalation')).toBe('۲');
    expect(await value('kpi-callbacks')).toBe('۱');

    const rows = (sel: string) => page.$$eval(`${sel} tbody tr`, (trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent)));
    expect(await rows('#confirmations')).toEqual([
      ['internet_slow', '۲', '۰'],
      ['internet_outage', '۰', '۱'],
    ]);
    expect(await rows('#menu-answers')).toEqual([
      ['bill_amount', '۱'],
      ['internet_outage', '۱'],
    ]);
    expect(await rows('#menu-outcomes')).toEqual([
      ['پاسخ داده شد', '۲'],
      ['انتقال به اپراتور', '۱'],
    ]);
    expect(await rows('#deescalation-cues')).toEqual([
      ['شکایت', '۱'],
      ['دو بار خواستن اپراتور', '۱'],
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it("names the dialog's events on the call page: keys pressed, the confirmation, the caller's message", async () => {
    const { context, page } = await signIn(fixture.browser, fixture.http.base, 'reza', 'reza-secret-1', errors);
    await page.goto(`${fixture.http.base}/console/calls/K1`);
    await page.waitForSelector('#events tr[data-type="menu.selected"]');
    expect(await page.textContent('#transcript .turn[data-seq="1"]')).toContain('اقدام: منوی کلیدی');
    const selected = await page.$$eval('#events tr[data-type="menu.selected"]', (trs) => trs.map((tr) => tr.textContent));
    expect(selected[1]).toContain('گزینش در منوی کلیدی');
    expect(selected[1]).toContain('کلیدها: ۱، ۲ → bill_amount');
    await page.goto(`${fixture.http.base}/console/calls/K4`);
    await page.waitForSelector('#events tr[data-type="deescalation"]');
    expect(await page.textContent('#events')).toContain('رد کرد: internet_outage');
    expect(await page.textContent('#events tr[data-type="deescalation"]')).toContain('نشانه: شکایت');
    await page.goto(`${fixture.http.base}/console/calls/K3`);
    await page.waitForSelector('#events tr[data-type="handoff.message"]');
    expect(await page.textContent('#events tr[data-type="handoff.message"]')).toContain('«لطفاً فردا صبح با من تماس بگیرید»');
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
    expect(errors).toEqual([]);
  });
});
