import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configSchema } from '../src/config/schema.js';
import { createApp } from '../src/http/app.js';
import { AuthThrottle, clientAddress } from '../src/http/auth-throttle.js';
import { attachMediaEndpoints } from '../src/telephony/ws_endpoints.js';

const KEY = 'right-admin-key-0123456789';
const TOKEN = 'right-media-token-0123456789';

function throttleApp(throttle: AuthThrottle, trustedProxies: readonly string[] = []) {
  const calls = new Hono().get('/', (c) => c.json({ calls: [] }));
  return createApp({
    adminKeys: () => [KEY],
    api: [{ path: '/calls', app: calls }],
    readiness: [],
    renderMetrics: async () => '',
    authThrottle: { throttle, trustedProxies: () => trustedProxies },
  });
}

/** What @hono/node-server passes as `c.env`: the request with its socket. */
const from = (address: string, headers: Record<string, string> = {}) => ({ incoming: { socket: { remoteAddress: address }, headers } });
const get = (app: Hono, key: string, env: object) => app.request('/api/calls', { headers: { authorization: `Bearer ${key}` } }, env);

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

describe('the failure counter', () => {
  it('counts failures in a sliding window and says how long until the address is under the limit again', () => {
    let now = 0;
    const t = new AuthThrottle({ maxFailures: 3, windowSeconds: 10, maxAddresses: 100, now: () => now });
    expect(t.fail('a')).toBe(0);
    now = 2000;
    expect(t.fail('a')).toBe(0);
    now = 4000;
    expect(t.fail('a')).toBe(0); // three failures: at the limit, not past it
    now = 6000;
    expect(t.fail('a')).toBe(4000); // the first failure (t=0) leaves the window at t=10 s
    now = 9000;
    expect(t.retryAfterMs('a')).toBe(1000);
    now = 10_000;
    expect(t.retryAfterMs('a')).toBe(0); // three failures left in the window
    expect(t.fail('a')).toBe(2000); // four again; t=2 s leaves at 12 s
  });

  it('holds at most maxAddresses addresses and forgets those whose failures left the window', () => {
    let now = 0;
    const t = new AuthThrottle({ maxFailures: 1, windowSeconds: 10, maxAddresses: 50, now: () => now });
    for (let i = 0; i < 1000; i++) t.fail(`10.0.${i >> 8}.${i & 255}`);
    expect(t.size).toBe(50);
    // The most recent failures are the ones kept.
    expect(t.fail('10.0.3.231')).toBeGreaterThan(0);
    now = 11_000;
    t.fail('192.0.2.1');
    expect(t.size).toBe(1);
  });

  it('believes X-Forwarded-For only from a trusted proxy', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.7', [])).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.2', '198.51.100.7, 10.0.0.3', ['10.0.0.2', '10.0.0.3'])).toBe('198.51.100.7');
    // A client-supplied first hop cannot pick its own bucket: the proxy appended the real one.
    expect(clientAddress('10.0.0.2', 'spoofed, 198.51.100.7', ['10.0.0.2'])).toBe('198.51.100.7');
    expect(clientAddress('::ffff:127.0.0.1', undefined, [])).toBe('127.0.0.1');
  });
});

describe('the admin API under a flood of wrong keys', () => {
  it('answers 403 up to the limit, then 429 with Retry-After; the right key from the same address still gets in', async () => {
    const throttle = new AuthThrottle({ maxFailures: 10, windowSeconds: 60, maxAddresses: 1000 });
    const app = throttleApp(throttle);
    // Over a real socket, so the address is the one @hono/node-server reports.
    const port = await listen(createServer(getRequestListener(app.fetch)));
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 300; i++) {
      last = await fetch(`http://127.0.0.1:${port}/api/calls`, { headers: { authorization: `Bearer wrong-key-${i}-padding-padding` } });
      statuses.push(last.status);
      if (i < 299) await last.arrayBuffer();
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(403));
    expect(statuses.slice(10)).toEqual(Array(290).fill(429));
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(last!.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await last!.json()).toMatchObject({ error: { code: 'too_many_attempts' } });

    const started = performance.now();
    const right = await fetch(`http://127.0.0.1:${port}/api/calls`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(right.status).toBe(200);
    expect(await right.json()).toEqual({ calls: [] });
    expect(performance.now() - started).toBeLessThan(1000); // not slowed down either
    // A request without any key is not a guess: 401 as before, not counted.
    expect((await fetch(`http://127.0.0.1:${port}/api/calls`)).status).toBe(401);
  });

  it('leaves other addresses alone, and lets the address try again once its failures leave the window', async () => {
    let now = 0;
    const app = throttleApp(new AuthThrottle({ maxFailures: 5, windowSeconds: 30, maxAddresses: 1000, now: () => now }));
    for (let i = 0; i < 20; i++) await get(app, 'wrong-key-wrong-key', from('198.51.100.7'));
    expect((await get(app, 'wrong-key-wrong-key', from('198.51.100.7'))).status).toBe(429);
    expect((await get(app, 'wrong-key-wrong-key', from('203.0.113.5'))).status).toBe(403);
    expect((await get(app, KEY, from('203.0.113.5'))).status).toBe(200);
    now = 31_000;
    expect((await get(app, 'wrong-key-wrong-key', from('198.51.100.7'))).status).toBe(403);
  });

  it('counts the client behind a trusted proxy, not the proxy', async () => {
    const app = throttleApp(new AuthThrottle({ maxFailures: 3, windowSeconds: 60, maxAddresses: 1000 }), ['10.0.0.2']);
    for (let i = 0; i < 4; i++) await get(app, 'wrong-key-wrong-key', from('10.0.0.2', { 'x-forwarded-for': '198.51.100.7' }));
    expect((await get(app, 'wrong-key-wrong-key', from('10.0.0.2', { 'x-forwarded-for': '198.51.100.7' }))).status).toBe(429);
    expect((await get(app, 'wrong-key-wrong-key', from('10.0.0.2', { 'x-forwarded-for': '198.51.100.8' }))).status).toBe(403);
  });
});

describe('media streams under a flood of wrong tokens', () => {
  const asteriskStart = 'MEDIA_START connection_id:a1 channel:WebSocket/a1 format:ulaw optimal_frame_size:160';

  /** Opens a media stream; resolves with how it ended: refused at the upgrade (HTTP status) or closed (code). */
  function attempt(port: number, token: string): Promise<{ status?: number; retryAfter?: string; close?: number }> {
    return new Promise((done) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/media/asterisk?token=${token}`);
      ws.on('unexpected-response', (_req, res) => {
        done({ status: res.statusCode, retryAfter: res.headers['retry-after'] as string | undefined });
        res.resume();
        ws.terminate();
      });
      ws.on('open', () => ws.send(asteriskStart));
      ws.on('close', (code) => done({ close: code }));
      ws.on('error', () => {});
    });
  }

  it('closes the first wrong tokens with 1008, then refuses the upgrade with 429; the right token still connects', async () => {
    const throttle = new AuthThrottle({ maxFailures: 5, windowSeconds: 60, maxAddresses: 1000 });
    const rejected: string[] = [];
    let calls = 0;
    const server = createServer();
    const endpoints = attachMediaEndpoints(server, {
      config: configSchema.parse({ security: { mediaTokens: [TOKEN] } }),
      onCall: (channel) => {
        calls++;
        void channel;
      },
      metrics: { authRejected: (_p, reason) => rejected.push(reason) },
      authThrottle: { throttle, trustedProxies: () => [] },
    });
    const port = await listen(server);
    try {
      const results = [];
      for (let i = 0; i < 9; i++) results.push(await attempt(port, `wrong-token-${i}-padding`));
      // The sixth failure puts the address over the limit; it was already a WebSocket.
      expect(results.slice(0, 6)).toEqual(Array(6).fill({ close: 1008 }));
      for (const r of results.slice(6)) {
        expect(r.status).toBe(429);
        expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      }
      expect(rejected.filter((r) => r === 'throttled')).toHaveLength(3);
      expect(throttle.retryAfterMs('127.0.0.1')).toBeGreaterThan(0);

      const ws = new WebSocket(`ws://127.0.0.1:${port}/media/asterisk?token=${TOKEN}`);
      await new Promise((r, f) => (ws.once('open', r), ws.once('unexpected-response', () => f(new Error('refused')))));
      ws.send(asteriskStart);
      const deadline = Date.now() + 3000;
      while (calls === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(calls).toBe(1);
      ws.terminate();
    } finally {
      await endpoints.close();
    }
  });
});

describe('agent PINs at the desk', () => {
  it('refuses an address over its limit before checking the PIN, even a right one; other addresses sign in', async () => {
    const { createDeskRoutes } = await import('../src/handoff/desk/routes.js');
    let checked = 0;
    const agent = { id: 'a1', name: 'Agent', skills: [], extension: null, presence: 'offline', presenceSince: new Date(), idleSince: new Date(), currentEntryId: null };
    const handoff = {
      agents: {
        signIn: async (_id: string, pin: string) => {
          checked++;
          return pin === '4321' ? { token: 'desk-token', agent } : null;
        },
      },
    };
    const desk = createDeskRoutes({
      handoff: handoff as never,
      authThrottle: { throttle: new AuthThrottle({ maxFailures: 3, windowSeconds: 60, maxAddresses: 100 }), trustedProxies: () => [] },
    });
    const login = (agentId: string, pin: string, address: string) =>
      desk.request('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agentId, pin }) }, from(address));
    // Spraying one PIN over many ids: each id alone stays under its own lock.
    for (let i = 0; i < 4; i++) expect((await login(`agent-${i}`, '0000', '198.51.100.7')).status).toBe(401);
    const before = checked;
    const refused = await login('a1', '4321', '198.51.100.7');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(checked).toBe(before); // not even checked: the answer says nothing about the PIN
    expect((await login('a1', '4321', '203.0.113.5')).status).toBe(200);
  });
});
