import { Hono } from 'hono';
import { z } from 'zod';
import { checkModelDir, scoreEngine, writeLiveModel, type LiveAsr, type ModelScore, type ScoredItem } from '../../engines/asr/live.js';
import type { AsrEngine } from '../../engines/asr/types.js';
import { heldOutTurn, listCorrectedTurns, type CorrectedTurn } from '../../store/corrections.js';
import type { Database } from '../../store/db.js';
import type { RecordingStore } from '../../store/recordings/store.js';
import { readJson } from '../body.js';
import { ApiError, sendError } from '../errors.js';

export interface AsrRoutesDeps {
  database: Database;
  /** Model promotion (POST /models) needs these three; without them it answers 501. */
  live?: LiveAsr;
  recordings?: RecordingStore;
  /** Loads a model folder as the engine calls would use. */
  loadEngine?(dir: string): Promise<AsrEngine>;
  /** Vocabulary the calls bias towards (the live FAQ), used when scoring. */
  hotwords?(): readonly string[];
  /** Where the live model is remembered across restarts. */
  dataDir?: string;
  now?: () => Date;
}

/** Every corrected turn held out from adaptation whose audio is still kept. */
async function heldOutItems(deps: AsrRoutesDeps): Promise<ScoredItem[]> {
  const items: ScoredItem[] = [];
  let after: { at: Date; callId: string; seq: number } | undefined;
  for (;;) {
    const rows: CorrectedTurn[] = await listCorrectedTurns(deps.database.db, { after, limit: 500 });
    for (const row of rows) {
      if (!heldOutTurn(row.callId, row.seq)) continue;
      const wav = await deps.recordings!.turnAudio(row.callId, row.seq);
      if (wav) items.push({ wav, text: row.text });
    }
    if (rows.length < 500) return items;
    const last = rows[rows.length - 1];
    after = { at: new Date(last.correctedAt), callId: last.callId, seq: last.seq };
  }
}

const cursorSchema = z.object({ a: z.string(), c: z.string(), s: z.number().int() });

// Also what /api/openapi.json describes (src/http/api-operations.ts).
export const promoteBody = z.object({ dir: z.string().refine((s) => s.trim().length > 0, 'the model folder') });

export const correctionsQuery = z
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
  app.get('/models', (c) => {
    if (!deps.live) return sendError(c, new ApiError(501, 'not_available', 'Model promotion is not available on this instance'));
    return c.json({ live: { dir: deps.live.modelDir, engine: deps.live.name }, previous: deps.live.previousModelDir });
  });

  let promoting = false;
  /**
   * `POST /models {dir}` — scores the candidate model folder and the live model on the corrected
   * turns held out from adaptation (one in five, by hash), and makes the candidate live for new
   * calls, without a restart, only if its CER is lower. The replaced model stays for rollback.
   */
  app.post('/models', async (c) => {
    const { live, loadEngine, recordings } = deps;
    try {
      if (!live || !loadEngine || !recordings) throw new ApiError(501, 'not_available', 'Model promotion is not available on this instance');
      const body = promoteBody.safeParse(await readJson(c, 'Body must be JSON: {"dir": "<model folder>"}'));
      if (!body.success) throw new ApiError(400, 'invalid_body', 'Expected {"dir": "<model folder on this server>"}', { field: 'dir' });
      const checked = checkModelDir(body.data.dir);
      if (!checked.ok) throw new ApiError(400, 'invalid_model', checked.message, { field: 'dir' });
      if (promoting) throw new ApiError(409, 'busy', 'Another promotion is being scored');
      promoting = true;
      let candidate: AsrEngine | null = null;
      try {
        const items = await heldOutItems(deps);
        if (!items.length) throw new ApiError(409, 'no_heldout', 'No held-out corrected turns with audio to score on: correct more turns first');
        try {
          candidate = await loadEngine(checked.dir);
        } catch (err) {
          throw new ApiError(400, 'invalid_model', `The model did not load: ${(err as Error).message}`, { field: 'dir' });
        }
        const hotwords = deps.hotwords?.() ?? [];
        const liveDir = live.modelDir;
        const liveScore: ModelScore = await scoreEngine(live, items, hotwords);
        const candidateScore: ModelScore = await scoreEngine(candidate, items, hotwords);
        const promoted = candidateScore.cer < liveScore.cer;
        if (promoted) {
          await live.swap(candidate, checked.dir);
          candidate = null;
          if (deps.dataDir) writeLiveModel(deps.dataDir, { dir: checked.dir, previous: liveDir, promotedAt: (deps.now?.() ?? new Date()).toISOString(), scores: { live: liveScore, candidate: candidateScore } });
        }
        return c.json({
          promoted,
          heldOut: items.length,
          live: { dir: promoted ? checked.dir : liveDir },
          previous: promoted ? liveDir : live.previousModelDir,
          scores: { live: { dir: liveDir, ...liveScore }, candidate: { dir: checked.dir, ...candidateScore } },
          reason: promoted ? 'candidate has the lower CER on the held-out turns' : 'candidate is not better than the live model on the held-out turns',
        });
      } finally {
        promoting = false;
        await candidate?.close();
      }
    } catch (err) {
      return sendError(c, err);
    }
  });

  /** `POST /models/rollback` — the previous model is live again. */
  app.post('/models/rollback', async (c) => {
    try {
      if (!deps.live) throw new ApiError(501, 'not_available', 'Model promotion is not available on this instance');
      if (!(await deps.live.rollback())) throw new ApiError(409, 'no_previous', 'There is no previous model to go back to');
      if (deps.dataDir) writeLiveModel(deps.dataDir, { dir: deps.live.modelDir, previous: deps.live.previousModelDir, promotedAt: (deps.now?.() ?? new Date()).toISOString() });
      return c.json({ live: { dir: deps.live.modelDir }, previous: deps.live.previousModelDir });
    } catch (err) {
      return sendError(c, err);
    }
  });

  return app;
}
