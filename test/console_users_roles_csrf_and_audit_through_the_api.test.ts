import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpsConsole, type OpsConsole } from '../src/console/index.js';
import { createApp } from '../src/http/app.js';
import { requireAdminKey } from '../src/http/auth.js';
import { createKnowledgeBase, type KnowledgeService } from '../src/knowledge/service.js';
import { createFaqRoutes } from '../src/knowledge/routes.js';
import { backends, type TestDatabase } from './helpers/databases.js';

const KEY = 'console-test-admin-key-0123456789';
const ORIGIN = 'http://console.test';

const faq = (id: string, question: string) => ({ id, question, answer: `پاسخ ${question}`, action: 'answer' as const, queue: null, examples: [], tags: [], enabled: true });

describe.each(backends)('console users, roles, CSRF and audit on $name', ({ open }) => {
  let t: TestDatabase;
  let kb: KnowledgeService;
  let ops: OpsConsole;
  let app: Hono;
  let clock = new Date('2026-01-10T08:00:00Z');

  const call = (path: string, init: RequestInit & { cookie?: string; csrf?: string; origin?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    headers.set('host', 'console.test');
    if (init.cookie) headers.set('cookie', init.cookie);
    if (init.csrf) headers.set('x-csrf-token', init.csrf);
    if (init.origin !== null && init.method && init.method !== 'GET') headers.set('origin', init.origin ?? ORIGIN);
    return app.request(`${ORIGIN}${path}`, { ...init, headers });
  };
  const admin = (path: string, init: RequestInit = {}) =>
    call(path, { ...init, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  /** Signs in through the form and returns the cookie and the CSRF token the page carries. */
  async function login(username: string, password: string) {
    const res = await call('/console/login', {
      method: 'POST',
      body: new URLSearchParams({ username, password, next: '/console/faqs' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/faqs');
    const setCookie = res.headers.get('set-cookie')!;
    const cookie = setCookie.split(';')[0];
    const page = await (await call('/console/faqs', { cookie })).text();
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(page)![1];
    return { cookie, csrf, setCookie };
  }

  beforeAll(async () => {
    t = await open();
    kb = await createKnowledgeBase(t.database, { seed: false, pollMs: 0 });
    await kb.importFaqs([faq('bill', 'قبض'), faq('speed', 'سرعت')]);
    ops = createOpsConsole({ database: t.database, adminKeys: () => [KEY], timezone: 'Asia/Tehran', now: () => clock, session: { idleMs: 30 * 60_000, absoluteMs: 8 * 3600_000 } });
    // A sub-app that keeps its own Bearer guard inside (as /api/queue and /api/agents do).
    const guarded = new Hono();
    guarded.use('*', requireAdminKey(() => [KEY]));
    guarded.get('/', (c) => c.json({ ok: true }));
    const nlu = new Hono();
    nlu.post('/parse', (c) => c.json({ intent: 'bill' }));
    app = createApp({
      adminKeys: () => [KEY],
      apiAuth: ops.apiAuth,
      api: [{ path: '/faqs', app: createFaqRoutes({ kb }) }, { path: '/nlu', app: nlu }, { path: '/queue', app: guarded }, ...ops.api],
      pages: [ops.page],
      readiness: [],
      renderMetrics: async () => '',
    });
  });
  afterAll(async () => {
    kb?.close();
    await t?.drop();
  });

  it('creates users with the admin key only, storing a scrypt hash and never the password', async () => {
    expect((await call('/api/users', { method: 'POST', ...json({ username: 'x', password: 'y' }) })).status).toBe(401);
    expect((await call('/api/users', { method: 'POST', ...json({}), headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' } })).status).toBe(403);
    for (const [username, role] of [['sara', 'admin'], ['reza', 'ops'], ['mina', 'viewer']]) {
      const res = await admin('/api/users', { method: 'POST', body: JSON.stringify({ username, password: `${username}-password-1`, role }) });
      expect(res.status).toBe(201);
      expect((await res.json()).user).toMatchObject({ username, role, createdBy: 'admin-key' });
    }
    const bad = await admin('/api/users', { method: 'POST', body: JSON.stringify({ username: 'short', password: '123', role: 'root' }) });
    expect(bad.status).toBe(400);
    const [row] = await t.database.query<{ password_hash: string }>(`select password_hash from console_users where username = 'reza'`);
    expect(row.password_hash).toMatch(/^[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(row.password_hash).not.toContain('reza-password-1');
    const list = await (await admin('/api/users')).json();
    expect(list.users.map((u: { username: string }) => u.username)).toEqual(['mina', 'reza', 'sara']);
    expect(JSON.stringify(list)).not.toContain('hash');
  });

  it('signs in with the form: an HttpOnly, SameSite=Strict cookie, Secure behind TLS; a wrong password is refused in Persian', async () => {
    const wrong = await call('/console/login', {
      method: 'POST',
      body: new URLSearchParams({ username: 'reza', password: 'nope-nope-nope' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('نام کاربری یا گذرواژه نادرست است');
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const { setCookie } = await login('reza', 'reza-password-1');
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/i);

    const tls = await call('/console/login', {
      method: 'POST',
      body: new URLSearchParams({ username: 'reza', password: 'reza-password-1' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' },
      origin: 'https://console.test',
    });
    expect(tls.status).toBe(303);
    expect(tls.headers.get('set-cookie')).toMatch(/Secure/i);

    // A form posted from another site does not sign anyone in.
    const foreign = await call('/console/login', {
      method: 'POST',
      body: new URLSearchParams({ username: 'reza', password: 'reza-password-1' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      origin: 'https://evil.example',
    });
    expect(foreign.status).toBe(403);
  });

  it('pages need a session, are right to left and reach every page from the menu', async () => {
    const anonymous = await call('/console/calls');
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/console/login?next=%2Fconsole%2Fcalls');
    const { cookie } = await login('reza', 'reza-password-1');
    for (const path of ['/console', '/console/faqs', '/console/calls', '/console/calls/some-call', '/console/unanswered', '/console/live', '/console/campaigns']) {
      const res = await call(path, { cookie });
      expect(res.status, path).toBe(200);
      const html = await res.text();
      expect(html).toContain('<html lang="fa" dir="rtl">');
      for (const link of ['/console/faqs', '/console/calls', '/console/unanswered', '/console/live', '/console/campaigns']) expect(html).toContain(`href="${link}"`);
      expect(html).not.toContain('href="/console/users"');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    expect((await call('/console/users', { cookie })).status).toBe(403);
    expect((await call('/console/assets/common.js')).headers.get('content-type')).toContain('javascript');
  });

  it('a session reaches the API; changes need the CSRF token and a same-origin request', async () => {
    const { cookie, csrf } = await login('reza', 'reza-password-1');
    expect((await call('/api/faqs', { cookie })).status).toBe(200);
    // Sub-apps that keep their own Bearer guard accept the session too.
    expect((await call('/api/queue', { cookie })).status).toBe(200);

    const body = JSON.stringify({ ...faq('bill', 'قبض'), answer: 'پاسخ تازه‌ی قبض' });
    const noToken = await call('/api/faqs/bill', { method: 'PUT', cookie, body, headers: { 'content-type': 'application/json' } });
    expect(noToken.status).toBe(403);
    expect((await noToken.json()).error.code).toBe('csrf');
    const wrongToken = await call('/api/faqs/bill', { method: 'PUT', cookie, csrf: 'not-the-token', body, headers: { 'content-type': 'application/json' } });
    expect(wrongToken.status).toBe(403);
    const crossSite = await call('/api/faqs/bill', { method: 'PUT', cookie, csrf, origin: 'https://evil.example', body, headers: { 'content-type': 'application/json' } });
    expect(crossSite.status).toBe(403);
    expect(kb.get('bill')?.answer).toBe('پاسخ قبض');

    const ok = await call('/api/faqs/bill', { method: 'PUT', cookie, csrf, body, headers: { 'content-type': 'application/json' } });
    expect(ok.status).toBe(200);
    expect(kb.get('bill')?.answer).toBe('پاسخ تازه‌ی قبض');

    // A cookie from nowhere is no session.
    expect((await call('/api/faqs', { cookie: 'pasokh_session=forged' })).status).toBe(401);
  });

  it('a viewer reads everything, may ask the bot, and is answered 403 on every change', async () => {
    const { cookie, csrf } = await login('mina', 'mina-password-1');
    expect((await call('/api/faqs', { cookie })).status).toBe(200);
    expect((await call('/api/console/hourly', { cookie })).status).toBe(200);
    expect((await call('/api/nlu/parse', { method: 'POST', cookie, csrf, body: JSON.stringify({ text: 'قبض' }), headers: { 'content-type': 'application/json' } })).status).toBe(200);

    const put = await call('/api/faqs/speed', { method: 'PUT', cookie, csrf, body: JSON.stringify({ ...faq('speed', 'سرعت'), answer: 'نه' }), headers: { 'content-type': 'application/json' } });
    expect(put.status).toBe(403);
    expect((await put.json()).error.code).toBe('forbidden_role');
    expect((await call('/api/faqs/speed', { method: 'DELETE', cookie, csrf })).status).toBe(403);
    expect((await call('/api/faqs/versions/1/rollback', { method: 'POST', cookie, csrf })).status).toBe(403);
    expect((await call('/api/faqs/import', { method: 'POST', cookie, csrf, body: '{"faqs":[]}', headers: { 'content-type': 'application/json' } })).status).toBe(403);
    expect(kb.get('speed')?.answer).toBe('پاسخ سرعت');
    // Users and the audit log are for admins.
    expect((await call('/api/users', { cookie })).status).toBe(403);
    expect((await call('/api/audit', { cookie })).status).toBe(403);
  });

  it('ops manage FAQs but not people; an admin session manages users and reads the audit log', async () => {
    const reza = await login('reza', 'reza-password-1');
    const create = await call('/api/users', { method: 'POST', cookie: reza.cookie, csrf: reza.csrf, body: JSON.stringify({ username: 'evil', password: 'evil-password', role: 'admin' }), headers: { 'content-type': 'application/json' } });
    expect(create.status).toBe(403);
    expect((await call('/api/audit', { cookie: reza.cookie })).status).toBe(403);

    const sara = await login('sara', 'sara-password-1');
    const made = await call('/api/users', { method: 'POST', cookie: sara.cookie, csrf: sara.csrf, body: JSON.stringify({ username: 'temp', password: 'temp-password', role: 'ops' }), headers: { 'content-type': 'application/json' } });
    expect(made.status).toBe(201);
    expect((await made.json()).user.createdBy).toBe('sara');
    // An admin cannot delete the account they are signed in with.
    expect((await call('/api/users/sara', { method: 'DELETE', cookie: sara.cookie, csrf: sara.csrf })).status).toBe(409);

    // Deleting a user ends their sessions.
    const temp = await login('temp', 'temp-password');
    expect((await call('/api/faqs', { cookie: temp.cookie })).status).toBe(200);
    expect((await call('/api/users/temp', { method: 'DELETE', cookie: sara.cookie, csrf: sara.csrf })).status).toBe(200);
    expect((await call('/api/faqs', { cookie: temp.cookie })).status).toBe(401);
    expect((await call('/api/users/temp', { method: 'DELETE', cookie: sara.cookie, csrf: sara.csrf })).status).toBe(404);
  });

  it('writes every change to the audit log (who, what, when), whoever made it, and nothing for refused ones', async () => {
    await admin('/api/faqs/speed', { method: 'PUT', body: JSON.stringify({ ...faq('speed', 'سرعت'), answer: 'با کلید' }) });
    const res = await admin('/api/audit?limit=200');
    expect(res.status).toBe(200);
    const { entries } = await res.json();
    const actions = entries.map((e: { actor: string; action: string }) => `${e.actor} ${e.action}`);
    expect(actions).toContain('admin-key PUT /api/faqs/speed');
    expect(actions).toContain('reza PUT /api/faqs/bill');
    expect(actions).toContain('sara POST /api/users');
    expect(actions).toContain('sara DELETE /api/users/temp');
    expect(actions).toContain('admin-key POST /api/users');
    expect(actions).toContain('reza login');
    expect(actions).toContain('reza login-failed');
    // Refused changes and reads are not changes; asking the bot is a read.
    expect(actions).not.toContain('mina PUT /api/faqs/speed');
    expect(actions.some((a: string) => a.includes('GET '))).toBe(false);
    expect(actions.some((a: string) => a.includes('/api/nlu/parse'))).toBe(false);
    const edit = entries.find((e: { actor: string; action: string }) => e.actor === 'reza' && e.action === 'PUT /api/faqs/bill');
    expect(edit).toMatchObject({ role: 'ops', target: 'faqs/bill', status: 200, details: { via: 'session' } });
    expect(typeof edit.details.version).toBe('number');
    expect(Date.parse(edit.at)).toBeGreaterThan(0);
  });

  it('logout ends the session (with its CSRF token) and sessions expire when idle or old', async () => {
    const s = await login('reza', 'reza-password-1');
    // Without the token the logout form does nothing.
    const forged = await call('/console/logout', { method: 'POST', cookie: s.cookie, body: new URLSearchParams({}), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(forged.status).toBe(403);
    const out = await call('/console/logout', { method: 'POST', cookie: s.cookie, body: new URLSearchParams({ _csrf: s.csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/pasokh_session=;/);
    expect((await call('/api/faqs', { cookie: s.cookie })).status).toBe(401);

    const idle = await login('reza', 'reza-password-1');
    clock = new Date(clock.getTime() + 31 * 60_000);
    const expired = await call('/api/faqs', { cookie: idle.cookie });
    expect(expired.status).toBe(401);
    expect((await expired.json()).error.code).toBe('session_expired');
    expect((await call('/console', { cookie: idle.cookie })).status).toBe(302);

    const busy = await login('reza', 'reza-password-1');
    for (let i = 0; i < 17; i++) {
      clock = new Date(clock.getTime() + 29 * 60_000);
      const res = await call('/api/faqs', { cookie: busy.cookie });
      // Busy sessions still end 8 hours after sign-in.
      expect(res.status).toBe(i < 16 ? 200 : 401);
    }
  });

  it('an address that keeps failing is refused sign-in before its password is checked', async () => {
    const throttled = createOpsConsole({
      database: t.database,
      adminKeys: () => [KEY],
      timezone: 'Asia/Tehran',
      authThrottle: { maxFailures: 2, windowSeconds: 60, maxAddresses: 100, trustedProxies: [] },
    });
    const form = (username: string, password: string) =>
      throttled.page.app.request('http://console.test/login', {
        method: 'POST',
        body: new URLSearchParams({ username, password }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://console.test', host: 'console.test' },
      });
    // One password sprayed over several names: the per-name lock never trips, the address does.
    for (const name of ['a1', 'a2', 'a3']) expect((await form(name, 'summer2026')).status).toBe(401);
    const refused = await form('sara', 'sara-password-1');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toContain('کمی بعد دوباره تلاش کنید');
  });

  it('keeps the Bearer answers of the admin API as they were', async () => {
    const missing = await call('/api/faqs');
    expect(missing.status).toBe(401);
    expect((await missing.json()).error.code).toBe('unauthorized');
    const wrong = await call('/api/faqs', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(403);
    expect((await wrong.json()).error.message).toBe('Invalid API key');
    expect((await admin('/api/faqs')).status).toBe(200);
    expect((await admin('/api/queue')).status).toBe(200);
  });
});
