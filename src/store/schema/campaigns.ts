import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import type { AttemptOutcome, Campaign, CampaignOptions, ContactOutcome, SurveyAnswer } from '../../campaigns/types.js';

/** Drizzle view of `migrations/009_campaigns.sql`; the SQL file is the source of truth for the database. */
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const campaigns = pgTable('campaigns', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').$type<'notify' | 'survey'>().notNull(),
  status: text('status').$type<'draft' | 'running' | 'paused' | 'completed' | 'cancelled'>().notNull().default('draft'),
  // jsonb holds what the API validated (zod) on the way in; the types say what that was.
  script: jsonb('script').$type<Campaign['script']>().notNull(),
  dialer: jsonb('dialer').$type<Campaign['dialer']>().notNull(),
  schedule: jsonb('schedule').$type<Campaign['schedule']>().notNull(),
  pacing: jsonb('pacing').$type<Campaign['pacing']>().notNull(),
  retry: jsonb('retry').$type<Campaign['retry']>().notNull(),
  options: jsonb('options').$type<CampaignOptions>().notNull().default(sql`'{}'::jsonb`),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  startedAt: ts('started_at'),
  finishedAt: ts('finished_at'),
});

export const campaignContacts = pgTable(
  'campaign_contacts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    campaignId: text('campaign_id').notNull(),
    phone: text('phone').notNull(),
    name: text('name'),
    vars: jsonb('vars').$type<Record<string, string>>().notNull().default({}),
    sourceLine: integer('source_line'),
    duplicates: integer('duplicates').notNull().default(0),
    status: text('status').$type<'pending' | 'dialing' | 'done'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at'),
    finalOutcome: text('final_outcome').$type<ContactOutcome>(),
    confirmed: boolean('confirmed'),
    answers: jsonb('answers').$type<Record<string, SurveyAnswer>>(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('campaign_contacts_due_idx').on(t.campaignId, t.status, t.nextAttemptAt), unique().on(t.campaignId, t.phone)],
);

export const campaignAttempts = pgTable(
  'campaign_attempts',
  {
    id: text('id').primaryKey(),
    campaignId: text('campaign_id').notNull(),
    contactId: bigint('contact_id', { mode: 'number' }).notNull(),
    seq: integer('seq').notNull(),
    instance: text('instance').notNull(),
    status: text('status').$type<'dialing' | 'answered' | 'ended'>().notNull().default('dialing'),
    outcome: text('outcome').$type<AttemptOutcome>(),
    providerCallId: text('provider_call_id'),
    callId: text('call_id'),
    placedAt: ts('placed_at').notNull(),
    answeredAt: ts('answered_at'),
    firstAudioMs: integer('first_audio_ms'),
    endedAt: ts('ended_at'),
    durationSeconds: integer('duration_seconds'),
    detail: text('detail'),
  },
  (t) => [index('campaign_attempts_campaign_idx').on(t.campaignId, t.status, t.placedAt), index('campaign_attempts_provider_idx').on(t.providerCallId), unique().on(t.contactId, t.seq)],
);

export const dncNumbers = pgTable('dnc_numbers', {
  phone: text('phone').primaryKey(),
  reason: text('reason'),
  source: text('source').notNull().default('api'),
  campaignId: text('campaign_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
});
