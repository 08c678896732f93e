import { and, count, desc, eq, gte, inArray, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Database } from '../store/db.js';
import { handoffEntries, handoffOffers } from '../store/schema/handoff.js';

export interface KpiWindow {
  from: Date;
  to: Date;
  queue?: string | null;
}

export interface QueueKpis {
  from: string;
  to: string;
  queue: string | null;
  /** Entries that joined the queue in the window. */
  entered: number;
  answered: number;
  abandoned: number;
  /** Callers who chose a call-back instead of waiting. */
  callbacks: number;
  transferred: number;
  /** Still in the line (waiting, ringing or awaiting call-back). */
  pending: number;
  /** Mean seconds from joining the queue to an agent's accept. */
  averageSpeedOfAnswerSeconds: number | null;
  /** abandoned / (answered + abandoned): callers who gave up out of those whose wait ended. */
  abandonRate: number | null;
  serviceLevelSeconds: number;
  /** Answered within serviceLevelSeconds / (answered + abandoned); abandons count against it. */
  serviceLevel: number | null;
  handle: {
    count: number;
    averageTalkSeconds: number | null;
    averageAfterCallWorkSeconds: number | null;
    /** Talk + after-call work. */
    averageHandleSeconds: number | null;
    maxHandleSeconds: number | null;
  };
  offers: { made: number; declined: number; ringNoAnswer: number };
  byReason: { reason: string; entered: number; answered: number; abandoned: number }[];
  byQueue: { queue: string; entered: number; answered: number; abandoned: number }[];
}

const round = (v: number | null, digits = 2) => (v == null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

const e = handoffEntries;
const countWhere = (cond: SQL) => sql<number>`count(*) filter (where ${cond})`.mapWith(Number);
/** Seconds from one moment of an entry to a later one (null unless both are set). */
const seconds = (from: PgColumn, to: PgColumn) => sql`extract(epoch from ${to} - ${from})`;
const answered = isNotNull(e.answeredAt);
const abandoned = eq(e.state, 'abandoned');

/** Queue KPIs computed from the stored entries and offers (the database is the record). */
export async function queueKpis(database: Database, window: KpiWindow, serviceLevelSeconds: number): Promise<QueueKpis> {
  const { db } = database;
  const scope = and(gte(e.enqueuedAt, window.from), lt(e.enqueuedAt, window.to), window.queue == null ? undefined : eq(e.queue, window.queue));
  const [totals] = await db
    .select({
      entered: count(),
      answered: countWhere(answered),
      abandoned: countWhere(abandoned),
      callbacks: countWhere(isNotNull(e.callbackNumber)),
      transferred: countWhere(eq(e.state, 'transferred')),
      pending: countWhere(inArray(e.state, ['waiting', 'offered', 'callback'])),
      asa: sql<number | null>`avg(${seconds(e.enqueuedAt, e.answeredAt)})`.mapWith(Number),
      withinSl: countWhere(sql`${answered} and ${e.answeredAt} - ${e.enqueuedAt} <= make_interval(secs => ${serviceLevelSeconds})`),
      handled: countWhere(and(isNotNull(e.endedAt), answered)!),
      talk: sql<number | null>`avg(${seconds(e.answeredAt, e.endedAt)}) filter (where ${answered})`.mapWith(Number),
      acw: sql<number | null>`avg(${seconds(e.endedAt, e.wrappedUpAt)}) filter (where ${answered})`.mapWith(Number),
      aht: sql<number | null>`avg(${seconds(e.answeredAt, e.wrappedUpAt)})`.mapWith(Number),
      maxHt: sql<number | null>`max(${seconds(e.answeredAt, e.wrappedUpAt)})`.mapWith(Number),
    })
    .from(e)
    .where(scope);
  const [offers] = await db
    .select({
      made: count(),
      declined: countWhere(eq(handoffOffers.outcome, 'declined')),
      rona: countWhere(eq(handoffOffers.outcome, 'timeout')),
    })
    .from(handoffOffers)
    .innerJoin(e, eq(e.id, handoffOffers.entryId))
    .where(scope);
  const group = (column: typeof e.reason | typeof e.queue) =>
    db
      .select({ k: column, entered: count(), answered: countWhere(answered), abandoned: countWhere(abandoned) })
      .from(e)
      .where(scope)
      .groupBy(column)
      .orderBy(desc(count()), column);

  const ended = totals.answered + totals.abandoned;
  return {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    queue: window.queue ?? null,
    entered: totals.entered,
    answered: totals.answered,
    abandoned: totals.abandoned,
    callbacks: totals.callbacks,
    transferred: totals.transferred,
    pending: totals.pending,
    averageSpeedOfAnswerSeconds: round(totals.asa),
    abandonRate: ended ? round(totals.abandoned / ended, 4) : null,
    serviceLevelSeconds,
    serviceLevel: ended ? round(totals.withinSl / ended, 4) : null,
    handle: {
      count: totals.handled,
      averageTalkSeconds: round(totals.talk),
      averageAfterCallWorkSeconds: round(totals.acw),
      averageHandleSeconds: round(totals.aht),
      maxHandleSeconds: round(totals.maxHt),
    },
    offers: { made: offers.made, declined: offers.declined, ringNoAnswer: offers.rona },
    byReason: (await group(e.reason)).map(({ k, ...v }) => ({ reason: k, ...v })),
    byQueue: (await group(e.queue)).map(({ k, ...v }) => ({ queue: k, ...v })),
  };
}
