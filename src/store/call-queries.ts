import { and, asc, count, desc, eq, gte, inArray, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';
import { callEvents, calls, turns, type CallRow, type TurnRow } from './schema/calls.js';
import type { TurnFields } from './types.js';

/** A stored call as the API shows it. Dates are ISO strings. */
export interface CallSummary {
  id: string;
  protocol: string;
  fromNumber: string | null;
  toNumber: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  outcome: string | null;
  handoffReason: string | null;
  handoffQueue: string | null;
  params: Record<string, string>;
  turnCount: number;
}

export interface StoredTurn extends TurnFields<string> {
  timings: {
    endpointMs: number | null;
    asrMs: number | null;
    nluMs: number | null;
    ttsFirstAudioMs: number | null;
    totalMs: number | null;
  };
}

export interface StoredEvent {
  id: string;
  at: string;
  type: string;
  data: Record<string, unknown>;
}

export interface CallDetail extends CallSummary {
  turns: StoredTurn[];
  events: StoredEvent[];
}

export interface CallListFilter {
  /** Matches the number as stored and, for Iranian numbers, its other spellings (0912…, +98912…, 98912…). */
  fromNumber?: string;
  outcome?: string;
  /** `active`: not ended yet (live calls); `ended`: finished. */
  status?: 'active' | 'ended';
  since?: Date;
  until?: Date;
  /** Keyset cursor: calls strictly older than this (started_at, id) pair. */
  before?: { startedAt: Date; id: string };
  limit: number;
}

/**
 * Providers send caller ids as +98912…, 98912… or 0912…, and ops staff type whichever they see;
 * every spelling of the same Iranian number is looked up (an `in` list keeps the index usable).
 */
export function numberSpellings(number: string): string[] {
  const out = new Set([number]);
  const m = /^\+?(?:0098|98|0)?(\d{10})$/.exec(number);
  if (m) for (const prefix of ['+98', '98', '0', '0098', '']) out.add(prefix + m[1]);
  return [...out];
}

const toIso = (d: Date | string | null): string | null => (d == null ? null : new Date(d).toISOString());

function summary(row: CallRow, turnCount: number): CallSummary {
  const started = new Date(row.startedAt);
  const ended = row.endedAt ? new Date(row.endedAt) : null;
  return {
    id: row.id,
    protocol: row.protocol,
    fromNumber: row.fromNumber,
    toNumber: row.toNumber,
    startedAt: started.toISOString(),
    endedAt: ended ? ended.toISOString() : null,
    durationMs: ended ? ended.getTime() - started.getTime() : null,
    outcome: row.outcome,
    handoffReason: row.handoffReason,
    handoffQueue: row.handoffQueue,
    params: row.params ?? {},
    turnCount: Number(turnCount),
  };
}

function storedTurn(t: TurnRow): StoredTurn {
  return {
    seq: t.seq,
    at: toIso(t.at)!,
    input: t.input,
    heardText: t.heardText,
    partialsCount: t.partialsCount,
    intent: t.intent,
    confidence: t.confidence,
    action: t.action,
    botText: t.botText,
    timings: {
      endpointMs: t.endpointMs,
      asrMs: t.asrMs,
      nluMs: t.nluMs,
      ttsFirstAudioMs: t.ttsFirstAudioMs,
      totalMs: t.totalMs,
    },
  };
}

/** Newest first, keyset-paged on (started_at, id) so pages stay stable while calls keep arriving. */
export async function listCalls(db: Db, filter: CallListFilter): Promise<CallSummary[]> {
  const where: SQL[] = [];
  if (filter.fromNumber) where.push(inArray(calls.fromNumber, numberSpellings(filter.fromNumber)));
  if (filter.outcome) where.push(eq(calls.outcome, filter.outcome));
  if (filter.status === 'active') where.push(isNull(calls.endedAt));
  if (filter.status === 'ended') where.push(isNotNull(calls.endedAt));
  if (filter.since) where.push(gte(calls.startedAt, filter.since));
  if (filter.until) where.push(lt(calls.startedAt, filter.until));
  if (filter.before) {
    where.push(sql`(${calls.startedAt}, ${calls.id}) < (${filter.before.startedAt.toISOString()}::timestamptz, ${filter.before.id})`);
  }
  const rows = await db
    .select({ call: calls, turnCount: db.$count(turns, eq(turns.callId, calls.id)) })
    .from(calls)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(calls.startedAt), desc(calls.id))
    .limit(filter.limit);
  return rows.map((r) => summary(r.call, r.turnCount));
}

/** One call with its turns (by seq) and events (in the order they happened and were written). */
export async function getCall(db: Db, id: string): Promise<CallDetail | null> {
  const [row] = await db.select().from(calls).where(eq(calls.id, id)).limit(1);
  if (!row) return null;
  const turnRows = await db.select().from(turns).where(eq(turns.callId, id)).orderBy(asc(turns.seq));
  const eventRows = await db
    .select()
    .from(callEvents)
    .where(eq(callEvents.callId, id))
    .orderBy(asc(callEvents.at), asc(callEvents.n));
  return {
    ...summary(row, turnRows.length),
    turns: turnRows.map(storedTurn),
    events: eventRows.map((e) => ({ id: e.id, at: toIso(e.at)!, type: e.type, data: e.data ?? {} })),
  };
}

/** Counts rows per table for one call; used by tests and diagnostics. */
export async function countCallRows(db: Db, id: string): Promise<{ calls: number; turns: number; events: number }> {
  const [c] = await db.select({ n: count() }).from(calls).where(eq(calls.id, id));
  const [t] = await db.select({ n: count() }).from(turns).where(eq(turns.callId, id));
  const [e] = await db.select({ n: count() }).from(callEvents).where(eq(callEvents.callId, id));
  return { calls: Number(c.n), turns: Number(t.n), events: Number(e.n) };
}
