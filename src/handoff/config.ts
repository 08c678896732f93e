import { z } from 'zod';
import { amiServerSchema } from '../telephony/ami/client.js';
import { businessHoursSchema } from './hours.js';

/**
 * Transfer targets, kept here (imported by `src/config/schema.ts`) so the hand-off section of the
 * config stays a few lines long. Strings may carry placeholders filled at transfer time:
 * {callId} {providerCallId} {protocol} {queue} {callerNumber} {agentId} {agentExtension}.
 */
export const twilioActionSchema = z
  .object({
    kind: z.literal('twilio'),
    accountSid: z.string().min(1),
    authToken: z.string().min(1),
    apiBaseUrl: z.string().url().default('https://api.twilio.com'),
    /** Number / SIP URI to `<Dial>`; becomes `Twiml=<Response><Dial>…</Dial></Response>`. */
    dial: z.string().min(1).optional(),
    /** Or a TwiML URL the call is redirected to (`Url=`). */
    url: z.string().min(1).optional(),
  })
  .refine((t) => Boolean(t.dial) !== Boolean(t.url), { message: 'Give exactly one of dial or url' });

export const pbxActionSchema = z.object({
  kind: z.literal('pbx'),
  /** PBX integration endpoint (e.g. an ARI/ESL bridge that redirects a channel to a queue or extension). */
  url: z.string().min(1),
  method: z.enum(['POST', 'PUT', 'PATCH', 'GET']).default('POST'),
  headers: z.record(z.string(), z.string()).default({}),
  /** JSON body template; string values get the placeholders filled. */
  body: z
    .record(z.string(), z.unknown())
    .default({ callId: '{callId}', channel: '{providerCallId}', queue: '{queue}', extension: '{agentExtension}' }),
  timeoutMs: z.number().int().positive().default(5000),
});

/**
 * Asterisk Manager Interface: log in, find the caller's channel (the one bridged to Pasokh's
 * chan_websocket channel, or the channel that runs `AudioSocket()` with `uuidVariable` set to the
 * stream's UUID) and `Redirect` it to context/extension/priority, where the site's queue or the
 * agent's phone rings; then log off. See README "Human hand-off" for the dialplan.
 */
export const amiActionSchema = amiServerSchema.extend({
  kind: z.literal('ami'),
  /** Dialplan context the caller is sent to (placeholders allowed, e.g. `{queue}`). */
  context: z.string().min(1),
  /** Extension in that context (e.g. `{agentExtension}` for the desk's `connect`). */
  extension: z.string().min(1),
  priority: z.number().int().positive().default(1),
  /** Deadline for the whole transfer: connect, login, finding the channel, Redirect. */
  timeoutMs: z.number().int().positive().default(5000),
  /** Channel variable the dialplan sets to the AudioSocket UUID before `AudioSocket()`. */
  uuidVariable: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .default('PASOKH_UUID'),
});

export const transferActionSchema = z.union([twilioActionSchema, pbxActionSchema, amiActionSchema]);

/**
 * `desk`: wait in the built-in queue and ring the agent desk; on accept, `connect` (if given)
 * bridges the audio to the accepting agent's handset. `twilio` / `pbx` / `ami`: hand the call straight to
 * the provider's or PBX's own queue (blind transfer); if that fails the caller waits for the desk.
 */
export const transferTargetSchema = z.union([
  z.object({ kind: z.literal('desk'), connect: transferActionSchema.optional() }),
  twilioActionSchema,
  pbxActionSchema,
  amiActionSchema,
]);

export const queueConfigSchema = z.object({
  label: z.string().optional().describe('Shown on the desk'),
  priority: z.number().int().default(0).describe('Higher is served first'),
  skill: z.string().nullable().default(null).describe('Agents need this skill; null = any agent'),
  transfer: transferTargetSchema.optional().describe('Overrides handoff.transfer for this queue'),
  hours: businessHoursSchema.nullable().optional().describe('Overrides handoff.hours for this queue (null = always open)'),
  maxWaitSeconds: z.number().int().positive().nullable().optional().describe('Overrides handoff.maxWaitSeconds for this queue'),
  overflow: z.string().optional().describe('Queue that takes the calls when this one is closed or has nobody signed in, if it is open and staffed'),
});

export type TwilioAction = z.infer<typeof twilioActionSchema>;
export type PbxAction = z.infer<typeof pbxActionSchema>;
export type AmiAction = z.infer<typeof amiActionSchema>;
export type TransferAction = z.infer<typeof transferActionSchema>;
export type TransferTarget = z.infer<typeof transferTargetSchema>;
export type QueueConfig = z.infer<typeof queueConfigSchema>;
