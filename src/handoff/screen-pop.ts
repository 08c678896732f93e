import type { Database } from '../store/db.js';
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
      const rows = await database.query(
        `select id, started_at, outcome, handoff_reason from calls
         where from_number = $1 and id <> $2 order by started_at desc limit 10`,
        [entry.callerNumber, entry.callId],
      );
      pastCalls = rows.map((r: any) => ({
        id: r.id,
        startedAt: iso(r.started_at)!,
        outcome: r.outcome,
        handoffReason: r.handoff_reason,
      }));
    } catch {
      pastCalls = [];
    }
    const rows = await database.query(
      `select enqueued_at, queue, reason, state, answered_by, wrap_code, notes from handoff_entries
       where caller_number = $1 and id <> $2 and call_id <> $3 order by enqueued_at desc limit 10`,
      [entry.callerNumber, entry.id, entry.callId],
    );
    pastHandoffs = rows.map((r: any) => ({
      enqueuedAt: iso(r.enqueued_at)!,
      queue: r.queue,
      reason: r.reason,
      state: r.state,
      agentId: r.answered_by,
      wrapCode: r.wrap_code,
      notes: r.notes,
    }));
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
