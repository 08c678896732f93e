/* Pasokh console: helpers shared by every page (no framework, no build step). */
'use strict';
(function () {
  const body = document.body;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const tz = body.dataset.tz || 'Asia/Tehran';
  const role = body.dataset.role || 'viewer';

  /* ---------- numbers and dates, Persian ---------- */
  const nf = new Intl.NumberFormat('fa-IR');
  const nf1 = new Intl.NumberFormat('fa-IR', { maximumFractionDigits: 1 });
  const pf = new Intl.NumberFormat('fa-IR', { style: 'percent', maximumFractionDigits: 1 });
  const num = (v, digits) => (v == null || Number.isNaN(Number(v)) ? '—' : digits === 0 ? nf.format(Math.round(v)) : nf1.format(v));
  const pct = (v) => (v == null ? '—' : pf.format(v));
  const faDigits = (s) => String(s ?? '').replace(/[0-9]/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[d]);
  const latinDigits = (s) => String(s ?? '').replace(/[۰-۹]/g, (d) => String('۰۱۲۳۴۵۶۷۸۹'.indexOf(d))).replace(/[٠-٩]/g, (d) => String('٠١٢٣٤٥٦٧٨٩'.indexOf(d)));
  const dtf = new Intl.DateTimeFormat('fa-IR-u-ca-persian', { timeZone: tz, year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const df = new Intl.DateTimeFormat('fa-IR-u-ca-persian', { timeZone: tz, year: 'numeric', month: 'long', day: 'numeric' });
  const tf = new Intl.DateTimeFormat('fa-IR', { timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const dateTime = (iso) => (iso ? dtf.format(new Date(iso)) : '—');
  const dateOnly = (iso) => (iso ? df.format(new Date(iso)) : '—');
  const timeOnly = (iso) => (iso ? tf.format(new Date(iso)) : '—');
  const seconds = (s) => {
    if (s == null) return '—';
    const v = Math.round(Number(s));
    if (v < 60) return `${nf.format(v)} ثانیه`;
    const m = Math.floor(v / 60);
    const r = v % 60;
    return r ? `${nf.format(m)} دقیقه و ${nf.format(r)} ثانیه` : `${nf.format(m)} دقیقه`;
  };
  const ms = (v) => (v == null ? '—' : `${nf.format(Math.round(v))} میلی‌ثانیه`);

  /* Jalali ⇄ ISO day (YYYY-MM-DD in the service time zone), through Intl's Persian calendar. */
  const jParts = new Intl.DateTimeFormat('en-US-u-ca-persian-nu-latn', { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });
  function toJalali(date) {
    const p = Object.fromEntries(jParts.formatToParts(date).map((x) => [x.type, x.value]));
    return [Number(String(p.year).replace(/\D/g, '')), Number(p.month), Number(p.day)];
  }
  /** 'YYYY-MM-DD' (Gregorian) → '۱۴۰۴/۰۹/۰۳'. */
  function isoDayToJalali(day) {
    const [y, m, d] = toJalali(new Date(`${day}T12:00:00Z`));
    return faDigits(`${y}/${String(m).padStart(2, '0')}/${String(d).padStart(2, '0')}`);
  }
  const dayOfYear = (m, d) => (m <= 7 ? (m - 1) * 31 + d : 186 + (m - 7) * 30 + d);
  /** '۱۴۰۴/۹/۳' (Persian or Latin digits, / - or . between) → 'YYYY-MM-DD', or null when no such day. */
  function jalaliToIsoDay(text) {
    const m = /^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$/.exec(latinDigits(text));
    if (!m) return null;
    const [jy, jm, jd] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (jm < 1 || jm > 12 || jd < 1 || jd > 31) return null;
    // Start near the answer (1 Farvardin ≈ 21 March) and walk by the difference in days.
    let t = Date.UTC(jy + 621, 2, 20 + dayOfYear(jm, jd), 12);
    for (let i = 0; i < 8; i++) {
      const [y, mo, d] = toJalali(new Date(t));
      if (y === jy && mo === jm && d === jd) return new Date(t).toISOString().slice(0, 10);
      const diff = (jy - y) * 365 + dayOfYear(jm, jd) - dayOfYear(mo, d);
      if (diff === 0) break;
      t += diff * 864e5;
    }
    // The walk can only fail to land for a day that does not exist (e.g. 31 Mehr).
    for (let k = -3; k <= 3; k++) {
      const [y, mo, d] = toJalali(new Date(t + k * 864e5));
      if (y === jy && mo === jm && d === jd) return new Date(t + k * 864e5).toISOString().slice(0, 10);
    }
    return null;
  }
  /** Today in the service time zone, as YYYY-MM-DD. */
  const todayIso = () => new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date());
  /** The instant a day (YYYY-MM-DD) starts in the service time zone, as ISO with its offset. */
  function dayStart(day) {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' }).formatToParts(new Date(`${day}T12:00:00Z`)).find((x) => x.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /GMT([+-]\d{2}):?(\d{2})?/.exec(name);
    return `${day}T00:00:00${m ? `${m[1]}:${m[2] ?? '00'}` : 'Z'}`;
  }
  const addDays = (day, n) => new Date(Date.parse(`${day}T12:00:00Z`) + n * 864e5).toISOString().slice(0, 10);

  /* ---------- DOM ---------- */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const child of children.flat()) {
      if (child == null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  /** Text that may be Latin (ids, IPs, URLs, numbers) inside Persian: isolated so it cannot reorder the line. */
  const bdi = (text, cls) => el('bdi', { class: cls, dir: 'auto' }, text ?? '—');
  /** Numbers, addresses and JSON read left to right even without a Latin letter in them (+98…, 127.0.0.1, {…}). */
  const ltr = (text, cls) => el('bdi', { class: cls, dir: 'ltr' }, text ?? '—');
  const $ = (sel) => document.querySelector(sel);
  function state(container, kind, text) {
    container.replaceChildren(el('p', { class: `state ${kind}`, role: kind === 'error' ? 'alert' : null }, text));
    if (kind === 'error') container.firstChild.className = 'error';
  }
  const loading = (c) => state(c, 'loading', 'در حال بارگذاری…');
  const empty = (c, text) => state(c, 'empty', text);
  function showError(target, err) {
    const node = typeof target === 'string' ? $(target) : target;
    if (!node) return toast(typeof err === 'string' ? err : messageOf(err));
    node.textContent = typeof err === 'string' ? err : messageOf(err);
    node.hidden = false;
  }
  function hideError(target) {
    const node = typeof target === 'string' ? $(target) : target;
    if (node) {
      node.hidden = true;
      node.textContent = '';
    }
  }
  let toastTimer;
  function toast(text) {
    const t = $('#toast');
    if (!t) return;
    t.textContent = text;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (t.textContent = ''), 6000);
  }
  function table(headers, rows, opts = {}) {
    const thead = el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col', class: h.num ? 'num' : null }, h.label ?? h))));
    const tbody = el('tbody', {}, rows);
    return el('div', { class: 'table-wrap', tabindex: opts.scrollable ? '0' : null, role: opts.scrollable ? 'region' : null, 'aria-label': opts.label ?? null }, el('table', {}, opts.caption ? el('caption', { class: 'sr-only' }, opts.caption) : null, thead, tbody));
  }

  /* ---------- API through the session ---------- */
  class ApiFailure extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details;
    }
  }
  const FIELD_FA = {
    id: 'شناسه', question: 'پرسش', answer: 'پاسخ', action: 'اقدام', queue: 'صف', examples: 'عبارت‌ها', tags: 'برچسب‌ها', menu: 'جای در منوی کلیدی', enabled: 'فعال', '(row)': 'سطر', '(file)': 'فایل',
    username: 'نام کاربری', password: 'گذرواژه', role: 'نقش', text: 'متن',
  };
  const fieldFa = (f) => FIELD_FA[String(f).split('.')[0]] ?? f;
  const WHAT_FA = { id: 'شناسه', question: 'پرسش', answer: 'پاسخ', example: 'عبارت', tag: 'برچسب', queue: 'صف', menu: 'جای در منو' };
  /** The import validator's messages (English) in Persian; an unknown one is shown as it is. */
  const PROBLEMS_FA = [
    [/^(\w+) is empty$/, (m) => `${WHAT_FA[m[1]] ?? m[1]} خالی است`],
    [/^(\w+) is required$/, (m) => `${WHAT_FA[m[1]] ?? m[1]} لازم است`],
    [/^(\w+) is longer than (\d+) characters$/, (m) => `${WHAT_FA[m[1]] ?? m[1]} بلندتر از ${faDigits(m[2])} نویسه است`],
    [/^(\w+) has characters that are not valid UTF-8$/, (m) => `${WHAT_FA[m[1]] ?? m[1]} نویسه‌هایی دارد که UTF-8 معتبر نیستند`],
    [/^id may hold only Latin letters, digits, _ \. and -$/, () => 'شناسه فقط می‌تواند حرف لاتین، رقم، _ . و - داشته باشد'],
    [/^action must be one of answer, handoff, end$/, () => 'اقدام باید یکی از answer، handoff یا end باشد'],
    [/^enabled must be true or false$/, () => 'فعال باید true یا false باشد'],
    [/^(examples|tags) must be a list of strings$/, (m) => `${FIELD_FA[m[1]]} باید فهرستی از متن‌ها باشد`],
    [/^more than (\d+) (examples|tags)$/, (m) => `بیش از ${faDigits(m[1])} ${FIELD_FA[m[2]]}`],
    [/^duplicate id "(.*)" \(first seen in row (\d+)\)$/, (m) => `شناسه‌ی تکراری «${m[1]}» (نخستین بار در سطر ${faDigits(m[2])})`],
    [/^the file holds no FAQ rows$/, () => 'فایل هیچ سطر پرسشی ندارد'],
    [/^each FAQ must be an object$/, () => 'هر پرسش باید یک شیء JSON باشد'],
    [/^(\d+) more cell\(s\) than the header has columns/, (m) => `${faDigits(m[1])} خانه بیش از ستون‌های سطر سرآغاز (ویرگولی درون خانه‌ای بدون نقل‌قول؟)`],
    [/^more than (\d+) FAQs in one import$/, (m) => `بیش از ${faDigits(m[1])} پرسش در یک بارگذاری`],
  ];
  function problemFa(message) {
    for (const [re, fn] of PROBLEMS_FA) {
      const m = re.exec(String(message));
      if (m) return fn(m);
    }
    return message;
  }
  function messageOf(err) {
    if (!(err instanceof ApiFailure)) return 'ارتباط با سرور برقرار نشد؛ اتصال را بررسی کنید و دوباره تلاش کنید.';
    switch (err.code) {
      case 'forbidden_role': return 'نقش شما اجازه‌ی این کار را نمی‌دهد.';
      case 'csrf': return 'درخواست معتبر نبود؛ صفحه را دوباره بارگذاری کنید.';
      case 'session_expired': case 'unauthorized': return 'نشست شما به پایان رسیده است؛ دوباره وارد شوید.';
      case 'invalid_faq_file': return 'فایل ایراد دارد و هیچ تغییری اعمال نشد؛ گزارش سطرها را ببینید.';
      case 'invalid_faq': return 'پرسش ایراد دارد و ذخیره نشد: ' + ((err.details?.problems ?? []).map((p) => `${fieldFa(p.field)}: ${problemFa(p.message)}`).join('؛ ') || '');
      case 'too_large': return 'فایل بزرگ‌تر از اندازه‌ی مجاز است.';
      case 'not_found': case 'faq_not_found': return 'پیدا نشد.';
      case 'conflict': return 'این کار با وضعیت کنونی جور نیست: ' + err.message;
      case 'invalid_query': case 'bad_request': case 'invalid': case 'bad_json': return 'ورودی نامعتبر است.';
    }
    if (err.status === 429) return 'درخواست‌ها بیش از حد است؛ کمی بعد دوباره تلاش کنید.';
    if (err.status >= 500) return 'خطای سرور؛ کمی بعد دوباره تلاش کنید.';
    return `درخواست انجام نشد (${faDigits(err.status)}).`;
  }
  async function api(method, path, payload, opts = {}) {
    const headers = { accept: 'application/json' };
    if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrf;
    let bodyInit;
    if (payload instanceof Blob || payload instanceof FormData) bodyInit = payload;
    else if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      bodyInit = JSON.stringify(payload);
    }
    if (opts.contentType) headers['content-type'] = opts.contentType;
    let res;
    try {
      res = await fetch(path, { method, headers, body: bodyInit, credentials: 'same-origin' });
    } catch {
      throw new Error('network');
    }
    const data = (res.headers.get('content-type') || '').includes('json') ? await res.json().catch(() => null) : null;
    if (!res.ok) {
      const e = data?.error ?? {};
      const failure = new ApiFailure(res.status, e.code ?? 'http_' + res.status, e.message ?? res.statusText, e.details);
      if (res.status === 401) {
        toast(messageOf(failure));
        setTimeout(() => location.assign('/console/login?next=' + encodeURIComponent(location.pathname + location.search)), 1500);
      }
      throw failure;
    }
    return data;
  }

  /* ---------- charts: uPlot's are in charts.js; these bars are plain HTML ---------- */
  /** Horizontal bars as plain HTML (labels stay selectable and readable by screen readers). */
  function hbars(container, items, opts = {}) {
    if (!items.length) return empty(container, opts.empty ?? 'موردی نیست.');
    const max = Math.max(1, ...items.map((i) => i.value));
    const grid = el('div', { class: 'hbars', role: 'list' });
    for (const item of items) {
      grid.append(
        el('span', { role: 'listitem' }, bdi(item.label)),
        el('span', { class: 'track', 'aria-hidden': 'true' }, el('span', { class: 'fill', style: null }, '')),
        el('span', { class: 'num' }, item.text ?? nf.format(item.value)),
      );
      grid.children[grid.children.length - 2].firstChild.style.width = `${(100 * item.value) / max}%`;
    }
    container.replaceChildren(grid);
  }

  /* ---------- Jalali range form (dashboard, unanswered) ---------- */
  function rangeForm(onRange, defaultDays = 30) {
    const form = $('#range');
    if (!form) return;
    const since = form.querySelector('[name=since]');
    const until = form.querySelector('[name=until]');
    const setDays = (n) => {
      const end = todayIso();
      until.value = isoDayToJalali(end);
      since.value = isoDayToJalali(addDays(end, -(n - 1)));
    };
    const submit = () => {
      hideError('#range-error');
      const s = jalaliToIsoDay(since.value);
      const u = jalaliToIsoDay(until.value);
      if (!s || !u) return showError('#range-error', 'تاریخ را به شکل سال/ماه/روز خورشیدی بنویسید، مثلاً ۱۴۰۴/۰۹/۰۳.');
      if (s > u) return showError('#range-error', 'تاریخ آغاز باید پیش از تاریخ پایان باشد.');
      onRange(s, u);
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submit();
    });
    form.querySelectorAll('[data-days]').forEach((b) =>
      b.addEventListener('click', () => {
        setDays(Number(b.dataset.days));
        submit();
      }),
    );
    setDays(defaultDays);
    submit();
  }

  const canChange = role === 'admin' || role === 'ops';
  // Viewers see the controls for changes disabled (the API refuses them anyway).
  if (!canChange) {
    for (const b of document.querySelectorAll('[data-change]')) {
      b.disabled = true;
      b.title = 'نقش شما اجازه‌ی تغییر نمی‌دهد';
    }
  }

  const OUTCOME_FA = { completed: 'پاسخ داده شد', handoff: 'انتقال به اپراتور', abandoned: 'قطع از سوی تماس‌گیرنده', error: 'خطا', 'in-progress': 'در جریان', hangup: 'قطع تماس' };
  const REASON_FA = {
    'caller-request': 'درخواست تماس‌گیرنده', 'dtmf-0': 'کلید صفر', 'faq-action': 'طبق پرسش‌های متداول', 'low-confidence': 'ربات مطمئن نبود',
    'no-match': 'پرسش ناشناخته', 'no-input': 'پاسخی دریافت نشد', 'engine-error': 'خطای سامانه', frustration: 'دلخوری تماس‌گیرنده', unspecified: 'نامشخص',
  };
  const ACTION_FA = {
    answer: 'پاسخ', handoff: 'انتقال به اپراتور', end: 'پایان تماس', clarify: 'پرسش روشن‌کننده', confirm: 'پرسش تأیید', reprompt: 'تکرار پرسش',
    menu: 'منوی کلیدی', repeat: 'تکرار پاسخ', goodbye: 'خداحافظی',
  };
  const PRESENCE_FA = { available: 'آماده', busy: 'در مکالمه', 'after-call-work': 'کار پس از تماس', offline: 'خارج از خط' };
  const STATE_FA = { waiting: 'در انتظار', offered: 'در حال زنگ', connected: 'وصل', callback: 'منتظر تماس برگشتی', abandoned: 'رهاشده', transferred: 'منتقل‌شده' };
  /** What set off the bot's de-escalation sentence (src/dialog/deescalate.ts). */
  const CUE_FA = { insult: 'ناسزا', anger: 'خشم یا کلافگی', complaint: 'شکایت', 'operator-twice': 'دو بار خواستن اپراتور', 'repeated-failures': 'نفهمیدن پیاپی', unknown: 'نامشخص' };
  const fa = (map, key) => (key == null ? '—' : map[key] ?? key);

  window.Pasokh = {
    csrf, tz, role, canChange, api, ApiFailure, messageOf, fieldFa, problemFa,
    num, pct, faDigits, latinDigits, dateTime, dateOnly, timeOnly, seconds, ms,
    isoDayToJalali, jalaliToIsoDay, todayIso, addDays, dayStart,
    el, bdi, ltr, $, state, loading, empty, showError, hideError, toast, table,
    hbars, rangeForm,
    OUTCOME_FA, REASON_FA, ACTION_FA, PRESENCE_FA, STATE_FA, CUE_FA, fa,
  };
})();
