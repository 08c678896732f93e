import type { PbxAction, TransferAction, TwilioAction } from './config.js';

/** What a transfer template can refer to. */
export interface TransferContext {
  callId: string;
  providerCallId: string | null;
  protocol: string;
  queue: string;
  callerNumber: string | null;
  agentId?: string | null;
  agentExtension?: string | null;
}

export type TransferResult = { ok: true; target: string } | { ok: false; target: string; error: string };

const fill = (template: string, ctx: TransferContext) =>
  template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const v = (ctx as unknown as Record<string, unknown>)[key];
    return v == null ? '' : String(v);
  });

function fillDeep(value: unknown, ctx: TransferContext): unknown {
  if (typeof value === 'string') return fill(value, ctx);
  if (Array.isArray(value)) return value.map((v) => fillDeep(v, ctx));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillDeep(v, ctx)]));
  }
  return value;
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** Human-readable name of where a call went, for the entry and the KPIs. */
export function describeTarget(action: TransferAction, ctx: TransferContext): string {
  if (action.kind === 'twilio') return `twilio:${action.dial ? fill(action.dial, ctx) : fill(action.url!, ctx)}`;
  return `pbx:${fill(action.url, ctx)}`;
}

/**
 * Twilio's call-update API: redirects the live call (which then leaves our media stream) to a
 * `<Dial>` or a TwiML URL. https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource
 */
async function twilioTransfer(action: TwilioAction, ctx: TransferContext, fetchFn: typeof fetch): Promise<TransferResult> {
  const target = describeTarget(action, ctx);
  if (!ctx.providerCallId) return { ok: false, target, error: 'No provider call id (CallSid) for this call' };
  const url = `${action.apiBaseUrl.replace(/\/$/, '')}/2010-04-01/Accounts/${encodeURIComponent(action.accountSid)}/Calls/${encodeURIComponent(ctx.providerCallId)}.json`;
  const form = new URLSearchParams();
  if (action.dial) form.set('Twiml', `<Response><Dial>${xmlEscape(fill(action.dial, ctx))}</Dial></Response>`);
  else form.set('Url', fill(action.url!, ctx));
  const auth = Buffer.from(`${action.accountSid}:${action.authToken}`).toString('base64');
  return send(fetchFn, target, url, {
    method: 'POST',
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    signal: AbortSignal.timeout(5000),
  });
}

/** A PBX integration endpoint (ARI/ESL bridge, Issabel dialplan hook …) told to move a channel. */
async function pbxTransfer(action: PbxAction, ctx: TransferContext, fetchFn: typeof fetch): Promise<TransferResult> {
  const target = describeTarget(action, ctx);
  const url = fill(action.url, ctx);
  const headers: Record<string, string> = { ...action.headers };
  const init: RequestInit = { method: action.method, headers, signal: AbortSignal.timeout(action.timeoutMs) };
  if (action.method !== 'GET') {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(fillDeep(action.body, { ...ctx, providerCallId: ctx.providerCallId ?? ctx.callId }));
  }
  return send(fetchFn, target, url, init);
}

async function send(fetchFn: typeof fetch, target: string, url: string, init: RequestInit): Promise<TransferResult> {
  try {
    const res = await fetchFn(url, init);
    if (res.ok) return { ok: true, target };
    const text = (await res.text().catch(() => '')).slice(0, 300);
    return { ok: false, target, error: `HTTP ${res.status}${text ? `: ${text}` : ''}` };
  } catch (err) {
    return { ok: false, target, error: (err as Error).message };
  }
}

export function performTransfer(
  action: TransferAction,
  ctx: TransferContext,
  fetchFn: typeof fetch = fetch,
): Promise<TransferResult> {
  return action.kind === 'twilio' ? twilioTransfer(action, ctx, fetchFn) : pbxTransfer(action, ctx, fetchFn);
}
