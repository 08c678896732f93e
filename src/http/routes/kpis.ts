import { Hono } from 'hono';
import { z } from 'zod';
import { computeKpis } from '../../analytics/kpis.js';
import { startOfDayIn } from '../../analytics/time.js';
import type { Database } from '../../store/db.js';
import { ApiError, sendError } from '../errors.js';

export interface KpiRoutesDeps {
  database: Database;
  /** Calendar days and date-only parameters are read in this zone (`config.timezone`). */
  timezone?: string;
  /** Default window for "the same caller called again" (first-call resolution), in hours. */
  repeatWindowHours?: number;
  /**
   * Queue KPIs from the hand-off module (ASA, abandon rate, service level, agent handle times),
   * reported under `queue`. Wire as
   * `(r) => queueKpis(database, { from: r.since, to: r.until }, config.handoff.serviceLevelSeconds)`.
   */
  queueKpis?: (range: { since: Date; until: Date }) => Promise<unknown>;
  now?: () => Date;
}

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 400;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

const instantOrDay = z
  .string()
  .trim()
  .refine((s) => (DATE_ONLY.test(s) || DATE_TIME.test(s)) && !Number.isNaN(Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s)), {
    message: 'expected a date (2026-11-24, a day in the service time zone) or a date-time with offset (2026-11-24T08:00:00Z)',
  });

/** Also what /api/openapi.json describes (src/http/api-operations.ts). */
export const kpiReportQuery = z
  .object({
    since: instantOrDay.optional(),
    until: instantOrDay.optional(),
    repeatWindowHours: z.coerce.number().int().min(1).max(24 * 90).optional(),
    top: z.coerce.number().int().min(1).max(100).default(10),
  })
  .strict();

/**
 * `GET /?since=&until=&repeatWindowHours=&top=` → `KpiReport`. `since` defaults to 30 days
 * before `until`, `until` to now; a date-only `until` includes that whole day.
 * Mount at `/api/kpis` behind the admin key.
 */
export function createKpiRoutes(deps: KpiRoutesDeps): Hono {
  const app = new Hono();
  const timezone = deps.timezone ?? 'Asia/Tehran';
  const now = deps.now ?? (() => new Date());

  app.get('/', async (c) => {
    try {
      const parsed = kpiReportQuery.safeParse(c.req.query());
      if (!parsed.success) {
        throw new ApiError(400, 'invalid_query', 'Invalid query parameters', parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
      }
      const q = parsed.data;
      const until = q.until
        ? DATE_ONLY.test(q.until)
          ? new Date(startOfDayIn(q.until, timezone).getTime() + DAY_MS)
          : new Date(q.until)
        : now();
      const since = q.since ? (DATE_ONLY.test(q.since) ? startOfDayIn(q.since, timezone) : new Date(q.since)) : new Date(until.getTime() - 30 * DAY_MS);
      if (since >= until) throw new ApiError(400, 'invalid_query', 'since must be before until', [{ field: 'since', message: 'since must be before until' }]);
      if (until.getTime() - since.getTime() > MAX_RANGE_DAYS * DAY_MS) {
        throw new ApiError(400, 'invalid_query', `The range may span at most ${MAX_RANGE_DAYS} days`, [{ field: 'since', message: 'range too long' }]);
      }
      const report = await computeKpis(deps.database, {
        since,
        until,
        timezone,
        repeatWindowHours: q.repeatWindowHours ?? deps.repeatWindowHours,
        topN: q.top,
      });
      if (deps.queueKpis) report.queue = await deps.queueKpis({ since, until });
      return c.json(report);
    } catch (err) {
      return sendError(c, err);
    }
  });

  return app;
}
