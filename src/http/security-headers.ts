import type { Context, MiddlewareHandler } from 'hono';

/**
 * For answers that set no policy of their own (JSON, metrics, errors): nothing may be loaded or
 * run from them, and no page may frame them. Pages (the console, the desk) set their own policy.
 */
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** A year: what browsers' preload lists ask for, and long enough that a user is never downgraded between visits. */
const HSTS = 'max-age=31536000';

/** Whether the browser reached us over TLS: directly, or through a proxy that says so. */
function overTls(c: Context): boolean {
  if (c.req.url.startsWith('https:')) return true;
  // A forged header over plain HTTP is harmless here: browsers ignore HSTS on http:// answers.
  return (c.req.header('x-forwarded-proto') ?? '').split(',')[0].trim().toLowerCase() === 'https';
}

/**
 * Security headers on every HTTP answer, set after the route so that a page's own stricter or
 * looser Content-Security-Policy stays; a policy without `frame-ancestors` gets `'none'` added, so
 * no page of Pasokh can be framed (clickjacking the console or the desk). HSTS only behind TLS:
 * on plain HTTP (a lab, a PBX on the LAN) it would be ignored anyway.
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    // A WebSocket upgrade carries no page.
    if (c.res.status === 101) return;
    try {
      apply(c, c.res.headers);
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
      // Immutable headers (a Response passed through from fetch()): copy it, then add them.
      c.res = new Response(c.res.body, c.res);
      apply(c, c.res.headers);
    }
  };
}

function apply(c: Context, h: Headers): void {
  const csp = h.get('content-security-policy');
  if (!csp) h.set('content-security-policy', DEFAULT_CSP);
  else if (!/(^|;)\s*frame-ancestors\s/i.test(csp)) h.set('content-security-policy', `${csp.replace(/;\s*$/, '')}; frame-ancestors 'none'`);
  // For browsers that predate frame-ancestors.
  h.set('x-frame-options', 'DENY');
  h.set('x-content-type-options', 'nosniff');
  if (!h.has('referrer-policy')) h.set('referrer-policy', 'same-origin');
  h.set('cross-origin-opener-policy', 'same-origin');
  if (overTls(c)) h.set('strict-transport-security', HSTS);
}
