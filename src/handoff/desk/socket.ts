import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { screenPop, type ScreenPop } from '../screen-pop.js';
import type { HandoffRuntime } from '../service.js';

export interface DeskSocketDeps {
  handoff: HandoffRuntime;
  /** How often connected desks are refreshed from the database (offers made by other instances). */
  pollMs?: number;
  /** A desk whose socket closed goes offline after this long without reconnecting. */
  offlineGraceMs?: number;
  path?: string;
}

interface Client {
  ws: WebSocket;
  agentId: string | null;
  alive: boolean;
  lastState: string;
  lastQueue: string;
}

const authMessage = z.object({ type: z.literal('auth'), token: z.string().min(1).max(200) });

/**
 * Live events for the agent desk on `/desk/ws`: after `{type:'auth', token}` the desk receives
 * `state` (its presence and the call ringing or in progress, with the screen pop) and `queue`
 * (the live line) whenever they change. State is read from the database, not from this process,
 * so an offer made by any instance reaches the desk wherever its socket landed.
 */
export function attachDeskSocket(server: Server, deps: DeskSocketDeps): { close(): Promise<void> } {
  const { handoff } = deps;
  const path = deps.path ?? '/desk/ws';
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const clients = new Set<Client>();
  const offlineTimers = new Map<string, NodeJS.Timeout>();
  const pops = new Map<string, { at: number; pop: ScreenPop }>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://desk');
    if (url.pathname !== path) return; // other paths (/media/*) belong to other handlers
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  wss.on('connection', (ws: WebSocket) => {
    const client: Client = { ws, agentId: null, alive: true, lastState: '', lastQueue: '' };
    clients.add(client);
    const authTimer = setTimeout(() => client.agentId || ws.close(4401, 'auth required'), 5000);
    ws.on('pong', () => (client.alive = true));
    ws.on('message', async (data) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(data));
      } catch {
        return send(client, { type: 'error', message: 'bad json' });
      }
      if (client.agentId) return; // the desk talks to the server through the JSON API
      const parsed = authMessage.safeParse(msg);
      if (!parsed.success) return ws.close(4400, 'expected auth');
      const agent = await handoff.agents.agentForToken(parsed.data.token).catch(() => null);
      if (!agent) return ws.close(4401, 'invalid token');
      clearTimeout(authTimer);
      client.agentId = agent.id;
      const pending = offlineTimers.get(agent.id);
      if (pending) clearTimeout(pending), offlineTimers.delete(agent.id);
      send(client, { type: 'hello', agentId: agent.id });
      void refresh();
    });
    ws.on('close', () => {
      clearTimeout(authTimer);
      clients.delete(client);
      if (client.agentId && ![...clients].some((c) => c.agentId === client.agentId)) scheduleOffline(client.agentId);
    });
    ws.on('error', () => {});
  });

  function send(client: Client, msg: unknown) {
    if (client.ws.readyState === client.ws.OPEN) client.ws.send(JSON.stringify(msg));
  }

  /** A desk that vanished must not keep ringing: decline what rings on it and sign it off. */
  function scheduleOffline(agentId: string) {
    const timer = setTimeout(async () => {
      offlineTimers.delete(agentId);
      if ([...clients].some((c) => c.agentId === agentId)) return;
      try {
        const agent = await handoff.agents.get(agentId);
        if (!agent) return;
        if (agent.presence === 'busy' && agent.currentEntryId) {
          const entry = await handoff.queue.get(agent.currentEntryId);
          if (entry?.state === 'offered' && entry.offeredTo === agentId) await handoff.decline(entry.id, agentId);
        }
        const now = await handoff.agents.get(agentId);
        if (now?.presence === 'available') await handoff.agents.setPresence(agentId, 'offline');
        handoff.events.emit('changed');
      } catch {
        /* the next poll shows whatever state the database holds */
      }
    }, deps.offlineGraceMs ?? 10_000);
    timer.unref?.();
    offlineTimers.set(agentId, timer);
  }

  let refreshing: Promise<void> | null = null;
  let again = false;
  function refresh(): Promise<void> {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        again = false;
        try {
          await push();
        } catch {
          /* database hiccup: try again on the next tick */
        }
      } while (again);
    })().finally(() => (refreshing = null));
    return refreshing;
  }

  async function push() {
    const signedIn = [...clients].filter((c) => c.agentId);
    if (!signedIn.length) return;
    const live = await handoff.queue.live();
    const queueMsg = JSON.stringify({
      type: 'queue',
      entries: live.map((e) => ({ id: e.id, queue: e.queue, state: e.state, reason: e.reason, enqueuedAt: e.enqueuedAt.toISOString() })),
    });
    const agentIds = [...new Set(signedIn.map((c) => c.agentId!))];
    const states = new Map<string, string>();
    for (const id of agentIds) {
      const agent = await handoff.agents.get(id);
      if (!agent) continue;
      let call: ScreenPop | null = null;
      if (agent.currentEntryId) {
        const entry = await handoff.queue.get(agent.currentEntryId);
        if (entry) {
          // History does not change during a call: reuse it, refresh only the live fields.
          const cached = pops.get(entry.id);
          const base = cached && Date.now() - cached.at < 60_000 ? cached.pop : await screenPop(handoff.database, entry);
          if (!cached || base !== cached.pop) pops.set(entry.id, { at: Date.now(), pop: base });
          call = {
            ...base,
            state: entry.state,
            offerExpiresAt: entry.offerExpiresAt?.toISOString() ?? null,
            answeredAt: entry.answeredAt?.toISOString() ?? null,
            endedAt: entry.endedAt?.toISOString() ?? null,
          };
        }
      }
      states.set(
        id,
        JSON.stringify({
          type: 'state',
          agent: { id: agent.id, name: agent.name, presence: agent.presence, currentEntryId: agent.currentEntryId },
          call,
        }),
      );
    }
    for (const c of signedIn) {
      const state = states.get(c.agentId!);
      if (state && state !== c.lastState) {
        c.lastState = state;
        if (c.ws.readyState === c.ws.OPEN) c.ws.send(state);
      }
      if (queueMsg !== c.lastQueue) {
        c.lastQueue = queueMsg;
        if (c.ws.readyState === c.ws.OPEN) c.ws.send(queueMsg);
      }
    }
    for (const [id, v] of pops) if (Date.now() - v.at > 300_000) pops.delete(id);
  }

  const onChanged = () => void refresh();
  handoff.events.on('changed', onChanged);
  const poll = setInterval(() => void refresh(), deps.pollMs ?? 500);
  poll.unref?.();
  const heartbeat = setInterval(() => {
    for (const c of clients) {
      if (!c.alive) c.ws.terminate();
      else {
        c.alive = false;
        c.ws.ping();
      }
    }
  }, 15_000);
  heartbeat.unref?.();

  return {
    async close() {
      server.off('upgrade', onUpgrade);
      handoff.events.off('changed', onChanged);
      clearInterval(poll);
      clearInterval(heartbeat);
      for (const t of offlineTimers.values()) clearTimeout(t);
      offlineTimers.clear();
      for (const c of clients) c.ws.terminate();
      await refreshing;
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
