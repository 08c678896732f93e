/* Campaigns: until the campaigns API exists the page says the feature is off. */
'use strict';
(function () {
  const P = window.Pasokh;
  const { el, $, num, bdi } = P;
  const box = $('#campaigns');
  const off = () =>
    box.replaceChildren(
      el('div', { class: 'card', role: 'status' },
        el('h2', {}, 'کارزارها هنوز فعال نیستند'),
        el('p', {}, 'تماس‌های خروجی (اطلاع‌رسانی و نظرسنجی) در این نسخه‌ی پاسخ هنوز راه‌اندازی نشده‌اند. پس از راه‌اندازی، ساختن کارزار، بارگذاری مخاطبان، آغاز و توقف و دریافت نتیجه‌ها از همین صفحه انجام می‌شود.'),
      ),
    );
  (async () => {
    try {
      const data = await P.api('GET', '/api/campaigns');
      const list = data.campaigns ?? [];
      if (!list.length) return P.empty(box, 'هنوز کارزاری ساخته نشده است.');
      box.replaceChildren(
        P.table(
          [{ label: 'نام' }, { label: 'شناسه' }, { label: 'وضعیت' }, { label: 'ساخته‌شده' }],
          list.map((c) => el('tr', {}, el('td', {}, c.name ?? '—'), el('td', {}, bdi(c.id)), el('td', {}, bdi(c.status ?? c.state ?? '—')), el('td', {}, P.dateTime(c.createdAt)))),
          { caption: 'کارزارها' },
        ),
      );
    } catch (err) {
      if (err.status === 404) off();
      else P.state(box, 'error', P.messageOf(err));
    }
  })();
  void num;
})();
