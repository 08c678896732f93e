import { AmiClient, AmiError } from '../telephony/ami/client.js';
import type { AmiAction, PbxAction, TransferAction, TwilioAction } from './config.js';

/** What a transfer template can refer to. */
export interface TransferContext {
  callId: string;
  providerCallId: string | null;
  protocol: string;
  queue: string;
  callerNumber: string | null;
  agentId?: string | null;
  agentExtension?: string | null;
  /**
   * The caller's own PBX channel when the dialplan said it (e.g. a channel variable in
   * MEDIA_START); the `ami` kind then moves it without looking it up.
   */
  callerChannel?: string | null;
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
  if (action.kind === 'ami') return `ami:${fill(action.context, ctx)}/${fill(action.extension, ctx)}`;
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

/** Pasokh's own leg on the PBX: a chan_websocket or chan_audiosocket channel. */
const OWN_CHANNEL = /^(WebSocket|AudioSocket)\//i;

/** Asterisk prints an unset variable as '' (Getvar) or '(null)' (Status). */
const unset = (v: string | undefined) => !v || v === '(null)';

/**
 * Asterisk Manager Interface: log in, find the caller's channel, `Redirect` it to
 * context/extension/priority, log off. The caller's channel is
 *  - `callerChannel` when the dialplan told us;
 *  - chan_websocket (`asterisk`): BRIDGEPEER of Pasokh's own channel (providerCallId is its name);
 *  - AudioSocket: the channel whose `uuidVariable` equals the stream's UUID (found with `Status`):
 *    itself when it runs `AudioSocket()`, its BRIDGEPEER when it is Pasokh's `AudioSocket/…` leg.
 * Every failure (unreachable, login refused, unknown channel, no peer, deadline) is a result.
 */
async function amiTransfer(action: AmiAction, ctx: TransferContext): Promise<TransferResult> {
  const target = describeTarget(action, ctx);
  const context = fill(action.context, ctx);
  const exten = fill(action.extension, ctx);
  const fail = (error: string): TransferResult => ({ ok: false, target, error });
  if (!context || !exten) {
    return fail(`Nowhere to send the caller: context "${context}" / extension "${exten}" after filling placeholders${action.extension.includes('{agentExtension}') && !ctx.agentExtension ? ' (the agent has no extension)' : ''}`);
  }
  if (!ctx.callerChannel && !ctx.providerCallId) {
    return fail('No provider call id (Asterisk channel or AudioSocket UUID) for this call');
  }
  if (ctx.protocol === 'twilio') return fail('An ami transfer needs a call that came from Asterisk, not Twilio');

  const deadline = Date.now() + action.timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  let client: AmiClient | null = null;
  let healthy = true;
  try {
    client = await AmiClient.connect({
      host: action.host,
      port: action.port,
      username: action.username,
      secret: action.secret,
      events: 'off',
      connectTimeoutMs: left(),
      actionTimeoutMs: left(),
    });
    const found = await findCallerChannel(client, action, ctx, left);
    if (!found.ok) return fail(found.error);
    try {
      await client.redirect({ channel: found.channel, context, exten, priority: action.priority }, { timeoutMs: left() });
    } catch (err) {
      if (err instanceof AmiError && err.kind === 'response') {
        return fail(`Asterisk refused to move ${found.channel} to ${context}/${exten}: ${err.response?.message ?? 'Response: Error'}`);
      }
      throw err;
    }
    return { ok: true, target };
  } catch (err) {
    if (err instanceof AmiError && (err.kind === 'timeout' || err.kind === 'closed' || err.kind === 'protocol')) healthy = false;
    return fail(describeAmiError(err, action));
  } finally {
    // Log off politely; a server that stopped answering is just dropped.
    if (client) {
      if (healthy) await client.close({ timeoutMs: Math.min(1000, action.timeoutMs) }).catch(() => {});
      else client.destroy();
    }
  }
}

type Found = { ok: true; channel: string } | { ok: false; error: string };

async function findCallerChannel(client: AmiClient, action: AmiAction, ctx: TransferContext, left: () => number): Promise<Found> {
  if (ctx.callerChannel) return { ok: true, channel: ctx.callerChannel };
  const id = ctx.providerCallId!;
  if (ctx.protocol === 'audiosocket') {
    const variable = action.uuidVariable;
    const channels = await client.status({ variables: [variable, 'BRIDGEPEER'] }, { timeoutMs: left() });
    const mine = channels.filter((c) => c.variables()[variable] === id);
    if (mine.length === 0) {
      return { ok: false, error: `No Asterisk channel has ${variable}=${id} (the dialplan must Set(${variable}=…) before AudioSocket(); ${channels.length} channels looked at)` };
    }
    // The caller's channel runs AudioSocket() itself; Pasokh's AudioSocket/… leg (Dial) is bridged to it.
    const caller = mine.find((c) => !OWN_CHANNEL.test(c.get('Channel') ?? ''));
    if (caller) return { ok: true, channel: caller.get('Channel')! };
    const own = mine[0].get('Channel')!;
    return peerOf(own, mine[0].variables().BRIDGEPEER);
  }
  // chan_websocket (and any other Asterisk stream that names Pasokh's channel): its bridge peer.
  let peer: string;
  try {
    peer = await client.getvar(id, 'BRIDGEPEER', { timeoutMs: left() });
  } catch (err) {
    if (err instanceof AmiError && err.kind === 'response') {
      return { ok: false, error: `Asterisk has no channel ${id} (Getvar BRIDGEPEER: ${err.response?.message ?? 'Response: Error'})` };
    }
    throw err;
  }
  return peerOf(id, peer);
}

function peerOf(own: string, peer: string | undefined): Found {
  if (unset(peer)) return { ok: false, error: `Channel ${own} is not bridged to a caller (BRIDGEPEER is empty)` };
  if (peer!.includes(',')) return { ok: false, error: `Channel ${own} is bridged to several channels (${peer}); cannot tell which is the caller` };
  return { ok: true, channel: peer! };
}

function describeAmiError(err: unknown, action: AmiAction): string {
  if (!(err instanceof AmiError)) return `AMI transfer failed: ${(err as Error)?.message ?? String(err)}`;
  if (err.kind === 'timeout') return `${err.message} (ami ${action.host}:${action.port}, timeoutMs ${action.timeoutMs})`;
  if (err.kind === 'connect' && /within \d+ ms$/.test(err.message)) return `${err.message} (timeoutMs ${action.timeoutMs})`;
  return err.message;
}

/** Runs a transfer; never throws: every failure is `{ok: false, error}`. */
export async function performTransfer(
  action: TransferAction,
  ctx: TransferContext,
  fetchFn: typeof fetch = fetch,
): Promise<TransferResult> {
  try {
    if (action.kind === 'twilio') return await twilioTransfer(action, ctx, fetchFn);
    if (action.kind === 'ami') return await amiTransfer(action, ctx);
    return await pbxTransfer(action, ctx, fetchFn);
  } catch (err) {
    let target: string = action.kind;
    try {
      target = describeTarget(action, ctx);
    } catch {
      /* keep the kind */
    }
    return { ok: false, target, error: (err as Error)?.message ?? String(err) };
  }
}
