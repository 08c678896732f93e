/**
 * The static part of each console page (server-rendered into the layout of routes.ts). The data
 * comes from /api through the session, filled in by the page's script in ./assets.
 */
export type PageId = 'dashboard' | 'faqs' | 'calls' | 'call' | 'unanswered' | 'live' | 'campaigns' | 'users' | 'audit';

const loading = '<p class="state loading">در حال بارگذاری…</p>';

const jalaliRange = (idPrefix = '') => `
<form id="${idPrefix}range" class="toolbar" aria-label="بازه‌ی زمانی" novalidate>
  <div class="field"><label for="${idPrefix}since">از تاریخ</label>
    <input id="${idPrefix}since" name="since" inputmode="numeric" placeholder="۱۴۰۴/۰۱/۰۱" aria-describedby="${idPrefix}range-hint" size="11"></div>
  <div class="field"><label for="${idPrefix}until">تا تاریخ</label>
    <input id="${idPrefix}until" name="until" inputmode="numeric" placeholder="۱۴۰۴/۰۱/۳۱" aria-describedby="${idPrefix}range-hint" size="11"></div>
  <button type="submit">نمایش</button>
  <span class="quick" role="group" aria-label="بازه‌های آماده">
    <button type="button" class="secondary" data-days="1">امروز</button>
    <button type="button" class="secondary" data-days="7">۷ روز اخیر</button>
    <button type="button" class="secondary" data-days="30">۳۰ روز اخیر</button>
  </span>
  <span id="${idPrefix}range-hint" class="hint">تاریخ خورشیدی، به شکل سال/ماه/روز</span>
</form>
<p id="${idPrefix}range-error" class="error" role="alert" hidden></p>`;

export const pageBodies: Record<PageId, string> = {
  dashboard: `
${jalaliRange()}
<section aria-labelledby="h-kpis">
  <h2 id="h-kpis">شاخص‌های کلیدی <small id="range-label"></small></h2>
  <div id="kpis" class="cards" aria-live="polite">${loading}</div>
</section>
<div class="grid2">
  <section aria-labelledby="h-hourly"><h2 id="h-hourly">تماس‌ها در هر ساعت امروز</h2><div id="hourly" class="chart">${loading}</div></section>
  <section aria-labelledby="h-daily"><h2 id="h-daily">تماس‌ها در هر روز بازه</h2><div id="daily" class="chart">${loading}</div></section>
  <section aria-labelledby="h-reasons"><h2 id="h-reasons">دلایل انتقال به اپراتور</h2><div id="reasons" class="chart">${loading}</div></section>
  <section aria-labelledby="h-intents"><h2 id="h-intents">پرتکرارترین درخواست‌ها</h2><div id="intents">${loading}</div></section>
</div>
<section aria-labelledby="h-dialog">
  <h2 id="h-dialog">وقتی ربات تماس‌گیرنده را نمی‌فهمد <small>منوی کلیدی، پرسش تأیید، دلجویی، تماس برگشتی</small></h2>
  <div id="dialog-kpis" class="cards" aria-live="polite">${loading}</div>
  <div class="grid2">
    <section aria-labelledby="h-confirm"><h3 id="h-confirm">پاسخ تماس‌گیرندگان به پرسش تأیید، به تفکیک پرسش</h3><div id="confirmations">${loading}</div></section>
    <section aria-labelledby="h-menu-answers"><h3 id="h-menu-answers">پاسخ‌هایی که با منوی کلیدی رسیدند</h3><div id="menu-answers">${loading}</div></section>
    <section aria-labelledby="h-menu-outcomes"><h3 id="h-menu-outcomes">سرانجام تماس‌هایی که منوی کلیدی شنیدند</h3><div id="menu-outcomes">${loading}</div></section>
    <section aria-labelledby="h-cues"><h3 id="h-cues">آنچه دلجویی ربات را برانگیخت</h3><div id="deescalation-cues">${loading}</div></section>
  </div>
</section>`,

  faqs: `
<div class="grid2">
<section aria-labelledby="h-ask" class="card">
  <h2 id="h-ask">از ربات بپرسید</h2>
  <form id="ask-form" class="stack">
    <label for="ask-text">پرسش تماس‌گیرنده</label>
    <input id="ask-text" name="text" required maxlength="2000" placeholder="مثلاً: اینترنتم قطع شده">
    <button type="submit">بپرس</button>
  </form>
  <div id="ask-result" aria-live="polite"></div>
</section>
<section aria-labelledby="h-upload" class="card">
  <h2 id="h-upload">بارگذاری فایل پرسش‌ها</h2>
  <form id="upload-form" class="stack">
    <label for="upload-file">فایل CSV یا JSON</label>
    <input id="upload-file" name="file" type="file" accept=".csv,.json,.tsv,.txt,text/csv,application/json" required>
    <fieldset class="inline"><legend>شیوه‌ی اعمال</legend>
      <label><input type="radio" name="mode" value="merge" checked> افزودن و به‌روزرسانی (ادغام)</label>
      <label><input type="radio" name="mode" value="replace"> جایگزینی همه‌ی پرسش‌ها</label>
    </fieldset>
    <button type="submit" data-change>بارگذاری</button>
  </form>
  <div id="upload-report" aria-live="polite"></div>
</section>
</div>
<section aria-labelledby="h-list">
  <h2 id="h-list">پرسش‌ها <small id="faq-version"></small></h2>
  <div class="toolbar">
    <div class="field"><label for="faq-search">جست‌وجو</label><input id="faq-search" type="search" placeholder="شناسه، پرسش، پاسخ یا عبارت"></div>
    <button type="button" id="faq-new" data-change>پرسش تازه</button>
  </div>
  <div id="faq-list">${loading}</div>
</section>
<section aria-labelledby="h-quality">
  <h2 id="h-quality">کیفیت فهم ربات</h2>
  <p class="hint">برآورد از عبارت‌های کنارگذاشته‌ی همین پرسش‌ها، پس از هر بارگذاری یا ویرایش.</p>
  <div id="faq-quality" aria-live="polite">${loading}</div>
</section>
<section aria-labelledby="h-versions">
  <h2 id="h-versions">نسخه‌ها</h2>
  <div id="versions">${loading}</div>
  <div id="diff" aria-live="polite"></div>
</section>
<dialog id="faq-dialog" aria-labelledby="faq-dialog-title">
  <form id="faq-form" class="stack" method="dialog">
    <h2 id="faq-dialog-title">ویرایش پرسش</h2>
    <label for="f-id">شناسه</label><input id="f-id" name="id" dir="ltr" required maxlength="100">
    <label for="f-question">پرسش</label><input id="f-question" name="question" required>
    <label for="f-answer">پاسخ</label><textarea id="f-answer" name="answer" rows="4" required></textarea>
    <label for="f-examples">عبارت‌های دیگر تماس‌گیرندگان (هر خط یکی)</label><textarea id="f-examples" name="examples" rows="5"></textarea>
    <div class="row">
      <div class="field"><label for="f-action">اقدام</label>
        <select id="f-action" name="action"><option value="answer">پاسخ</option><option value="handoff">انتقال به اپراتور</option><option value="end">پایان تماس</option></select></div>
      <div class="field"><label for="f-queue">صف</label><input id="f-queue" name="queue" dir="ltr"></div>
      <div class="field check"><input id="f-enabled" name="enabled" type="checkbox"><label for="f-enabled">فعال</label></div>
    </div>
    <label for="f-menu">جای این پرسش در منوی کلیدی</label>
    <input id="f-menu" name="menu" maxlength="120" aria-describedby="f-menu-hint" placeholder="اینترنت / قطعی اینترنت">
    <p id="f-menu-hint" class="hint">«موضوع» یا «موضوع / عنوان گزینه»؛ «-» یعنی در منو نیاید؛ خالی یعنی موضوع از نخستین برچسب ساخته شود.</p>
    <fieldset id="f-audio" class="stack"><legend>پاسخ ضبط‌شده</legend>
      <div id="f-audio-player"></div>
      <label for="f-audio-file">فایل WAV یا MP3</label><input id="f-audio-file" type="file" accept=".wav,.mp3,audio/*">
      <button type="button" id="f-audio-upload" class="secondary" data-change>بارگذاری صدا</button>
    </fieldset>
    <p id="faq-form-error" class="error" role="alert" hidden></p>
    <div class="row"><button type="submit" id="faq-save" value="save" data-change>ذخیره</button><button type="button" id="faq-cancel" class="secondary">انصراف</button></div>
  </form>
</dialog>`,

  calls: `
<form id="call-filters" class="toolbar" aria-label="فیلتر تماس‌ها" novalidate>
  <div class="field"><label for="c-from">شماره‌ی تماس‌گیرنده</label><input id="c-from" name="from" inputmode="tel" dir="ltr" placeholder="0912…"></div>
  <div class="field"><label for="c-outcome">نتیجه</label>
    <select id="c-outcome" name="outcome"><option value="">همه</option><option value="completed">پاسخ داده شد</option><option value="handoff">انتقال به اپراتور</option><option value="abandoned">قطع از سوی تماس‌گیرنده</option><option value="error">خطا</option></select></div>
  <div class="field"><label for="c-status">وضعیت</label>
    <select id="c-status" name="status"><option value="">همه</option><option value="active">در جریان</option><option value="ended">پایان‌یافته</option></select></div>
  <div class="field"><label for="c-since">از تاریخ</label><input id="c-since" name="since" inputmode="numeric" placeholder="۱۴۰۴/۰۱/۰۱" size="11"></div>
  <div class="field"><label for="c-until">تا تاریخ</label><input id="c-until" name="until" inputmode="numeric" placeholder="۱۴۰۴/۰۱/۳۱" size="11"></div>
  <div class="field"><label for="c-intent">درخواست (در همین صفحه)</label><input id="c-intent" name="intent" dir="ltr"></div>
  <button type="submit">جست‌وجو</button>
</form>
<p id="call-error" class="error" role="alert" hidden></p>
<div id="call-list">${loading}</div>
<button type="button" id="call-more" class="secondary" hidden>تماس‌های قدیمی‌تر</button>`,

  call: `
<p><a href="/console/calls">بازگشت به فهرست تماس‌ها</a></p>
<div id="call-summary">${loading}</div>
<section aria-labelledby="h-transcript"><h2 id="h-transcript">گفت‌وگو، نوبت به نوبت</h2><div id="transcript"></div></section>
<section aria-labelledby="h-events"><h2 id="h-events">رویدادها</h2><div id="events"></div></section>`,

  unanswered: `
${jalaliRange()}
<p class="hint">گفته‌هایی که ربات نتوانست به پرسش متداولی نسبت دهد یا با اطمینان کم (زیر ۶۰٪) نسبت داد؛ شکل‌های گوناگون نوشتن یک جمله با هم شمرده شده‌اند.</p>
<div id="unanswered">${loading}</div>`,

  live: `
<p class="toolbar"><span id="live-updated" class="hint" aria-live="off"></span>
  <button type="button" id="live-pause" class="secondary" aria-pressed="false">توقف به‌روزرسانی</button></p>
<p id="live-error" class="error" role="alert" hidden></p>
<div class="grid2">
  <section aria-labelledby="h-active"><h2 id="h-active">تماس‌های در جریان <small id="active-count"></small></h2><div id="active">${loading}</div></section>
  <section aria-labelledby="h-queue"><h2 id="h-queue">صف انتظار اپراتور <small id="queue-count"></small></h2><div id="queue">${loading}</div></section>
</div>
<section aria-labelledby="h-agents"><h2 id="h-agents">اپراتورها</h2><div id="agents">${loading}</div></section>`,

  campaigns: `<div id="campaigns">${loading}</div>`,

  users: `
<section aria-labelledby="h-new-user" class="card">
  <h2 id="h-new-user">کاربر تازه یا تغییر گذرواژه</h2>
  <form id="user-form" class="row">
    <div class="field"><label for="u-name">نام کاربری</label><input id="u-name" name="username" dir="ltr" required autocomplete="off"></div>
    <div class="field"><label for="u-password">گذرواژه (دست‌کم ۸ نویسه)</label><input id="u-password" name="password" type="password" dir="ltr" required minlength="8" autocomplete="new-password"></div>
    <div class="field"><label for="u-role">نقش</label><select id="u-role" name="role"><option value="viewer">بیننده</option><option value="ops">کارشناس عملیات</option><option value="admin">مدیر</option></select></div>
    <button type="submit">ذخیره</button>
  </form>
  <p id="user-error" class="error" role="alert" hidden></p>
</section>
<div id="users">${loading}</div>`,

  audit: `<div id="audit">${loading}</div><button type="button" id="audit-more" class="secondary" hidden>موارد قدیمی‌تر</button>`,
};
