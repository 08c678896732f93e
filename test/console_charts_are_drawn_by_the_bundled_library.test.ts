import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jalali, seriousViolations, signIn, tehranDay } from './helpers/console_browser.js';
import { CONSOLE_SHOTS as SHOTS, consoleInBrowser } from './helpers/console_fixture.js';
const vendor = createRequire(import.meta.url);

/** Calls per day before today (Tehran), [calls, of which handed off]; -12 lies outside the range the test picks. */
const SEEDED: Record<number, [number, number]> = { [-6]: [1, 0], [-4]: [3, 1], [-3]: [2, 2], [-12]: [4, 0] };
/** The range chosen in the page: six days ago to two days ago, both included. */
const RANGE = { from: -6, to: -2 };

describe('the dashboard charts are drawn by uPlot, served by Pasokh, for a Jalali range', () => {
  const errors: string[] = [];
  const fixture = consoleInBrowser({
    users: [['reza', 'ops']],
    async seed(database) {
      let k = 0;
      for (const [offset, [calls, handoffs]] of Object.entries(SEEDED)) {
        const day = tehranDay(Number(offset));
        for (let i = 0; i < calls; i++) {
          const handedOff = i < handoffs;
          await database.query(
            `insert into calls (id, protocol, from_number, started_at, ended_at, outcome, handoff_reason)
             values ($1, 'twilio', '09120000000', $2::timestamptz, $2::timestamptz + interval '2 minutes', $3, $4)`,
            [`c-${k++}`, `${day}T${String(9 + i).padStart(2, '0')}:00:00+03:30`, handedOff ? 'handoff' : 'completed', handedOff ? 'no-match' : null],
          );
        }
      }
      // One call a minute ago, for today's hourly chart.
      await database.query(`insert into calls (id, protocol, started_at) values ('c-now', 'twilio', now() - interval '1 minute')`);
    },
  });

  it('serves the library from the installed package under a strict CSP', async () => {
    for (const [asset, file, type] of [
      ['uplot.js', 'uplot/dist/uPlot.iife.min.js', 'text/javascript'],
      ['uplot.css', 'uplot/dist/uPlot.min.css', 'text/css'],
    ]) {
      const res = await fetch(`${fixture.http.base}/console/assets/${asset}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(vendor.resolve(file)))).toBe(true);
    }
    const page = await fixture.http.admin('/console/login');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toMatch(/https?:/);
  });

  it('the daily chart holds the calls of each day of the chosen Jalali range, drawn as bars on the canvas', async () => {
    const { context, page } = await signIn(fixture.browser, fixture.http.base, 'reza', 'reza-secret-1', errors);
    await page.waitForSelector('#daily canvas');
    const since = tehranDay(RANGE.from);
    const until = tehranDay(RANGE.to);
    await page.fill('#since', jalali(since));
    await page.fill('#until', jalali(until));
    const asked = page.waitForRequest((r) => r.url().includes('/api/kpis?'));
    await page.click('#range button[type=submit]');
    // The Jalali days typed are the Gregorian days the API is asked for.
    const query = new URL((await asked).url()).searchParams;
    expect([query.get('since'), query.get('until')]).toEqual([since, until]);
    await page.waitForFunction((label) => document.querySelector('#range-label')?.textContent?.includes(label), jalali(since));
    await page.waitForFunction(() => {
      const chart = (window as any).Pasokh.charts.daily;
      return chart && chart.plot.data[0].length === 5;
    });

    // What the API reports for the range, day by day (days without calls are absent there).
    const report = await (await fixture.http.admin(`/api/kpis?since=${since}&until=${until}`)).json();
    const api = new Map<string, number>(report.perDay.map((d: { day: string; calls: number }) => [d.day, d.calls]));
    const days = Array.from({ length: RANGE.to - RANGE.from + 1 }, (_, i) => tehranDay(RANGE.from + i));
    const expected = days.map((d) => api.get(d) ?? 0);
    expect(expected).toEqual([1, 0, 3, 2, 0]); // the seeding, through the API
    expect(report.perDay.reduce((s: number, d: { calls: number }) => s + d.calls, 0)).toBe(6); // the call 12 days ago is outside

    const drawn = await page.evaluate(() => {
      const { plot, categories } = (window as any).Pasokh.charts.daily;
      const ctx = plot.ctx as CanvasRenderingContext2D;
      // Canvas pixels at the middle of each category, a quarter of the way up its bar (clear of the lines' points).
      const pixel = (i: number, v: number) => {
        const x = Math.round(plot.valToPos(i, 'x', true));
        const y = Math.round(plot.valToPos(v, 'y', true));
        return Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
      };
      return {
        calls: plot.data[1],
        handoffs: plot.data[3],
        labels: categories.map((c: { label: string }) => c.label),
        bars: plot.data[1].map((v: number, i: number) => pixel(i, v > 0 ? v / 4 : 0.4)),
        firstX: plot.valToPos(0, 'x'),
        lastX: plot.valToPos(plot.data[0].length - 1, 'x'),
        ariaLabel: ctx.canvas.getAttribute('aria-label'),
        role: ctx.canvas.getAttribute('role'),
      };
    });
    expect(drawn.calls).toEqual(expected);
    expect(drawn.handoffs).toEqual([0, 0, 1, 2, 0]);
    expect(drawn.labels).toEqual(days.map(jalali));
    const blue = [0x1a, 0x73, 0xe8];
    drawn.bars.forEach((rgb: number[], i: number) => {
      if (expected[i] > 0) expect(rgb, `bar of ${days[i]}`).toEqual(blue);
      else expect(rgb, `no bar on ${days[i]}`).not.toEqual(blue);
    });
    expect(drawn.firstX).toBeGreaterThan(drawn.lastX); // right to left: the first day at the right
    expect(drawn.role).toBe('img');
    expect(drawn.ariaLabel).toContain(`${jalali(days[2])}: تماس‌ها ۳`);

    // The axis under the chart and the legend speak Persian digits.
    expect(await page.textContent('#daily .u-legend')).toContain('تماس‌ها');

    // Today's hourly chart has the call of a minute ago in its hour (unless Tehran's day turned since).
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tehran', hour: '2-digit', hourCycle: 'h23' }).format(new Date(Date.now() - 60_000)));
    if (tehranDay(0, new Date(Date.now() - 60_000)) === tehranDay()) {
      await page.waitForFunction(() => (window as any).Pasokh.charts.hourly);
      expect(await page.evaluate((h) => (window as any).Pasokh.charts.hourly.plot.data[1][h], hour)).toBe(1);
    }

    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'dashboard-charts.png'), fullPage: true });
    // A tablet's width: the chart is redrawn to fit, and the page does not scroll sideways.
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.waitForFunction(() => (window as any).Pasokh.charts.daily.plot.width < 760);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await context.close();
    expect(errors).toEqual([]);
  });
});
