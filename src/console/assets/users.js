/* Users (admins only): create, change password or role, delete. */
'use strict';
(function () {
  const P = window.Pasokh;
  const { el, $, bdi } = P;
  const ROLE_FA = { admin: 'مدیر', ops: 'کارشناس عملیات', viewer: 'بیننده' };
  const me = document.body.dataset.user;

  async function load() {
    const box = $('#users');
    try {
      const { users } = await P.api('GET', '/api/users');
      if (!users.length) return P.empty(box, 'کاربری نیست.');
      box.replaceChildren(
        P.table(
          [{ label: 'نام کاربری' }, { label: 'نقش' }, { label: 'ساخته‌شده' }, { label: 'سازنده' }, { label: 'کار' }],
          users.map((u) =>
            el(
              'tr',
              { 'data-user': u.username },
              el('td', {}, bdi(u.username)),
              el('td', {}, ROLE_FA[u.role] ?? u.role),
              el('td', {}, P.dateTime(u.createdAt)),
              el('td', {}, bdi(u.createdBy ?? '—')),
              el('td', {}, u.username === me ? el('span', { class: 'hint' }, 'شما') : el('button', { type: 'button', class: 'danger', 'aria-label': `حذف ${u.username}`, onclick: () => remove(u.username) }, 'حذف')),
            ),
          ),
          { caption: 'کاربران کنسول' },
        ),
      );
    } catch (err) {
      P.state(box, 'error', P.messageOf(err));
    }
  }
  async function remove(username) {
    if (!confirm(`کاربر «${username}» حذف شود؟`)) return;
    try {
      await P.api('DELETE', `/api/users/${encodeURIComponent(username)}`);
      P.toast('کاربر حذف شد.');
      load();
    } catch (err) {
      P.toast(P.messageOf(err));
    }
  }
  $('#user-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    P.hideError('#user-error');
    const f = new FormData(e.target);
    try {
      await P.api('POST', '/api/users', { username: String(f.get('username')).trim(), password: String(f.get('password')), role: f.get('role') });
      e.target.reset();
      P.toast('کاربر ذخیره شد.');
      load();
    } catch (err) {
      P.showError('#user-error', err.code === 'invalid' ? 'نام کاربری (حرف و رقم لاتین، دست‌کم ۲ نویسه) و گذرواژه‌ی دست‌کم ۸ نویسه‌ای لازم است.' : P.messageOf(err));
    }
  });
  load();
})();
