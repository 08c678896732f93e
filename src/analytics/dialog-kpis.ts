import { and, count, countDistinct, desc, eq, exists, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../store/db.js';
import { callEvents, calls } from '../store/schema/calls.js';

/**
 * How the dialog copes with callers it does not understand, from the call events the session
 * records (src/dialog/policy.ts notes, src/dialog/deescalate.ts):
 * - keypad menu: calls offered it (`menu.offered`), calls where a key led to an answer
 *   (`menu.selected` naming an FAQ), how those calls ended, and the FAQs reached by key;
 * - confirmations: per FAQ, how often callers confirmed or rejected the bot's guess (`confirm.answered`);
 * - de-escalation: calls where the bot acknowledged frustration (`deescalation`) and what set it off.
 * `inRange` is computeKpis's filter on `calls`.
 */
export interface DialogKpis {
  menu: {
    calls: number;
    callsAnsweredByKey: number;
    outcomes: { outcome: string; count: number }[];
    answers: { intent: string; count: number }[];
  };
  confirmations: { intent: string; confirmed: number; rejected: number }[];
  deescalation: { calls: number; cues: { cue: string; count: number }[] };
}

/** What a call's outcome reads as in the reports: `in-progress` until it ends. */
const outcomeLabel = sql<string>`coalesce(${calls.outcome}, 'in-progress')`;

/** Calls per outcome over a filter on `calls`, most first. */
export async function outcomeCounts(db: Db, where: SQL): Promise<{ outcome: string; count: number }[]> {
  return db
    .select({ outcome: outcomeLabel, count: count() })
    .from(calls)
    .where(where)
    .groupBy(outcomeLabel)
    .orderBy(desc(count()), outcomeLabel);
}

/** `count(*) filter (where …)`: rows of the group that meet `cond`. */
export const countWhere = (cond: SQL) => sql<number>`count(*) filter (where ${cond})`.mapWith(Number);

export async function computeDialogKpis(db: Db, inRange: SQL): Promise<DialogKpis> {
  /** Events of these types in calls of the range. */
  const events = (types: string[]) =>
    db
      .select({ callId: callEvents.callId, type: callEvents.type, data: callEvents.data })
      .from(callEvents)
      .innerJoin(calls, eq(calls.id, callEvents.callId))
      .where(and(inRange, inArray(callEvents.type, types)))
      .as('e');
  type Events = ReturnType<typeof events>;
  // The key as a literal, not a parameter, so that GROUP BY sees the select's very expression.
  const field = (e: Events, key: string) => sql<string | null>`${e.data}->>${sql.raw(`'${key}'`)}`;
  const namesFaq = (e: Events) => sql`${e.data} ? 'faqId'`;

  const m = events(['menu.offered', 'menu.selected']);
  const [menu] = await db
    .select({
      calls: sql<number>`count(distinct ${m.callId}) filter (where ${m.type} = 'menu.offered')`.mapWith(Number),
      answered: sql<number>`count(distinct ${m.callId}) filter (where ${m.type} = 'menu.selected' and ${namesFaq(m)})`.mapWith(Number),
    })
    .from(m);
  const offeredMenu = exists(
    db
      .select({ one: sql`1` })
      .from(callEvents)
      .where(and(eq(callEvents.callId, calls.id), eq(callEvents.type, 'menu.offered'))),
  );
  const outcomes = await outcomeCounts(db, and(inRange, offeredMenu)!);

  const s = events(['menu.selected']);
  const faq = sql<string>`${field(s, 'faqId')}`;
  const answers = await db.select({ intent: faq, count: count() }).from(s).where(namesFaq(s)).groupBy(faq).orderBy(desc(count()), faq);

  const c = events(['confirm.answered']);
  const intent = field(c, 'intent');
  const confirmed = sql`(${field(c, 'confirmed')})::boolean`;
  const confirmations = await db
    .select({ intent, confirmed: countWhere(confirmed), rejected: countWhere(sql`not ${confirmed}`) })
    .from(c)
    .groupBy(intent)
    .orderBy(desc(count()), intent);

  const d = events(['deescalation']);
  const [calm] = await db.select({ calls: countDistinct(d.callId) }).from(d);
  const cue = sql<string>`coalesce(${field(d, 'cue')}, 'unknown')`;
  const cues = await db.select({ cue, count: count() }).from(d).groupBy(cue).orderBy(desc(count()), cue);
  return {
    menu: { calls: menu.calls, callsAnsweredByKey: menu.answered, outcomes, answers },
    // A confirmation event without an intent is listed as "null", as it always has been.
    confirmations: confirmations.map((r) => ({ ...r, intent: String(r.intent) })),
    deescalation: { calls: calm.calls, cues },
  };
}
