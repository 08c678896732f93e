import { z } from 'zod';

/** The `campaigns` section of the config (src/config/schema.ts). */
export const campaignsConfigSchema = z.object({
  scheduler: z.boolean().default(true).describe('Run the outbound campaign scheduler on this instance (any number of instances may: contacts are claimed with row locks)'),
  tickMs: z.number().int().min(50).max(60_000).default(1000).describe('How often due contacts are claimed and dialled'),
  instanceId: z.string().optional().describe('Name of this instance in attempt records (default: host name and process id)'),
  staleDialSeconds: z.number().int().min(30).default(300).describe('An attempt still ringing after this long is ended as lost (its instance stopped); lost attempts are never redialled'),
  maxCallSeconds: z.number().int().min(60).default(3600).describe('An answered attempt with no end after this long is ended as lost'),
  postCallCsat: z.boolean().default(false).describe('After a call the bot completed, ask the caller to rate it with a key 1–5 (feeds CSAT in /api/kpis)'),
});

export type CampaignsConfig = z.infer<typeof campaignsConfigSchema>;
export const campaignsDefaults: CampaignsConfig = { scheduler: true, tickMs: 1000, staleDialSeconds: 300, maxCallSeconds: 3600, postCallCsat: false };
