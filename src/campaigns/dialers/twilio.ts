import { createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import type { twilioDialerSchema } from '../types.js';
import type { DialEvent, Dialer, DialerContext, PlaceRequest } from './types.js';

type TwilioDialerConfig = z.infer<typeof twilioDialerSchema>;

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The media URL Twilio connects to: the public URL with ws(s):// and /media/twilio. */
export function streamUrl(publicUrl: string): string {
  const u = new URL(publicUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/media/twilio`;
  u.search = '';
  return u.toString();
}

export function statusCallbackUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/webhooks/twilio/status`;
}

/** `<Response><Connect><Stream url=…>` with `<Parameter>`s that identify the attempt and carry the media token. */
export function outboundTwiml(publicUrl: string, params: Record<string, string>): string {
  const parameters = Object.entries(params)
    .map(([name, value]) => `<Parameter name="${xml(name)}" value="${xml(value)}"/>`)
    .join('');
  return `<Response><Connect><Stream url="${xml(streamUrl(publicUrl))}">${parameters}</Stream></Connect></Response>`;
}

/**
 * Twilio's request signature: base64 HMAC-SHA1, keyed with the auth token, of the full URL followed
 * by every POST parameter's name and value, sorted by name (twilio.com/docs/usage/security).
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string | string[]>): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((k) => {
        const v = params[k];
        return (Array.isArray(v) ? [...v].sort() : [v]).map((x) => k + x).join('');
      })
      .join('');
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

export function validTwilioSignature(authToken: string, url: string, params: Record<string, string | string[]>, signature: string | undefined): boolean {
  if (!signature) return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const got = Buffer.from(signature);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/** Twilio's CallStatus → how the attempt went (null: not an end). */
export function twilioStatusEvent(status: string, duration?: string): DialEvent | null {
  switch (status) {
    case 'in-progress':
    case 'answered':
      return { kind: 'answered' };
    case 'completed':
      return { kind: 'ended', outcome: 'completed', durationSeconds: duration !== undefined && /^\d+$/.test(duration) ? Number(duration) : undefined };
    case 'busy':
      return { kind: 'ended', outcome: 'busy' };
    case 'no-answer':
      return { kind: 'ended', outcome: 'no-answer' };
    case 'failed':
    case 'canceled':
      return { kind: 'ended', outcome: 'failed', detail: `Twilio: ${status}` };
    default:
      return null;
  }
}

/**
 * Places calls with Twilio's Calls API: `POST /2010-04-01/Accounts/{sid}/Calls.json`, form-encoded,
 * Basic auth with the account SID and auth token. How the call went arrives later on
 * `/webhooks/twilio/status` (see routes.ts), signed with the same token.
 */
export class TwilioDialer implements Dialer {
  readonly kind = 'twilio';
  constructor(
    private readonly config: TwilioDialerConfig,
    private readonly context: DialerContext,
  ) {}

  async place(request: PlaceRequest): Promise<{ providerCallId: string | null }> {
    const c = this.config;
    const form = new URLSearchParams();
    form.append('To', request.to);
    form.append('From', request.callerId ?? c.from);
    form.append('Twiml', outboundTwiml(c.publicUrl, { ...request.params, token: this.context.mediaToken, from: request.to }));
    form.append('StatusCallback', statusCallbackUrl(c.publicUrl));
    form.append('StatusCallbackMethod', 'POST');
    for (const event of ['initiated', 'ringing', 'answered', 'completed']) form.append('StatusCallbackEvent', event);
    form.append('Timeout', String(c.ringTimeoutSeconds));
    const url = `${c.apiBaseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(c.accountSid)}/Calls.json`;
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${c.accountSid}:${c.authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json().catch(() => ({}))) as { sid?: string; message?: string; code?: number };
    if (!res.ok || !body.sid) throw new Error(`Twilio refused the call: HTTP ${res.status}${body.code ? ` ${body.code}` : ''}${body.message ? `: ${body.message}` : ''}`);
    return { providerCallId: body.sid };
  }

  async close(): Promise<void> {}
}
