import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { noteAuthFailure } from './auth-throttle.js';
import { errorBody } from './errors.js';

/** Who an /api request acts for, once authenticated (admin key, or a console session with its role). */
export interface ApiPrincipal {
  kind: 'key' | 'session';
  username: string;
  role: 'admin' | 'ops' | 'viewer';
}
declare module 'hono' {
  interface ContextVariableMap {
    principal: ApiPrincipal;
  }
}

/** Constant-time membership test: hashing first makes lengths equal, so nothing leaks by timing. */
export function secretMatches(candidate: string | null | undefined, secrets: readonly string[]): boolean {
  if (!candidate) return false;
  const digest = createHash('sha256').update(candidate).digest();
  let ok = false;
  for (const secret of secrets) {
    const expected = createHash('sha256').update(secret).digest();
    if (timingSafeEqual(digest, expected)) ok = true;
  }
  return ok;
}

/** `Authorization: Bearer <key>` against the configured admin keys. */
export function requireAdminKey(keys: () => readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    // Already authenticated by the /api guard (src/console/guard.ts), which also checked the role.
    if (c.get('principal')) return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match) return c.json(errorBody('unauthorized', 'Missing Authorization: Bearer <key>'), 401);
    if (!secretMatches(match[1].trim(), keys())) {
      noteAuthFailure(c); // counted per address when a throttle stands in front (src/http/auth-throttle.ts)
      return c.json(errorBody('forbidden', 'Invalid API key'), 403);
    }
    await next();
  };
}
