/* Unanswered questions, grouped across Persian spelling variants; one click adds one to an FAQ. */
'use strict';
(function () {
  const P = window.Pasokh;
  const { el, $, num, bdi } = P;
  let faqs = [];

  async function addTo(text, select, button) {
    const id = select.value;
    if (!id) return P.toast('نخست پرسش مقصد را برگزینید.');
    button.disabled = true;
    try {
      const { faq } = await P.api('GET', `/api/faqs/${encodeURIComponent(id)}`);
      if (faq.examples.includes(text)) {
        P.toast('این عبارت پیش‌تر افزوده شده است.');
        return;
      }
      const res = await P.api('PUT', `/api/faqs/${encodeURIComponent(id)}`, { ...faq, examples: [...faq.examples, text] });
      const row = button.closest('tr');
      row.querySelector('.added').replaceChildren(el('span', { class: 'badge on', role: 'status' }, 'افزوده شد به ', bdi(id)));
      P.toast(`عبارت به «${id}» افزوده شد؛ نسخه‌ی ${num(res.version, 0)} زنده است.`);
    } catch (err) {
      P.toast(P.messageOf(err));
    } finally {
      button.disabled = !P.canChange;
    }
  }

  async function load(since, until) {
    const box = $('#unanswered');
    P.loading(box);
    try {
      const [report, list] = await Promise.all([P.api('GET', `/api/console/unanswered?since=${since}&until=${until}`), faqs.length ? { faqs } : P.api('GET', '/api/faqs')]);
      faqs = list.faqs;
      const rows = report.questions;
      if (!rows.length) return P.empty(box, 'در این بازه پرسش بی‌پاسخی نبوده است.');
      box.replaceChildren(
        P.table(
          [{ label: 'پرسش' }, { label: 'دفعات', num: true }, { label: 'تماس‌ها', num: true }, { label: 'آخرین بار' }, { label: 'افزودن به پرسش متداول' }],
          rows.map((q, i) => {
            const select = el(
              'select',
              { id: `target-${i}`, 'aria-label': `پرسش مقصد برای «${q.text}»` },
              el('option', { value: '' }, 'برگزینید…'),
              faqs.map((f) => el('option', { value: f.id, selected: f.id === q.guessedIntent }, `${f.question} (${f.id})`)),
            );
            const add = el('button', { type: 'button', 'data-change': true, disabled: !P.canChange, class: 'add' }, 'افزودن به عبارت‌ها');
            add.addEventListener('click', () => addTo(q.text, select, add));
            return el(
              'tr',
              { 'data-text': q.text },
              el(
                'td',
                {},
                q.text,
                el(
                  'div',
                  { class: 'hint' },
                  q.refused ? el('span', { class: 'badge bad' }, `رد شد: ${num(q.refused, 0)}`) : null,
                  q.lowConfidence ? [' ', el('span', { class: 'badge off' }, `اطمینان کم: ${num(q.lowConfidence, 0)}`), ' ', bdi(q.guessedIntent), ` (${P.pct(q.bestConfidence)})`] : null,
                  ' · ',
                  el('a', { href: `/console/calls/${encodeURIComponent(q.exampleCallId)}` }, 'نمونه‌ی تماس'),
                ),
              ),
              el('td', { class: 'num' }, num(q.count, 0)),
              el('td', { class: 'num' }, num(q.calls, 0)),
              el('td', {}, P.dateTime(q.lastAt)),
              el(
                'td',
                {},
                el('div', { class: 'row' }, select, add, P.canChange ? el('a', { href: `/console/faqs?new=${encodeURIComponent(q.text)}` }, 'پرسش تازه از این') : null),
                el('div', { class: 'added' }),
              ),
            );
          }),
          { caption: 'پرسش‌های بی‌پاسخ', label: 'پرسش‌های بی‌پاسخ', scrollable: true },
        ),
      );
    } catch (err) {
      P.state(box, 'error', P.messageOf(err));
    }
  }

  P.rangeForm(load, 30);
})();
