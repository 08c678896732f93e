import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../src/config/load.js';
import { attachDeskSocket, createHandoffService, type HandoffRuntime } from '../src/handoff/index.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';

// The desk's socket accepts messages before the agent has signed in, so its message limit is what
// stands between an anonymous client and the server's memory. (Media sockets: telephony tests.)
let db: TestDatabase;
let handoff: HandoffRuntime;
let server: Server;
let desk: { close(): Promise<void> };
let url = '';

beforeAll(async () => {
  db = await freshPglite();
  handoff = createHandoffService({ database: db.database, config: loadConfig({}, {}) });
  await handoff.ready();
  server = createServer((_req, res) => res.end());
  desk = attachDeskSocket(server, { handoff });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/desk/ws`;
});

afterAll(async () => {
  await desk?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await handoff?.close();
  await db?.drop();
});

const closeOf = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

describe('the agent desk socket', () => {
  it('closes with 1009 a message over 4 KiB from a client that has not signed in', async () => {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = closeOf(ws);
    ws.send(JSON.stringify({ type: 'auth', token: 'x'.repeat(8192) }));
    expect(await closed).toBe(1009);
  });

  it('answers a message under the limit (a wrong token is refused as such, not for its size)', async () => {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = closeOf(ws);
    ws.send(JSON.stringify({ type: 'auth', token: 'not-a-token' }));
    expect(await closed).toBe(4401);
  });
});
