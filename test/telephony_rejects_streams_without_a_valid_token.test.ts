import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, TestClient, startHarness, type Harness } from './helpers/telephony_harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const twilioStart = (params: Record<string, string>) => ({
  event: 'start',
  sequenceNumber: '1',
  streamSid: 'MZ1',
  start: { streamSid: 'MZ1', callSid: 'CA1', tracks: ['inbound'], customParameters: params, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
});
const rawStart = (token?: string) => ({ event: 'start', callId: 'r1', codec: 'pcmu', sampleRate: 8000, ...(token ? { token } : {}) });
const asteriskStart = 'MEDIA_START connection_id:a1 channel:WebSocket/a1 format:ulaw optimal_frame_size:160';

describe('media stream authentication', () => {
  it.each([
    ['twilio without a token', '/media/twilio', (c: TestClient) => c.sendJson(twilioStart({}))],
    ['twilio with a wrong customParameters.token', '/media/twilio', (c: TestClient) => c.sendJson(twilioStart({ token: 'wrong-token-wrong-token' }))],
    ['twilio with a wrong query token', '/media/twilio?token=nope', (c: TestClient) => c.sendJson(twilioStart({}))],
    ['asterisk without a token', '/media/asterisk', (c: TestClient) => c.sendText(asteriskStart)],
    ['asterisk with a wrong token', `/media/asterisk?token=${TOKEN}x`, (c: TestClient) => c.sendText(asteriskStart)],
    ['raw without a token', '/media/raw', (c: TestClient) => c.sendJson(rawStart())],
    ['raw with a token that is a prefix of the real one', '/media/raw', (c: TestClient) => c.sendJson(rawStart(TOKEN.slice(0, -1)))],
  ])('closes %s with 1008 and a clear reason, logs it, and never starts a call', async (_name, path, begin) => {
    const calls = h.records.length;
    const logged = h.logger.lines.length;
    const rejected = Object.values(h.counters.rejected).reduce((a, b) => a + b, 0);
    const c = new TestClient(h.url(path));
    await c.opened;
    begin(c);
    const closed = await c.closed;
    expect(closed).toEqual({ code: 1008, reason: 'invalid or missing media token' });
    expect(h.records.length).toBe(calls);
    const lines = h.logger.lines.slice(logged);
    expect(lines.some((l) => l.level === 'warn' && /missing or invalid media token/.test(l.msg ?? ''))).toBe(true);
    // The log says where it came from, never what the token was.
    expect(JSON.stringify(lines)).toContain('127.0.0.1');
    expect(JSON.stringify(lines)).not.toContain(TOKEN.slice(0, 12));
    expect(Object.values(h.counters.rejected).reduce((a, b) => a + b, 0)).toBe(rejected + 1);
  });

  it('accepts a bearer token on the upgrade request', async () => {
    const calls = h.records.length;
    const c = new TestClient(h.url('/media/raw'), { authorization: `Bearer ${TOKEN}` });
    await c.opened;
    c.sendJson(rawStart());
    const deadline = Date.now() + 3000;
    while (h.records.length === calls && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(h.records.length).toBe(calls + 1);
    c.sendJson({ event: 'stop' });
    expect((await c.closed).code).toBe(1000);
  });

  it('refuses every stream when no media tokens are configured (fail closed)', async () => {
    const { configSchema } = await import('../src/config/schema.js');
    const { createServer } = await import('node:http');
    const { attachMediaEndpoints } = await import('../src/telephony/ws_endpoints.js');
    const server = createServer();
    let started = 0;
    const ep = attachMediaEndpoints(server, { config: configSchema.parse({}), onCall: () => started++ });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const c = new TestClient(`ws://127.0.0.1:${port}/media/raw?token=anything-at-all-123`);
      await c.opened;
      c.sendJson(rawStart('anything-at-all-123'));
      expect((await c.closed).code).toBe(1008);
      expect(started).toBe(0);
    } finally {
      await ep.close();
      await new Promise((r) => server.close(r));
    }
  });

  it('closes a stream that never sends start', async () => {
    const quick = await startHarness({ startTimeoutMs: 200 });
    try {
      const c = new TestClient(quick.url('/media/twilio'));
      await c.opened;
      c.sendJson({ event: 'connected', protocol: 'Call', version: '1.0.0' });
      const closed = await c.closed;
      expect(closed).toEqual({ code: 1008, reason: 'no start message received' });
    } finally {
      await quick.close();
    }
  });

  it('leaves upgrades on other paths to other listeners', async () => {
    const { WebSocketServer } = await import('ws');
    const other = new WebSocketServer({ noServer: true });
    const onUpgrade = (req: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
      if (req.url === '/desk/ws') other.handleUpgrade(req, socket, head, (ws) => ws.send('desk hello'));
    };
    h.server.on('upgrade', onUpgrade);
    try {
      const c = new TestClient(h.url('/desk/ws'));
      await c.opened;
      await c.until(() => c.texts().includes('desk hello'), 2000, 'the other endpoint');
      c.ws.close();
    } finally {
      h.server.off('upgrade', onUpgrade);
      other.close();
    }
  });
});
