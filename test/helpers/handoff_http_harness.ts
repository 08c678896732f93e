import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { attachDeskSocket, createAgentRoutes, createDeskRoutes, createQueueRoutes } from '../../src/handoff/index.js';
import type { HandoffRuntime } from '../../src/handoff/service.js';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

/** The hand-off's HTTP surface mounted as the lead's app will mount it, on a real port. */
export async function startDeskServer(handoff: HandoffRuntime, socket: { pollMs?: number; offlineGraceMs?: number } = {}) {
  const app = new Hono();
  app.route('/desk', createDeskRoutes({ handoff }));
  app.route('/api/agents', createAgentRoutes({ handoff, adminKeys: () => [ADMIN_KEY] }));
  app.route('/api/queue', createQueueRoutes({ handoff, adminKeys: () => [ADMIN_KEY] }));
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  const desk = attachDeskSocket(server, { handoff, ...socket });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(base + path, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
  return {
    base,
    server,
    admin,
    async close() {
      await desk.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
