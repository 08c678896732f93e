/* Live: active calls, the human queue with waits, agents and presence; refreshed every few seconds without reload. */
'use strict';
(function () {
  const P = window.Pasokh;
  const { el, $, num, bdi } = P;
  const EVERY_MS = 3000;
  let paused = false;
  let timer = null;

  async function refresh() {
    try {
      const [active, queue] = await Promise.all([P.api('GET', '/api/calls?status=active&limit=200'), P.api('GET', '/api/queue')]);
      P.hideError('#live-error');
      const now = Date.now();
      $('#active-count').textContent = `(${num(active.calls.length, 0)})`;
      if (!active.calls.length) P.empty($('#active'), 'اکنون تماسی در جریان نیست.');
      else
        $('#active').replaceChildren(
          P.table(
            [{ label: 'شماره' }, { label: 'از' }, { label: 'مدت' }, { label: 'نوبت‌ها', num: true }, { label: 'جزئیات' }],
            active.calls.map((c) =>
              el(
                'tr',
                { 'data-id': c.id },
                el('td', {}, (c.fromNumber ? P.ltr(c.fromNumber) : 'ناشناس')),
                el('td', {}, P.timeOnly(c.startedAt)),
                el('td', {}, P.seconds((now - Date.parse(c.startedAt)) / 1000)),
                el('td', { class: 'num' }, num(c.turnCount, 0)),
                el('td', {}, el('a', { href: `/console/calls/${encodeURIComponent(c.id)}` }, 'گفت‌وگو')),
              ),
            ),
            { caption: 'تماس‌های در جریان' },
          ),
        );
      const labels = Object.fromEntries((queue.queues || []).map((q) => [q.name, q.label || q.name]));
      $('#queue-count').textContent = `(${num(queue.entries.length, 0)})`;
      if (!queue.entries.length) P.empty($('#queue'), 'کسی در صف نیست.');
      else
        $('#queue').replaceChildren(
          P.table(
            [{ label: 'شماره' }, { label: 'صف' }, { label: 'وضعیت' }, { label: 'انتظار' }, { label: 'دلیل' }],
            queue.entries.map((e) =>
              el(
                'tr',
                {},
                el('td', {}, (e.callbackNumber ?? e.callerNumber ? P.ltr(e.callbackNumber ?? e.callerNumber) : 'ناشناس')),
                el('td', {}, bdi(labels[e.queue] ?? e.queue)),
                el('td', {}, P.fa(P.STATE_FA, e.state), e.offeredTo ? [' · ', bdi(e.offeredTo)] : null),
                el('td', {}, P.seconds(e.waitingSeconds)),
                el('td', {}, P.fa(P.REASON_FA, e.reason)),
              ),
            ),
            { caption: 'صف انتظار' },
          ),
        );
      if (!queue.agents.length) P.empty($('#agents'), 'اپراتوری تعریف نشده است.');
      else
        $('#agents').replaceChildren(
          P.table(
            [{ label: 'نام' }, { label: 'شناسه' }, { label: 'وضعیت' }, { label: 'از' }, { label: 'مهارت‌ها' }],
            queue.agents.map((a) =>
              el(
                'tr',
                {},
                el('td', {}, a.name),
                el('td', {}, bdi(a.id)),
                el('td', {}, el('span', { class: a.presence === 'available' ? 'badge on' : a.presence === 'offline' ? 'badge' : 'badge off' }, P.fa(P.PRESENCE_FA, a.presence))),
                el('td', {}, P.timeOnly(a.presenceSince)),
                el('td', {}, a.skills.length ? a.skills.map((s) => bdi(s)).reduce((acc, n) => (acc.length ? [...acc, '، ', n] : [n]), []) : '—'),
              ),
            ),
            { caption: 'اپراتورها' },
          ),
        );
      $('#live-updated').textContent = `آخرین به‌روزرسانی: ${P.timeOnly(new Date().toISOString())}`;
    } catch (err) {
      P.showError('#live-error', P.messageOf(err));
    }
  }

  function schedule() {
    clearTimeout(timer);
    if (!paused) timer = setTimeout(async () => {
      await refresh();
      schedule();
    }, EVERY_MS);
  }
  $('#live-pause').addEventListener('click', (e) => {
    paused = !paused;
    e.target.setAttribute('aria-pressed', String(paused));
    e.target.textContent = paused ? 'ادامه‌ی به‌روزرسانی' : 'توقف به‌روزرسانی';
    if (!paused) refresh();
    schedule();
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !paused) refresh();
  });
  refresh().then(schedule);
})();
