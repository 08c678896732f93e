import { readFileSync } from 'node:fs';
import { Hono, type MiddlewareHandler } from 'hono';
import { apiOperations } from './api-operations.js';
import { requireAdminKey } from './auth.js';
import { throttleAuthFailures, type AuthThrottle } from './auth-throttle.js';
import { errorBody, logUnexpected, sendError, stderrLogger } from './errors.js';
import { requestBodyLimits } from './body-limits.js';
import { buildOpenApi } from './openapi.js';
import { securityHeaders } from './security-headers.js';
import type { Logger } from '../logger.js';

/** One line of /readyz: a boolean, or an engine's answer with what it checked (shown under `details`). */
export type ReadinessResult = boolean | { ready: boolean; detail: string };

export interface ReadinessCheck {
  name: string;
  check(): Promise<ReadinessResult> | ReadinessResult;
}

export interface AppDeps {
  adminKeys(): readonly string[];
  /** Sub-apps under /api (Bearer-protected), e.g. `{ path: '/faqs', app: createFaqRoutes(…) }`. */
  api: { path: string; app: Hono }[];
  /** Replaces the Bearer check on /api, e.g. the console's key-or-session guard (src/console/guard.ts). */
  apiAuth?: MiddlewareHandler;
  /** Public sub-apps that do their own authentication (the agent desk). */
  pages?: { path: string; app: Hono }[];
  readiness: ReadinessCheck[];
  /** Non-null while the instance drains before shutting down: /readyz then answers 503 with it. */
  draining?: () => string | null;
  /** Counts wrong credentials on /api per client address; past its limit they are answered 429. */
  authThrottle?: { throttle: AuthThrottle; trustedProxies: () => readonly string[] };
  renderMetrics(): Promise<string>;
  /** Where an unexpected error behind a 500 is logged: the service's logger (default: stderr, for tools and tests). */
  logger?: Pick<Logger, 'error'>;
}

/** The HTTP surface: health, metrics, the admin API and pages. WebSockets attach to the server. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    logUnexpected(deps.logger ?? stderrLogger, err, c.req);
    return sendError(c, err);
  });
  app.notFound((c) => c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}`), 404));
  app.use('*', securityHeaders());
  app.use('*', requestBodyLimits(apiOperations));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    // A draining instance is out of the load balancer's rotation whatever its engines say.
    const draining = deps.draining?.() ?? null;
    if (draining !== null) return c.json({ status: 'draining', checks: {}, details: { shutdown: draining } }, 503);
    const results = await Promise.all(
      deps.readiness.map(async (r) => {
        const result = await Promise.resolve()
          .then(() => r.check())
          .catch((err: unknown): ReadinessResult => ({ ready: false, detail: err instanceof Error ? err.message : String(err) }));
        return { name: r.name, ...(typeof result === 'boolean' ? { ready: result } : result) };
      }),
    );
    const checks = Object.fromEntries(results.map((r) => [r.name, r.ready]));
    const details = Object.fromEntries(results.flatMap((r) => ('detail' in r ? [[r.name, r.detail]] : [])));
    const ready = results.every((r) => r.ready);
    return c.json({ status: ready ? 'ready' : 'not-ready', checks, details }, ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    c.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return c.body(await deps.renderMetrics());
  });

  const api = new Hono();
  if (deps.authThrottle) api.use('*', throttleAuthFailures(deps.authThrottle.throttle, deps.authThrottle.trustedProxies));
  api.use('*', deps.apiAuth ?? requireAdminKey(deps.adminKeys));
  // Behind the same authentication as the rest: the description names every door of the API.
  let description: object | null = null;
  api.get('/openapi.json', (c) => c.json((description ??= buildOpenApi(apiOperations, { version: packageVersion() }))));
  for (const { path, app: sub } of deps.api) api.route(path, sub);
  app.route('/api', api);
  for (const { path, app: sub } of deps.pages ?? []) {
    app.route(path, sub);
    // Browsers and bookmarks add a trailing slash; the page lives at the bare path.
    app.get(`${path}/`, (c) => c.redirect(path, 301));
  }
  return app;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
