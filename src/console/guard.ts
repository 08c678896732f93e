import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { getConnInfo } from '@hono/node-server/conninfo';
import { requireAdminKey } from '../http/auth.js';
import { errorBody } from '../http/errors.js';
import type { AuditLog } from './audit.js';
import type { Role, UserStore } from './users.js';

export const SESSION_COOKIE = 'pasokh_session';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Requests that change nothing although they are POSTs ("ask the bot"). */
const READ_POSTS = new Set(['/api/nlu/parse']);

/** Whether a request is a change (written to the audit log, refused to viewers, CSRF-checked). */
export function isChange(method: string, path: string): boolean {
  return !SAFE_METHODS.has(method) && !READ_POSTS.has(path.replace(/\/+$/, ''));
}

/**
 * What each role may do under /api: everyone reads; ops and admins change FAQs, calls, campaigns
 * and recordings; only admins manage people (users, agents) and read the audit log.
 */
export function roleAllows(role: Role, method: string, path: string): boolean {
  const p = path.replace(/^\/api/, '');
  const change = isChange(method, path);
  if (/^\/(users|audit)(\/|$)/.test(p)) return role === 'admin';
  if (/^\/agents(\/|$)/.test(p) && change) return role === 'admin';
  if (!change) return true;
  return role === 'admin' || role === 'ops';
}

const sameSecret = (a: string, b: string) => {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
};

export function clientIp(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

/** A browser's cross-site request names another origin; ours names this host (or none at all). */
export function sameOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  if (!origin || origin === 'null') return origin !== 'null';
  try {
    const host = c.req.header('x-forwarded-host') ?? c.req.header('host') ?? new URL(c.req.url).host;
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export interface ApiAuthDeps {
  adminKeys: () => readonly string[];
  users: UserStore;
  audit: AuditLog;
  onAuditError?: (err: unknown) => void;
}

/**
 * Authentication for everything under /api: the admin key (`Authorization: Bearer`, exactly as
 * before — the request then acts as an admin) or a console session cookie with its role. A
 * session's changes need its CSRF token in `X-CSRF-Token` and a same-origin request. Every change
 * that succeeds is written to the audit log, whoever made it.
 */
export function apiAuth(deps: ApiAuthDeps): MiddlewareHandler {
  const keyGuard = requireAdminKey(deps.adminKeys);
  return async (c, next) => {
    const method = c.req.method;
    const path = c.req.path;
    const audited = async () => {
      await next();
      const principal = c.get('principal');
      if (!principal || !isChange(method, path) || c.res.status >= 400) return;
      let version: unknown;
      try {
        if ((c.res.headers.get('content-type') ?? '').includes('json')) version = ((await c.res.clone().json()) as { version?: unknown }).version;
      } catch {
        /* not JSON after all */
      }
      await deps.audit
        .record({
          actor: principal.username,
          role: principal.role,
          action: `${method} ${path}`,
          target: decodeURIComponent(path.replace(/^\/api\//, '')),
          status: c.res.status,
          ip: clientIp(c),
          details: { via: principal.kind, ...(c.req.query() && Object.keys(c.req.query()).length ? { query: c.req.query() } : {}), ...(typeof version === 'number' ? { version } : {}) },
        })
        .catch((err) => deps.onAuditError?.(err));
    };

    if (c.req.header('authorization') !== undefined) {
      return keyGuard(c, async () => {
        c.set('principal', { kind: 'key', username: 'admin-key', role: 'admin' });
        await audited();
      });
    }

    const token = getCookie(c, SESSION_COOKIE);
    if (!token) return c.json(errorBody('unauthorized', 'Missing Authorization: Bearer <key> (or a console session)'), 401);
    const session = await deps.users.session(token);
    if (!session) return c.json(errorBody('session_expired', 'The console session has ended; sign in again'), 401);
    if (isChange(method, path)) {
      const sent = c.req.header(CSRF_HEADER) ?? '';
      if (!sameOrigin(c) || !sent || !sameSecret(sent, session.csrfToken)) {
        return c.json(errorBody('csrf', 'Missing or wrong CSRF token (X-CSRF-Token)'), 403);
      }
    }
    if (!roleAllows(session.role, method, path)) {
      return c.json(errorBody('forbidden_role', `The ${session.role} role may not do this`, { role: session.role }), 403);
    }
    c.set('principal', { kind: 'session', username: session.username, role: session.role });
    await audited();
  };
}
