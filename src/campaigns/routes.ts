import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { ApiError } from '../http/errors.js';
import { readJson } from '../http/body.js';
import { parseContactList, parseContacts, type ParsedContacts } from './contacts.js';
import { statusCallbackUrl, twilioStatusEvent, validTwilioSignature } from './dialers/twilio.js';
import { normalizePhone } from './phone.js';
import { inWindow, nextOpening } from './schedule.js';
import type { CampaignService } from './service.js';
import type { Attempt } from './store.js';
import { createCampaignSchema, redactDialer, type Campaign, type Contact, type SurveyScript } from './types.js';

/** Contact files up to this size are accepted (about 100 000 rows). */
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

const issues = (error: z.ZodError) => error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));

async function view(service: CampaignService, c: Campaign) {
  const now = service.clock();
  const open = c.status === 'running' || c.status === 'paused' || c.status === 'draft';
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    status: c.status,
    script: c.script,
    dialer: redactDialer(c.dialer),
    schedule: c.schedule,
    pacing: c.pacing,
    retry: c.retry,
    callerId: c.options.callerId ?? null,
    queue: c.options.queue ?? null,
    machineDetection: c.options.machineDetection,
    createdAt: c.createdAt,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    inWindow: inWindow(c.schedule, now),
    nextWindowAt: open ? nextOpening(c.schedule, now) : null,
    counts: await service.store.counts(c.id),
  };
}

async function campaignOr404(service: CampaignService, id: string): Promise<Campaign> {
  const c = await service.store.get(id);
  if (!c) throw new ApiError(404, 'campaign_not_found', `No campaign ${id}`);
  return c;
}

/** `/api/campaigns`: create, contacts, start/pause/resume/cancel, progress, results (JSON or CSV). */
export function createCampaignRoutes(service: CampaignService): Hono {
  const app = new Hono();
  const store = service.store;

  app.post('/', async (c) => {
    const parsed = createCampaignSchema.safeParse(await readJson(c));
    if (!parsed.success) throw new ApiError(400, 'invalid_campaign', 'The campaign is not valid', issues(parsed.error));
    const campaign = await store.create(parsed.data, service.clock());
    return c.json(await view(service, campaign), 201);
  });

  app.get('/', async (c) => {
    const list = await store.list();
    return c.json({ campaigns: await Promise.all(list.map((x) => view(service, x))) });
  });

  app.get('/:id', async (c) => c.json(await view(service, await campaignOr404(service, c.req.param('id')))));

  app.post('/:id/contacts', async (c) => {
    const campaign = await campaignOr404(service, c.req.param('id'));
    if (campaign.status === 'completed' || campaign.status === 'cancelled') throw new ApiError(409, 'campaign_closed', `The campaign is ${campaign.status}; contacts can no longer be added`);
    const parsed = await readContacts(c);
    if (parsed.fileProblem) throw new ApiError(400, 'invalid_contacts', parsed.fileProblem, { problems: parsed.problems });
    const summary = await store.addContacts(campaign.id, parsed.rows, service.clock());
    // A campaign that had finished its list goes on with the new contacts.
    return c.json({ ...summary, rejected: parsed.problems.length, problems: parsed.problems, counts: await store.counts(campaign.id) }, 200);
  });

  for (const action of ['start', 'pause', 'resume', 'cancel'] as const) {
    app.post(`/:id/${action}`, async (c) => {
      const campaign = await campaignOr404(service, c.req.param('id'));
      if (action === 'start' && (await store.counts(campaign.id)).contacts === 0) throw new ApiError(409, 'no_contacts', 'Upload contacts before starting the campaign');
      const moved = await store.transition(campaign.id, action, service.clock());
      if (!moved) throw new ApiError(409, 'invalid_state', `A ${campaign.status} campaign cannot ${action}`, { status: campaign.status });
      return c.json(await view(service, moved));
    });
  }

  app.get('/:id/results', async (c) => {
    const campaign = await campaignOr404(service, c.req.param('id'));
    const [contacts, attempts] = await Promise.all([store.contacts(campaign.id), store.attemptsOf(campaign.id)]);
    const byContact = new Map<number, Attempt[]>();
    for (const a of attempts) byContact.set(a.contactId, [...(byContact.get(a.contactId) ?? []), a]);
    const results = contacts.map((k) => resultOf(campaign, k, byContact.get(k.id) ?? []));
    if ((c.req.query('format') ?? '').toLowerCase() === 'csv') {
      c.header('content-type', 'text/csv; charset=utf-8');
      c.header('content-disposition', `attachment; filename="${campaign.id}-results.csv"`);
      return c.body(resultsCsv(campaign, results));
    }
    return c.json({ campaign: { id: campaign.id, name: campaign.name, kind: campaign.kind, status: campaign.status }, results });
  });

  return app;
}

async function readContacts(c: Context): Promise<ParsedContacts> {
  const type = c.req.header('content-type') ?? '';
  if (type.includes('multipart/form-data')) {
    const form = await c.req.parseBody();
    const file = Object.values(form).find((v): v is File => typeof v === 'object' && v !== null && 'arrayBuffer' in v);
    if (!file) throw new ApiError(400, 'invalid_contacts', 'The form has no file');
    if (file.size > MAX_UPLOAD_BYTES) throw new ApiError(413, 'too_large', `Contact files are limited to ${MAX_UPLOAD_BYTES} bytes`);
    return parseContacts(new Uint8Array(await file.arrayBuffer()), file.type || (file.name.endsWith('.json') ? 'application/json' : 'text/csv'));
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > MAX_UPLOAD_BYTES) throw new ApiError(413, 'too_large', `Contact files are limited to ${MAX_UPLOAD_BYTES} bytes`);
  if (type.includes('json')) {
    let data: unknown;
    try {
      data = JSON.parse(new TextDecoder().decode(bytes).replace(/^\ufeff/, ''));
    } catch {
      throw new ApiError(400, 'bad_json', 'Body must be JSON {contacts: [{phone, name?, vars?}]}');
    }
    return parseContactList(data);
  }
  return parseContacts(bytes, type);
}

export interface ContactResult {
  phone: string;
  name: string | null;
  vars: Record<string, string>;
  status: Contact['status'];
  finalOutcome: string | null;
  attempts: { seq: number; at: Date; outcome: string | null; durationSeconds: number | null; answeredAt: Date | null; detail: string | null }[];
  confirmed?: boolean | null;
  answers?: Contact['answers'];
}

function resultOf(campaign: Campaign, k: Contact, attempts: Attempt[]): ContactResult {
  const out: ContactResult = {
    phone: k.phone,
    name: k.name,
    vars: k.vars,
    status: k.status,
    finalOutcome: k.finalOutcome,
    attempts: attempts.map((a) => ({ seq: a.seq, at: a.placedAt, outcome: a.outcome ?? (a.status === 'ended' ? null : a.status), durationSeconds: a.durationSeconds, answeredAt: a.answeredAt, detail: a.detail })),
  };
  if (campaign.kind === 'notify') out.confirmed = k.confirmed ?? false;
  else out.answers = k.answers ?? {};
  return out;
}

/** Excel reads a cell that starts with = + - @ as a formula: text cells get a leading apostrophe. */
const cell = (v: unknown, text = true): string => {
  let s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
  if (text && /^[=+\-@\t\r]/.test(s) && !/^\+\d+$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** UTF-8 with BOM and CRLF: Excel opens it with Persian intact. */
export function resultsCsv(campaign: Campaign, results: ContactResult[]): string {
  const questions = campaign.kind === 'survey' ? (campaign.script as SurveyScript).questions.map((q) => q.id) : [];
  const header = ['phone', 'name', 'status', 'final_outcome', 'attempts', 'last_attempt_at', 'last_outcome', 'last_duration_seconds'];
  if (campaign.kind === 'notify') header.push('confirmed');
  for (const q of questions) header.push(q, `${q}_via`, `${q}_heard`);
  const lines = [header.map((h) => cell(h)).join(',')];
  for (const r of results) {
    const last = r.attempts[r.attempts.length - 1];
    const row: unknown[] = [r.phone, r.name, r.status, r.finalOutcome, r.attempts.length, last?.at ?? null, last?.outcome ?? null, last?.durationSeconds ?? null];
    if (campaign.kind === 'notify') row.push(r.confirmed ? 'yes' : 'no');
    for (const q of questions) {
      const a = r.answers?.[q];
      row.push(a ? (a.skipped ? 'skipped' : a.value) : null, a?.via ?? null, a?.heard ?? null);
    }
    lines.push(row.map((v) => cell(v)).join(','));
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

/** Exported for the OpenAPI description of /api (src/http/api-operations.ts). */
export const dncBody = z.object({
  phone: z.union([z.string(), z.number()]).optional(),
  phones: z.array(z.union([z.string(), z.number()])).max(100_000).optional(),
  reason: z.string().max(500).optional(),
});

/** `/api/dnc`: the do-not-call list (numbers in any typed form, stored as E.164). */
export function createDncRoutes(service: CampaignService): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const q = c.req.query('phone');
    let phone: string | undefined;
    if (q) {
      const p = normalizePhone(q);
      if (!p.ok) throw new ApiError(400, 'invalid_phone', p.problem, { value: q });
      phone = p.e164;
    }
    return c.json({ numbers: await service.store.listDnc(phone) });
  });
  app.post('/', async (c) => {
    const body = dncBody.safeParse(await readJson(c));
    if (!body.success) throw new ApiError(400, 'invalid_dnc', 'Send {phone} or {phones: […]}, with an optional reason', issues(body.error));
    const given = [...(body.data.phone !== undefined ? [body.data.phone] : []), ...(body.data.phones ?? [])];
    if (!given.length) throw new ApiError(400, 'invalid_dnc', 'Send {phone} or {phones: […]}');
    const problems: { index: number; value: string; problem: string }[] = [];
    const phones: string[] = [];
    given.forEach((v, index) => {
      const p = normalizePhone(v);
      if (p.ok) phones.push(p.e164);
      else problems.push({ index, value: String(v), problem: p.problem });
    });
    const added = await service.store.addDnc([...new Set(phones)], body.data.reason ?? null, 'api');
    return c.json({ added, already: new Set(phones).size - added, rejected: problems.length, problems, phones }, problems.length && !phones.length ? 400 : 200);
  });
  app.delete('/:phone', async (c) => {
    const p = normalizePhone(decodeURIComponent(c.req.param('phone')));
    if (!p.ok) throw new ApiError(400, 'invalid_phone', p.problem);
    if (!(await service.store.removeDnc(p.e164))) throw new ApiError(404, 'not_listed', `${p.e164} is not on the do-not-call list`);
    return c.json({ removed: p.e164 });
  });
  return app;
}

/**
 * `/webhooks/twilio/status`: Twilio's call status callbacks for campaign calls. The attempt is found
 * by CallSid; the request must carry a valid X-Twilio-Signature for that campaign's auth token and
 * public URL. No-answer, busy and failed end the attempt; completed records Twilio's duration.
 */
export function createTwilioWebhookRoutes(service: CampaignService): Hono {
  const app = new Hono();
  app.post('/status', async (c) => {
    const form = (await c.req.parseBody({ all: true })) as Record<string, string | string[]>;
    const params: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(form)) params[k] = Array.isArray(v) ? v.map(String) : String(v);
    const callSid = typeof params.CallSid === 'string' ? params.CallSid : '';
    const attempt = callSid ? await service.store.attemptByProviderId(callSid) : null;
    const campaign = attempt ? await service.store.get(attempt.campaignId) : null;
    if (!attempt || !campaign || campaign.dialer.kind !== 'twilio') throw new ApiError(404, 'unknown_call', 'No campaign call with this CallSid');
    const query = new URL(c.req.url).search;
    const url = statusCallbackUrl(campaign.dialer.publicUrl) + query;
    if (!validTwilioSignature(campaign.dialer.authToken, url, params, c.req.header('x-twilio-signature'))) {
      throw new ApiError(403, 'bad_signature', 'X-Twilio-Signature does not match');
    }
    const status = typeof params.CallStatus === 'string' ? params.CallStatus : '';
    const event = twilioStatusEvent(status, typeof params.CallDuration === 'string' ? params.CallDuration : undefined);
    if (event) await service.onDialEvent(attempt.id, event);
    return c.body(null, 204);
  });
  return app;
}
