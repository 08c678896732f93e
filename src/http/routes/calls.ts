import { Hono } from 'hono';
import { z } from 'zod';
import { getCall, listCalls } from '../../store/call-queries.js';
import type { Database } from '../../store/db.js';
import { normalizeDigits } from '../../text/normalize.js';
import { ApiError, sendError } from '../errors.js';

export interface CallRoutesDeps {
  database: Database;
}

/** Phone numbers typed by ops staff may hold Persian digits, spaces or dashes. */
function normaliseNumber(raw: string): string {
  return normalizeDigits(raw).replace(/[\s\-()]/g, '');
}

const instant = z
  .string()
  .trim()
  .refine((s) => /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: 'expected an ISO 8601 date or date-time, e.g. 2026-11-24 or 2026-11-24T10:00:00Z',
  })
  .transform((s) => new Date(s));

const cursorSchema = z.object({ s: z.string(), i: z.string() });

const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
    from: z
      .string()
      .trim()
      .min(1)
      .max(32)
      .transform(normaliseNumber)
      .refine((s) => /^\+?[0-9*#]+$/.test(s), { message: 'expected a phone number' })
      .optional(),
    outcome: z.string().trim().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'expected an outcome such as completed, handoff, abandoned, error').optional(),
    status: z.enum(['active', 'ended']).optional(),
    since: instant.optional(),
    until: instant.optional(),
  })
  .strict()
  .refine((q) => !q.since || !q.until || q.since < q.until, { message: 'since must be before until', path: ['since'] });

function encodeCursor(startedAt: string, id: string): string {
  return Buffer.from(JSON.stringify({ s: startedAt, i: id })).toString('base64url');
}

function decodeCursor(cursor: string): { startedAt: Date; id: string } {
  try {
    const parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    const startedAt = new Date(parsed.s);
    if (Number.isNaN(startedAt.getTime())) throw new Error('bad date');
    return { startedAt, id: parsed.i };
  } catch {
    throw new ApiError(400, 'invalid_query', 'cursor is not one this API returned', { field: 'cursor' });
  }
}

/**
 * `GET /` — stored calls, newest first: `?limit=&cursor=&from=&outcome=&status=active|ended&since=&until=` →
 * `{calls: CallSummary[], nextCursor: string | null}`.
 * `GET /:id` — one call with its turns (in order, with per-stage timings) and events.
 * Mount at `/api/calls` behind the admin key.
 */
export function createCallRoutes(deps: CallRoutesDeps): Hono {
  const app = new Hono();

  app.get('/', async (c) => {
    try {
      const parsed = listQuery.safeParse(c.req.query());
      if (!parsed.success) {
        throw new ApiError(400, 'invalid_query', 'Invalid query parameters', parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
      }
      const q = parsed.data;
      const rows = await listCalls(deps.database.db, {
        fromNumber: q.from,
        outcome: q.outcome,
        status: q.status,
        since: q.since,
        until: q.until,
        before: q.cursor ? decodeCursor(q.cursor) : undefined,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > q.limit && last ? encodeCursor(last.startedAt, last.id) : null;
      return c.json({ calls: page, nextCursor });
    } catch (err) {
      return sendError(c, err);
    }
  });

  app.get('/:id', async (c) => {
    try {
      const id = c.req.param('id');
      if (id.length > 200) throw new ApiError(400, 'invalid_id', 'Call id is too long');
      const call = await getCall(deps.database.db, id);
      if (!call) throw new ApiError(404, 'not_found', `No call with id ${id}`);
      return c.json(call);
    } catch (err) {
      return sendError(c, err);
    }
  });

  return app;
}
