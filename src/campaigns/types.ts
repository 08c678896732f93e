import { z } from 'zod';
import { DAYS, DEFAULT_WINDOWS, parseLocalDate } from './schedule.js';

/** What a campaign owner sends to `POST /api/campaigns` (see README, "Campaigns"). */

const key = z.string().regex(/^[0-9*#]$/, 'a single keypad key (0–9, * or #)');
const text = z.string().trim().min(1).max(2000);

export const notifyScriptSchema = z.object({
  message: text,
  confirmKey: key.default('1'),
  repeatKey: key.default('2'),
  optOutKey: key.default('9'),
  agentKey: key.default('0'),
  /** Said after the callee confirms (default: a thank-you). */
  thanks: text.optional(),
});

export const questionSchema = z.object({
  id: z.string().regex(/^[\w-]{1,40}$/, 'letters, digits, _ or -, at most 40'),
  type: z.enum(['choice', 'scale', 'yesno', 'number', 'open']),
  prompt: text,
  /** Keypad key → the option's label (choice questions; optional labels for yesno). */
  options: z.record(z.string().regex(/^[0-9]$/, 'option keys are single digits'), z.string().trim().min(1).max(200)).optional(),
  min: z.number().int().optional(),
  max: z.number().int().optional(),
  /** Answer value → the next question's id (or "end"); unmatched answers go to the next question. */
  next: z.record(z.string(), z.string()).optional(),
});

export const surveyScriptSchema = z
  .object({
    intro: text.optional(),
    questions: z.array(questionSchema).min(1).max(50),
    outro: text.optional(),
    agentKey: key.default('0'),
    optOutKey: key.default('9'),
  })
  .superRefine((s, ctx) => {
    const ids = new Set<string>();
    s.questions.forEach((q, i) => {
      if (ids.has(q.id)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'id'], message: `question id "${q.id}" is used twice` });
      ids.add(q.id);
      if (q.type === 'choice' && (!q.options || Object.keys(q.options).length < 2)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'options'], message: 'a choice question needs at least two options' });
      if ((q.type === 'scale' || q.type === 'number') && q.min !== undefined && q.max !== undefined && q.min > q.max) ctx.addIssue({ code: 'custom', path: ['questions', i, 'max'], message: 'max is below min' });
      if (q.type === 'scale' && ((q.min ?? 1) < 0 || (q.max ?? 5) > 9)) ctx.addIssue({ code: 'custom', path: ['questions', i], message: 'a scale is answered with one key: 0–9' });
    });
    s.questions.forEach((q, i) => {
      for (const [answer, target] of Object.entries(q.next ?? {})) {
        if (target !== 'end' && !ids.has(target)) ctx.addIssue({ code: 'custom', path: ['questions', i, 'next', answer], message: `no question "${target}"` });
      }
    });
  });

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM');

export const scheduleSchema = z
  .object({
    timezone: z.string().default('Asia/Tehran'),
    start: z.string().optional(),
    end: z.string().optional(),
    windows: z.array(z.object({ days: z.array(z.enum(DAYS)).min(1), from: hhmm, to: hhmm })).default(DEFAULT_WINDOWS),
    holidays: z.array(z.string()).default([]),
  })
  .superRefine((s, ctx) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: s.timezone });
    } catch {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: `unknown time zone "${s.timezone}"` });
      return;
    }
    for (const f of ['start', 'end'] as const) {
      const v = s[f];
      if (v !== undefined && !parseLocalDate(v, s.timezone)) ctx.addIssue({ code: 'custom', path: [f], message: 'an ISO date (2026-03-21, 2026-03-21T09:00) or a Jalali one (1405/01/01)' });
    }
    s.holidays.forEach((h, i) => {
      if (!parseLocalDate(h, s.timezone)) ctx.addIssue({ code: 'custom', path: ['holidays', i], message: 'an ISO or Jalali date' });
    });
    s.windows.forEach((w, i) => {
      if (w.from >= w.to) ctx.addIssue({ code: 'custom', path: ['windows', i, 'to'], message: '"to" must be after "from" on the same day' });
    });
  });

export const pacingSchema = z.object({
  maxConcurrent: z.number().int().min(1).max(1000).default(5),
  callsPerMinute: z.number().int().min(1).max(10_000).default(10),
});

export const OUTCOMES_RETRYABLE = ['no-answer', 'busy', 'failed', 'machine'] as const;
export type RetryableOutcome = (typeof OUTCOMES_RETRYABLE)[number];

export const retrySchema = z.object({
  maxAttempts: z.number().int().min(1).max(20).default(3),
  delayMinutes: z.number().min(0).max(7 * 24 * 60).default(60),
  on: z.array(z.enum(OUTCOMES_RETRYABLE)).default(['no-answer', 'busy', 'failed']),
});

const ringSeconds = z.number().int().min(5).max(120).default(30);

export const twilioDialerSchema = z.object({
  kind: z.literal('twilio'),
  accountSid: z.string().regex(/^AC[0-9a-zA-Z]{10,40}$/, 'a Twilio account SID (AC…)'),
  authToken: z.string().min(8),
  from: z.string().min(3),
  apiBaseUrl: z.url().default('https://api.twilio.com'),
  /** Where Twilio reaches Pasokh: https://pasokh.example.com (status webhooks, and wss:// for media). */
  publicUrl: z.url(),
  ringTimeoutSeconds: ringSeconds,
});

export const amiDialerSchema = z.object({
  kind: z.literal('ami'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(5038),
  username: z.string().min(1),
  secret: z.string().min(1),
  /** Dial string with {e164}, {national} (0912…) or {digits} (98912…): `PJSIP/{national}@trunk`. */
  channel: z.string().min(3).regex(/\{(e164|national|digits)\}/, 'the channel needs {e164}, {national} or {digits}'),
  /** websocket_client.conf connection that reaches Pasokh's /media/asterisk. */
  connection: z.string().regex(/^[\w-]+$/).default('pasokh'),
  ringTimeoutSeconds: ringSeconds,
});

export const simulatorDialerSchema = z.object({
  kind: z.literal('simulator'),
  /** Ring time before a simulated callee answers (or gives up as no-answer). */
  ringMs: z.number().int().min(0).max(60_000).default(200),
  /** The callee script for contacts without a `sim` column (see src/campaigns/dialers/simulator.ts). */
  callee: z.string().default('answer'),
  /** Callee scripts by phone number (E.164 or as typed). */
  callees: z.record(z.string(), z.string()).default({}),
});

export const dialerSchema = z.discriminatedUnion('kind', [twilioDialerSchema, amiDialerSchema, simulatorDialerSchema]);
export type DialerConfig = z.infer<typeof dialerSchema>;

const common = {
  name: z.string().trim().min(1).max(200),
  dialer: dialerSchema,
  schedule: scheduleSchema.default({ timezone: 'Asia/Tehran', windows: DEFAULT_WINDOWS, holidays: [] }),
  pacing: pacingSchema.default({ maxConcurrent: 5, callsPerMinute: 10 }),
  retry: retrySchema.default({ maxAttempts: 3, delayMinutes: 60, on: ['no-answer', 'busy', 'failed'] }),
  callerId: z.string().max(64).optional(),
  /** Human queue for callees who ask for a person (default: handoff.defaultQueue). */
  queue: z.string().max(64).optional(),
  /** Long uninterrupted speech at the start is an answering machine (speech ≥ minSpeechMs). */
  machineDetection: z.object({ enabled: z.boolean().default(true), minSpeechMs: z.number().int().min(1000).max(15_000).default(3000) }).default({ enabled: true, minSpeechMs: 3000 }),
};

export const createCampaignSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('notify'), script: notifyScriptSchema, ...common }),
  z.object({ kind: z.literal('survey'), script: surveyScriptSchema, ...common }),
]);
export type CreateCampaign = z.infer<typeof createCampaignSchema>;
export type NotifyScript = z.infer<typeof notifyScriptSchema>;
export type SurveyScript = z.infer<typeof surveyScriptSchema>;
export type Question = z.infer<typeof questionSchema>;
export type Pacing = z.infer<typeof pacingSchema>;
export type Retry = z.infer<typeof retrySchema>;

export type CampaignStatus = 'draft' | 'running' | 'paused' | 'completed' | 'cancelled';

export interface CampaignOptions {
  callerId?: string;
  queue?: string;
  machineDetection: { enabled: boolean; minSpeechMs: number };
}

export interface Campaign {
  id: string;
  name: string;
  kind: 'notify' | 'survey';
  status: CampaignStatus;
  script: NotifyScript | SurveyScript;
  dialer: DialerConfig;
  schedule: z.infer<typeof scheduleSchema>;
  pacing: Pacing;
  retry: Retry;
  options: CampaignOptions;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface Contact {
  id: number;
  campaignId: string;
  phone: string;
  name: string | null;
  vars: Record<string, string>;
  status: 'pending' | 'dialing' | 'done';
  attempts: number;
  finalOutcome: string | null;
  confirmed: boolean | null;
  answers: Record<string, SurveyAnswer> | null;
}

export interface SurveyAnswer {
  value: string | number | null;
  via: 'dtmf' | 'speech' | null;
  heard?: string;
  skipped?: boolean;
}

/**
 * How an attempt ended. Ring outcomes come from the dialer; the rest from the call itself.
 * completed: survey finished / notification confirmed; unconfirmed: message played, never
 * confirmed; partial: the callee hung up mid-survey; hangup: hung up before the script began;
 * opted-out: pressed the opt-out key; handoff: asked for a person; lost: the instance that
 * placed it stopped before learning how it ended (never redialled: it may have rung).
 */
export type AttemptOutcome =
  | RetryableOutcome
  | 'completed'
  | 'unconfirmed'
  | 'partial'
  | 'hangup'
  | 'opted-out'
  | 'handoff'
  | 'lost';

/** Final outcomes of a contact besides an attempt's: never dialled because of DNC, or the campaign was cancelled. */
export type ContactOutcome = AttemptOutcome | 'dnc' | 'cancelled';

/** Hides secrets (Twilio auth token, AMI secret) from API answers. */
export function redactDialer(d: DialerConfig): Record<string, unknown> {
  if (d.kind === 'twilio') return { ...d, authToken: '***' };
  if (d.kind === 'ami') return { ...d, secret: '***' };
  return { ...d };
}
