import { sql } from 'drizzle-orm';
import {
  bigserial,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/** Drizzle view of `migrations/001_calls.sql`; the SQL file is the source of truth for the database. */
export const calls = pgTable(
  'calls',
  {
    id: text('id').primaryKey(),
    protocol: text('protocol').notNull(),
    fromNumber: text('from_number'),
    toNumber: text('to_number'),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
    outcome: text('outcome'),
    handoffReason: text('handoff_reason'),
    handoffQueue: text('handoff_queue'),
    params: jsonb('params').$type<Record<string, string>>().notNull().default({}),
    // Filled by the database from the connection's pasokh.instance_id (migrations/010_cluster.sql).
    instanceId: text('instance_id').default(sql`nullif(current_setting('pasokh.instance_id', true), '')`),
  },
  (t) => [
    index('calls_started_at_idx').on(t.startedAt.desc(), t.id.desc()),
    index('calls_open_instance_idx').on(t.instanceId).where(sql`ended_at is null`),
    index('calls_from_number_idx').on(t.fromNumber, t.startedAt.desc()),
  ],
);

export const turns = pgTable(
  'turns',
  {
    callId: text('call_id')
      .notNull()
      .references(() => calls.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    input: text('input').notNull(),
    heardText: text('heard_text'),
    partialsCount: integer('partials_count').notNull().default(0),
    intent: text('intent'),
    confidence: doublePrecision('confidence'),
    action: text('action').notNull(),
    botText: text('bot_text'),
    endpointMs: integer('endpoint_ms'),
    asrMs: integer('asr_ms'),
    nluMs: integer('nlu_ms'),
    ttsFirstAudioMs: integer('tts_first_audio_ms'),
    totalMs: integer('total_ms'),
  },
  (t) => [primaryKey({ columns: [t.callId, t.seq] }), index('turns_at_idx').on(t.at)],
);

export const callEvents = pgTable(
  'call_events',
  {
    id: text('id').primaryKey(),
    n: bigserial('n', { mode: 'number' }).notNull(),
    callId: text('call_id')
      .notNull()
      .references(() => calls.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('call_events_call_idx').on(t.callId, t.at, t.n),
    index('call_events_type_at_idx').on(t.type, t.at),
  ],
);

export type CallRow = typeof calls.$inferSelect;
export type TurnRow = typeof turns.$inferSelect;
export type CallEventRow = typeof callEvents.$inferSelect;
