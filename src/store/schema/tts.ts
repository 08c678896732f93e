import { sql } from 'drizzle-orm';
import { customType, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** PCM bytes (16-bit little-endian mono). */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

/** Drizzle view of `migrations/004_tts_cache.sql`; the SQL file is the source of truth for the database. */
export const ttsAudio = pgTable(
  'tts_audio',
  {
    key: text('key').primaryKey(),
    text: text('text').notNull(),
    textHash: text('text_hash').notNull(),
    voice: text('voice').notNull(),
    sampleRate: integer('sample_rate').notNull(),
    pcm: bytea('pcm').notNull(),
    source: text('source').$type<'tts' | 'recording'>().notNull(),
    owner: text('owner'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tts_audio_owner_idx').on(t.owner).where(sql`source = 'recording'`),
    index('tts_audio_recording_text_idx').on(t.textHash, t.createdAt.desc()).where(sql`source = 'recording'`),
  ],
);
