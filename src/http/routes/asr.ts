import { Hono } from 'hono';
import { z } from 'zod';
import { listCorrectedTurns } from '../../store/corrections.js';
import type { Database } from '../../store/db.js';
import { ApiError, sendError } from '../errors.js';

export interface AsrRoutesDeps {
  database: Database;
}

const cursorSchema = z.object({ a: z.string(), c: z.string(), s: z.number().int() });

const correctionsQuery = z
  .object({
    since: z
      .string()
      .trim()
      .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), { message: 'expected an ISO 8601 date, e.g. 2026-11-24' })
      .transform((s) => new Date(s))
      .optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
    cursor: z.string().max(500).optional(),
  })
  .strict();

function decodeCursor(raw: string): { at: Date; callId: string; seq: number } {
  try {
    const c = cursorSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    const at = new Date(c.a);
    if (Number.isNaN(at.getTime())) throw new Error('bad date');
    return { at, callId: c.c, seq: c.s };
  } catch {
    throw new ApiError(400, 'invalid_query', 'cursor is not one this API returned', { field: 'cursor' });
  }
}

/**
 * `GET /corrections?since=&limit=&cursor=` — corrected speech turns, oldest correction first:
 * `{turns: [{callId, seq, text, heard, correctedBy, correctedAt}], nextCursor}`. The audio of each is
 * at `/api/calls/:callId/turns/:seq/audio`. This is what `npm run asr:export -- --url` reads.
 * Mount at `/api/asr` behind the admin key.
 */
export function createAsrRoutes(deps: AsrRoutesDeps): Hono {
  const app = new Hono();
  app.get('/corrections', async (c) => {
    try {
      const parsed = correctionsQuery.safeParse(c.req.query());
      if (!parsed.success) {
        throw new ApiError(400, 'invalid_query', 'Invalid query parameters', parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
      }
      const q = parsed.data;
      const rows = await listCorrectedTurns(deps.database.db, { since: q.since, after: q.cursor ? decodeCursor(q.cursor) : undefined, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      const nextCursor =
        rows.length > q.limit && last ? Buffer.from(JSON.stringify({ a: last.correctedAt, c: last.callId, s: last.seq })).toString('base64url') : null;
      return c.json({ turns: page, nextCursor });
    } catch (err) {
      return sendError(c, err);
    }
  });
  return app;
}
