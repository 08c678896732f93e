/* FAQs: list and search, edit, upload with the per-row report, versions with diff and rollback, ask the bot. */
'use strict';
(function () {
  const P = window.Pasokh;
  const { el, $, num, bdi } = P;
  let faqs = [];
  let liveVersion = null;

  const SOURCE_FA = { import: 'بارگذاری فایل', edit: 'ویرایش', delete: 'حذف', rollback: 'بازگردانی', seed: 'نمونه‌ی آغازین' };
  const short = (s, n = 90) => (s.length > n ? s.slice(0, n) + '…' : s);

  /* ---------- list ---------- */
  async function loadFaqs() {
    try {
      const data = await P.api('GET', '/api/faqs');
      faqs = data.faqs;
      liveVersion = data.version;
      $('#faq-version').textContent = `(نسخه‌ی زنده ${num(data.version, 0)}، ${num(faqs.length, 0)} پرسش)`;
      renderList();
    } catch (err) {
      P.state($('#faq-list'), 'error', P.messageOf(err));
    }
  }

  const norm = (s) => P.latinDigits(String(s)).replace(/[يى]/g, 'ی').replace(/ك/g, 'ک').replace(/[\u200c\s]+/g, ' ').toLowerCase();
  function renderList() {
    const q = norm($('#faq-search').value.trim());
    const shown = q ? faqs.filter((f) => [f.id, f.question, f.answer, ...(f.examples || [])].some((t) => norm(t).includes(q))) : faqs;
    const box = $('#faq-list');
    if (!faqs.length) return P.empty(box, 'هنوز پرسشی نیست؛ فایلی بارگذاری کنید یا «پرسش تازه» بسازید.');
    if (!shown.length) return P.empty(box, 'پرسشی با این جست‌وجو پیدا نشد.');
    box.replaceChildren(
      P.table(
        [{ label: 'شناسه' }, { label: 'پرسش' }, { label: 'پاسخ' }, { label: 'اقدام' }, { label: 'عبارت‌ها', num: true }, { label: 'وضعیت' }, { label: 'کار' }],
        shown.map((f) =>
          el(
            'tr',
            { 'data-id': f.id },
            el('td', {}, bdi(f.id)),
            el('td', {}, f.question),
            el('td', { class: 'answer' }, short(f.answer)),
            el('td', {}, P.fa(P.ACTION_FA, f.action), f.queue ? el('span', { class: 'hint' }, ' · صف ', bdi(f.queue)) : null),
            el('td', { class: 'num' }, num((f.examples || []).length, 0)),
            el('td', {}, el('span', { class: f.enabled ? 'badge on' : 'badge off' }, f.enabled ? 'فعال' : 'غیرفعال')),
            el('td', {}, el('button', { type: 'button', class: 'secondary', 'aria-label': `${P.canChange ? 'ویرایش' : 'نمایش'} ${f.id}`, onclick: () => openEditor(f) }, P.canChange ? 'ویرایش' : 'نمایش')),
          ),
        ),
        { caption: 'فهرست پرسش‌های متداول', label: 'فهرست پرسش‌ها', scrollable: true },
      ),
    );
  }
  $('#faq-search').addEventListener('input', renderList);

  /* ---------- editor ---------- */
  const dialog = $('#faq-dialog');
  const form = $('#faq-form');
  let editing = null; // the FAQ being edited, or null for a new one
  function openEditor(faq, prefill = {}) {
    editing = faq;
    P.hideError('#faq-form-error');
    $('#faq-dialog-title').textContent = faq ? `ویرایش «${faq.id}»` : 'پرسش تازه';
    const f = faq ?? { id: '', question: prefill.question ?? '', answer: '', action: 'answer', queue: null, examples: prefill.examples ?? [], tags: [], menu: null, enabled: true };
    $('#f-id').value = f.id;
    $('#f-id').readOnly = !!faq;
    $('#f-question').value = f.question;
    $('#f-answer').value = f.answer;
    $('#f-examples').value = (f.examples || []).join('\n');
    $('#f-action').value = f.action;
    $('#f-queue').value = f.queue ?? '';
    $('#f-enabled').checked = f.enabled;
    $('#f-menu').value = f.menu ?? '';
    $('#f-audio').hidden = !faq;
    $('#f-audio-player').replaceChildren();
    if (faq) loadAudio(faq.id);
    for (const input of form.querySelectorAll('input, textarea, select')) if (input.type !== 'file') input.disabled = !P.canChange && input.id !== 'faq-cancel';
    dialog.showModal();
    (faq ? $('#f-answer') : $('#f-id')).focus();
  }
  $('#faq-cancel').addEventListener('click', () => dialog.close());
  $('#faq-new').addEventListener('click', () => openEditor(null));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = $('#f-id').value.trim();
    const payload = {
      id,
      question: $('#f-question').value.trim(),
      answer: $('#f-answer').value.trim(),
      action: $('#f-action').value,
      queue: $('#f-queue').value.trim() || null,
      examples: $('#f-examples').value.split('\n').map((s) => s.trim()).filter(Boolean),
      tags: editing?.tags ?? [],
      // The keypad menu's place (FAQ column «menu»): sent back as shown, or the save would clear it.
      menu: $('#f-menu').value.trim() || null,
      enabled: $('#f-enabled').checked,
    };
    if (!id) return P.showError('#faq-form-error', 'شناسه را بنویسید.');
    if (!editing && faqs.some((f) => f.id === id)) return P.showError('#faq-form-error', 'پرسشی با این شناسه هست؛ آن را از فهرست ویرایش کنید.');
    const save = $('#faq-save');
    save.disabled = true;
    try {
      const res = await P.api('PUT', `/api/faqs/${encodeURIComponent(id)}`, payload);
      dialog.close();
      P.toast(`ذخیره شد؛ نسخه‌ی ${num(res.version, 0)} اکنون زنده است.`);
      await Promise.all([loadFaqs(), loadVersions()]);
    } catch (err) {
      P.showError('#faq-form-error', P.messageOf(err));
    } finally {
      save.disabled = !P.canChange;
    }
  });

  async function loadAudio(id) {
    const box = $('#f-audio-player');
    try {
      const res = await fetch(`/api/answers/${encodeURIComponent(id)}/audio`, { credentials: 'same-origin' });
      if (res.status === 404) return box.replaceChildren(el('p', { class: 'hint' }, 'صدای ضبط‌شده‌ای نیست؛ پاسخ با صدای ساخته‌شده خوانده می‌شود.'));
      if (!res.ok) throw new P.ApiFailure(res.status, 'http', res.statusText);
      const url = URL.createObjectURL(await res.blob());
      box.replaceChildren(el('audio', { controls: true, src: url, 'aria-label': 'پاسخ ضبط‌شده' }));
    } catch (err) {
      box.replaceChildren(el('p', { class: 'error' }, P.messageOf(err)));
    }
  }
  $('#f-audio-upload').addEventListener('click', async () => {
    const file = $('#f-audio-file').files[0];
    if (!file || !editing) return P.showError('#faq-form-error', 'نخست فایل صدا را برگزینید.');
    const data = new FormData();
    data.append('file', file);
    try {
      await P.api('PUT', `/api/answers/${encodeURIComponent(editing.id)}/audio`, data);
      P.toast('صدای پاسخ بارگذاری شد.');
      loadAudio(editing.id);
    } catch (err) {
      P.showError('#faq-form-error', P.messageOf(err));
    }
  });

  /* ---------- upload ---------- */
  function renderReport(report, ok) {
    const box = $('#upload-report');
    const rows = report?.rows ?? [];
    const bad = rows.filter((r) => r.status === 'error');
    const parts = [];
    if (ok) parts.push(el('p', { class: 'ok', role: 'status' }, `${num(report.faqCount ?? rows.length, 0)} پرسش وارد شد؛ نسخه‌ی ${num(report.version, 0)} اکنون زنده است.`));
    else parts.push(el('p', { class: 'error', role: 'alert' }, `فایل ایراد دارد و هیچ تغییری اعمال نشد: ${num(bad.length, 0)} سطر از ${num(rows.length, 0)} سطر مشکل دارد.`));
    for (const p of report?.problems ?? []) parts.push(el('p', { class: 'error' }, `${P.fieldFa(p.field)}: `, bdi(P.problemFa(p.message))));
    if (rows.length)
      parts.push(
        P.table(
          [{ label: 'سطر', num: true }, { label: 'شناسه' }, { label: 'وضعیت' }, { label: 'ایرادها' }],
          rows.map((r) =>
            el(
              'tr',
              { class: r.status === 'error' ? 'bad' : null },
              el('td', { class: 'num' }, num(r.row, 0)),
              el('td', {}, bdi(r.id ?? '—')),
              el('td', {}, r.status === 'error' ? el('span', { class: 'badge bad' }, 'ایراد') : el('span', { class: 'badge on' }, 'درست')),
              el('td', {}, r.problems.length ? el('ul', {}, r.problems.map((p) => el('li', {}, `${P.fieldFa(p.field)}: `, bdi(P.problemFa(p.message))))) : '—'),
            ),
          ),
          { caption: 'گزارش سطر به سطر فایل', label: 'گزارش سطرها', scrollable: true },
        ),
      );
    box.replaceChildren(...parts);
  }
  $('#upload-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = $('#upload-file').files[0];
    const box = $('#upload-report');
    if (!file) return P.state(box, 'error', 'نخست فایلی برگزینید.');
    const mode = new FormData(e.target).get('mode') || 'merge';
    if (mode === 'replace' && !confirm('همه‌ی پرسش‌های کنونی با محتوای این فایل جایگزین می‌شوند. ادامه می‌دهید؟')) return;
    P.loading(box);
    const data = new FormData();
    data.append('file', file, file.name);
    try {
      const report = await P.api('POST', `/api/faqs/import?mode=${mode}`, data);
      renderReport(report, true);
      await Promise.all([loadFaqs(), loadVersions(), loadQuality()]);
    } catch (err) {
      if (err.code === 'invalid_faq_file') renderReport(err.details, false);
      else P.state(box, 'error', P.messageOf(err));
    }
  });

  /* ---------- quality of the understanding (GET /api/faqs/quality) ---------- */
  async function loadQuality() {
    const box = $('#faq-quality');
    let q;
    try {
      q = await P.api('GET', '/api/faqs/quality');
    } catch (err) {
      if (err.status === 404) return P.empty(box, 'هنوز برآوردی نیست: پس از بارگذاری پرسش‌ها با عبارت‌هایشان ساخته می‌شود.');
      return P.state(box, 'error', P.messageOf(err));
    }
    // The worst cases first, a handful at a time: a long list hides what to fix next.
    const SHOWN = 8;
    const list = (title, all) => {
      const items = [...all].sort((a, b) => (b.count ?? 0) - (a.count ?? 0)).slice(0, SHOWN);
      const more = all.length - items.length;
      return items.length
        ? el('div', {}, el('h3', {}, title), el('ul', {}, ...items.map((i) => el('li', {}, i.message, ...(i.examples && i.examples.length ? [el('br'), el('small', {}, 'نمونه: ', ...i.examples.slice(0, 2).map((x) => bdi(`«${x}» `)))] : [])))), more > 0 ? el('p', { class: 'hint' }, `و ${num(more, 0)} مورد دیگر`) : null)
        : null;
    };
    box.replaceChildren(
      el('p', { class: 'quality-summary' }, q.summary),
      list('پرسش‌هایی که ربات با هم اشتباه می‌گیرد', q.confusable) ?? el('p', {}, 'ربات هیچ دو پرسشی را با هم اشتباه نگرفت.'),
      list('پرسش‌هایی که عبارت بیشتری لازم دارند', q.needsPhrasings) ?? el('p', {}, 'همه‌ی پرسش‌ها عبارت کافی دارند.'),
    );
  }

  /* ---------- versions, diff, rollback ---------- */
  async function loadVersions() {
    const box = $('#versions');
    try {
      const { versions } = await P.api('GET', '/api/faqs/versions');
      if (!versions.length) return P.empty(box, 'هنوز نسخه‌ای نیست.');
      box.replaceChildren(
        P.table(
          [{ label: 'نسخه', num: true }, { label: 'زمان' }, { label: 'منبع' }, { label: 'پرسش‌ها', num: true }, { label: 'وضعیت' }, { label: 'کار' }],
          versions.slice(0, 30).map((v) =>
            el(
              'tr',
              { class: v.live ? 'live' : null, 'data-version': v.version },
              el('td', { class: 'num' }, num(v.version, 0)),
              el('td', {}, P.dateTime(v.createdAt)),
              el('td', {}, SOURCE_FA[v.source] ?? v.source, v.basedOn ? ` (از نسخه‌ی ${num(v.basedOn, 0)})` : '', v.note ? el('div', { class: 'hint' }, bdi(v.note)) : null),
              el('td', { class: 'num' }, num(v.faqCount, 0)),
              el('td', {}, v.live ? el('span', { class: 'badge on' }, 'زنده') : ''),
              el(
                'td',
                {},
                v.live
                  ? ''
                  : [
                      el('button', { type: 'button', class: 'secondary', 'aria-label': `تفاوت نسخه‌ی ${v.version} با نسخه‌ی زنده`, onclick: () => showDiff(v.version) }, 'تفاوت'),
                      ' ',
                      el('button', { type: 'button', class: 'danger', 'data-change': true, disabled: !P.canChange, 'aria-label': `بازگرداندن نسخه‌ی ${v.version}`, onclick: () => rollback(v.version) }, 'بازگرداندن'),
                    ],
              ),
            ),
          ),
          { caption: 'نسخه‌های پرسش‌ها', label: 'نسخه‌ها', scrollable: true },
        ),
      );
    } catch (err) {
      P.state(box, 'error', P.messageOf(err));
    }
  }

  async function rollback(version) {
    if (!confirm(`نسخه‌ی ${P.faDigits(version)} دوباره زنده شود؟ (به صورت نسخه‌ای تازه ثبت می‌شود)`)) return;
    try {
      const res = await P.api('POST', `/api/faqs/versions/${version}/rollback`);
      P.toast(`نسخه‌ی ${num(version, 0)} بازگردانده شد؛ نسخه‌ی ${num(res.version, 0)} اکنون زنده است.`);
      $('#diff').replaceChildren();
      await Promise.all([loadFaqs(), loadVersions()]);
    } catch (err) {
      P.toast(P.messageOf(err));
      P.state($('#diff'), 'error', P.messageOf(err));
    }
  }

  const FIELDS = ['question', 'answer', 'action', 'queue', 'examples', 'tags', 'menu', 'enabled'];
  const show = (v) => (Array.isArray(v) ? v.join(' | ') : v === true ? 'فعال' : v === false ? 'غیرفعال' : v ?? '—');
  async function showDiff(version) {
    const box = $('#diff');
    P.loading(box);
    try {
      const old = await P.api('GET', `/api/console/faq-versions/${version}`);
      const before = new Map(old.faqs.map((f) => [f.id, f]));
      const after = new Map(faqs.map((f) => [f.id, f]));
      const items = [];
      for (const [id, f] of after) if (!before.has(id)) items.push(el('li', {}, el('ins', {}, 'افزوده در نسخه‌ی زنده: '), bdi(id), ` — ${f.question}`));
      for (const [id, f] of before) if (!after.has(id)) items.push(el('li', {}, el('del', {}, 'حذف‌شده در نسخه‌ی زنده: '), bdi(id), ` — ${f.question}`));
      for (const [id, f] of after) {
        const o = before.get(id);
        if (!o) continue;
        for (const field of FIELDS) {
          if (JSON.stringify(o[field] ?? null) === JSON.stringify(f[field] ?? null)) continue;
          items.push(el('li', {}, bdi(id), ` · ${P.fieldFa(field)}: `, el('del', {}, show(o[field])), ' ← ', el('ins', {}, show(f[field]))));
        }
      }
      box.replaceChildren(
        el('h3', {}, `تفاوت نسخه‌ی ${num(version, 0)} با نسخه‌ی زنده (${num(liveVersion, 0)})`),
        items.length ? el('ul', { class: 'diff' }, items) : el('p', { class: 'state empty' }, 'محتوای دو نسخه یکسان است.'),
      );
    } catch (err) {
      P.state(box, 'error', P.messageOf(err));
    }
  }

  /* ---------- ask the bot ---------- */
  $('#ask-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = $('#ask-text').value.trim();
    const box = $('#ask-result');
    if (!text) return;
    P.loading(box);
    try {
      const r = await P.api('POST', '/api/nlu/parse', { text });
      const accepted = r.intent != null;
      box.replaceChildren(
        el(
          'dl',
          { class: 'summary' },
          el('dt', {}, 'درخواست'), el('dd', { id: 'ask-intent' }, accepted ? bdi(r.intent) : 'ناشناخته (پذیرفته نشد)'),
          el('dt', {}, 'اطمینان'), el('dd', { id: 'ask-confidence' }, P.pct(r.confidence), el('span', { class: 'hint' }, ` (آستانه ${P.pct(r.threshold)})`)),
          el('dt', {}, 'اقدام'), el('dd', {}, P.fa(P.ACTION_FA, r.action)),
          el('dt', {}, 'نسخه'), el('dd', {}, num(r.kbVersion, 0)),
        ),
        r.answer ? el('p', { class: 'ask-answer', id: 'ask-answer' }, r.answer) : null,
        r.alternatives?.length
          ? el('div', {}, el('h3', {}, 'گزینه‌های دیگر'), el('ol', { id: 'ask-alternatives' }, r.alternatives.map((a) => el('li', {}, bdi(a.intent ?? a.id), ` — ${P.pct(a.confidence)}`, a.question ? ` (${a.question})` : ''))))
          : null,
      );
    } catch (err) {
      P.state(box, 'error', P.messageOf(err));
    }
  });

  /* ---------- start ---------- */
  loadFaqs().then(() => {
    const params = new URLSearchParams(location.search);
    if (params.get('new') && P.canChange) openEditor(null, { question: params.get('new'), examples: [params.get('new')] });
    else if (params.get('edit')) {
      const f = faqs.find((x) => x.id === params.get('edit'));
      if (f) openEditor(f);
    }
  });
  loadVersions();
  loadQuality();
})();
