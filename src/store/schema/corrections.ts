import { index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Drizzle view of `migrations/008_turn_corrections.sql`; the SQL file is the source of truth for the database. */
export const turnCorrections = pgTable(
  'turn_corrections',
  {
    callId: text('call_id').notNull(),
    seq: integer('seq').notNull(),
    text: text('text').notNull(),
    correctedBy: text('corrected_by').notNull(),
    correctedAt: timestamp('corrected_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.callId, t.seq] }), index('turn_corrections_at_idx').on(t.correctedAt)],
);

export type TurnCorrectionRow = typeof turnCorrections.$inferSelect;
