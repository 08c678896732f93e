import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { loadConfig } from '../src/config/load.js';
import { createOpsConsole } from '../src/console/index.js';
import { createDeskRoutes, createHandoffService, type HandoffRuntime } from '../src/handoff/index.js';
import { createApp } from '../src/http/app.js';
import { DEFAULT_CSP } from '../src/http/security-headers.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';

// The real console and desk pages on the app src/service.ts builds, asked through app.request().
const KEY = 'security-headers-admin-key-0123';
let db: TestDatabase;
let handoff: HandoffRuntime;
let app: Hono;

beforeAll(async () => {
  db = await freshPglite();
  const config = loadConfig({}, { security: { adminKeys: [KEY] } });
  handoff = createHandoffService({ database: db.database, config });
  await handoff.ready();
  const ops = createOpsConsole({ database: db.database, adminKeys: () => [KEY], timezone: config.timezone });
  app = createApp({
    adminKeys: () => [KEY],
    apiAuth: ops.apiAuth,
    api: [...ops.api],
    pages: [{ path: '/desk', app: createDeskRoutes({ handoff }) }, ops.page],
    readiness: [],
    renderMetrics: async () => 'pasokh_active_calls 0\n',
  });
});

afterAll(async () => {
  await handoff?.close();
  await db?.drop();
});

const directives = (csp: string | null) => new Map((csp ?? '').split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values.join(' ')]));

describe('security headers', () => {
  it('every answer says nosniff, same-origin referrers and may not be framed', async () => {
    const answers = await Promise.all([
      app.request('/healthz'),
      app.request('/metrics'),
      app.request('/api/users', { headers: { authorization: `Bearer ${KEY}` } }),
      app.request('/api/users'), // refused: the error answer carries them too
      app.request('/no/such/page'),
      app.request('/console/login'),
      app.request('/desk'),
      app.request('/console/assets/common.js'),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 401, 404, 200, 200, 200]);
    for (const r of answers) {
      expect(r.headers.get('x-content-type-options'), r.url).toBe('nosniff');
      expect(r.headers.get('referrer-policy'), r.url).toBe('same-origin');
      expect(r.headers.get('x-frame-options'), r.url).toBe('DENY');
      expect(directives(r.headers.get('content-security-policy')).get('frame-ancestors'), r.url).toBe("'none'");
      expect(r.headers.get('cross-origin-opener-policy'), r.url).toBe('same-origin');
      // Plain HTTP: HSTS would be ignored, and it is not sent.
      expect(r.headers.get('strict-transport-security'), r.url).toBeNull();
    }
  });

  it('JSON and metrics may load nothing; pages keep their own policy', async () => {
    expect((await app.request('/healthz')).headers.get('content-security-policy')).toBe(DEFAULT_CSP);
    const console = directives((await app.request('/console/login')).headers.get('content-security-policy'));
    expect(console.get('script-src')).toBe("'self'");
    expect(console.get('default-src')).toBe("'self'");
    // The desk's own policy (inline script, its socket) stays, with framing forbidden added.
    const desk = directives((await app.request('/desk')).headers.get('content-security-policy'));
    expect(desk.get('connect-src')).toBe("'self' ws: wss:");
    expect(desk.get('frame-ancestors')).toBe("'none'");
  });

  it('behind a TLS-terminating proxy, browsers are told to keep to HTTPS', async () => {
    const viaProxy = await app.request('/console/login', { headers: { 'x-forwarded-proto': 'https' } });
    expect(viaProxy.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const direct = await app.request('https://pasokh.example/healthz');
    expect(direct.headers.get('strict-transport-security')).toBe('max-age=31536000');
  });
});
