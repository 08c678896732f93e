/* Calls: the list with filters, and one call's transcript turn by turn with timings, the caller's audio and corrections. */
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

  /* The correction API's refusals, in Persian (PUT /api/calls/:id/turns/:seq/transcript). */
  const CORRECTION_FA = {
    too_long: 'متن درست حداکثر ۵۰۰ نویسه است.',
    not_persian: 'متن درست باید واژه‌ی فارسی داشته باشد.',
    not_speech: 'فقط گفته‌ی تماس‌گیرنده را می‌توان اصلاح کرد، نه کلیدهای تلفن.',
  };
  const correctionMessage = (err) => CORRECTION_FA[err?.code] ?? P.messageOf(err);

  /**
   * What the caller really said, beside what the recogniser heard (both kept): shown with who
   * corrected it and when; ops and admins edit, save or clear it here. Each save is a PUT through
   * the session, so the API audits it; the stored correction feeds the recogniser's adaptation.
   */
  function correctionBox(callId, turn) {
    const seq = turn.seq;
    const box = el('div', { class: 'correction' });
    let current = turn.correction;
    const shown = el('p', { class: 'corrected' });
    const fieldId = `fix-${seq}`;
    const text = el('textarea', { id: fieldId, rows: '2', maxlength: '500', dir: 'rtl' });
    const error = el('p', { class: 'error', role: 'alert', hidden: true });
    const save = el('button', { type: 'submit' }, 'ذخیره‌ی متن درست');
    const clear = el('button', { type: 'button', class: 'danger' }, 'پاک کردن اصلاح');
    const cancel = el('button', { type: 'button', class: 'secondary' }, 'انصراف');
    const form = el(
      'form',
      { class: 'stack correction-form', hidden: true },
      el('label', { for: fieldId }, `متن درست گفته‌ی تماس‌گیرنده در نوبت ${P.faDigits(seq)}`),
      text,
      el('div', { class: 'row' }, save, cancel, clear),
      error,
    );
    const edit = el('button', { type: 'button', class: 'secondary edit', disabled: !P.canChange, title: P.canChange ? null : 'نقش شما اجازه‌ی تغییر نمی‌دهد' }, `اصلاح متن نوبت ${P.faDigits(seq)}`);

    function render() {
      if (current) {
        shown.replaceChildren('متن درست: ', bdi(current.text, 'text'), ' ', el('span', { class: 'hint by' }, 'اصلاح به دست ', bdi(current.by), '، ', P.dateTime(current.at)));
        shown.hidden = false;
      } else {
        shown.replaceChildren();
        shown.hidden = true;
      }
      clear.hidden = !current;
    }
    async function send(value) {
      P.hideError(error);
      save.disabled = clear.disabled = true;
      try {
        const res = await P.api('PUT', `/api/calls/${encodeURIComponent(callId)}/turns/${seq}/transcript`, { text: value });
        current = res.correction;
        render();
        form.hidden = true;
        edit.hidden = false;
        edit.focus();
        P.toast(current ? `متن درست نوبت ${P.faDigits(seq)} ذخیره شد.` : `اصلاح نوبت ${P.faDigits(seq)} پاک شد.`);
      } catch (err) {
        P.showError(error, correctionMessage(err));
      } finally {
        save.disabled = clear.disabled = false;
      }
    }
    edit.addEventListener('click', () => {
      text.value = current?.text ?? turn.heardText ?? '';
      P.hideError(error);
      form.hidden = false;
      edit.hidden = true;
      text.focus();
    });
    cancel.addEventListener('click', () => {
      form.hidden = true;
      edit.hidden = false;
      edit.focus();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const value = text.value.trim();
      if (!value) return P.showError(error, 'متن را بنویسید، یا «پاک کردن اصلاح» را بزنید.');
      send(value);
    });
    clear.addEventListener('click', () => send(null));
    render();
    box.append(shown, edit, form);
    return box;
  }

  /* The whole call, when the service keeps it (recordings.wholeCall: left channel the caller, right the bot). */
  function callAudio(callId) {
    const box = el('div', { class: 'turn-audio' });
    const button = el('button', { type: 'button', class: 'secondary' }, 'شنیدن کل تماس');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const res = await fetch(`/api/calls/${encodeURIComponent(callId)}/recording`, { credentials: 'same-origin' });
        if (res.status === 404) return box.replaceChildren(el('p', { class: 'hint' }, 'صدای کامل این تماس نگه داشته نشده است؛ صدای هر نوبت را کنار آن بشنوید.'));
        if (!res.ok) throw new P.ApiFailure(res.status, 'http', res.statusText);
        box.replaceChildren(el('audio', { controls: true, src: URL.createObjectURL(await res.blob()), 'aria-label': 'صدای کل تماس: تماس‌گیرنده در گوشی چپ، ربات در گوشی راست' }));
      } catch (err) {
        box.replaceChildren(el('p', { class: 'error' }, P.messageOf(err)));
      }
    });
    box.append(button);
    return box;
  }

  /* What the dialog and the queue record, named for ops (the raw type stays beside it). */
  const EVENT_FA = {
    handoff: 'انتقال به اپراتور', 'menu.offered': 'پیشنهاد منوی کلیدی', 'menu.selected': 'گزینش در منوی کلیدی',
    'confirm.answered': 'پاسخ به پرسش تأیید', deescalation: 'دلجویی ربات', 'handoff.enqueued': 'ورود به صف',
    'handoff.connected': 'وصل به اپراتور', 'handoff.abandoned': 'رها کردن صف', 'handoff.callback': 'درخواست تماس برگشتی',
    'handoff.message': 'پیام کوتاه تماس‌گیرنده', 'handoff.closed': 'صف بسته بود', 'handoff.overflow': 'صف جایگزین',
    'handoff.declined': 'اپراتور نپذیرفت', 'handoff.transferred': 'انتقال تماس', 'barge-in': 'میان‌حرف تماس‌گیرنده',
    'engine-fallback': 'موتور جایگزین', csat: 'نظرسنجی رضایت', hangup: 'قطع تماس', error: 'خطا',
  };
  /** A caller's message and a confirmation read as sentences; everything else as its JSON. */
  function eventDetail(e) {
    const d = e.data || {};
    if (e.type === 'handoff.message' && typeof d.text === 'string') return el('span', {}, '«', bdi(d.text), '»');
    if (e.type === 'confirm.answered' && typeof d.intent === 'string') return el('span', {}, d.confirmed ? 'تأیید کرد: ' : 'رد کرد: ', bdi(d.intent));
    if (e.type === 'menu.selected' && Array.isArray(d.path)) return el('span', {}, `کلیدها: ${P.faDigits(d.path.join('، '))}`, d.faqId ? [' → ', bdi(d.faqId)] : d.topic ? [' → ', bdi(d.topic)] : null);
    if (e.type === 'deescalation' && typeof d.cue === 'string') return el('span', {}, 'نشانه: ', P.fa(P.CUE_FA, d.cue));
    return P.ltr(JSON.stringify(d));
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
      callAudio(call.id),
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
              t.input === 'speech' ? correctionBox(call.id, t) : null,
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
          call.events.map((e) =>
            el(
              'tr',
              { 'data-type': e.type },
              el('td', {}, P.timeOnly(e.at)),
              el('td', {}, EVENT_FA[e.type] ? [EVENT_FA[e.type], ' ', el('span', { class: 'hint' }, P.ltr(e.type))] : bdi(e.type)),
              el('td', {}, eventDetail(e)),
            ),
          ),
          { caption: 'رویدادهای تماس', label: 'رویدادها', scrollable: true },
        ),
      );
  }

  if (document.body.dataset.page === 'call') detailPage();
  else listPage();
})();
