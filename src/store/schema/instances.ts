import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Drizzle view of `migrations/010_cluster.sql`; the SQL file is the source of truth for the database. */
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const pasokhInstances = pgTable('pasokh_instances', {
  id: text('id').primaryKey(),
  host: text('host'),
  pid: integer('pid'),
  startedAt: ts('started_at').notNull().defaultNow(),
  heartbeatAt: ts('heartbeat_at').notNull().defaultNow(),
  goneAt: ts('gone_at'),
  stoppedAt: ts('stopped_at'),
});

export const authFailures = pgTable(
  'auth_failures',
  {
    door: text('door').notNull(),
    address: text('address').notNull(),
    at: ts('at').notNull(),
    instanceId: text('instance_id'),
  },
  (t) => [index('auth_failures_door_at_idx').on(t.door, t.at)],
);
