import { boolean, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Drizzle view of `migrations/002_knowledge.sql`; the SQL file is the source of truth. */
export const kbVersions = pgTable('kb_versions', {
  version: integer('version').primaryKey(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  source: text('source').notNull(),
  note: text('note'),
  basedOn: integer('based_on'),
  faqCount: integer('faq_count').notNull(),
});

export const kbFaqs = pgTable(
  'kb_faqs',
  {
    version: integer('version')
      .notNull()
      .references(() => kbVersions.version, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    id: text('id').notNull(),
    question: text('question').notNull(),
    answer: text('answer').notNull(),
    action: text('action').$type<'answer' | 'handoff' | 'end'>().notNull(),
    queue: text('queue'),
    examples: jsonb('examples').$type<string[]>().notNull().default([]),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    enabled: boolean('enabled').notNull().default(true),
    /** Keypad menu place, see `migrations/007_faq_menu.sql`. */
    menu: text('menu'),
  },
  (t) => [primaryKey({ columns: [t.version, t.id] })],
);

export const kbLive = pgTable('kb_live', {
  singleton: boolean('singleton').primaryKey().default(true),
  version: integer('version')
    .notNull()
    .references(() => kbVersions.version),
});
