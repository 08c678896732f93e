import { and, desc, eq, ne } from 'drizzle-orm';
import type { Database } from '../store/db.js';
import { calls } from '../store/schema/calls.js';
import { handoffEntries } from '../store/schema/handoff.js';
import type { QueueEntry } from './store.js';
import type { TranscriptLine } from './types.js';

export interface PastCall {
  id: string;
  startedAt: string;
  outcome: string | null;
  handoffReason: string | null;
}

export interface PastHandoff {
  enqueuedAt: string;
  queue: string;
  reason: string;
  state: string;
  agentId: string | null;
  wrapCode: string | null;
  notes: string | null;
}

/** What the desk shows when a call rings: who, what was said, why it came to a person, history. */
export interface ScreenPop {
  entryId: string;
  callId: string;
  state: string;
  callerNumber: string | null;
  callerName: string | null;
  queue: string;
  reason: string;
  intent: string | null;
  transcript: TranscriptLine[];
  enqueuedAt: string;
  offerExpiresAt: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  callbackNumber: string | null;
  pastCalls: PastCall[];
  pastHandoffs: PastHandoff[];
}

const iso = (d: Date | string | null) => (d == null ? null : new Date(d).toISOString());

export async function screenPop(database: Database, entry: QueueEntry): Promise<ScreenPop> {
  let pastCalls: PastCall[] = [];
  let pastHandoffs: PastHandoff[] = [];
  if (entry.callerNumber) {
    try {
      // The calls table belongs to the store (migration 001); the screen pop only reads it.
      const rows = await database.db
        .select({ id: calls.id, startedAt: calls.startedAt, outcome: calls.outcome, handoffReason: calls.handoffReason })
        .from(calls)
        .where(and(eq(calls.fromNumber, entry.callerNumber), ne(calls.id, entry.callId)))
        .orderBy(desc(calls.startedAt))
        .limit(10);
      pastCalls = rows.map((r) => ({ ...r, startedAt: r.startedAt.toISOString() }));
    } catch {
      pastCalls = [];
    }
    const rows = await database.db
      .select({
        enqueuedAt: handoffEntries.enqueuedAt,
        queue: handoffEntries.queue,
        reason: handoffEntries.reason,
        state: handoffEntries.state,
        agentId: handoffEntries.answeredBy,
        wrapCode: handoffEntries.wrapCode,
        notes: handoffEntries.notes,
      })
      .from(handoffEntries)
      .where(and(eq(handoffEntries.callerNumber, entry.callerNumber), ne(handoffEntries.id, entry.id), ne(handoffEntries.callId, entry.callId)))
      .orderBy(desc(handoffEntries.enqueuedAt))
      .limit(10);
    pastHandoffs = rows.map((r) => ({ ...r, enqueuedAt: r.enqueuedAt.toISOString() }));
  }
  return {
    entryId: entry.id,
    callId: entry.callId,
    state: entry.state,
    callerNumber: entry.callerNumber,
    callerName: entry.callerName,
    queue: entry.queue,
    reason: entry.reason,
    intent: entry.intent,
    transcript: entry.transcript,
    enqueuedAt: iso(entry.enqueuedAt)!,
    offerExpiresAt: iso(entry.offerExpiresAt),
    answeredAt: iso(entry.answeredAt),
    endedAt: iso(entry.endedAt),
    callbackNumber: entry.callbackNumber,
    pastCalls,
    pastHandoffs,
  };
}
