import { describe, expect, it } from 'vitest';
import { seriousViolations, signIn } from './helpers/console_browser.js';
import { consoleInBrowser } from './helpers/console_fixture.js';

/**
 * The FAQ's `menu` column places an FAQ in the keypad menu callers fall back to (src/dialog/menu.ts).
 * The console's editor must send it back when an answer is edited, or every save would take the FAQ
 * out of the menu ops set up; ops can also set and clear it there.
 */
describe('the console FAQ editor and the keypad menu column', () => {
  const errors: string[] = [];
  const MENU = 'ساعات کاری / ساعت کار دفترها';
  const fixture = consoleInBrowser({
    users: [['reza', 'ops']],
    async seed(_database, http) {
      const faq = http.kb.get('working_hours')!;
      const put = await http.admin('/api/faqs/working_hours', { method: 'PUT', body: JSON.stringify({ ...faq, menu: MENU }) });
      expect(put.status).toBe(200);
      expect(http.kb.get('working_hours')!.menu).toBe(MENU);
    },
  });

  const edit = async (page: import('playwright-core').Page, change: () => Promise<void>) => {
    const version = fixture.http.kb.current().version;
    await page.click('#faq-list tr[data-id="working_hours"] button');
    await page.waitForSelector('#faq-dialog[open]');
    await change();
    await page.click('#faq-save');
    await page.waitForSelector('#faq-dialog', { state: 'hidden' });
    await page.waitForFunction((v) => document.querySelector(`#versions tr[data-version="${v + 1}"].live`), version);
  };

  it('keeps the menu place when only the answer is edited, and sets a new one from the editor', async () => {
    const { context, page } = await signIn(fixture.browser, fixture.http.base, 'reza', 'reza-secret-1', errors);
    await page.goto(`${fixture.http.base}/console/faqs`);
    await page.waitForSelector('#faq-list table');

    const answer = 'دفترها از شنبه تا چهارشنبه، ساعت ۸ تا ۱۶ باز هستند.';
    await edit(page, async () => {
      expect(await page.inputValue('#f-menu')).toBe(MENU);
      expect(await seriousViolations(page)).toEqual([]);
      await page.fill('#f-answer', answer);
    });
    expect(fixture.http.kb.get('working_hours')).toMatchObject({ answer, menu: MENU });

    // A new place for it, typed in the editor.
    await edit(page, () => page.fill('#f-menu', 'پشتیبانی / ساعت کاری'));
    expect(fixture.http.kb.get('working_hours')!.menu).toBe('پشتیبانی / ساعت کاری');
    // The diff against the version before shows the menu change.
    const live = fixture.http.kb.current().version;
    await page.click(`#versions tr[data-version="${live - 1}"] button:has-text("تفاوت")`);
    await page.waitForSelector('#diff .diff');
    const diff = await page.textContent('#diff');
    expect(diff).toContain('جای در منوی کلیدی');
    expect(diff).toContain(MENU);
    expect(diff).toContain('پشتیبانی / ساعت کاری');
    await context.close();
    expect(errors).toEqual([]);
  }, 120_000); // each save refits the understanding in this process: seconds on a busy machine
});
