import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { readJson } from '../../http/body.js';
import { z } from 'zod';
import { ApiError, errorBody, sendError } from '../../http/errors.js';
import { requestAddress, retryAfterSeconds, type AuthThrottle } from '../../http/auth-throttle.js';
import { agentJson, type Agent } from '../agents.js';
import { screenPop } from '../screen-pop.js';
import type { HandoffRuntime } from '../service.js';
import { QueueConflict } from '../store.js';

export interface DeskDeps {
  handoff: HandoffRuntime;
  /** Wrong PINs per client address (security.authThrottle); over the limit, sign-ins are refused unchecked. */
  authThrottle?: { throttle: AuthThrottle; trustedProxies: () => readonly string[] };
}

/** Wrap-up codes the desk offers (code → Persian label). */
export const wrapUpCodes: Record<string, string> = {
  resolved: 'حل شد',
  'follow-up': 'نیاز به پیگیری',
  escalated: 'ارجاع به کارشناس ارشد',
  complaint: 'ثبت شکایت',
  'wrong-queue': 'صف نادرست',
  'no-answer': 'تماس‌گیرنده پاسخ نداد',
};

const MAX_LOGIN_FAILURES = 5;
const LOCKOUT_MS = 5 * 60_000;
const MAX_TRACKED_IDS = 10_000;

const pageHtml = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'index.html'), 'utf8');

const loginBody = z.object({ agentId: z.string().trim().min(1).max(64), pin: z.string().min(1).max(128) });
const presenceBody = z.object({ presence: z.enum(['available', 'after-call-work', 'offline']) });
const wrapUpBody = z.object({
  code: z.string().refine((c) => c in wrapUpCodes, { message: 'Unknown wrap-up code' }),
  notes: z.string().max(4000).optional().default(''),
});

async function body<T extends z.ZodTypeAny>(c: Context, schema: T): Promise<z.infer<T>> {
  const raw = await readJson(c);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, 'invalid', 'Invalid request body', parsed.error.issues);
  return parsed.data;
}

const bearer = (c: Context) => /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim() ?? null;

/** The agent as their own desk shows them: the idle clock is the router's, not the agent's. */
const deskAgentJson = (a: Agent) => {
  const { idleSince: _router, ...json } = agentJson(a);
  return json;
};

/**
 * The agent desk: the page at `/desk` and its JSON API under `/desk/api`. Agents sign in with
 * their id and PIN and get a bearer token for the API and the `/desk/ws` socket.
 */
export function createDeskRoutes(deps: DeskDeps): Hono {
  const { handoff } = deps;
  const app = new Hono<{ Variables: { agent: Agent } }>();

  app.onError((err, c) => {
    if (err instanceof QueueConflict) return c.json(errorBody('conflict', err.message), 409);
    return sendError(c, err);
  });

  app.get('/', (c) => {
    c.header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:");
    return c.html(pageHtml);
  });

  // PINs are short: a few wrong tries lock the id for a while (per instance; enough to stop guessing).
  const failures = new Map<string, { count: number; until: number }>();
  // …and an address that keeps failing is refused before its PIN is even checked: PINs are short
  // enough to guess, so an answer that told a right PIN from a wrong one would keep the guessing
  // going (spraying one PIN over many ids gets past the per-id lock). Unlike admin keys, a right
  // PIN from that address waits too (Retry-After).
  const throttle = deps.authThrottle;
  app.post('/api/login', async (c) => {
    const address = throttle ? requestAddress(c, throttle.trustedProxies()) : '';
    const wait = throttle?.throttle.retryAfterMs(address) ?? 0;
    if (wait > 0) {
      c.header('retry-after', retryAfterSeconds(wait));
      return c.json(errorBody('too_many_attempts', 'چند بار رمز نادرست از این نشانی وارد شد؛ کمی بعد دوباره تلاش کنید'), 429);
    }
    const { agentId, pin } = await body(c, loginBody);
    const now = Date.now();
    const f = failures.get(agentId);
    if (f && f.count >= MAX_LOGIN_FAILURES && f.until > now) {
      return c.json(errorBody('too_many_attempts', 'چند بار رمز نادرست وارد شد؛ چند دقیقه‌ی دیگر دوباره تلاش کنید'), 429);
    }
    const session = await handoff.agents.signIn(agentId, pin);
    if (!session) {
      throttle?.throttle.fail(address);
      const next = f && f.until > now ? f.count + 1 : 1;
      failures.delete(agentId); // re-inserted last: the map stays in order of last failure
      failures.set(agentId, { count: next, until: now + LOCKOUT_MS });
      // Ids are whatever the client sends: keep the map bounded, forgetting the stalest first.
      if (failures.size > MAX_TRACKED_IDS) failures.delete(failures.keys().next().value!);
      return c.json(errorBody('unauthorized', 'شناسه یا رمز نادرست است'), 401);
    }
    failures.delete(agentId);
    return c.json({ token: session.token, agent: deskAgentJson(session.agent), wrapUpCodes });
  });

  app.use('/api/*', async (c, next) => {
    if (c.req.path.endsWith('/api/login')) return next();
    const agent = await handoff.agents.agentForToken(bearer(c));
    if (!agent) return c.json(errorBody('unauthorized', 'Sign in again'), 401);
    c.set('agent', agent);
    await next();
  });

  app.post('/api/logout', async (c) => {
    const agent = c.get('agent');
    if (agent.presence !== 'busy' && agent.presence !== 'offline' && !agent.currentEntryId) {
      await handoff.agents.setPresence(agent.id, 'offline');
    }
    await handoff.agents.signOut(bearer(c)!);
    handoff.events.emit('changed');
    return c.json({ ok: true });
  });

  app.get('/api/me', async (c) => {
    const agent = c.get('agent');
    const entry = agent.currentEntryId ? await handoff.queue.get(agent.currentEntryId) : null;
    const queues = Object.fromEntries((await handoff.queue.listQueues()).map((q) => [q.name, q.label ?? q.name]));
    return c.json({
      agent: deskAgentJson(agent),
      call: entry ? await screenPop(handoff.database, entry) : null,
      wrapUpCodes,
      queues,
    });
  });

  app.post('/api/presence', async (c) => {
    const { presence } = await body(c, presenceBody);
    const agent = await handoff.agents.setPresence(c.get('agent').id, presence);
    handoff.events.emit('changed');
    if (presence === 'available') void handoff.worker.tick();
    return c.json({ agent: deskAgentJson(agent) });
  });

  app.post('/api/offers/:id/accept', async (c) => {
    const entry = await handoff.accept(c.req.param('id'), c.get('agent').id);
    return c.json({ call: await screenPop(handoff.database, entry) });
  });

  app.post('/api/offers/:id/decline', async (c) => {
    await handoff.decline(c.req.param('id'), c.get('agent').id);
    return c.json({ ok: true });
  });

  app.post('/api/calls/:id/end', async (c) => {
    const entry = await handoff.endCall(c.req.param('id'), c.get('agent').id);
    return c.json({ call: await screenPop(handoff.database, entry) });
  });

  app.post('/api/calls/:id/wrapup', async (c) => {
    const { code, notes } = await body(c, wrapUpBody);
    const entry = await handoff.wrapUp(c.req.param('id'), c.get('agent').id, code, notes.trim() || null);
    return c.json({ call: await screenPop(handoff.database, entry) });
  });

  app.get('/api/calls/:id', async (c) => {
    const entry = await handoff.queue.get(c.req.param('id'));
    const me = c.get('agent').id;
    // An agent sees the calls offered to or taken by them, not everyone's.
    if (!entry || (entry.offeredTo !== me && entry.answeredBy !== me)) {
      throw new ApiError(404, 'not_found', 'No such call on your desk');
    }
    return c.json({ call: await screenPop(handoff.database, entry) });
  });

  app.get('/api/queue', async (c) => {
    const entries = await handoff.queue.live();
    return c.json({
      entries: entries.map((e) => ({ id: e.id, queue: e.queue, state: e.state, enqueuedAt: e.enqueuedAt.toISOString(), reason: e.reason })),
    });
  });

  return app as unknown as Hono;
}
