import { z } from 'zod';

export const recordingsDefaults = { enabled: true, retentionDays: 30, maxTotalMb: 2048, wholeCall: false, purgeIntervalMinutes: 60 };

/** `config.recordings`: the caller's audio kept for listening back and for adapting the recogniser. */
export const recordingsConfigSchema = z.object({
  enabled: z.boolean().default(true).describe("Keep the caller's audio of every speech turn (what the recogniser heard) under dataDir/recordings, files mode 0600"),
  retentionDays: z.number().positive().default(30).describe('Recordings older than this are deleted by the purge job'),
  maxTotalMb: z.number().positive().default(2048).describe('Total size cap of all recordings; past it the oldest files are deleted first'),
  wholeCall: z.boolean().default(false).describe('Also keep the whole call as one two-channel WAV at the line rate: left the caller as the line delivered them, right the bot as played to the caller (barge-in cuts included)'),
  purgeIntervalMinutes: z.number().positive().default(60).describe('How often the retention purge runs'),
});

export type RecordingsConfig = z.infer<typeof recordingsConfigSchema>;
