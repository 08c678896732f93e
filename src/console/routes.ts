import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { requestAddress, retryAfterSeconds, type AuthThrottle } from '../http/auth-throttle.js';
import type { AuditLog } from './audit.js';
import { clientIp, sameOrigin, SESSION_COOKIE } from './guard.js';
import { pageBodies, type PageId } from './pages.js';
import type { ConsoleSession, Role, UserStore } from './users.js';

export interface ConsoleDeps {
  users: UserStore;
  audit: AuditLog;
  timezone: string;
  /** Whether the campaigns API is mounted (the campaigns page says the feature is off until then). */
  campaignsEnabled?: boolean;
  /** Wrong passwords per client address; over the limit, sign-ins from it are refused before the password is checked. */
  authThrottle?: { throttle: AuthThrottle; trustedProxies: () => readonly string[] };
}

const assetsDir = join(dirname(fileURLToPath(import.meta.url)), 'assets');
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
/** Every asset is read once at start: the console needs no build step and no CDN. */
const assets = new Map(
  readdirSync(assetsDir)
    .filter((f) => TYPES[extname(f)])
    .map((f) => [f, { body: readFileSync(join(assetsDir, f)), type: TYPES[extname(f)] }] as const),
);
/**
 * The dashboard's charting library (uPlot, MIT, a runtime dependency) is served from the installed
 * package itself, so there is no copy to go stale and no CDN. It styles what it draws through the
 * CSSOM (element.style), which a `style-src 'self'` policy allows; its stylesheet comes from here too.
 */
const vendor = createRequire(import.meta.url);
for (const [name, file] of [
  ['uplot.js', 'uplot/dist/uPlot.iife.min.js'],
  ['uplot.css', 'uplot/dist/uPlot.min.css'],
] as const) {
  assets.set(name, { body: readFileSync(vendor.resolve(file)), type: TYPES[extname(name)] });
}
/** Pages that draw charts load the library (and its styles) before their own script. */
const CHART_PAGES: ReadonlySet<PageId> = new Set(['dashboard']);

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const ROLE_FA: Record<Role, string> = { admin: 'مدیر', ops: 'کارشناس عملیات', viewer: 'بیننده' };

interface MenuItem {
  id: PageId;
  href: string;
  label: string;
  admin?: boolean;
}
const MENU: MenuItem[] = [
  { id: 'dashboard', href: '/console', label: 'پیشخوان' },
  { id: 'faqs', href: '/console/faqs', label: 'پرسش‌های متداول' },
  { id: 'calls', href: '/console/calls', label: 'تماس‌ها' },
  { id: 'unanswered', href: '/console/unanswered', label: 'بی‌پاسخ‌ها' },
  { id: 'live', href: '/console/live', label: 'زنده' },
  { id: 'campaigns', href: '/console/campaigns', label: 'کارزارها' },
  { id: 'users', href: '/console/users', label: 'کاربران', admin: true },
  { id: 'audit', href: '/console/audit', label: 'گزارش تغییرات', admin: true },
];

export const esc = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const isHttps = (c: Context) => c.req.url.startsWith('https:') || (c.req.header('x-forwarded-proto') ?? '').split(',')[0].trim() === 'https';

function head(title: string, extra = ''): string {
  return `<!doctype html>
<html lang="fa" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · کنسول پاسخ</title>
${extra}
<link rel="stylesheet" href="/console/assets/console.css">
</head>`;
}

function layout(page: PageId, title: string, session: ConsoleSession, deps: ConsoleDeps, body: string, callId?: string, script = true): string {
  const items = MENU.filter((m) => !m.admin || session.role === 'admin')
    .map((m) => {
      const current = m.id === page || (page === 'call' && m.id === 'calls');
      return `<li><a href="${m.href}"${current ? ' aria-current="page"' : ''}>${m.label}</a></li>`;
    })
    .join('');
  const charts = CHART_PAGES.has(page) && script;
  return `${head(title, `<meta name="csrf-token" content="${esc(session.csrfToken)}">${charts ? '\n<link rel="stylesheet" href="/console/assets/uplot.css">' : ''}`)}
<body data-page="${page}" data-role="${session.role}" data-user="${esc(session.username)}" data-tz="${esc(deps.timezone)}"${callId ? ` data-call-id="${esc(callId)}"` : ''} data-campaigns="${deps.campaignsEnabled ? 'on' : 'off'}">
<a class="skip" href="#main">پرش به محتوای اصلی</a>
<header class="top">
  <a class="brand" href="/console">پاسخ <small>کنسول عملیات</small></a>
  <nav aria-label="منوی اصلی"><ul>${items}</ul></nav>
  <div class="who">
    <span><bdi>${esc(session.username)}</bdi> · ${ROLE_FA[session.role]}</span>
    <form method="post" action="/console/logout"><input type="hidden" name="_csrf" value="${esc(session.csrfToken)}"><button type="submit" class="link">خروج</button></form>
  </div>
</header>
<main id="main" tabindex="-1">
<h1>${esc(title)}</h1>
${session.role === 'viewer' ? '<p class="note" role="note">نقش شما «بیننده» است: همه‌چیز را می‌بینید ولی نمی‌توانید چیزی را تغییر دهید.</p>' : ''}
${body}
</main>
<div id="toast" role="status" aria-live="polite"></div>
<script src="/console/assets/common.js"></script>
${charts ? '<script src="/console/assets/uplot.js"></script>\n<script src="/console/assets/charts.js"></script>\n' : ''}${script ? `<script src="/console/assets/${page === 'call' ? 'calls' : page}.js"></script>` : ''}
</body>
</html>`;
}

function loginPage(opts: { error?: string; next?: string; username?: string }): string {
  return `${head('ورود')}
<body class="login" data-page="login">
<main id="main">
  <form class="card login-card" method="post" action="/console/login">
    <h1>ورود به کنسول پاسخ</h1>
    ${opts.error ? `<p class="error" role="alert" id="login-error">${esc(opts.error)}</p>` : ''}
    <input type="hidden" name="next" value="${esc(opts.next ?? '/console')}">
    <label for="username">نام کاربری</label>
    <input id="username" name="username" autocomplete="username" dir="ltr" required value="${esc(opts.username ?? '')}"${opts.username ? '' : ' autofocus'}>
    <label for="password">گذرواژه</label>
    <input id="password" name="password" type="password" autocomplete="current-password" dir="ltr" required${opts.username ? ' autofocus' : ''}>
    <button type="submit" id="login-btn">ورود</button>
  </form>
</main>
</body>
</html>`;
}

const safeNext = (next: unknown) => (typeof next === 'string' && /^\/console(\/[\w\-/%.]*)?(\?[\w=&%.\-]*)?$/.test(next) ? next : '/console');

const MAX_LOGIN_FAILURES = 5;
const LOCKOUT_MS = 5 * 60_000;

/** The ops console at `/console`: sign-in, sign-out and the pages (their data comes from /api through the session). */
export function createConsoleRoutes(deps: ConsoleDeps): Hono {
  const { users, audit } = deps;
  const app = new Hono<{ Variables: { session: ConsoleSession } }>();

  app.use('*', async (c, next) => {
    await next();
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
  });

  app.get('/assets/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) return c.text('پیدا نشد', 404);
    c.header('content-type', asset.type);
    c.header('cache-control', 'no-cache');
    return c.body(asset.body);
  });

  app.get('/login', async (c) => {
    const session = await users.session(getCookie(c, SESSION_COOKIE));
    if (session) return c.redirect(safeNext(c.req.query('next')), 303);
    return c.html(loginPage({ next: safeNext(c.req.query('next')) }));
  });

  app.post('/login', async (c) => {
    if (!sameOrigin(c)) return c.html(loginPage({ error: 'درخواست از صفحه‌ی دیگری آمده است؛ از همین صفحه وارد شوید.' }), 403);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const username = typeof form.username === 'string' ? form.username.trim().slice(0, 64) : '';
    const password = typeof form.password === 'string' ? form.password.slice(0, 256) : '';
    const next = safeNext(form.next);
    if (!username || !password) return c.html(loginPage({ error: 'نام کاربری و گذرواژه را وارد کنید.', next, username }), 400);
    // Passwords are weaker than admin keys: an address over its budget is refused before any check,
    // so spraying one password over many names gets no answer either.
    const throttle = deps.authThrottle;
    const address = throttle ? requestAddress(c, throttle.trustedProxies()) : '';
    const wait = throttle?.throttle.retryAfterMs(address) ?? 0;
    if (wait > 0) {
      c.header('retry-after', retryAfterSeconds(wait));
      return c.html(loginPage({ error: 'از این نشانی چند بار گذرواژه‌ی نادرست وارد شد؛ کمی بعد دوباره تلاش کنید.', next, username }), 429);
    }
    // A few wrong passwords lock the name for a while. They are counted from the audit log, which
    // every instance writes to, so guesses spread over instances behind a load balancer add up.
    if ((await audit.recentLoginFailures(username, LOCKOUT_MS)) >= MAX_LOGIN_FAILURES) {
      return c.html(loginPage({ error: 'چند بار گذرواژه‌ی نادرست وارد شد؛ چند دقیقه‌ی دیگر دوباره تلاش کنید.', next, username }), 429);
    }
    const user = await users.verify(username, password);
    if (!user) {
      throttle?.throttle.fail(address);
      await audit.record({ actor: username, action: 'login-failed', ip: clientIp(c), status: 401 }).catch(() => {});
      return c.html(loginPage({ error: 'نام کاربری یا گذرواژه نادرست است.', next, username }), 401);
    }
    const { token } = await users.startSession(user.username);
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: isHttps(c),
      path: '/',
      maxAge: Math.floor(users.policy.absoluteMs / 1000),
    });
    await audit.record({ actor: user.username, role: user.role, action: 'login', ip: clientIp(c), status: 303 }).catch(() => {});
    return c.redirect(next, 303);
  });

  app.post('/logout', async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    const session = await users.session(token);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (session && token) {
      // Logging someone out is a change too: only our own page (with the token) may do it.
      if (!sameOrigin(c) || form._csrf !== session.csrfToken) return c.text('درخواست نامعتبر است.', 403);
      await users.endSession(token);
      await audit.record({ actor: session.username, role: session.role, action: 'logout', ip: clientIp(c), status: 303 }).catch(() => {});
    }
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) });
    return c.redirect('/console/login', 303);
  });

  // Every page below needs a session; without one the browser goes to the sign-in form.
  app.use('*', async (c, next) => {
    const session = await users.session(getCookie(c, SESSION_COOKIE));
    if (!session) {
      const next = c.req.path + (c.req.url.includes('?') ? c.req.url.slice(c.req.url.indexOf('?')) : '');
      return c.redirect(`/console/login?next=${encodeURIComponent(safeNext(next))}`, 302);
    }
    c.set('session', session);
    c.header('cache-control', 'no-store');
    await next();
  });

  const page = (id: PageId, title: string, admin = false) => (c: Context<{ Variables: { session: ConsoleSession } }>) => {
    const session = c.get('session');
    if (admin && session.role !== 'admin') {
      return c.html(layout(id, title, session, deps, '<p class="error" role="alert">این صفحه فقط برای مدیران است.</p>', undefined, false), 403);
    }
    return c.html(layout(id, title, session, deps, pageBodies[id]));
  };

  app.get('/', page('dashboard', 'پیشخوان'));
  app.get('/faqs', page('faqs', 'پرسش‌های متداول'));
  app.get('/calls', page('calls', 'تماس‌ها'));
  app.get('/calls/:id', (c) => {
    const session = c.get('session');
    return c.html(layout('call', 'جزئیات تماس', session, deps, pageBodies.call, c.req.param('id')));
  });
  app.get('/unanswered', page('unanswered', 'پرسش‌های بی‌پاسخ'));
  app.get('/live', page('live', 'وضعیت زنده'));
  app.get('/campaigns', page('campaigns', 'کارزارها'));
  app.get('/users', page('users', 'کاربران کنسول', true));
  app.get('/audit', page('audit', 'گزارش تغییرات', true));

  return app as unknown as Hono;
}
