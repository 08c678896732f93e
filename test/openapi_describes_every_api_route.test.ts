import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { openApiPath } from '../src/http/openapi.js';
import { startService, type RunningService } from '../src/service.js';

// The app src/service.ts really builds, caught as createApp returns it, so the routes walked are
// exactly the ones a running Pasokh serves (whatever the composition root mounts).
const built: Hono[] = [];
vi.mock('../src/http/app.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/http/app.js')>();
  return {
    ...real,
    createApp: (deps: Parameters<typeof real.createApp>[0]) => {
      const app = real.createApp(deps);
      built.push(app);
      return app;
    },
  };
});

const ADMIN = 'openapi-admin-key-0123456789';
let service: RunningService;
let doc: { openapi: string; paths: Record<string, Record<string, any>> };

beforeAll(async () => {
  const config = loadConfig({}, {
    port: 0,
    host: '127.0.0.1',
    dataDir: mkdtempSync(join(tmpdir(), 'pasokh-openapi-')),
    logLevel: 'silent',
    audio: { vad: 'energy' },
    security: { adminKeys: [ADMIN], mediaTokens: ['openapi-media-token-0123456789'] },
  });
  service = await startService(config);
  const res = await fetch(`${service.url}/api/openapi.json`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  doc = await res.json();
}, 180_000);

afterAll(async () => {
  await service?.stop();
});

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);

/** `METHOD /api/…` of every handler the app registers under /api (middleware, `use`, is ALL). */
function registeredApiRoutes(app: Hono): string[] {
  const routes = app.routes
    .filter((r) => METHODS.has(r.method) && (r.path === '/api' || r.path.startsWith('/api/')))
    .map((r) => `${r.method} ${openApiPath(r.path.length > 1 ? r.path.replace(/\/$/, '') : r.path)}`);
  return [...new Set(routes)].sort();
}

describe('GET /api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as never);
    expect(result.valid, JSON.stringify(result.errors, null, 1)).toBe(true);
  });

  it('describes every route the running app registers under /api, and nothing else', () => {
    expect(built).toHaveLength(1);
    const registered = registeredApiRoutes(built[0]);
    expect(registered.length).toBeGreaterThan(40);
    const described = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(registered.filter((r) => !described.includes(r)), 'routes missing from /api/openapi.json').toEqual([]);
    expect(described.filter((d) => !registered.includes(d)), 'described but not served').toEqual([]);
  });

  it('the schema it gives is the one the route validates with', async () => {
    const parse = doc.paths['/api/nlu/parse'].post.requestBody.content['application/json'].schema;
    expect(parse.required).toEqual(['text']);
    expect(parse.properties.text.maxLength).toBe(2000);
    const ask = (text: string) =>
      fetch(`${service.url}/api/nlu/parse`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
    expect((await ask('ب'.repeat(2000))).status).toBe(200);
    expect((await ask('ب'.repeat(2001))).status).toBe(400);
    // Query parameters come from the route's own query schema, with its limits and defaults.
    const limit = doc.paths['/api/calls'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { maximum: 200, default: 50 } });
    const calls = (q: string) => fetch(`${service.url}/api/calls?${q}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect((await calls('limit=200')).status).toBe(200);
    expect((await calls('limit=201')).status).toBe(400);
  });

  it('is behind the same authentication as the rest of /api', async () => {
    expect((await fetch(`${service.url}/api/openapi.json`)).status).toBe(401);
  });
});
