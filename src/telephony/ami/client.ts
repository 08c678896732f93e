/**
 * A small client for the Asterisk Manager Interface (AMI): line-based `Key: value` messages over TCP,
 * each ended by an empty line (https://docs.asterisk.org/Configuration/Interfaces/Asterisk-Manager-Interface-AMI/).
 *
 * - On connect the server sends one banner line, `Asterisk Call Manager/x.y.z`; then the client logs
 *   in (`Action: Login`, `Username`, `Secret`; `Response: Error` + `Message: Authentication failed`
 *   on a wrong secret, after which Asterisk closes the connection).
 * - Every action carries a unique `ActionID`; its `Response: Success|Error|Goodbye` echoes it.
 * - List actions (`Status`, `CoreShowChannels`, …) answer `Response: Success` then one event per
 *   item and a closing `…Complete` event (`EventList: Complete`), all with the action's ActionID.
 * - `Originate` with `Async: true` answers at once; the call's fate comes later as an
 *   `OriginateResponse` event with the same ActionID.
 * - Everything else that arrives is an event (`Event: Hangup`, …) and goes to `'event'` listeners.
 *
 * One connection, many concurrent actions: answers are matched by ActionID, never by order.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';

/** Where the manager listens and who we are (manager.conf `[user]`, `secret`). */
export const amiServerSchema = z.object({
  host: z.string().min(1).describe('AMI host (manager.conf bindaddr)'),
  port: z.number().int().min(1).max(65535).default(5038).describe('AMI TCP port (manager.conf port)'),
  username: z.string().min(1).describe('manager.conf user section name'),
  secret: z.string().min(1).describe('that user’s secret'),
});

export const amiClientOptionsSchema = amiServerSchema.extend({
  /** TCP connect and banner deadline. */
  connectTimeoutMs: z.number().int().positive().default(5000),
  /** Default deadline for one action's answer (a list action: for its last item). */
  actionTimeoutMs: z.number().int().positive().default(5000),
  /**
   * Login's `Events` header: `off` (answers only), `on`, or event classes such as `call`.
   * Unset: Asterisk's default (the user's read permissions).
   */
  events: z.string().regex(/^[a-z,]+$/i).optional(),
});

export type AmiServer = z.infer<typeof amiServerSchema>;
export type AmiClientOptions = z.input<typeof amiClientOptionsSchema>;

/** Values of an action's fields; an array repeats the key (`Variable: A=1`, `Variable: B=2`). */
export type AmiFieldValue = string | number | boolean | readonly string[] | null | undefined;
export type AmiFields = Record<string, AmiFieldValue>;

export type AmiErrorKind = 'connect' | 'timeout' | 'login' | 'response' | 'closed' | 'protocol' | 'input';

export class AmiError extends Error {
  readonly kind: AmiErrorKind;
  /** The action that failed, when one did. */
  readonly action?: string;
  /** The server's `Response: Error` message, when it sent one. */
  readonly response?: AmiMessage;
  constructor(kind: AmiErrorKind, message: string, extra: { action?: string; response?: AmiMessage } = {}) {
    super(message);
    this.name = 'AmiError';
    this.kind = kind;
    this.action = extra.action;
    this.response = extra.response;
  }
}

/** One AMI message: its `Key: value` lines in order (keys may repeat, e.g. `Variable`). */
export class AmiMessage {
  constructor(readonly pairs: ReadonlyArray<readonly [key: string, value: string]>) {}

  /** First value of `key` (case-insensitive, as Asterisk reads headers). */
  get(key: string): string | undefined {
    const k = key.toLowerCase();
    for (const [name, value] of this.pairs) if (name.toLowerCase() === k) return value;
    return undefined;
  }

  /** Every value of `key`, in order. */
  all(key: string): string[] {
    const k = key.toLowerCase();
    return this.pairs.filter(([name]) => name.toLowerCase() === k).map(([, value]) => value);
  }

  get event(): string | undefined {
    return this.get('Event');
  }

  /** `Success`, `Error`, `Goodbye`, `Follows` on an action's answer; undefined on an event. */
  get response(): string | undefined {
    return this.event === undefined ? this.get('Response') : undefined;
  }

  get actionId(): string | undefined {
    return this.get('ActionID');
  }

  get message(): string | undefined {
    return this.get('Message');
  }

  /**
   * Channel variables carried by the message: `Variable: NAME=value` (Status, Originate) and
   * `ChanVariable(chan): NAME=value` / `ChanVariable: NAME=value` (manager.conf `channelvars`).
   */
  variables(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of this.pairs) {
      if (!/^(variable|chanvariable(\(.*\))?)$/i.test(name)) continue;
      const eq = value.indexOf('=');
      if (eq > 0) out[value.slice(0, eq)] = value.slice(eq + 1);
    }
    return out;
  }

  /** Key → first value, keys as the server spelled them. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of this.pairs) if (!(name in out)) out[name] = value;
    return out;
  }
}

export type AmiParsed = { kind: 'banner'; line: string } | { kind: 'message'; message: AmiMessage };

/** Largest message accepted (one Status event of a channel with many variables is a few KiB). */
const MAX_MESSAGE_CHARS = 1 << 20;

/**
 * Turns the byte stream into the banner line and messages, whatever the TCP chunking: a message
 * split across chunks (even inside a UTF-8 character or a CRLF) waits for its end; several
 * messages in one chunk all come out. Accepts bare LF as Asterisk itself does.
 */
export class AmiParser {
  private text = '';
  private readonly decoder = new StringDecoder('utf8');
  private bannerPending: boolean;

  constructor(options: { banner?: boolean } = {}) {
    this.bannerPending = options.banner ?? true;
  }

  push(chunk: Buffer | string): AmiParsed[] {
    this.text += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const out: AmiParsed[] = [];
    if (this.bannerPending) {
      const nl = this.text.indexOf('\n');
      if (nl < 0) return this.guard(out);
      out.push({ kind: 'banner', line: this.text.slice(0, nl).replace(/\r$/, '') });
      this.text = this.text.slice(nl + 1);
      this.bannerPending = false;
    }
    const end = /\r?\n\r?\n/g;
    let start = 0;
    // Leading blank lines (a stray CRLF between messages) are not messages.
    for (;;) {
      const lead = /^(\r?\n)+/.exec(this.text.slice(start));
      if (lead) start += lead[0].length;
      end.lastIndex = start;
      const m = end.exec(this.text);
      if (!m) break;
      const block = this.text.slice(start, m.index);
      start = m.index + m[0].length;
      const pairs = block.split(/\r?\n/).map((line): [string, string] => {
        const colon = line.indexOf(':');
        // A line without a colon (old `Response: Follows` command output) keeps its text as value.
        return colon < 0 ? ['', line] : [line.slice(0, colon).trim(), line.slice(colon + 1).replace(/^[ \t]+/, '')];
      });
      out.push({ kind: 'message', message: new AmiMessage(pairs) });
    }
    this.text = this.text.slice(start);
    return this.guard(out);
  }

  private guard(out: AmiParsed[]): AmiParsed[] {
    if (this.text.length > MAX_MESSAGE_CHARS) {
      throw new AmiError('protocol', `AMI message longer than ${MAX_MESSAGE_CHARS} characters without an end`);
    }
    return out;
  }
}

export interface AmiActionOptions {
  /** Overrides the client's actionTimeoutMs for this action. */
  timeoutMs?: number;
}

/** A list action's answer and the events that belong to it (without the closing `…Complete`). */
export interface AmiListResult {
  response: AmiMessage;
  events: AmiMessage[];
  complete: AmiMessage;
}

export interface OriginateRequest {
  /** Channel to dial, e.g. `PJSIP/09121234567@trunk`, `Local/100@from-internal`. */
  channel: string;
  /** Where the answered channel goes: dialplan context/exten/priority … */
  context?: string;
  exten?: string;
  priority?: number | string;
  /** … or an application with its data. */
  application?: string;
  data?: string;
  callerId?: string;
  account?: string;
  /** Ring time before giving up (Asterisk's `Timeout`, ms; Asterisk's default is 30000). */
  ringTimeoutMs?: number;
  variables?: Record<string, string>;
  /** `ChannelId`: the uniqueid the new channel gets, so its later events can be matched. */
  channelId?: string;
  codecs?: string;
}

export interface OriginateResult {
  /** OriginateResponse's `Response: Success` (answered) or not. */
  ok: boolean;
  channel: string | null;
  uniqueid: string | null;
  /** Asterisk's reason code: 4 answered, 5 busy, 8 congestion, 3 or 1 no answer, 0 failed. */
  reason: number | null;
  event: AmiMessage;
}

type PendingKind = 'single' | 'list' | 'originate';

interface Pending {
  id: string;
  action: string;
  kind: PendingKind;
  timer: NodeJS.Timeout;
  response: AmiMessage | null;
  events: AmiMessage[];
  resolve: (value: unknown) => void;
  reject: (err: AmiError) => void;
}

const KEY_RE = /^[A-Za-z0-9_()\-]+$/;

export interface AmiClient {
  on(event: 'event', listener: (message: AmiMessage) => void): this;
  on(event: 'close', listener: (error: AmiError | null) => void): this;
  once(event: 'event', listener: (message: AmiMessage) => void): this;
  once(event: 'close', listener: (error: AmiError | null) => void): this;
  off(event: 'event' | 'close', listener: (...args: never[]) => void): this;
}

export class AmiClient extends EventEmitter {
  /** Version from the banner (`Asterisk Call Manager/5.0.1` → `5.0.1`), null when it names none. */
  version: string | null = null;
  private readonly options: z.infer<typeof amiClientOptionsSchema>;
  private readonly socket: net.Socket;
  private readonly parser = new AmiParser();
  private readonly pending = new Map<string, Pending>();
  private readonly idPrefix = `pasokh-${randomBytes(4).toString('hex')}`;
  private seq = 0;
  private loggedIn = false;
  private closedError: AmiError | undefined = undefined;
  /** close()/destroy() was called: the 'close' event reports no error. */
  private intentional = false;
  private bannerWaiter: { resolve: () => void; reject: (err: AmiError) => void } | null = null;
  private bannerSeen = false;
  private readonly closedPromise: Promise<void>;

  /**
   * Connects, reads the banner and logs in. Rejects with an AmiError naming why (`connect`:
   * unreachable or silent; `login`: the server refused the user; `protocol`: not an AMI server).
   */
  static async connect(input: AmiClientOptions): Promise<AmiClient> {
    const options = amiClientOptionsSchema.parse(input);
    const client = new AmiClient(options);
    try {
      await client.waitForBanner();
      await client.login();
      return client;
    } catch (err) {
      client.destroy();
      throw err;
    }
  }

  private constructor(options: z.infer<typeof amiClientOptionsSchema>) {
    super();
    this.options = options;
    this.socket = net.connect({ host: options.host, port: options.port });
    this.socket.setNoDelay(true);
    let lastError: Error | null = null;
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => {
      lastError = err;
    });
    this.closedPromise = new Promise((resolve) => {
      this.socket.on('close', () => {
        const where = `${options.host}:${options.port}`;
        const error = !this.bannerSeen
          ? new AmiError('connect', `Cannot reach AMI at ${where}: ${lastError ? describeSocketError(lastError) : 'connection closed before the banner'}`)
          : lastError
            ? new AmiError('closed', `AMI connection to ${where} failed: ${describeSocketError(lastError)}`)
            : new AmiError('closed', `AMI connection to ${where} closed`);
        this.finish(error);
        resolve();
      });
    });
  }

  /** Sends an action and resolves with its answer; `Response: Error` rejects (kind `response`). */
  action(name: string, fields: AmiFields = {}, options: AmiActionOptions = {}): Promise<AmiMessage> {
    return this.send(name, fields, 'single', options) as Promise<AmiMessage>;
  }

  /** A list action (`Status`, `CoreShowChannels`, …): its answer and every event up to `…Complete`. */
  list(name: string, fields: AmiFields = {}, options: AmiActionOptions = {}): Promise<AmiListResult> {
    return this.send(name, fields, 'list', options) as Promise<AmiListResult>;
  }

  /** Value of a channel variable or function (`BRIDGEPEER`, `CALLERID(num)`); '' when unset. */
  async getvar(channel: string, variable: string, options: AmiActionOptions = {}): Promise<string> {
    const res = await this.action('Getvar', { Channel: channel, Variable: variable }, options);
    return res.get('Value') ?? '';
  }

  /** Moves a channel to context/exten/priority (a bridged channel leaves its bridge). */
  async redirect(
    target: { channel: string; context: string; exten: string; priority?: number | string },
    options: AmiActionOptions = {},
  ): Promise<AmiMessage> {
    return this.action(
      'Redirect',
      { Channel: target.channel, Context: target.context, Exten: target.exten, Priority: target.priority ?? 1 },
      options,
    );
  }

  /** `Status` of one channel or all, with the named variables (`Variable: NAME=value` lines). */
  async status(query: { channel?: string; variables?: string[] } = {}, options: AmiActionOptions = {}): Promise<AmiMessage[]> {
    const fields: AmiFields = {};
    if (query.channel) fields.Channel = query.channel;
    if (query.variables?.length) fields.Variables = query.variables.join(',');
    const result = await this.list('Status', fields, options);
    return result.events;
  }

  /**
   * Originates a call asynchronously (`Async: true`) and resolves when Asterisk reports how it went
   * (the `OriginateResponse` event with this action's ActionID). A refused action rejects; a call
   * that was not answered resolves with `ok: false` and Asterisk's reason.
   */
  async originate(request: OriginateRequest, options: AmiActionOptions = {}): Promise<OriginateResult> {
    const fields: AmiFields = {
      Channel: request.channel,
      Context: request.context,
      Exten: request.exten,
      Priority: request.priority ?? (request.exten ? 1 : undefined),
      Application: request.application,
      Data: request.data,
      CallerID: request.callerId,
      Account: request.account,
      Timeout: request.ringTimeoutMs,
      ChannelId: request.channelId,
      Codecs: request.codecs,
      Variable: request.variables ? Object.entries(request.variables).map(([k, v]) => `${k}=${v}`) : undefined,
      Async: 'true',
    };
    const timeoutMs = options.timeoutMs ?? (request.ringTimeoutMs ?? 30_000) + this.options.actionTimeoutMs;
    const event = (await this.send('Originate', fields, 'originate', { timeoutMs })) as AmiMessage;
    const reason = Number(event.get('Reason'));
    return {
      ok: (event.get('Response') ?? '').toLowerCase() === 'success',
      channel: event.get('Channel') || null,
      uniqueid: event.get('Uniqueid') || null,
      reason: Number.isFinite(reason) && event.get('Reason') !== undefined ? reason : null,
      event,
    };
  }

  /** Logs off (`Action: Logoff`, briefly waiting for `Response: Goodbye`) and closes the socket. */
  async close(options: AmiActionOptions = {}): Promise<void> {
    if (this.closedError) return;
    this.intentional = true;
    if (this.loggedIn && !this.socket.destroyed) {
      const timeoutMs = options.timeoutMs ?? Math.min(this.options.actionTimeoutMs, 2000);
      await this.action('Logoff', {}, { timeoutMs }).catch(() => {});
    }
    this.destroy();
    await this.closedPromise;
  }

  /** Drops the connection at once (pending actions reject with kind `closed`). */
  destroy(): void {
    this.intentional = true;
    this.socket.destroy();
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  // ── internals ──────────────────────────────────────────────────────────────

  private waitForBanner(): Promise<void> {
    if (this.bannerSeen) return Promise.resolve();
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.bannerWaiter = null;
        reject(new AmiError('connect', `AMI at ${this.options.host}:${this.options.port} did not answer within ${this.options.connectTimeoutMs} ms`));
      }, this.options.connectTimeoutMs);
      this.bannerWaiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (err) => (clearTimeout(timer), reject(err)),
      };
    });
  }

  private async login(): Promise<void> {
    try {
      await this.action('Login', { Username: this.options.username, Secret: this.options.secret, Events: this.options.events });
      this.loggedIn = true;
    } catch (err) {
      const e = err as AmiError;
      if (e.kind === 'response') {
        throw new AmiError('login', `AMI login as "${this.options.username}" refused: ${e.response?.message ?? 'Response: Error'}`, {
          action: 'Login',
          response: e.response,
        });
      }
      throw err;
    }
  }

  private send(name: string, fields: AmiFields, kind: PendingKind, options: AmiActionOptions): Promise<unknown> {
    if (this.closedError) return Promise.reject(new AmiError('closed', `${this.closedError.message} (before ${name})`, { action: name }));
    let text: string;
    const id = `${this.idPrefix}-${++this.seq}`;
    try {
      text = encodeAction(name, id, fields);
    } catch (err) {
      return Promise.reject(err);
    }
    const timeoutMs = options.timeoutMs ?? this.options.actionTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AmiError('timeout', `AMI did not answer ${name} within ${timeoutMs} ms`, { action: name }));
      }, timeoutMs);
      this.pending.set(id, { id, action: name, kind, timer, response: null, events: [], resolve, reject });
      this.socket.write(text);
    });
  }

  private onData(chunk: Buffer): void {
    let parsed: AmiParsed[];
    try {
      parsed = this.parser.push(chunk);
    } catch (err) {
      this.failAndClose(err as AmiError);
      return;
    }
    for (const item of parsed) {
      if (item.kind === 'banner') {
        if (!/Call Manager/i.test(item.line)) {
          this.failAndClose(new AmiError('protocol', `Not an Asterisk Manager Interface: the server said "${item.line.slice(0, 80)}"`));
          return;
        }
        this.version = /Call Manager\/(\S+)/i.exec(item.line)?.[1] ?? null;
        this.bannerSeen = true;
        this.bannerWaiter?.resolve();
        this.bannerWaiter = null;
      } else {
        this.dispatch(item.message);
      }
    }
  }

  private dispatch(msg: AmiMessage): void {
    const id = msg.actionId;
    const p = id !== undefined ? this.pending.get(id) : undefined;
    const event = msg.event;
    if (event !== undefined) {
      if (p?.kind === 'list') {
        if (/complete$/i.test(event) || (msg.get('EventList') ?? '').toLowerCase() === 'complete') {
          this.settle(p, null, { response: p.response ?? msg, events: p.events, complete: msg });
        } else {
          p.events.push(msg);
        }
        return;
      }
      if (p?.kind === 'originate' && event.toLowerCase() === 'originateresponse') {
        this.settle(p, null, msg);
        return;
      }
      this.emit('event', msg);
      return;
    }
    // An answer. One whose action already timed out has nobody waiting: dropped.
    if (!p) return;
    if ((msg.response ?? '').toLowerCase() === 'error') {
      const why = msg.message ?? 'Response: Error';
      this.settle(p, new AmiError('response', `${p.action} refused: ${why}`, { action: p.action, response: msg }));
      return;
    }
    if (p.kind === 'single') {
      this.settle(p, null, msg);
    } else {
      p.response = msg; // the list's items or the OriginateResponse follow
    }
  }

  private settle(p: Pending, error: AmiError | null, value?: unknown): void {
    clearTimeout(p.timer);
    this.pending.delete(p.id);
    if (error) p.reject(error);
    else p.resolve(value);
  }

  private failAndClose(error: AmiError): void {
    this.finish(error);
    this.socket.destroy();
  }

  private finish(error: AmiError): void {
    if (this.closedError) return;
    this.closedError = error;
    this.bannerWaiter?.reject(error);
    this.bannerWaiter = null;
    for (const p of [...this.pending.values()]) {
      this.settle(p, new AmiError(error.kind === 'protocol' ? 'protocol' : 'closed', `${error.message} (while waiting for ${p.action})`, { action: p.action }));
    }
    this.emit('close', this.intentional ? null : error);
  }
}

/** `Action: Name`, `ActionID`, then the fields; refuses line breaks, which would inject headers. */
export function encodeAction(name: string, actionId: string, fields: AmiFields): string {
  if (!KEY_RE.test(name)) throw new AmiError('input', `Invalid AMI action name ${JSON.stringify(name)}`, { action: name });
  const lines = [`Action: ${name}`, `ActionID: ${actionId}`];
  for (const [key, raw] of Object.entries(fields)) {
    if (raw === undefined || raw === null) continue;
    if (!KEY_RE.test(key)) throw new AmiError('input', `Invalid AMI header name ${JSON.stringify(key)}`, { action: name });
    const values = Array.isArray(raw) ? raw : [String(raw)];
    for (const value of values) {
      if (/[\r\n]/.test(value)) {
        throw new AmiError('input', `AMI ${name}: ${key} contains a line break`, { action: name });
      }
      lines.push(`${key}: ${value}`);
    }
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function describeSocketError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code && !err.message.includes(code) ? `${code} ${err.message}` : err.message;
}
