import { Hono } from 'hono';
import { z } from 'zod';
import { getCall, listCalls } from '../../store/call-queries.js';
import { checkCorrection, clearCorrection, correctionsOf, setCorrection, turnInput } from '../../store/corrections.js';
import type { Database } from '../../store/db.js';
import type { RecordingStore } from '../../store/recordings/store.js';
import { normalizeDigits } from '../../text/normalize.js';
import { readJson } from '../body.js';
import { ApiError, sendError } from '../errors.js';

export interface CallRoutesDeps {
  database: Database;
  /** Where the caller's audio is kept; null when recordings are off. */
  recordings?: RecordingStore | null;
  now?: () => Date;
}

// The schemas below are also what /api/openapi.json describes (src/http/api-operations.ts).
export const transcriptBody = z.object({ text: z.string().max(5000).nullable() }).strict();
export const callIdSchema = z.string().min(1).max(200);
export const seqSchema = z.string().regex(/^\d{1,6}$/);

function callIdParam(raw: string): string {
  if (!callIdSchema.safeParse(raw).success) throw new ApiError(400, 'invalid_id', 'Call id is too long');
  return raw;
}

function seqParam(raw: string): number {
  if (!seqSchema.safeParse(raw).success) throw new ApiError(400, 'invalid_seq', 'Turn seq must be a whole number');
  return Number(raw);
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

export const listQuery = z
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
 * `GET /:id` — one call with its turns (in order, with per-stage timings, the correction of what
 * was heard and whether the turn's audio was kept) and events.
 * `GET /:id/turns/:seq/audio` — the caller's audio of a speech turn as WAV (404 when not recorded).
 * `GET /:id/recording` — the caller's side of the whole call as WAV (when `recordings.wholeCall`).
 * `DELETE /:id/recording` — removes every recording of the call (a caller's request).
 * `PUT /:id/turns/:seq/transcript {text}` — an ops user's correction of what the caller said;
 * `{text: null}` (or `DELETE`) clears it. What the recogniser heard is kept unchanged.
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
      const corrections = await correctionsOf(deps.database.db, id);
      const recorded = new Set(deps.recordings ? await deps.recordings.recordedTurns(id) : []);
      return c.json({ ...call, turns: call.turns.map((t) => ({ ...t, correction: corrections.get(t.seq) ?? null, audio: recorded.has(t.seq) })) });
    } catch (err) {
      return sendError(c, err);
    }
  });

  const wav = (bytes: Buffer) =>
    new Response(new Uint8Array(bytes), {
      headers: { 'content-type': 'audio/wav', 'content-length': String(bytes.length), 'cache-control': 'private, no-store' },
    });

  app.get('/:id/turns/:seq/audio', async (c) => {
    try {
      const id = callIdParam(c.req.param('id'));
      const seq = seqParam(c.req.param('seq'));
      const bytes = deps.recordings ? await deps.recordings.turnAudio(id, seq) : null;
      if (!bytes) throw new ApiError(404, 'not_recorded', `Turn ${seq} of call ${id} has no recording`);
      return wav(bytes);
    } catch (err) {
      return sendError(c, err);
    }
  });

  app.get('/:id/recording', async (c) => {
    try {
      const id = callIdParam(c.req.param('id'));
      const bytes = deps.recordings ? await deps.recordings.callAudio(id) : null;
      if (!bytes) throw new ApiError(404, 'not_recorded', `Call ${id} has no whole-call recording`);
      return wav(bytes);
    } catch (err) {
      return sendError(c, err);
    }
  });

  app.delete('/:id/recording', async (c) => {
    try {
      const id = callIdParam(c.req.param('id'));
      const known = (await getCall(deps.database.db, id)) !== null;
      const removed = deps.recordings ? await deps.recordings.deleteCall(id) : { files: 0, bytes: 0 };
      if (!known && removed.files === 0) throw new ApiError(404, 'not_found', `No call with id ${id}`);
      return c.json({ callId: id, deleted: removed });
    } catch (err) {
      return sendError(c, err);
    }
  });

  const putTranscript = async (id: string, seq: number, text: string | null, by: string) => {
    const input = await turnInput(deps.database.db, id, seq);
    if (input === null) throw new ApiError(404, 'not_found', `Call ${id} has no turn ${seq}`);
    if (input !== 'speech') throw new ApiError(409, 'not_speech', `Turn ${seq} was not speech (${input}); only what a caller said can be corrected`);
    if (text === null || !text.trim()) {
      await clearCorrection(deps.database.db, id, seq);
      return { callId: id, seq, correction: null };
    }
    const checked = checkCorrection(text);
    if (!checked.ok) throw new ApiError(400, checked.code, checked.message, { field: 'text' });
    const correction = await setCorrection(deps.database.db, id, seq, checked.text, by, deps.now?.() ?? new Date());
    return { callId: id, seq, correction };
  };

  app.put('/:id/turns/:seq/transcript', async (c) => {
    try {
      const id = callIdParam(c.req.param('id'));
      const seq = seqParam(c.req.param('seq'));
      const parsed = transcriptBody.safeParse(await readJson(c, 'Body must be JSON: {"text": "…"}'));
      if (!parsed.success) {
        throw new ApiError(400, 'invalid_body', 'Expected {"text": string | null}', parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
      }
      return c.json(await putTranscript(id, seq, parsed.data.text, c.get('principal')?.username ?? 'admin-key'));
    } catch (err) {
      return sendError(c, err);
    }
  });

  app.delete('/:id/turns/:seq/transcript', async (c) => {
    try {
      return c.json(await putTranscript(callIdParam(c.req.param('id')), seqParam(c.req.param('seq')), null, ''));
    } catch (err) {
      return sendError(c, err);
    }
  });

  return app;
}
