import { and, count, countDistinct, desc, eq, exists, gt, gte, isNotNull, isNull, lt, lte, ne, not, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database, Db } from '../store/db.js';
import { callEvents, calls, turns } from '../store/schema/calls.js';
import { computeDialogKpis, countWhere, outcomeCounts, type DialogKpis } from './dialog-kpis.js';

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

const ratio = (a: number, b: number): number | null => (b > 0 ? round(a / b, 4) : null);
function round(v: number, digits = 2): number {
  return Math.round(v * 10 ** digits) / 10 ** digits;
}
const roundOrNull = (v: number | null, digits = 2) => (v == null ? null : round(v, digits));

/*
 * Persian spelling variants folded in SQL, so grouping happens in the database. The pieces are
 * SQL literals, not parameters: a GROUP BY must repeat the select's expression exactly, and two
 * parameters ($3, $4) holding the same text do not count as the same expression.
 */
const FOLD_FROM = `'يكةۀأإآ' || '٠١٢٣٤٥٦٧٨٩' || '۰۱۲۳۴۵۶۷۸۹'`;
const FOLD_TO = `'یکههااا' || '0123456789' || '0123456789'`;
const NOISE_RE = `'[\\s\\u200c\\u200d\\u0640\\u064b-\\u065f\\u0670.,!?;:()"''«»،؛؟…\\-]+'`;

/** The same folding over a drizzle column or expression. */
export const normalisedText = (column: SQLWrapper): SQL<string | null> =>
  sql<string | null>`nullif(regexp_replace(translate(lower(${column}), ${sql.raw(FOLD_FROM)}, ${sql.raw(FOLD_TO)}), ${sql.raw(NOISE_RE)}, '', 'g'), '')`;

const TZ_RE = /^(UTC|[A-Za-z]+(?:\/[A-Za-z0-9_+-]+){1,2})$/;

const ended = isNotNull(calls.endedAt);
const handedOff = sql`(${calls.outcome} = 'handoff' or ${calls.handoffReason} is not null)`;
/** Seconds of the bot's part of each ended call, averaged (`null` when none ended). */
const averageHandleSeconds = sql<number | null>`avg(extract(epoch from ${calls.endedAt} - ${calls.startedAt}))::float8`.mapWith(Number);

/** The per-call figures every range and day reports. */
const callFigures = {
  calls: count(),
  ended: countWhere(ended),
  contained: countWhere(sql`${ended} and ${calls.outcome} = 'completed'`),
  handoffs: countWhere(sql`${ended} and ${handedOff}`),
  aht: averageHandleSeconds,
};

export async function computeKpis(database: Database, options: KpiOptions): Promise<KpiReport> {
  const timezone = options.timezone ?? 'Asia/Tehran';
  if (!TZ_RE.test(timezone)) throw new Error(`Invalid time zone: ${timezone}`);
  const windowHours = options.repeatWindowHours ?? 72;
  const topN = options.topN ?? 10;
  const { db } = database;
  const inRange = and(gte(calls.startedAt, options.since), lt(calls.startedAt, options.until))!;

  const [totals] = await db.select(callFigures).from(calls).where(inRange);
  const reason = sql<string>`coalesce(${calls.handoffReason}, 'unspecified')`;
  const reasons = await db
    .select({ reason, count: count() })
    .from(calls)
    .where(and(inRange, ended, handedOff))
    .groupBy(reason)
    .orderBy(desc(count()), reason);
  const outcomes = await outcomeCounts(db, inRange);
  const [turnStats] = await db
    .select({
      total: count(),
      p50: sql<number | null>`percentile_cont(0.5) within group (order by ${turns.totalMs})::float8`.mapWith(Number),
      p95: sql<number | null>`percentile_cont(0.95) within group (order by ${turns.totalMs})::float8`.mapWith(Number),
    })
    .from(turns)
    .innerJoin(calls, eq(calls.id, turns.callId))
    .where(inRange);
  const intentTurns = count();
  const intents = await db
    .select({ intent: turns.intent, turns: intentTurns, calls: countDistinct(turns.callId) })
    .from(turns)
    .innerJoin(calls, eq(calls.id, turns.callId))
    .where(and(inRange, isNotNull(turns.intent)))
    .groupBy(turns.intent)
    .orderBy(desc(intentTurns), turns.intent)
    .limit(topN);

  const spoken = db.$with('u').as(
    db
      .select({ heardText: turns.heardText, at: turns.at, callId: turns.callId, k: normalisedText(turns.heardText).as('k') })
      .from(turns)
      .innerJoin(calls, eq(calls.id, turns.callId))
      .where(and(inRange, isNull(turns.intent), eq(turns.input, 'speech'), isNotNull(turns.heardText))),
  );
  const lastAt = sql`max(${spoken.at})`.mapWith(turns.at);
  const unanswered = await db
    .with(spoken)
    .select({
      text: sql<string>`mode() within group (order by ${spoken.heardText})`,
      count: count(),
      calls: countDistinct(spoken.callId),
      lastAt,
      exampleCallId: sql<string>`(array_agg(${spoken.callId} order by ${spoken.at} desc))[1]`,
    })
    .from(spoken)
    .where(isNotNull(spoken.k))
    .groupBy(spoken.k)
    .orderBy(desc(count()), desc(lastAt))
    .limit(topN);

  // Another call from the same number within the window after (a repeat of this one) or before it.
  const other = alias(calls, 'other');
  const repeatWindow = sql`make_interval(hours => ${windowHours})`;
  const sameNumber = and(eq(other.fromNumber, calls.fromNumber), ne(other.id, calls.id));
  const calledAgain = exists(
    db.select({ one: sql`1` }).from(other).where(and(sameNumber, gt(other.startedAt, calls.startedAt), lte(other.startedAt, sql`${calls.startedAt} + ${repeatWindow}`))),
  );
  const calledBefore = exists(
    db.select({ one: sql`1` }).from(other).where(and(sameNumber, lt(other.startedAt, calls.startedAt), gte(other.startedAt, sql`${calls.startedAt} - ${repeatWindow}`))),
  );
  const [fcr] = await db
    .select({ withNumber: count(), resolved: countWhere(not(calledAgain)), repeats: countWhere(calledBefore) })
    .from(calls)
    .where(and(inRange, isNotNull(calls.fromNumber)));

  const score = sql`(${callEvents.data}->>'score')`;
  const [csat] = await db
    .select({ responses: count(), average: sql<number | null>`avg(${score}::float8)::float8`.mapWith(Number) })
    .from(callEvents)
    .innerJoin(calls, eq(calls.id, callEvents.callId))
    .where(and(inRange, eq(callEvents.type, 'csat'), sql`${score} ~ '^[1-5]$'`));

  // Literal, not a parameter, for the GROUP BY to match the select (the zone passed TZ_RE above).
  const day = sql<string>`to_char((${calls.startedAt} at time zone ${sql.raw(`'${timezone}'`)})::date, 'YYYY-MM-DD')`;
  const days = await db
    .select({ day, ...callFigures })
    .from(calls)
    .where(inRange)
    .groupBy(day)
    .orderBy(day);

  const dialog = await computeDialogKpis(db, inRange);

  const handoffs = totals.handoffs;
  return {
    range: { since: options.since.toISOString(), until: options.until.toISOString(), timezone },
    calls: { total: totals.calls, ended: totals.ended, inProgress: totals.calls - totals.ended },
    containment: { contained: totals.contained, rate: ratio(totals.contained, totals.ended) },
    handoff: {
      count: handoffs,
      rate: ratio(handoffs, totals.ended),
      reasons: reasons.map((r) => ({ reason: r.reason, count: r.count, share: ratio(r.count, handoffs) ?? 0 })),
    },
    outcomes,
    averageHandleTimeSeconds: roundOrNull(totals.aht, 1),
    turns: { total: turnStats.total, latencyP50Ms: roundOrNull(turnStats.p50, 0), latencyP95Ms: roundOrNull(turnStats.p95, 0) },
    topIntents: intents.map((r) => ({ intent: String(r.intent), turns: r.turns, calls: r.calls })),
    unansweredQuestions: unanswered.map((r) => ({
      text: r.text,
      count: r.count,
      calls: r.calls,
      lastAt: r.lastAt.toISOString(),
      exampleCallId: r.exampleCallId,
    })),
    firstCallResolution: {
      windowHours,
      callsWithNumber: fcr.withNumber,
      resolved: fcr.resolved,
      rate: ratio(fcr.resolved, fcr.withNumber),
      repeatCalls: fcr.repeats,
    },
    csat: { responses: csat.responses, average: roundOrNull(csat.average, 2) },
    perDay: days.map((d) => ({
      day: d.day,
      calls: d.calls,
      ended: d.ended,
      contained: d.contained,
      handoffs: d.handoffs,
      containmentRate: ratio(d.contained, d.ended),
      averageHandleTimeSeconds: roundOrNull(d.aht, 1),
    })),
    queue: null,
    dialog,
  };
}

