import { Hono } from 'hono';
import { z } from 'zod';
import { NORMALISED_TEXT_SQL } from '../analytics/kpis.js';
import { startOfDayIn } from '../analytics/time.js';
import { readJson } from '../http/body.js';
import { ApiError, sendError } from '../http/errors.js';
import type { Database } from '../store/db.js';
import type { AuditLog } from './audit.js';
import { ROLES, type UserStore } from './users.js';

// The request schemas are exported for the OpenAPI description of /api (src/http/api-operations.ts).
export const newUser = z.object({
  username: z.string().trim().regex(/^[\w.@-]{2,64}$/, 'Letters, digits, . _ @ - (2 to 64)'),
  password: z.string().min(8, 'At least 8 characters').max(256),
  role: z.enum(ROLES as [string, ...string[]]),
});

/** `/api/users`: console users (admin key or an admin's session). */
export function createUserRoutes(deps: { users: UserStore }): Hono {
  const app = new Hono();
  app.onError((err, c) => sendError(c, err));

  app.get('/', async (c) => c.json({ users: await deps.users.list() }));

  app.post('/', async (c) => {
    const parsed = newUser.safeParse(await readJson(c));
    if (!parsed.success) throw new ApiError(400, 'invalid', 'Invalid user', parsed.error.issues);
    const by = c.get('principal')?.username ?? null;
    const { user, created } = await deps.users.upsert(parsed.data as { username: string; password: string; role: 'admin' | 'ops' | 'viewer' }, by);
    return c.json({ user }, created ? 201 : 200);
  });

  app.delete('/:username', async (c) => {
    const username = c.req.param('username');
    if (c.get('principal')?.kind === 'session' && c.get('principal')?.username === username) {
      throw new ApiError(409, 'conflict', 'You cannot delete the account you are signed in with');
    }
    if (!(await deps.users.remove(username))) throw new ApiError(404, 'not_found', `No user "${username}"`);
    return c.json({ ok: true });
  });

  return app;
}

export const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().positive().optional(),
  actor: z.string().max(64).optional(),
});

/** `/api/audit`: who changed what, when (admins). */
export function createAuditRoutes(deps: { audit: AuditLog }): Hono {
  const app = new Hono();
  app.onError((err, c) => sendError(c, err));
  app.get('/', async (c) => {
    const q = auditQuery.safeParse(c.req.query());
    if (!q.success) throw new ApiError(400, 'invalid_query', 'Invalid query parameters', q.error.issues);
    return c.json({ entries: await deps.audit.list(q.data) });
  });
  return app;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const unansweredQuery = z.object({
  since: z.string().regex(DAY),
  until: z.string().regex(DAY),
  below: z.coerce.number().min(0).max(1).default(0.6),
  top: z.coerce.number().int().min(1).max(500).default(100),
});
export const rangeQuery = z.object({ since: z.string().regex(DAY), until: z.string().regex(DAY) });

/**
 * `/api/console`: the few read-only figures the console shows that the rest of the API does not
 * already serve — calls per hour of one day, unanswered questions, keys pressed to an answer by the
 * keypad menu, and the content of an old FAQ version (for diffs).
 */
export function createConsoleDataRoutes(deps: { database: Database; timezone: string; now?: () => Date }): Hono {
  const app = new Hono();
  app.onError((err, c) => sendError(c, err));
  const now = deps.now ?? (() => new Date());

  app.get('/hourly', async (c) => {
    const day = c.req.query('day') ?? new Intl.DateTimeFormat('en-CA', { timeZone: deps.timezone }).format(now());
    if (!DAY.test(day) || Number.isNaN(Date.parse(day))) throw new ApiError(400, 'invalid_query', 'day must be YYYY-MM-DD');
    const since = startOfDayIn(day, deps.timezone);
    const next = new Date(since.getTime() + 36 * 3600_000);
    const until = startOfDayIn(new Intl.DateTimeFormat('en-CA', { timeZone: deps.timezone }).format(next), deps.timezone);
    const rows = await deps.database.query<{ hour: number; calls: number; contained: number; handoffs: number }>(
      `select extract(hour from (started_at at time zone $3))::int as hour, count(*)::int as calls,
         count(*) filter (where outcome = 'completed')::int as contained,
         count(*) filter (where outcome = 'handoff' or handoff_reason is not null)::int as handoffs
       from calls where started_at >= $1::timestamptz and started_at < $2::timestamptz group by 1 order by 1`,
      [since.toISOString(), until.toISOString(), deps.timezone],
    );
    const hours = Array.from({ length: 24 }, (_, hour) => {
      const r = rows.find((x) => Number(x.hour) === hour);
      return { hour, calls: Number(r?.calls ?? 0), contained: Number(r?.contained ?? 0), handoffs: Number(r?.handoffs ?? 0) };
    });
    return c.json({ day, timezone: deps.timezone, since: since.toISOString(), until: until.toISOString(), hours });
  });

  /**
   * `GET /unanswered?since=&until=&below=0.6` (days in the service time zone, both included): what
   * callers said that the bot refused (no intent) or placed with confidence below `below`, grouped
   * across Persian spelling variants as the KPI report groups them.
   */
  app.get('/unanswered', async (c) => {
    const q = unansweredQuery.safeParse(c.req.query());
    if (!q.success) throw new ApiError(400, 'invalid_query', 'Invalid query parameters', q.error.issues);
    const since = startOfDayIn(q.data.since, deps.timezone);
    const until = startOfDayIn(new Date(Date.parse(`${q.data.until}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10), deps.timezone);
    if (since >= until) throw new ApiError(400, 'invalid_query', 'since must not be after until');
    const rows = await deps.database.query<Record<string, any>>(
      `with u as (
         select t.heard_text, t.at, t.call_id, t.intent, t.confidence, ${NORMALISED_TEXT_SQL('t.heard_text')} as k
         from turns t join calls c on c.id = t.call_id
         where c.started_at >= $1::timestamptz and c.started_at < $2::timestamptz and t.input = 'speech' and t.heard_text is not null
           and (t.intent is null or (t.confidence is not null and t.confidence < $3))
       )
       select mode() within group (order by heard_text) as text, count(*)::int as count,
         count(distinct call_id)::int as calls, max(at) as last_at,
         (array_agg(call_id order by at desc))[1] as example_call_id,
         count(*) filter (where intent is null)::int as refused,
         count(*) filter (where intent is not null)::int as low_confidence,
         (array_agg(intent order by at desc) filter (where intent is not null))[1] as guessed_intent,
         max(confidence) filter (where intent is not null) as best_confidence
       from u where k is not null group by k order by count desc, last_at desc limit $4`,
      [since.toISOString(), until.toISOString(), q.data.below, q.data.top],
    );
    return c.json({
      since: since.toISOString(),
      until: until.toISOString(),
      below: q.data.below,
      questions: rows.map((r) => ({
        text: r.text,
        count: Number(r.count),
        calls: Number(r.calls),
        lastAt: new Date(r.last_at).toISOString(),
        exampleCallId: r.example_call_id,
        refused: Number(r.refused),
        lowConfidence: Number(r.low_confidence),
        guessedIntent: r.guessed_intent ?? null,
        bestConfidence: r.best_confidence == null ? null : Math.round(Number(r.best_confidence) * 1e4) / 1e4,
      })),
    });
  });

  /**
   * `GET /keypad?since=&until=` (days in the service time zone, both included): how many keys the
   * callers who reached an answer through the keypad menu pressed on the way (the length of the
   * `menu.selected` path that named an FAQ), for issue 19's "an answer in at most three presses".
   */
  app.get('/keypad', async (c) => {
    const q = rangeQuery.safeParse(c.req.query());
    if (!q.success) throw new ApiError(400, 'invalid_query', 'Invalid query parameters', q.error.issues);
    const since = startOfDayIn(q.data.since, deps.timezone);
    const until = startOfDayIn(new Date(Date.parse(`${q.data.until}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10), deps.timezone);
    if (since >= until) throw new ApiError(400, 'invalid_query', 'since must not be after until');
    const rows = await deps.database.query<{ keys: number; count: number }>(
      `select jsonb_array_length(e.data->'path')::int as keys, count(*)::int as count
       from call_events e join calls c on c.id = e.call_id
       where c.started_at >= $1::timestamptz and c.started_at < $2::timestamptz
         and e.type = 'menu.selected' and e.data ? 'faqId' and jsonb_typeof(e.data->'path') = 'array'
       group by 1 order by 1`,
      [since.toISOString(), until.toISOString()],
    );
    const keys = rows.map((r) => ({ keys: Number(r.keys), count: Number(r.count) }));
    const answers = keys.reduce((sum, k) => sum + k.count, 0);
    const withinThree = keys.filter((k) => k.keys <= 3).reduce((sum, k) => sum + k.count, 0);
    return c.json({ since: since.toISOString(), until: until.toISOString(), answers, withinThree, keys });
  });

  app.get('/faq-versions/:v', async (c) => {
    const v = z.coerce.number().int().positive().safeParse(c.req.param('v'));
    if (!v.success) throw new ApiError(400, 'bad_request', 'version must be a positive integer');
    const [info] = await deps.database.query(`select version from kb_versions where version = $1`, [v.data]);
    if (!info) throw new ApiError(404, 'not_found', `No version ${v.data}`);
    const rows = await deps.database.query<Record<string, any>>(
      `select id, question, answer, action, queue, examples, tags, menu, enabled from kb_faqs where version = $1 order by position`,
      [v.data],
    );
    const json = (x: unknown) => (typeof x === 'string' ? JSON.parse(x) : x);
    return c.json({
      version: v.data,
      faqs: rows.map((r) => ({ ...r, examples: json(r.examples) ?? [], tags: json(r.tags) ?? [] })),
    });
  });

  return app;
}
