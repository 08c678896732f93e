/* Audit log (admins only): who changed what, when. */
'use strict';
(function () {
  const P = window.Pasokh;
  const { el, $, num, bdi } = P;
  const ACTION_FA = { login: 'ورود', logout: 'خروج', 'login-failed': 'ورود ناموفق' };
  let entries = [];

  async function load(more) {
    const box = $('#audit');
    try {
      const before = more && entries.length ? `&before=${entries[entries.length - 1].id}` : '';
      const data = await P.api('GET', `/api/audit?limit=100${before}`);
      entries = more ? entries.concat(data.entries) : data.entries;
      $('#audit-more').hidden = data.entries.length < 100;
      if (!entries.length) return P.empty(box, 'هنوز تغییری ثبت نشده است.');
      box.replaceChildren(
        P.table(
          [{ label: 'زمان' }, { label: 'چه کسی' }, { label: 'نقش' }, { label: 'چه کاری' }, { label: 'نتیجه', num: true }, { label: 'نشانی' }],
          entries.map((a) =>
            el(
              'tr',
              {},
              el('td', {}, P.dateTime(a.at)),
              el('td', {}, bdi(a.actor)),
              el('td', {}, a.role ?? '—'),
              el('td', {}, ACTION_FA[a.action] ?? P.ltr(a.action), a.details?.version ? el('span', { class: 'hint' }, ` (نسخه‌ی ${num(a.details.version, 0)})`) : null),
              el('td', { class: 'num' }, a.status == null ? '—' : P.ltr(String(a.status))),
              el('td', {}, a.ip ? P.ltr(a.ip) : '—'),
            ),
          ),
          { caption: 'گزارش تغییرات', label: 'گزارش تغییرات', scrollable: true },
        ),
      );
    } catch (err) {
      P.state(box, 'error', P.messageOf(err));
    }
  }
  $('#audit-more').addEventListener('click', () => load(true));
  load(false);
})();
