import { Hono } from 'hono';
import { z } from 'zod';
import { and, asc, count, countDistinct, desc, eq, gte, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { normalisedText } from '../analytics/kpis.js';
import { startOfDayIn } from '../analytics/time.js';
import { readJson } from '../http/body.js';
import { ApiError, sendError } from '../http/errors.js';
import type { Database } from '../store/db.js';
import { callEvents, calls, turns } from '../store/schema/calls.js';
import { kbFaqs, kbVersions } from '../store/schema/knowledge.js';
import type { AuditLog } from './audit.js';
import { ROLES, type UserStore } from './users.js';

// The request schemas are exported for the OpenAPI description of /api (src/http/api-operations.ts).
export const newUser = z.object({
  username: z.string().trim().regex(/^[\w.@-]{2,64}$/, 'Letters, digits, . _ @ - (2 to 64)'),
  password: z.string().min(8, 'At least 8 characters').max(256),
  role: z.enum(ROLES as [string, ...string[]]),
});

/** `since` and `until` days (both included, in `timezone`) as the instants that bound them; refused when reversed. */
function dayRange(days: { since: string; until: string }, timezone: string): { since: Date; until: Date } {
  const since = startOfDayIn(days.since, timezone);
  const until = startOfDayIn(new Date(Date.parse(`${days.until}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10), timezone);
  if (since >= until) throw new ApiError(400, 'invalid_query', 'since must not be after until');
  return { since, until };
}

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

const countWhere = (cond: SQL | undefined) => sql<number>`count(*) filter (where ${cond})`.mapWith(Number);
/** Calls that started in [since, until). */
const startedIn = (since: Date, until: Date) => and(gte(calls.startedAt, since), lt(calls.startedAt, until));

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
    const rows = await deps.database.db
      .select({
        hour: sql<number>`extract(hour from (${calls.startedAt} at time zone ${deps.timezone}))::int`.mapWith(Number),
        calls: count(),
        contained: countWhere(eq(calls.outcome, 'completed')),
        handoffs: countWhere(or(eq(calls.outcome, 'handoff'), isNotNull(calls.handoffReason))),
      })
      .from(calls)
      .where(startedIn(since, until))
      // By position: the zone is a parameter, so a repeated hour expression would not match the select's.
      .groupBy(sql`1`)
      .orderBy(sql`1`);
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
    const { since, until } = dayRange(q.data, deps.timezone);
    const u = deps.database.db.$with('u').as(
      deps.database.db
        .select({ heardText: turns.heardText, at: turns.at, callId: turns.callId, intent: turns.intent, confidence: turns.confidence, k: normalisedText(turns.heardText).as('k') })
        .from(turns)
        .innerJoin(calls, eq(calls.id, turns.callId))
        .where(
          and(
            startedIn(since, until),
            eq(turns.input, 'speech'),
            isNotNull(turns.heardText),
            or(isNull(turns.intent), and(isNotNull(turns.confidence), lt(turns.confidence, q.data.below))),
          ),
        ),
    );
    const lastAt = sql`max(${u.at})`.mapWith(turns.at);
    const rows = await deps.database.db
      .with(u)
      .select({
        text: sql<string>`mode() within group (order by ${u.heardText})`,
        count: count(),
        calls: countDistinct(u.callId),
        lastAt,
        exampleCallId: sql<string>`(array_agg(${u.callId} order by ${u.at} desc))[1]`,
        refused: countWhere(isNull(u.intent)),
        lowConfidence: countWhere(isNotNull(u.intent)),
        guessedIntent: sql<string | null>`(array_agg(${u.intent} order by ${u.at} desc) filter (where ${isNotNull(u.intent)}))[1]`,
        bestConfidence: sql<number | null>`max(${u.confidence}) filter (where ${isNotNull(u.intent)})`.mapWith(Number),
      })
      .from(u)
      .where(isNotNull(u.k))
      .groupBy(u.k)
      .orderBy(desc(count()), desc(lastAt))
      .limit(q.data.top);
    return c.json({
      since: since.toISOString(),
      until: until.toISOString(),
      below: q.data.below,
      questions: rows.map((r) => ({
        text: r.text,
        count: r.count,
        calls: r.calls,
        lastAt: r.lastAt.toISOString(),
        exampleCallId: r.exampleCallId,
        refused: r.refused,
        lowConfidence: r.lowConfidence,
        guessedIntent: r.guessedIntent ?? null,
        bestConfidence: r.bestConfidence == null ? null : Math.round(r.bestConfidence * 1e4) / 1e4,
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
    const { since, until } = dayRange(q.data, deps.timezone);
    const pressed = sql<number>`jsonb_array_length(${callEvents.data}->'path')::int`.mapWith(Number);
    const keys = await deps.database.db
      .select({ keys: pressed, count: count() })
      .from(callEvents)
      .innerJoin(calls, eq(calls.id, callEvents.callId))
      .where(
        and(
          startedIn(since, until),
          eq(callEvents.type, 'menu.selected'),
          sql`${callEvents.data} ? 'faqId'`,
          sql`jsonb_typeof(${callEvents.data}->'path') = 'array'`,
        ),
      )
      .groupBy(pressed)
      .orderBy(pressed);
    const answers = keys.reduce((sum, k) => sum + k.count, 0);
    const withinThree = keys.filter((k) => k.keys <= 3).reduce((sum, k) => sum + k.count, 0);
    return c.json({ since: since.toISOString(), until: until.toISOString(), answers, withinThree, keys });
  });

  app.get('/faq-versions/:v', async (c) => {
    const v = z.coerce.number().int().positive().safeParse(c.req.param('v'));
    if (!v.success) throw new ApiError(400, 'bad_request', 'version must be a positive integer');
    const [info] = await deps.database.db.select({ version: kbVersions.version }).from(kbVersions).where(eq(kbVersions.version, v.data));
    if (!info) throw new ApiError(404, 'not_found', `No version ${v.data}`);
    const rows = await deps.database.db
      .select({
        id: kbFaqs.id,
        question: kbFaqs.question,
        answer: kbFaqs.answer,
        action: kbFaqs.action,
        queue: kbFaqs.queue,
        examples: kbFaqs.examples,
        tags: kbFaqs.tags,
        menu: kbFaqs.menu,
        enabled: kbFaqs.enabled,
      })
      .from(kbFaqs)
      .where(eq(kbFaqs.version, v.data))
      .orderBy(asc(kbFaqs.position));
    return c.json({
      version: v.data,
      faqs: rows.map((r) => ({ ...r, examples: r.examples ?? [], tags: r.tags ?? [] })),
    });
  });

  return app;
}
