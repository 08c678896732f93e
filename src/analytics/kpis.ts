import type { Database } from '../store/db.js';
import { computeDialogKpis, type DialogKpis } from './dialog-kpis.js';

/**
 * Call-centre KPIs computed in SQL from the stored calls and turns (the database is the record;
 * nothing here depends on in-memory counters, so every instance reports the same figures).
 *
 * Definitions (over calls that *started* in [since, until)):
 * - contained: the call ended with outcome `completed` — the bot served it with no hand-off.
 *   Rates use ended calls as denominator; calls still in progress are counted apart.
 * - hand-off: outcome `handoff` or any recorded hand-off reason.
 * - average handle time: mean of ended_at − started_at over ended calls (the bot's part of the call).
 * - first-call resolution: share of calls with a known number after which the same number did not
 *   call again within `repeatWindowHours`; a "repeat call" is one preceded by another call from the
 *   same number within the window.
 * - unanswered questions: spoken turns the NLU could not place (intent null), grouped by their
 *   text normalised for Persian spelling variants (ي/ك, ZWNJ and spaces, diacritics, digits, punctuation).
 * - CSAT: call events of type `csat` with `data.score` 1–5 (post-call keypad survey).
 * Days are calendar days in `timezone` (Tehran by default).
 */
export interface KpiOptions {
  since: Date;
  until: Date;
  timezone?: string;
  repeatWindowHours?: number;
  topN?: number;
}

export interface KpiReport {
  range: { since: string; until: string; timezone: string };
  calls: { total: number; ended: number; inProgress: number };
  containment: { contained: number; rate: number | null };
  handoff: { count: number; rate: number | null; reasons: { reason: string; count: number; share: number }[] };
  outcomes: { outcome: string; count: number }[];
  averageHandleTimeSeconds: number | null;
  turns: { total: number; latencyP50Ms: number | null; latencyP95Ms: number | null };
  topIntents: { intent: string; turns: number; calls: number }[];
  unansweredQuestions: { text: string; count: number; calls: number; lastAt: string; exampleCallId: string }[];
  firstCallResolution: { windowHours: number; callsWithNumber: number; resolved: number; rate: number | null; repeatCalls: number };
  csat: { responses: number; average: number | null };
  perDay: {
    day: string;
    calls: number;
    ended: number;
    contained: number;
    handoffs: number;
    containmentRate: number | null;
    averageHandleTimeSeconds: number | null;
  }[];
  /**
   * Queue KPIs (speed of answer, abandon rate, service level, agent handle times) come from the
   * hand-off module's tables; `null` when no provider is wired (see `KpiRoutesDeps.queueKpis`).
   */
  queue: unknown | null;
  /** Keypad menu use and where it led, confirmations per FAQ, de-escalations (see dialog-kpis.ts). */
  dialog: DialogKpis;
}

const n = (v: unknown): number => (v == null ? 0 : Number(v));
const nullable = (v: unknown): number | null => (v == null ? null : Number(v));
const ratio = (a: number, b: number): number | null => (b > 0 ? round(a / b, 4) : null);
function round(v: number, digits = 2): number {
  return Math.round(v * 10 ** digits) / 10 ** digits;
}
const roundOrNull = (v: unknown, digits = 2) => (v == null ? null : round(Number(v), digits));

/** Persian spelling variants folded in SQL, so grouping happens in the database. */
export const NORMALISED_TEXT_SQL = (column: string) => `
  nullif(regexp_replace(
    translate(lower(${column}),
      'يكةۀأإآ' || '٠١٢٣٤٥٦٧٨٩' || '۰۱۲۳۴۵۶۷۸۹',
      'یکههااا' || '0123456789' || '0123456789'),
    '[\\s\\u200c\\u200d\\u0640\\u064b-\\u065f\\u0670.,!?;:()"''«»،؛؟…\\-]+', '', 'g'), '')`;

const TZ_RE = /^(UTC|[A-Za-z]+(?:\/[A-Za-z0-9_+-]+){1,2})$/;

export async function computeKpis(database: Database, options: KpiOptions): Promise<KpiReport> {
  const timezone = options.timezone ?? 'Asia/Tehran';
  if (!TZ_RE.test(timezone)) throw new Error(`Invalid time zone: ${timezone}`);
  const windowHours = options.repeatWindowHours ?? 72;
  const topN = options.topN ?? 10;
  const range = [options.since.toISOString(), options.until.toISOString()];
  const inRange = `c.started_at >= $1::timestamptz and c.started_at < $2::timestamptz`;

  const [totals] = await database.query(
    `select count(*)::int as total,
       count(*) filter (where c.ended_at is not null)::int as ended,
       count(*) filter (where c.ended_at is not null and c.outcome = 'completed')::int as contained,
       count(*) filter (where c.ended_at is not null and (c.outcome = 'handoff' or c.handoff_reason is not null))::int as handoffs,
       avg(extract(epoch from c.ended_at - c.started_at))::float8 as aht
     from calls c where ${inRange}`,
    range,
  );
  const reasons = await database.query(
    `select coalesce(c.handoff_reason, 'unspecified') as reason, count(*)::int as count
     from calls c where ${inRange} and c.ended_at is not null and (c.outcome = 'handoff' or c.handoff_reason is not null)
     group by 1 order by 2 desc, 1`,
    range,
  );
  const outcomes = await database.query(
    `select coalesce(c.outcome, 'in-progress') as outcome, count(*)::int as count
     from calls c where ${inRange} group by 1 order by 2 desc, 1`,
    range,
  );
  const [turnStats] = await database.query(
    `select count(*)::int as total,
       percentile_cont(0.5) within group (order by t.total_ms)::float8 as p50,
       percentile_cont(0.95) within group (order by t.total_ms)::float8 as p95
     from turns t join calls c on c.id = t.call_id where ${inRange}`,
    range,
  );
  const intents = await database.query(
    `select t.intent, count(*)::int as turns, count(distinct t.call_id)::int as calls
     from turns t join calls c on c.id = t.call_id
     where ${inRange} and t.intent is not null
     group by t.intent order by turns desc, t.intent limit $3`,
    [...range, topN],
  );
  const unanswered = await database.query(
    `with u as (
       select t.heard_text, t.at, t.call_id, ${NORMALISED_TEXT_SQL('t.heard_text')} as k
       from turns t join calls c on c.id = t.call_id
       where ${inRange} and t.intent is null and t.input = 'speech' and t.heard_text is not null
     )
     select mode() within group (order by heard_text) as text, count(*)::int as count,
       count(distinct call_id)::int as calls, max(at) as last_at,
       (array_agg(call_id order by at desc))[1] as example_call_id
     from u where k is not null group by k order by count desc, last_at desc limit $3`,
    [...range, topN],
  );
  const [fcr] = await database.query(
    `select count(*)::int as with_number,
       count(*) filter (where not exists (
         select 1 from calls n where n.from_number = c.from_number and n.id <> c.id
           and n.started_at > c.started_at and n.started_at <= c.started_at + make_interval(hours => $3)))::int as resolved,
       count(*) filter (where exists (
         select 1 from calls p where p.from_number = c.from_number and p.id <> c.id
           and p.started_at < c.started_at and p.started_at >= c.started_at - make_interval(hours => $3)))::int as repeats
     from calls c where ${inRange} and c.from_number is not null`,
    [...range, windowHours],
  );
  const [csat] = await database.query(
    `select count(*)::int as responses, avg((e.data->>'score')::float8)::float8 as average
     from call_events e join calls c on c.id = e.call_id
     where ${inRange} and e.type = 'csat' and (e.data->>'score') ~ '^[1-5]$'`,
    range,
  );
  const days = await database.query(
    `select to_char((c.started_at at time zone '${timezone}')::date, 'YYYY-MM-DD') as day,
       count(*)::int as calls,
       count(*) filter (where c.ended_at is not null)::int as ended,
       count(*) filter (where c.ended_at is not null and c.outcome = 'completed')::int as contained,
       count(*) filter (where c.ended_at is not null and (c.outcome = 'handoff' or c.handoff_reason is not null))::int as handoffs,
       avg(extract(epoch from c.ended_at - c.started_at))::float8 as aht
     from calls c where ${inRange} group by 1 order by 1`,
    range,
  );

  const dialog = await computeDialogKpis(database, inRange, range);

  const ended = n(totals.ended);
  const handoffs = n(totals.handoffs);
  return {
    range: { since: range[0], until: range[1], timezone },
    calls: { total: n(totals.total), ended, inProgress: n(totals.total) - ended },
    containment: { contained: n(totals.contained), rate: ratio(n(totals.contained), ended) },
    handoff: {
      count: handoffs,
      rate: ratio(handoffs, ended),
      reasons: reasons.map((r) => ({ reason: String(r.reason), count: n(r.count), share: ratio(n(r.count), handoffs) ?? 0 })),
    },
    outcomes: outcomes.map((r) => ({ outcome: String(r.outcome), count: n(r.count) })),
    averageHandleTimeSeconds: roundOrNull(totals.aht, 1),
    turns: { total: n(turnStats.total), latencyP50Ms: roundOrNull(turnStats.p50, 0), latencyP95Ms: roundOrNull(turnStats.p95, 0) },
    topIntents: intents.map((r) => ({ intent: String(r.intent), turns: n(r.turns), calls: n(r.calls) })),
    unansweredQuestions: unanswered.map((r) => ({
      text: String(r.text),
      count: n(r.count),
      calls: n(r.calls),
      lastAt: new Date(r.last_at as string).toISOString(),
      exampleCallId: String(r.example_call_id),
    })),
    firstCallResolution: {
      windowHours,
      callsWithNumber: n(fcr.with_number),
      resolved: n(fcr.resolved),
      rate: ratio(n(fcr.resolved), n(fcr.with_number)),
      repeatCalls: n(fcr.repeats),
    },
    csat: { responses: n(csat.responses), average: roundOrNull(nullable(csat.average), 2) },
    perDay: days.map((d) => ({
      day: String(d.day),
      calls: n(d.calls),
      ended: n(d.ended),
      contained: n(d.contained),
      handoffs: n(d.handoffs),
      containmentRate: ratio(n(d.contained), n(d.ended)),
      averageHandleTimeSeconds: roundOrNull(d.aht, 1),
    })),
    queue: null,
    dialog,
  };
}
