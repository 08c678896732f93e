import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { loadConfig } from '../src/config/load.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { freshPostgres, type TestDatabase } from './helpers/databases.js';
import { request, ScriptedCaller } from './helpers/handoff_caller_double.js';
import { startDeskServer } from './helpers/handoff_http_harness.js';

/** A desk client: collects the server's messages, resolves waits on them. */
function deskClient(url: string) {
  const ws = new WebSocket(url);
  const messages: any[] = [];
  const waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    messages.push(m);
    for (const w of [...waiters]) if (w.pred(m)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(m));
  });
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
  return {
    ws,
    messages,
    closed,
    opened: new Promise<void>((r, j) => (ws.once('open', () => r()), ws.once('error', j))),
    next(pred: (m: any) => boolean, ms = 10_000): Promise<any> {
      const hit = messages.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no such message; got ${JSON.stringify(messages)}`)), ms);
        waiters.push({ pred, resolve: (m) => (clearTimeout(t), resolve(m)) });
      });
    },
  };
}

describe('desk WebSocket', () => {
  let pg: TestDatabase;
  let deskInstance: HandoffRuntime;
  let callInstance: HandoffRuntime;
  let http: Awaited<ReturnType<typeof startDeskServer>>;
  let wsUrl: string;

  beforeAll(async () => {
    pg = await freshPostgres();
    const config = loadConfig({}, { handoff: { waitUpdateSeconds: 5, routeIntervalMs: 50, callbackOffer: false } });
    // The desk's socket lives on one instance; the call and the routing on another.
    deskInstance = createHandoffService({ database: pg.database, config, route: false });
    callInstance = createHandoffService({ database: pg.database, config, pollMs: 20 });
    await Promise.all([deskInstance.ready(), callInstance.ready()]);
    http = await startDeskServer(deskInstance, { pollMs: 100, offlineGraceMs: 200 });
    wsUrl = http.base.replace('http', 'ws') + '/desk/ws';
    await deskInstance.agents.upsert({ id: 'leila', name: 'لیلا', pin: '5555' });
  });
  afterAll(async () => {
    await http?.close();
    await callInstance?.close();
    await deskInstance?.close();
    await pg?.drop();
  });

  const login = async () => {
    const res = await fetch(`${http.base}/desk/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: 'leila', pin: '5555' }),
    });
    expect(res.status).toBe(200);
    return (await res.json()).token as string;
  };

  it('leaves other upgrade paths to their own handlers', async () => {
    const media = new WebSocketServer({ noServer: true });
    const onUpgrade = (req: any, socket: any, head: any) => {
      if (req.url.startsWith('/media/')) media.handleUpgrade(req, socket, head, (ws) => ws.send('media ok'));
    };
    http.server.on('upgrade', onUpgrade);
    const ws = new WebSocket(http.base.replace('http', 'ws') + '/media/twilio');
    const first = await new Promise<string>((r, j) => (ws.once('message', (d) => r(String(d))), ws.once('error', j)));
    expect(first).toBe('media ok');
    ws.close();
    http.server.off('upgrade', onUpgrade);
    media.close();
  });

  it('closes a socket that does not authenticate with a valid token', async () => {
    const c = deskClient(wsUrl);
    await c.opened;
    c.ws.send(JSON.stringify({ type: 'auth', token: 'not-a-token' }));
    expect((await c.closed).code).toBe(4401);
    const d = deskClient(wsUrl);
    await d.opened;
    d.ws.send('{"type":"subscribe"}');
    expect((await d.closed).code).toBe(4400);
  });

  it('pushes an offer routed by another instance, with the screen pop, and its withdrawal', async () => {
    const token = await login();
    const c = deskClient(wsUrl);
    await c.opened;
    c.ws.send(JSON.stringify({ type: 'auth', token }));
    await c.next((m) => m.type === 'hello');
    const presence = await fetch(`${http.base}/desk/api/presence`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ presence: 'available' }),
    });
    expect(presence.status).toBe(200);
    await c.next((m) => m.type === 'state' && m.agent.presence === 'available');

    const caller = new ScriptedCaller('WS1', '09124445566');
    const outcome = callInstance.handle(
      request('WS1', { callerNumber: '09124445566', intent: 'internet.slow', reason: 'no-match' }),
      caller,
    );
    const ring = await c.next((m) => m.type === 'state' && m.call?.state === 'offered');
    expect(ring.agent.presence).toBe('busy');
    expect(ring.call).toMatchObject({
      callId: 'WS1',
      callerNumber: '09124445566',
      intent: 'internet.slow',
      reason: 'no-match',
      transcript: [{ role: 'caller', text: 'می‌خواهم با اپراتور صحبت کنم' }],
      pastCalls: [],
    });
    // The live queue view shows the call ringing too (a separate message, possibly just after).
    await c.next((m) => m.type === 'queue' && m.entries.some((e: any) => e.state === 'offered'));

    // The caller hangs up while it rings: the desk hears the offer is gone.
    caller.hangup();
    expect(await outcome).toEqual({ kind: 'abandoned' });
    const after = await c.next((m) => m.type === 'state' && m.call === null && m.agent.presence === 'available');
    expect(after.agent.currentEntryId).toBeNull();

    // A desk that disappears is signed off after the grace period.
    c.ws.terminate();
    await c.closed;
    for (let i = 0; i < 100 && (await deskInstance.agents.get('leila'))?.presence !== 'offline'; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await deskInstance.agents.get('leila'))?.presence).toBe('offline');
  });

  it('validates desk API input and refuses actions on calls that are not the agent’s', async () => {
    const token = await login();
    const post = (path: string, body: unknown, auth = true) =>
      fetch(`${http.base}/desk/api${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    expect((await post('/presence', { presence: 'available' }, false)).status).toBe(401);
    const badPresence = await post('/presence', { presence: 'busy' });
    expect(badPresence.status).toBe(400);
    expect((await badPresence.json()).error.code).toBe('invalid');
    expect((await post('/presence', '{not json')).status).toBe(400);
    const wrongPin = await post('/login', { agentId: 'leila', pin: '0000' }, false);
    expect(wrongPin.status).toBe(401);
    const notMine = await post('/offers/00000000-0000-0000-0000-000000000000/accept', {});
    expect(notMine.status).toBe(409);
    expect((await notMine.json()).error.code).toBe('conflict');
    const badWrap = await post('/calls/x/wrapup', { code: 'made-up' });
    expect(badWrap.status).toBe(400);
    // Guessing PINs locks the id after five wrong tries, even for the right PIN.
    for (let i = 0; i < 4; i++) expect((await post('/login', { agentId: 'leila', pin: `99${i}9` }, false)).status).toBe(401);
    const locked = await post('/login', { agentId: 'leila', pin: '5555' }, false);
    expect(locked.status).toBe(429);
  });
});
