/* Dashboard: KPIs for a Jalali date range, calls per hour today, per day, hand-off reasons, top intents. */
'use strict';
(function () {
  const P = window.Pasokh;
  const { el, $, num, pct, seconds, ms } = P;

  function card(label, value, sub) {
    return el('div', { class: 'kpi', role: 'group', 'aria-label': label }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value), sub ? el('div', { class: 'sub' }, sub) : null);
  }

  async function loadHourly() {
    const box = $('#hourly');
    try {
      const data = await P.api('GET', '/api/console/hourly');
      P.barChart(
        box,
        data.hours.map((h) => ({ label: `ساعت ${P.faDigits(h.hour)}`, short: P.faDigits(h.hour), value: h.calls })),
        { label: 'تماس‌ها در هر ساعت امروز', empty: 'امروز هنوز تماسی نبوده است.' },
      );
    } catch (err) {
      P.state(box, 'error', P.messageOf(err));
    }
  }

  async function loadRange(since, until) {
    const kpis = $('#kpis');
    P.loading(kpis);
    $('#range-label').textContent = `(${P.isoDayToJalali(since)} تا ${P.isoDayToJalali(until)})`;
    let r;
    try {
      r = await P.api('GET', `/api/kpis?since=${since}&until=${until}`);
    } catch (err) {
      for (const id of ['#kpis', '#daily', '#reasons', '#intents']) P.state($(id), 'error', P.messageOf(err));
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
    P.barChart(
      $('#daily'),
      r.perDay.map((d) => ({ label: P.isoDayToJalali(d.day), short: P.isoDayToJalali(d.day).slice(5), value: d.calls })),
      { label: 'تماس‌ها در هر روز', empty: 'در این بازه تماسی نبوده است.' },
    );
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
  }

  loadHourly();
  P.rangeForm(loadRange, 30);
})();
