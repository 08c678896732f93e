import { Hono, type Context } from 'hono';
import { readJson } from '../http/body.js';
import { z } from 'zod';
import { requireAdminKey } from '../http/auth.js';
import { ApiError, sendError } from '../http/errors.js';
import { agentJson } from './agents.js';
import { queueKpis } from './kpis.js';
import type { HandoffRuntime } from './service.js';

export interface QueueRoutesDeps {
  handoff: HandoffRuntime;
  /** Admin keys (default: config.security.adminKeys of the hand-off service). */
  adminKeys?: () => readonly string[];
}

// Exported for the OpenAPI description of /api (src/http/api-operations.ts).
export const kpiQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  queue: z.string().min(1).max(64).optional(),
});

export const newAgent = z.object({
  id: z.string().trim().regex(/^[\w.@-]{1,64}$/, 'Letters, digits, . _ @ - (up to 64)'),
  name: z.string().trim().min(1).max(100),
  pin: z.string().min(4).max(128),
  skills: z.array(z.string().trim().min(1).max(64)).max(32).default([]),
  extension: z.string().trim().max(64).nullable().optional(),
});

function adminGuard(deps: QueueRoutesDeps) {
  return requireAdminKey(deps.adminKeys ?? (() => deps.handoff.config.security.adminKeys));
}

/** `/api/queue`: the live queue, agents and queue KPIs (admin key). */
export function createQueueRoutes(deps: QueueRoutesDeps): Hono {
  const { handoff } = deps;
  const app = new Hono();
  app.onError((err, c) => sendError(c, err));
  app.use('*', adminGuard(deps));

  app.get('/', async (c) => {
    const [queues, entries, agents] = await Promise.all([handoff.queue.listQueues(), handoff.queue.live(), handoff.agents.list()]);
    const now = Date.now();
    return c.json({
      queues,
      entries: entries.map((e) => ({
        id: e.id,
        callId: e.callId,
        queue: e.queue,
        state: e.state,
        reason: e.reason,
        intent: e.intent,
        callerNumber: e.callerNumber,
        callbackNumber: e.callbackNumber,
        offeredTo: e.offeredTo,
        enqueuedAt: e.enqueuedAt.toISOString(),
        waitingSeconds: Math.max(0, Math.round((now - e.enqueuedAt.getTime()) / 1000)),
      })),
      agents: agents.map(agentJson),
    });
  });

  app.get('/agents', async (c) => c.json({ agents: (await handoff.agents.list()).map(agentJson) }));

  app.get('/kpis', async (c) => {
    const parsed = kpiQuery.safeParse(c.req.query());
    if (!parsed.success) throw new ApiError(400, 'invalid', 'Invalid query', parsed.error.issues);
    const to = parsed.data.to ? new Date(parsed.data.to) : new Date();
    const from = parsed.data.from ? new Date(parsed.data.from) : new Date(to.getTime() - 24 * 3600 * 1000);
    if (!(from < to)) throw new ApiError(400, 'invalid', '`from` must be before `to`');
    return c.json(await queueKpis(handoff.database, { from, to, queue: parsed.data.queue ?? null }, handoff.config.handoff.serviceLevelSeconds));
  });

  return app;
}

/** `/api/agents`: create, list and remove desk agents (admin key). */
export function createAgentRoutes(deps: QueueRoutesDeps): Hono {
  const { handoff } = deps;
  const app = new Hono();
  app.onError((err, c) => sendError(c, err));
  app.use('*', adminGuard(deps));

  app.get('/', async (c) => c.json({ agents: (await handoff.agents.list()).map(agentJson) }));

  app.post('/', async (c: Context) => {
    const raw = await readJson(c);
    const parsed = newAgent.safeParse(raw);
    if (!parsed.success) throw new ApiError(400, 'invalid', 'Invalid agent', parsed.error.issues);
    const agent = await handoff.agents.upsert(parsed.data);
    return c.json({ agent: agentJson(agent) }, 201);
  });

  app.delete('/:id', async (c) => {
    if (!(await handoff.agents.remove(c.req.param('id')))) throw new ApiError(404, 'not_found', 'No such agent');
    return c.json({ ok: true });
  });

  return app;
}
