/* Campaigns: outbound notification calls and surveys — progress, start/pause/resume/cancel, contacts upload, results export. */
'use strict';
(function () {
  const P = window.Pasokh;
  const { el, $, num, bdi, ltr } = P;
  const box = $('#campaigns');
  const STATUS_FA = { draft: 'پیش‌نویس', running: 'در حال اجرا', paused: 'متوقف‌شده', completed: 'پایان‌یافته', cancelled: 'لغوشده' };
  const KIND_FA = { notify: 'اطلاع‌رسانی', survey: 'نظرسنجی' };
  const OUTCOME_FA = {
    completed: 'انجام‌شده', unconfirmed: 'بدون تأیید', partial: 'نیمه‌کاره', hangup: 'قطع پیش از پیام', 'opted-out': 'انصراف', handoff: 'به کارشناس',
    'no-answer': 'بی‌پاسخ', busy: 'اشغال', failed: 'ناموفق', machine: 'پیغام‌گیر', lost: 'نامعلوم', dnc: 'فهرست منع تماس', cancelled: 'لغوشده',
    pending: 'در نوبت', dialing: 'در حال تماس',
  };
  const ACTIONS = {
    draft: [['start', 'آغاز']],
    running: [['pause', 'توقف'], ['cancel', 'لغو']],
    paused: [['resume', 'ادامه'], ['cancel', 'لغو']],
  };
  const off = () =>
    box.replaceChildren(
      el('div', { class: 'card', role: 'status' },
        el('h2', {}, 'کارزارها هنوز فعال نیستند'),
        el('p', {}, 'تماس‌های خروجی (اطلاع‌رسانی و نظرسنجی) در این نسخه‌ی پاسخ هنوز راه‌اندازی نشده‌اند.'),
      ),
    );

  async function act(c, action) {
    if (action === 'cancel' && !window.confirm(`کارزار «${c.name}» لغو شود؟ با مخاطبانِ در نوبت دیگر تماس گرفته نمی‌شود.`)) return;
    try {
      await P.api('POST', `/api/campaigns/${encodeURIComponent(c.id)}/${action}`);
      P.toast('انجام شد.');
      await load();
    } catch (err) {
      P.toast(err.code === 'no_contacts' ? 'پیش از آغاز، فهرست مخاطبان را بارگذاری کنید.' : err.code === 'invalid_state' ? 'این کار با وضعیت کنونی کارزار جور نیست.' : P.messageOf(err));
    }
  }

  async function upload(c, input) {
    const file = input.files?.[0];
    if (!file) return;
    const form = new FormData();
    form.append('file', file);
    try {
      const r = await P.api('POST', `/api/campaigns/${encodeURIComponent(c.id)}/contacts`, form);
      const lines = (r.problems ?? []).slice(0, 5).map((p) => `سطر ${P.faDigits(p.line)}: ${p.value}`).join('؛ ');
      P.toast(`افزوده: ${num(r.added, 0)}، تکراری: ${num(r.duplicates, 0)}، منع تماس: ${num(r.doNotCall, 0)}، نامعتبر: ${num(r.rejected, 0)}${lines ? ` (${lines})` : ''}`);
      await load();
    } catch (err) {
      P.toast(err.code === 'invalid_contacts' ? `فایل پذیرفته نشد: ${err.message}` : P.messageOf(err));
    } finally {
      input.value = '';
    }
  }

  function progress(c) {
    const k = c.counts ?? {};
    const total = k.contacts ?? 0;
    const open = (k.pending ?? 0) + (k.dialing ?? 0);
    const done = total - open;
    return el('div', {},
      el('progress', { max: String(Math.max(total, 1)), value: String(done), 'aria-label': `پیشرفت ${c.name}` }),
      ' ', el('span', {}, `${num(done, 0)} از ${num(total, 0)}`),
    );
  }

  function outcomes(c) {
    const k = c.counts ?? {};
    const parts = Object.keys(OUTCOME_FA).filter((o) => k[o]).map((o) => `${OUTCOME_FA[o]}: ${num(k[o], 0)}`);
    return parts.length ? parts.join('، ') : '—';
  }

  function row(c) {
    const buttons = P.canChange
      ? (ACTIONS[c.status] ?? []).map(([a, label]) => el('button', { type: 'button', class: a === 'cancel' ? 'danger' : a === 'pause' ? 'secondary' : null, onclick: () => act(c, a) }, label))
      : [];
    const id = `upload-${c.id}`;
    const uploader = P.canChange && ['draft', 'running', 'paused'].includes(c.status)
      ? el('span', {}, el('label', { for: id }, 'بارگذاری مخاطبان'), ' ', el('input', { id, type: 'file', accept: '.csv,.json,text/csv,application/json', onchange: (e) => upload(c, e.target) }))
      : null;
    return el('tr', {},
      el('td', {}, c.name ?? '—', el('br'), el('small', {}, bdi(c.id))),
      el('td', {}, KIND_FA[c.kind] ?? c.kind),
      el('td', {}, el('span', { class: c.status === 'running' ? 'badge on' : c.status === 'cancelled' ? 'badge bad' : 'badge' }, STATUS_FA[c.status] ?? c.status), c.status === 'running' && c.inWindow === false ? el('small', {}, ' (بیرون از ساعت تماس)') : null),
      el('td', {}, progress(c)),
      el('td', {}, outcomes(c)),
      el('td', {}, el('div', { class: 'row' }, ...buttons, el('a', { href: `/api/campaigns/${encodeURIComponent(c.id)}/results?format=csv`, download: `${c.id}.csv` }, 'دریافت نتیجه‌ها (CSV)'), uploader)),
    );
  }

  async function load() {
    try {
      const data = await P.api('GET', '/api/campaigns');
      const list = data.campaigns ?? [];
      if (!list.length) return P.empty(box, 'هنوز کارزاری ساخته نشده است. کارزار را با POST /api/campaigns بسازید (راهنما در README).');
      box.replaceChildren(
        P.table(
          [{ label: 'نام' }, { label: 'نوع' }, { label: 'وضعیت' }, { label: 'پیشرفت' }, { label: 'نتیجه‌ها' }, { label: 'کارها' }],
          list.map(row),
          { caption: 'کارزارها', scrollable: true, label: 'کارزارها' },
        ),
      );
    } catch (err) {
      if (err.status === 404) off();
      else P.state(box, 'error', P.messageOf(err));
    }
  }

  void load();
  // Progress moves while calls are placed.
  setInterval(() => {
    if (!document.hidden && !box.contains(document.activeElement)) void load();
  }, 5000);
  void ltr;
})();
