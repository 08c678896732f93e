/* Calls: the list with filters, and one call's transcript turn by turn with timings. */
'use strict';
(function () {
  const P = window.Pasokh;
  const { el, $, num, bdi } = P;

  const duration = (msv) => (msv == null ? '—' : P.seconds(msv / 1000));

  /* ---------- list ---------- */
  async function listPage() {
    const form = $('#call-filters');
    let cursor = null;
    let rows = [];
    let query = '';
    let intentFilter = '';

    function render() {
      const box = $('#call-list');
      if (!rows.length) return P.empty(box, 'تماسی با این فیلترها پیدا نشد.');
      box.replaceChildren(
        P.table(
          [{ label: 'آغاز' }, { label: 'شماره' }, { label: 'مدت' }, { label: 'نتیجه' }, { label: 'نوبت‌ها', num: true }, { label: 'جزئیات' }],
          rows.map((c) =>
            el(
              'tr',
              { 'data-id': c.id },
              el('td', {}, P.dateTime(c.startedAt)),
              el('td', {}, (c.fromNumber ? P.ltr(c.fromNumber) : 'ناشناس')),
              el('td', {}, c.endedAt ? duration(c.durationMs) : el('span', { class: 'badge on' }, 'در جریان')),
              el('td', {}, P.fa(P.OUTCOME_FA, c.outcome ?? (c.endedAt ? null : 'in-progress')), c.handoffReason ? el('div', { class: 'hint' }, P.fa(P.REASON_FA, c.handoffReason)) : null),
              el('td', { class: 'num' }, num(c.turnCount, 0)),
              el('td', {}, el('a', { href: `/console/calls/${encodeURIComponent(c.id)}`, 'aria-label': `گفت‌وگو: تماس ${c.fromNumber ?? 'ناشناس'}، ${P.dateTime(c.startedAt)}` }, 'گفت‌وگو')),
            ),
          ),
          { caption: 'فهرست تماس‌ها', label: 'تماس‌ها', scrollable: true },
        ),
      );
    }

    async function fetchPage(reset) {
      P.hideError('#call-error');
      if (reset) {
        rows = [];
        cursor = null;
        P.loading($('#call-list'));
      }
      try {
        const data = await P.api('GET', `/api/calls?limit=50${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        let got = data.calls;
        if (intentFilter) {
          // The list does not carry intents: read the page's calls and keep those with a turn of that intent.
          const details = await Promise.all(got.map((c) => P.api('GET', `/api/calls/${encodeURIComponent(c.id)}`).catch(() => null)));
          got = got.filter((c, i) => details[i]?.turns?.some((t) => (t.intent ?? '').includes(intentFilter)));
        }
        rows = rows.concat(got);
        cursor = data.nextCursor;
        $('#call-more').hidden = !cursor;
        render();
      } catch (err) {
        P.state($('#call-list'), 'error', P.messageOf(err));
      }
    }

    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const f = new FormData(form);
      const params = new URLSearchParams();
      const from = P.latinDigits(String(f.get('from') || '')).trim();
      if (from) params.set('from', from);
      if (f.get('outcome')) params.set('outcome', f.get('outcome'));
      if (f.get('status')) params.set('status', f.get('status'));
      for (const [name, offset] of [['since', 0], ['until', 1]]) {
        const raw = String(f.get(name) || '').trim();
        if (!raw) continue;
        const day = P.jalaliToIsoDay(raw);
        if (!day) return P.showError('#call-error', 'تاریخ را به شکل سال/ماه/روز خورشیدی بنویسید، مثلاً ۱۴۰۴/۰۹/۰۳.');
        // Whole days in Tehran: from the start of `since` to the end of `until`.
        params.set(name, P.dayStart(P.addDays(day, offset)));
      }
      intentFilter = String(f.get('intent') || '').trim();
      query = params.toString() ? `&${params}` : '';
      history.replaceState(null, '', `?${new URLSearchParams([...new FormData(form)].filter(([, v]) => v))}`);
      fetchPage(true);
    });
    $('#call-more').addEventListener('click', () => fetchPage(false));

    // Filters survive a reload (and a link from elsewhere).
    const initial = new URLSearchParams(location.search);
    for (const [k, v] of initial) if (form.elements[k]) form.elements[k].value = v;
    form.requestSubmit();
  }

  /* The caller's audio of a turn (GET /api/calls/:id/turns/:seq/audio), fetched only when asked for. */
  function audioButton(callId, seq) {
    const box = el('div', { class: 'turn-audio' });
    const button = el('button', { type: 'button', class: 'secondary' }, `شنیدن صدای تماس‌گیرنده در نوبت ${P.faDigits(seq)}`);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const res = await fetch(`/api/calls/${encodeURIComponent(callId)}/turns/${seq}/audio`, { credentials: 'same-origin' });
        if (res.status === 404) return box.replaceChildren(el('p', { class: 'hint' }, 'صدای این نوبت ضبط نشده است.'));
        if (!res.ok) throw new P.ApiFailure(res.status, 'http', res.statusText);
        const url = URL.createObjectURL(await res.blob());
        box.replaceChildren(el('audio', { controls: true, src: url, 'aria-label': `صدای تماس‌گیرنده در نوبت ${P.faDigits(seq)}` }));
      } catch (err) {
        box.replaceChildren(el('p', { class: 'error' }, P.messageOf(err)));
      }
    });
    box.append(button);
    return box;
  }

  /* ---------- one call ---------- */
  async function detailPage() {
    const id = document.body.dataset.callId;
    let call;
    try {
      call = await P.api('GET', `/api/calls/${encodeURIComponent(id)}`);
    } catch (err) {
      P.state($('#call-summary'), 'error', err.status === 404 ? 'چنین تماسی پیدا نشد.' : P.messageOf(err));
      return;
    }
    document.title = `تماس ${call.fromNumber ?? ''} · کنسول پاسخ`;
    const params = Object.entries(call.params || {});
    $('#call-summary').replaceChildren(
      el(
        'dl',
        { class: 'summary' },
        el('dt', {}, 'شناسه'), el('dd', {}, bdi(call.id)),
        el('dt', {}, 'شماره'), el('dd', {}, (call.fromNumber ? P.ltr(call.fromNumber) : 'ناشناس')),
        el('dt', {}, 'آغاز'), el('dd', {}, P.dateTime(call.startedAt)),
        el('dt', {}, 'پایان'), el('dd', {}, call.endedAt ? P.dateTime(call.endedAt) : 'در جریان'),
        el('dt', {}, 'مدت'), el('dd', {}, duration(call.durationMs)),
        el('dt', {}, 'نتیجه'), el('dd', {}, P.fa(P.OUTCOME_FA, call.outcome)),
        call.handoffReason ? [el('dt', {}, 'دلیل انتقال'), el('dd', {}, P.fa(P.REASON_FA, call.handoffReason), call.handoffQueue ? [' · صف ', bdi(call.handoffQueue)] : null)] : null,
        el('dt', {}, 'پروتکل'), el('dd', {}, bdi(call.protocol)),
        params.length ? [el('dt', {}, 'پارامترها'), el('dd', {}, params.map(([k, v]) => el('div', {}, P.ltr(`${k}=${v}`))))] : null,
      ),
    );
    const tbox = $('#transcript');
    if (!call.turns.length) P.empty(tbox, 'این تماس نوبتی ندارد.');
    else
      tbox.replaceChildren(
        el(
          'ol',
          { class: 'turns' },
          call.turns.map((t) =>
            el(
              'li',
              { class: 'turn', 'data-seq': t.seq },
              el('div', { class: 'meta' }, el('span', {}, `نوبت ${num(t.seq, 0)}`), el('span', {}, P.timeOnly(t.at)), el('span', {}, t.input === 'dtmf' ? 'کلید تلفن' : t.input === 'speech' ? 'گفتار' : bdi(t.input))),
              el('p', { class: 'caller' }, 'تماس‌گیرنده: ', t.heardText ? bdi(t.heardText) : el('span', { class: 'hint' }, '(چیزی شنیده نشد)')),
              el(
                'div',
                { class: 'meta' },
                el('span', {}, 'درخواست: ', t.intent ? bdi(t.intent) : 'ناشناخته'),
                el('span', {}, 'اطمینان: ', P.pct(t.confidence)),
                el('span', {}, 'اقدام: ', P.fa(P.ACTION_FA, t.action)),
              ),
              t.input === 'speech' ? audioButton(call.id, t.seq) : null,
              t.botText ? el('p', { class: 'bot' }, 'ربات: ', t.botText) : null,
              el(
                'div',
                { class: 'meta', 'aria-label': 'زمان‌بندی' },
                el('span', {}, 'پایان گفتار: ', P.ms(t.timings.endpointMs)),
                el('span', {}, 'بازشناسی: ', P.ms(t.timings.asrMs)),
                el('span', {}, 'فهم: ', P.ms(t.timings.nluMs)),
                el('span', {}, 'نخستین صدا: ', P.ms(t.timings.ttsFirstAudioMs)),
                el('span', {}, 'کل: ', P.ms(t.timings.totalMs)),
              ),
            ),
          ),
        ),
      );
    const ebox = $('#events');
    if (!call.events.length) P.empty(ebox, 'رویدادی ثبت نشده است.');
    else
      ebox.replaceChildren(
        P.table(
          [{ label: 'زمان' }, { label: 'رویداد' }, { label: 'داده' }],
          call.events.map((e) => el('tr', {}, el('td', {}, P.timeOnly(e.at)), el('td', {}, bdi(e.type)), el('td', {}, P.ltr(JSON.stringify(e.data))))),
          { caption: 'رویدادهای تماس', label: 'رویدادها', scrollable: true },
        ),
      );
  }

  if (document.body.dataset.page === 'call') detailPage();
  else listPage();
})();
