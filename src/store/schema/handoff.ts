import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

/** Drizzle view of `migrations/003_handoff.sql`; the SQL file is the source of truth for the database. */
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const handoffQueues = pgTable('handoff_queues', {
  name: text('name').primaryKey(),
  label: text('label'),
  priority: integer('priority').notNull().default(0),
  skill: text('skill'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const handoffAgents = pgTable(
  'handoff_agents',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    pinHash: text('pin_hash').notNull(),
    skills: text('skills').array().notNull().default(sql`'{}'`),
    extension: text('extension'),
    presence: text('presence').$type<'available' | 'busy' | 'after-call-work' | 'offline'>().notNull().default('offline'),
    presenceSince: ts('presence_since').notNull().defaultNow(),
    idleSince: ts('idle_since').notNull().defaultNow(),
    currentEntryId: text('current_entry_id'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('handoff_agents_available_idx').on(t.presence, t.idleSince)],
);

export const handoffEntries = pgTable(
  'handoff_entries',
  {
    id: text('id').primaryKey(),
    callId: text('call_id').notNull(),
    protocol: text('protocol').notNull(),
    providerCallId: text('provider_call_id'),
    callerNumber: text('caller_number'),
    callerName: text('caller_name'),
    queue: text('queue').notNull(),
    priority: integer('priority').notNull().default(0),
    reason: text('reason').notNull(),
    intent: text('intent'),
    transcript: jsonb('transcript').notNull().default([]),
    enqueuedAt: ts('enqueued_at').notNull().defaultNow(),
    state: text('state')
      .$type<'waiting' | 'offered' | 'connected' | 'callback' | 'abandoned' | 'transferred'>()
      .notNull()
      .default('waiting'),
    callbackNumber: text('callback_number'),
    offeredTo: text('offered_to'),
    offeredAt: ts('offered_at'),
    offerExpiresAt: ts('offer_expires_at'),
    declinedBy: text('declined_by').array().notNull().default(sql`'{}'`),
    answeredBy: text('answered_by'),
    answeredAt: ts('answered_at'),
    endedAt: ts('ended_at'),
    wrappedUpAt: ts('wrapped_up_at'),
    wrapCode: text('wrap_code'),
    notes: text('notes'),
    transferTarget: text('transfer_target'),
    transferError: text('transfer_error'),
    instanceId: text('instance_id'),
  },
  (t) => [
    index('handoff_entries_routing_idx').on(t.state, t.priority.desc(), t.enqueuedAt),
    index('handoff_entries_enqueued_idx').on(t.enqueuedAt),
    index('handoff_entries_call_idx').on(t.callId),
  ],
);

export const handoffOffers = pgTable(
  'handoff_offers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    entryId: text('entry_id')
      .notNull()
      .references(() => handoffEntries.id, { onDelete: 'cascade' }),
    agentId: text('agent_id').notNull(),
    instanceId: text('instance_id'),
    offeredAt: ts('offered_at').notNull().defaultNow(),
    outcome: text('outcome').$type<'accepted' | 'declined' | 'timeout' | 'withdrawn'>(),
    respondedAt: ts('responded_at'),
  },
  (t) => [
    index('handoff_offers_entry_idx').on(t.entryId, t.offeredAt),
    uniqueIndex('handoff_offers_one_open_idx').on(t.entryId).where(sql`outcome is null`),
  ],
);

export const handoffSessions = pgTable('handoff_sessions', {
  tokenHash: text('token_hash').primaryKey(),
  agentId: text('agent_id')
    .notNull()
    .references(() => handoffAgents.id, { onDelete: 'cascade' }),
  createdAt: ts('created_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
});
