/*
 * Dashboard: KPIs for a Jalali date range, charts (uPlot, charts.js) of calls per hour today and per
 * day of the range, hand-off reasons, top intents, and how the dialog copes with callers it does not
 * understand (keypad menu, confirmations, de-escalation, call-backs).
 */
'use strict';
(function () {
  const P = window.Pasokh;
  const { el, $, num, pct, seconds, ms } = P;
  const BLUE = '#1a73e8';
  const GREEN = '#188038';
  const RED = '#c5221f';

  function card(label, value, sub, id) {
    return el('div', { class: 'kpi', role: 'group', 'aria-label': label, id }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value), sub ? el('div', { class: 'sub' }, sub) : null);
  }

  async function loadHourly() {
    const box = $('#hourly');
    try {
      const data = await P.api('GET', '/api/console/hourly');
      P.categoryChart(box, {
        label: 'تماس‌ها در هر ساعت امروز',
        axisLabel: 'زمان',
        empty: 'امروز هنوز تماسی نبوده است.',
        categories: data.hours.map((h) => ({ label: `ساعت ${P.faDigits(h.hour)}`, short: P.faDigits(h.hour) })),
        series: [
          { label: 'تماس‌ها', kind: 'bars', color: BLUE, values: data.hours.map((h) => h.calls) },
          { label: 'انتقال به اپراتور', kind: 'line', color: RED, values: data.hours.map((h) => h.handoffs) },
        ],
      });
    } catch (err) {
      P.state(box, 'error', P.messageOf(err));
    }
  }

  /** Every day of the range, those without calls as zeros, so the axis is the calendar the user chose. */
  function daysOf(since, until, perDay) {
    const byDay = new Map(perDay.map((d) => [d.day, d]));
    const days = [];
    for (let d = since; d <= until && days.length < 400; d = P.addDays(d, 1)) days.push(byDay.get(d) ?? { day: d, calls: 0, contained: 0, handoffs: 0 });
    return days;
  }

  function drawDaily(since, until, r) {
    const days = daysOf(since, until, r.perDay);
    P.categoryChart($('#daily'), {
      label: 'تماس‌ها در هر روز بازه',
      axisLabel: 'روز',
      empty: 'در این بازه تماسی نبوده است.',
      categories: days.map((d) => {
        const j = P.isoDayToJalali(d.day);
        return { label: j, short: j.slice(5) };
      }),
      series: [
        { label: 'تماس‌ها', kind: 'bars', color: BLUE, values: days.map((d) => d.calls) },
        { label: 'پاسخ کامل ربات', kind: 'line', color: GREEN, values: days.map((d) => d.contained) },
        { label: 'انتقال به اپراتور', kind: 'line', color: RED, values: days.map((d) => d.handoffs) },
      ],
    });
  }

  function drawDialog(r, keypad) {
    const d = r.dialog;
    const q = r.queue || {};
    const box = $('#dialog-kpis');
    if (!d) return P.empty(box, 'گزارش گفت‌وگو در دسترس نیست.');
    const confirmed = d.confirmations.reduce((s, c) => s + c.confirmed, 0);
    const rejected = d.confirmations.reduce((s, c) => s + c.rejected, 0);
    const ended = r.calls.ended || 0;
    box.replaceChildren(
      card('تماس‌هایی که منوی کلیدی شنیدند', num(d.menu.calls, 0), ended ? `${pct(d.menu.calls / ended)} تماس‌های پایان‌یافته` : null, 'kpi-menu-calls'),
      card('رسیدن به پاسخ با کلید', num(d.menu.callsAnsweredByKey, 0), d.menu.calls ? `${pct(d.menu.callsAnsweredByKey / d.menu.calls)} تماس‌های منو` : null, 'kpi-menu-answered'),
      card(
        'پاسخ با سه کلید یا کمتر',
        keypad ? num(keypad.withinThree, 0) : '—',
        keypad && keypad.answers ? `${pct(keypad.withinThree / keypad.answers)} از ${num(keypad.answers, 0)} پاسخ با کلید` : null,
        'kpi-menu-keys',
      ),
      card('حدس تأییدشده', num(confirmed, 0), confirmed + rejected ? `${pct(confirmed / (confirmed + rejected))} پرسش‌های تأیید` : null, 'kpi-confirmed'),
      card('حدس ردشده', num(rejected, 0), null, 'kpi-rejected'),
      card('تماس‌های با دلجویی ربات', num(d.deescalation.calls, 0), ended ? `${pct(d.deescalation.calls / ended)} تماس‌ها` : null, 'kpi-deescalation'),
      card('درخواست تماس برگشتی', q.callbacks == null ? '—' : num(q.callbacks, 0), q.entered ? `از ${num(q.entered, 0)} ورود به صف` : null, 'kpi-callbacks'),
    );
    const tableOr = (target, rows, emptyText, headers, caption) => {
      if (!rows.length) return P.empty($(target), emptyText);
      $(target).replaceChildren(P.table(headers, rows, { caption }));
    };
    tableOr(
      '#confirmations',
      d.confirmations.map((c) => el('tr', { 'data-intent': c.intent }, el('td', {}, P.bdi(c.intent)), el('td', { class: 'num' }, num(c.confirmed, 0)), el('td', { class: 'num' }, num(c.rejected, 0)))),
      'در این بازه ربات پرسش تأییدی نکرده است.',
      [{ label: 'پرسش متداول' }, { label: 'تأیید', num: true }, { label: 'رد', num: true }],
      'پاسخ به پرسش تأیید',
    );
    tableOr(
      '#menu-answers',
      d.menu.answers.map((a) => el('tr', { 'data-intent': a.intent }, el('td', {}, P.bdi(a.intent)), el('td', { class: 'num' }, num(a.count, 0)))),
      'در این بازه پاسخی با منوی کلیدی نرسید.',
      [{ label: 'پرسش متداول' }, { label: 'بار', num: true }],
      'پاسخ‌های رسیده با منوی کلیدی',
    );
    tableOr(
      '#menu-outcomes',
      d.menu.outcomes.map((o) => el('tr', {}, el('td', {}, P.fa(P.OUTCOME_FA, o.outcome)), el('td', { class: 'num' }, num(o.count, 0)))),
      'در این بازه منوی کلیدی پیشنهاد نشد.',
      [{ label: 'نتیجه' }, { label: 'تماس‌ها', num: true }],
      'سرانجام تماس‌های با منو',
    );
    tableOr(
      '#deescalation-cues',
      d.deescalation.cues.map((c) => el('tr', {}, el('td', {}, P.fa(P.CUE_FA, c.cue)), el('td', { class: 'num' }, num(c.count, 0)))),
      'در این بازه ربات نیازی به دلجویی ندید.',
      [{ label: 'نشانه' }, { label: 'بار', num: true }],
      'نشانه‌های دلخوری',
    );
  }

  async function loadRange(since, until) {
    const kpis = $('#kpis');
    P.loading(kpis);
    $('#range-label').textContent = `(${P.isoDayToJalali(since)} تا ${P.isoDayToJalali(until)})`;
    let r;
    let keypad = null;
    try {
      [r, keypad] = await Promise.all([
        P.api('GET', `/api/kpis?since=${since}&until=${until}`),
        P.api('GET', `/api/console/keypad?since=${since}&until=${until}`).catch(() => null),
      ]);
    } catch (err) {
      for (const id of ['#kpis', '#daily', '#reasons', '#intents', '#dialog-kpis', '#confirmations', '#menu-answers', '#menu-outcomes', '#deescalation-cues']) P.state($(id), 'error', P.messageOf(err));
      return;
    }
    const q = r.queue || {};
    kpis.replaceChildren(
      card('تماس‌ها', num(r.calls.total, 0), r.calls.inProgress ? `${num(r.calls.inProgress, 0)} در جریان` : null),
      card('پاسخ کامل ربات (مهار)', pct(r.containment.rate), `${num(r.containment.contained, 0)} تماس`),
      card('انتقال به اپراتور', pct(r.handoff.rate), `${num(r.handoff.count, 0)} تماس`),
      card('میانگین مدت رسیدگی', seconds(r.averageHandleTimeSeconds)),
      card('میانگین سرعت پاسخ اپراتور', seconds(q.averageSpeedOfAnswerSeconds)),
      card('نرخ رهاکردن صف', pct(q.abandonRate)),
      card('سطح خدمت', pct(q.serviceLevel), q.serviceLevelSeconds ? `پاسخ در ${num(q.serviceLevelSeconds, 0)} ثانیه` : null),
      card('حل در نخستین تماس', pct(r.firstCallResolution.rate), `بازه‌ی تکرار ${num(r.firstCallResolution.windowHours, 0)} ساعت`),
      card('رضایت مشتری', r.csat.average == null ? '—' : `${num(r.csat.average)} از ۵`, `${num(r.csat.responses, 0)} پاسخ`),
      card('تأخیر نوبت (میانه)', ms(r.turns.latencyP50Ms)),
      card('تأخیر نوبت (صدک ۹۵)', ms(r.turns.latencyP95Ms)),
    );
    drawDaily(since, until, r);
    P.hbars(
      $('#reasons'),
      r.handoff.reasons.map((x) => ({ label: P.fa(P.REASON_FA, x.reason), value: x.count, text: `${num(x.count, 0)} (${pct(x.share)})` })),
      { empty: 'در این بازه تماسی به اپراتور نرفته است.' },
    );
    const intents = $('#intents');
    if (!r.topIntents.length) P.empty(intents, 'در این بازه درخواستی شناخته نشده است.');
    else
      intents.replaceChildren(
        P.table(
          [{ label: 'درخواست' }, { label: 'نوبت‌ها', num: true }, { label: 'تماس‌ها', num: true }],
          r.topIntents.map((i) => el('tr', {}, el('td', {}, P.bdi(i.intent)), el('td', { class: 'num' }, num(i.turns, 0)), el('td', { class: 'num' }, num(i.calls, 0)))),
          { caption: 'پرتکرارترین درخواست‌ها' },
        ),
      );
    drawDialog(r, keypad);
  }

  loadHourly();
  P.rangeForm(loadRange, 30);
})();
