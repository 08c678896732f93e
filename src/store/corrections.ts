import { createHash } from 'node:crypto';
import { and, asc, eq, gte, sql, type SQL } from 'drizzle-orm';
import { normalizeForAsr } from '../engines/asr/text.js';
import { normalizeChars } from '../text/normalize.js';
import type { Db } from './db.js';
import { turns } from './schema/calls.js';
import { turnCorrections } from './schema/corrections.js';

export const MAX_CORRECTION_CHARS = 500;

export interface TurnCorrection {
  text: string;
  by: string;
  at: string;
}

export interface CorrectedTurn {
  callId: string;
  seq: number;
  /** The corrected transcript (what the caller said). */
  text: string;
  /** What the recogniser heard (stored with the turn, unchanged). */
  heard: string | null;
  correctedBy: string;
  correctedAt: string;
}

/**
 * One corrected turn in five (by a hash of call and seq, so the split never changes) is held out
 * from adaptation: promotion scores the candidate and the live model on those.
 */
export function heldOutTurn(callId: string, seq: number): boolean {
  return createHash('sha256').update(`${callId}\u0000${seq}`).digest()[0] % 5 === 0;
}

export type CorrectionCheck = { ok: true; text: string } | { ok: false; code: 'too_long' | 'not_persian'; message: string };

/**
 * What an ops user typed, as it is stored: Arabic letter forms made Persian, diacritics and
 * invisible marks dropped, spaces single (ZWNJ kept). It must say something the recogniser's
 * alphabet can spell (Persian letters, or digits it reads as words) and be at most 500 characters.
 */
export function checkCorrection(raw: string): CorrectionCheck {
  const text = normalizeChars(raw).replace(/[\s\u00a0]+/g, ' ').trim();
  if (text.length > MAX_CORRECTION_CHARS) return { ok: false, code: 'too_long', message: `A transcript is at most ${MAX_CORRECTION_CHARS} characters` };
  if (!normalizeForAsr(text)) return { ok: false, code: 'not_persian', message: 'The transcript holds no Persian words' };
  return { ok: true, text };
}

export async function turnInput(db: Db, callId: string, seq: number): Promise<string | null> {
  const [row] = await db
    .select({ input: turns.input })
    .from(turns)
    .where(and(eq(turns.callId, callId), eq(turns.seq, seq)))
    .limit(1);
  return row?.input ?? null;
}

export async function setCorrection(db: Db, callId: string, seq: number, text: string, by: string, at: Date): Promise<TurnCorrection> {
  await db
    .insert(turnCorrections)
    .values({ callId, seq, text, correctedBy: by, correctedAt: at })
    .onConflictDoUpdate({ target: [turnCorrections.callId, turnCorrections.seq], set: { text, correctedBy: by, correctedAt: at } });
  return { text, by, at: at.toISOString() };
}

export async function clearCorrection(db: Db, callId: string, seq: number): Promise<boolean> {
  const rows = await db
    .delete(turnCorrections)
    .where(and(eq(turnCorrections.callId, callId), eq(turnCorrections.seq, seq)))
    .returning({ seq: turnCorrections.seq });
  return rows.length > 0;
}

/** Corrections of one call, by seq. */
export async function correctionsOf(db: Db, callId: string): Promise<Map<number, TurnCorrection>> {
  const rows = await db.select().from(turnCorrections).where(eq(turnCorrections.callId, callId));
  return new Map(rows.map((r) => [r.seq, { text: r.text, by: r.correctedBy, at: new Date(r.correctedAt).toISOString() }]));
}

/**
 * Corrected turns, oldest correction first, keyset-paged on (corrected_at, call_id, seq): what
 * `npm run asr:export` reads.
 */
export async function listCorrectedTurns(
  db: Db,
  filter: { since?: Date; after?: { at: Date; callId: string; seq: number }; limit: number },
): Promise<CorrectedTurn[]> {
  const where: SQL[] = [];
  if (filter.since) where.push(gte(turnCorrections.correctedAt, filter.since));
  if (filter.after) {
    where.push(
      sql`(${turnCorrections.correctedAt}, ${turnCorrections.callId}, ${turnCorrections.seq}) > (${filter.after.at.toISOString()}::timestamptz, ${filter.after.callId}, ${filter.after.seq})`,
    );
  }
  const rows = await db
    .select({ c: turnCorrections, heard: turns.heardText })
    .from(turnCorrections)
    .innerJoin(turns, and(eq(turns.callId, turnCorrections.callId), eq(turns.seq, turnCorrections.seq)))
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(turnCorrections.correctedAt), asc(turnCorrections.callId), asc(turnCorrections.seq))
    .limit(filter.limit);
  return rows.map((r) => ({
    callId: r.c.callId,
    seq: r.c.seq,
    text: r.c.text,
    heard: r.heard,
    correctedBy: r.c.correctedBy,
    correctedAt: new Date(r.c.correctedAt).toISOString(),
  }));
}
