import { sql } from 'drizzle-orm';
import type { Db } from '../db.js';
import { callEvents, calls, turns } from '../schema/calls.js';
import type { RecorderEntry } from './entries.js';

/**
 * Writes a batch of queued entries. Calls are inserted before turns and events (which reference
 * them) and ends are applied last, so queue order is respected within a batch. Every statement is
 * idempotent — inserts `on conflict do nothing` on their keys, ends are plain updates — so a batch
 * that failed half-way, or whose outcome was unknown, is simply written again.
 *
 * Deliberately no transaction: idempotence already makes a retried batch correct, and drizzle's
 * node-postgres transaction leaks its pooled client when `begin` fails on a dying connection
 * (it is outside the try/finally that releases it), which exhausts the pool during an outage.
 */
export async function writeBatch(db: Db, entries: RecorderEntry[]): Promise<void> {
  const callRows: (typeof calls.$inferInsert)[] = [];
  const turnRows: (typeof turns.$inferInsert)[] = [];
  const eventRows: (typeof callEvents.$inferInsert)[] = [];
  const ends: Extract<RecorderEntry, { k: 'end' }>[] = [];
  for (const e of entries) {
    if (e.k === 'call') {
      callRows.push({
        id: e.id,
        protocol: e.protocol,
        fromNumber: e.fromNumber,
        toNumber: e.toNumber,
        startedAt: new Date(e.startedAt),
        params: e.params,
      });
    } else if (e.k === 'turn') {
      turnRows.push({
        callId: e.callId,
        seq: e.seq,
        at: new Date(e.at),
        input: e.input,
        heardText: e.heardText,
        partialsCount: e.partialsCount,
        intent: e.intent,
        confidence: e.confidence,
        action: e.action,
        botText: e.botText,
        endpointMs: e.timings.endpointMs ?? null,
        asrMs: e.timings.asrMs ?? null,
        nluMs: e.timings.nluMs ?? null,
        ttsFirstAudioMs: e.timings.ttsFirstAudioMs ?? null,
        totalMs: e.timings.totalMs ?? null,
      });
    } else if (e.k === 'event') {
      eventRows.push({ id: e.id, callId: e.callId, at: new Date(e.at), type: e.type, data: e.data });
    } else {
      ends.push(e);
    }
  }
  if (callRows.length) await db.insert(calls).values(callRows).onConflictDoNothing();
  if (turnRows.length) await db.insert(turns).values(turnRows).onConflictDoNothing();
  if (eventRows.length) await db.insert(callEvents).values(eventRows).onConflictDoNothing();
  if (ends.length) {
    // One statement for all ends in the batch; if a call was ended twice, the later end wins.
    const last = new Map(ends.map((e) => [e.callId, e]));
    const rows = [...last.values()].map(
      (e) => sql`(${e.callId}::text, ${e.endedAt}::timestamptz, ${e.outcome}::text, ${e.handoffReason}::text, ${e.handoffQueue}::text)`,
    );
    await db.execute(sql`
      update ${calls} set ended_at = v.ended_at, outcome = v.outcome, handoff_reason = v.handoff_reason, handoff_queue = v.handoff_queue
      from (values ${sql.join(rows, sql`, `)}) as v(id, ended_at, outcome, handoff_reason, handoff_queue)
      where ${calls.id} = v.id`);
  }
}

/** SQLSTATE of a database error, looking through drizzle's wrapper (`cause`). */
export function sqlState(err: unknown): string | null {
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return null;
}

/**
 * A permanent error is one that retrying cannot fix because the data itself is refused
 * (class 22 data exception, class 23 integrity violation, e.g. a turn for a call never started).
 * Everything else — refused connections, admin shutdown (57P01), a server starting up (57P03),
 * lost connections, deadlocks, even a missing table before migrations ran — is worth retrying:
 * holding a record costs memory or disk; dropping it loses it for good.
 */
export function isPermanent(err: unknown): boolean {
  const code = sqlState(err);
  return code !== null && (code.startsWith('22') || code.startsWith('23'));
}
