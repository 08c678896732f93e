import net from 'node:net';

/**
 * A TCP stand-in for the Asterisk Manager Interface, written from Asterisk's documentation and
 * main/manager.c (not from our client), so tests see what a real PBX would answer:
 *
 * - banner `Asterisk Call Manager/<version>` on connect;
 * - `Login` (Username/Secret): `Response: Success` / `Message: Authentication accepted`, or
 *   `Response: Error` / `Message: Authentication failed` and the connection is closed;
 *   any other action before login: `Message: Permission denied`;
 * - `Getvar` (Channel, Variable): `Response: Success`, `Variable`, `Value` ('' when unset), or
 *   `Message: No such channel`;
 * - `Redirect` (Channel, Context, Exten, Priority): `Message: Redirect successful`, or
 *   `Channel does not exist: <name>` / `Context not specified` / …; a redirected channel leaves its
 *   bridge and its peer (Pasokh's leg of a Dial) is hung up (`Event: Hangup`);
 * - `Status` (Channel?, Variables?): `EventList: start`, one `Event: Status` per channel with
 *   `Variable: NAME=value` lines (`(null)` when unset, as glibc prints Asterisk's NULL), then
 *   `Event: StatusComplete` with `EventList: Complete`, `ListItems`, `Items`;
 * - `Originate` (`Async: true`): `Message: Originate successfully queued`, then
 *   `Event: OriginateResponse` with the ActionID, `Response: Success|Failure` and `Reason`;
 * - `Logoff`: `Response: Goodbye` / `Message: Thanks for all the fish.` and the connection closes;
 * - anything else: `Message: Invalid/unknown command: X. Use Action: ListCommands …`.
 *
 * Every action received is recorded (`actions`, header → value, a repeated header → array), so
 * tests assert the exact actions sent. It can stall (answer nothing), refuse logins, and write its
 * output split into tiny TCP chunks or merged into one.
 */

export interface StandinChannel {
  name: string;
  uniqueid?: string;
  callerIdNum?: string;
  callerIdName?: string;
  context?: string;
  exten?: string;
  priority?: number;
  application?: string;
  data?: string;
  /** Channel variables (BRIDGEPEER when bridged, PASOKH_UUID, …). */
  variables?: Record<string, string>;
}

export type RecordedAction = Record<string, string | string[]>;

export interface AmiStandinOptions {
  username?: string;
  secret?: string;
  version?: string;
  channels?: StandinChannel[];
  /** How an originated call ends (default: answered). */
  originate?: (action: RecordedAction) => { response: 'Success' | 'Failure'; reason: number; channel?: string };
  /** Delay before OriginateResponse, ms (default 20). */
  originateDelayMs?: number;
}

/** `whole`: one write per message; `split`: every message in 1–5 byte writes, paced; `merge`: all
 * output of an action (answer, list items, following events) in one write. */
export type Chunking = 'whole' | 'split' | 'merge';

interface Session {
  socket: net.Socket;
  authenticated: boolean;
  out: string[];
  writing: Promise<void>;
}

let uniq = 1700000000;

export class AmiStandin {
  readonly actions: RecordedAction[] = [];
  readonly channels = new Map<string, Required<Pick<StandinChannel, 'name' | 'uniqueid'>> & StandinChannel>();
  readonly redirected: { channel: string; context: string; exten: string; priority: string }[] = [];
  /** Connections accepted so far. */
  connections = 0;
  rejectLogin = false;
  chunking: Chunking = 'whole';
  private readonly stalled = new Set<string>();
  private readonly delays = new Map<string, number>();
  private readonly sessions = new Set<Session>();
  private readonly server: net.Server;
  private readonly options: Required<Pick<AmiStandinOptions, 'username' | 'secret' | 'version' | 'originateDelayMs'>> & AmiStandinOptions;
  port = 0;
  readonly host = '127.0.0.1';

  static async start(options: AmiStandinOptions = {}): Promise<AmiStandin> {
    const s = new AmiStandin(options);
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.port = (s.server.address() as net.AddressInfo).port;
    return s;
  }

  private constructor(options: AmiStandinOptions) {
    this.options = { username: 'pasokh', secret: 'manager-secret', version: '9.0.0', originateDelayMs: 20, ...options };
    for (const c of options.channels ?? []) this.addChannel(c);
    this.server = net.createServer((socket) => this.accept(socket));
  }

  addChannel(c: StandinChannel): void {
    this.channels.set(c.name, { ...c, uniqueid: c.uniqueid ?? `${uniq}.${this.channels.size + 1}`, variables: { ...c.variables } });
  }

  /**
   * Answer nothing to these actions (case-insensitive names), `*` for every action, or `banner`
   * to accept connections without greeting them.
   */
  stall(...what: string[]): void {
    for (const w of what.length ? what : ['*']) this.stalled.add(w.toLowerCase());
  }

  unstall(): void {
    this.stalled.clear();
  }

  /** Answer this action only after `ms` (answers to later actions may overtake it). */
  delay(action: string, ms: number): void {
    this.delays.set(action.toLowerCase(), ms);
  }

  /** Drops every open connection, as a PBX restart would. */
  dropConnections(): void {
    for (const s of this.sessions) s.socket.destroy();
  }

  /** Actions without their ActionID, for exact comparisons. */
  sent(): RecordedAction[] {
    return this.actions.map(({ ActionID: _id, ...rest }) => rest);
  }

  /** An unsolicited event to every logged-in session. */
  event(fields: Record<string, string>): void {
    for (const s of this.sessions) if (s.authenticated) this.write(s, [message(fields)]);
  }

  /** Sessions currently open. */
  get open(): number {
    return this.sessions.size;
  }

  reset(): void {
    this.actions.length = 0;
    this.redirected.length = 0;
    this.rejectLogin = false;
    this.chunking = 'whole';
    this.delays.clear();
    this.unstall();
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ── protocol ───────────────────────────────────────────────────────────────

  private accept(socket: net.Socket): void {
    this.connections++;
    const session: Session = { socket, authenticated: false, out: [], writing: Promise.resolve() };
    this.sessions.add(session);
    socket.on('close', () => this.sessions.delete(session));
    socket.on('error', () => {});
    if (!this.stalled.has('banner')) this.write(session, [`Asterisk Call Manager/${this.options.version}\r\n`]);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      buffer += text;
      for (;;) {
        const m = /\r?\n\r?\n/.exec(buffer);
        if (!m) break;
        const block = buffer.slice(0, m.index);
        buffer = buffer.slice(m.index + m[0].length);
        if (!block.trim()) continue;
        const action: RecordedAction = {};
        for (const line of block.split(/\r?\n/)) {
          const i = line.indexOf(':');
          if (i < 0) continue;
          const key = line.slice(0, i).trim();
          const value = line.slice(i + 1).trim();
          const prev = action[key];
          action[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
        }
        this.actions.push(action);
        const wait = this.delays.get(header(action, 'Action').toLowerCase());
        if (wait) setTimeout(() => this.handle(session, action), wait);
        else this.handle(session, action);
      }
    });
  }

  private handle(session: Session, action: RecordedAction): unknown {
    const name = header(action, 'Action');
    const id = header(action, 'ActionID');
    if (this.stalled.has('*') || this.stalled.has(name.toLowerCase())) return;
    const reply = (fields: Record<string, string>) => message({ Response: fields.Response, ...(id ? { ActionID: id } : {}), ...omit(fields, 'Response') });
    const error = (msg: string) => reply({ Response: 'Error', Message: msg });
    const lower = name.toLowerCase();

    if (!name) return this.write(session, [error('Missing action in request')]);
    if (!session.authenticated && lower !== 'login' && lower !== 'logoff' && lower !== 'challenge') {
      return this.write(session, [error('Permission denied')]);
    }
    switch (lower) {
      case 'login': {
        const ok = !this.rejectLogin && header(action, 'Username') === this.options.username && header(action, 'Secret') === this.options.secret;
        if (!ok) {
          this.write(session, [error('Authentication failed')]).then(() => session.socket.end());
          return;
        }
        session.authenticated = true;
        const booted = message({ Event: 'FullyBooted', Privilege: 'system,all', Uptime: '5', LastReload: '5', Status: 'Fully Booted' });
        this.write(session, [reply({ Response: 'Success', Message: 'Authentication accepted' }), booted]);
        return;
      }
      case 'logoff':
        this.write(session, [reply({ Response: 'Goodbye', Message: 'Thanks for all the fish.' })]).then(() => session.socket.end());
        return;
      case 'ping':
        this.write(session, [reply({ Response: 'Success', Ping: 'Pong', Timestamp: `${Date.now() / 1000}` })]);
        return;
      case 'getvar': {
        const variable = header(action, 'Variable');
        if (!variable) return this.write(session, [error('No variable specified')]);
        const chanName = header(action, 'Channel');
        let value = '';
        if (chanName) {
          const chan = this.find(chanName);
          if (!chan) return this.write(session, [error('No such channel')]);
          value = chan.variables?.[variable] ?? '';
        }
        this.write(session, [reply({ Response: 'Success', Variable: variable, Value: value })]);
        return;
      }
      case 'redirect': {
        const chanName = header(action, 'Channel');
        const context = header(action, 'Context');
        const exten = header(action, 'Exten');
        const priority = header(action, 'Priority');
        if (!chanName) return this.write(session, [error('Channel not specified')]);
        if (!context) return this.write(session, [error('Context not specified')]);
        if (!exten) return this.write(session, [error('Exten not specified')]);
        if (!priority) return this.write(session, [error('Priority not specified')]);
        if (!/^\d+$/.test(priority) || Number(priority) < 1) return this.write(session, [error('Priority is invalid')]);
        const chan = this.find(chanName);
        if (!chan) return this.write(session, [error(`Channel does not exist: ${chanName}`)]);
        this.redirected.push({ channel: chan.name, context, exten, priority });
        const out = [reply({ Response: 'Success', Message: 'Redirect successful' })];
        const peer = chan.variables?.BRIDGEPEER;
        chan.context = context;
        chan.exten = exten;
        chan.priority = Number(priority);
        chan.application = 'AppDial2';
        if (chan.variables) delete chan.variables.BRIDGEPEER;
        if (peer && this.channels.has(peer)) {
          // The other leg of the Dial bridge (Pasokh's channel) is hung up when the caller leaves.
          const gone = this.channels.get(peer)!;
          this.channels.delete(peer);
          out.push(message({ Event: 'Hangup', Privilege: 'call,all', Channel: gone.name, Uniqueid: gone.uniqueid, Cause: '16', 'Cause-txt': 'Normal Clearing' }));
        }
        this.write(session, out);
        return;
      }
      case 'status': {
        const chanName = header(action, 'Channel');
        const wanted = header(action, 'Variables').split(',').map((v) => v.trim()).filter(Boolean);
        let list = [...this.channels.values()];
        if (chanName) {
          const chan = this.find(chanName);
          if (!chan) return this.write(session, [error('No such channel')]);
          list = [chan];
        }
        const idLine: Record<string, string> = id ? { ActionID: id } : {};
        const out = [reply({ Response: 'Success', EventList: 'start', Message: 'Channel status will follow' })];
        for (const c of list) {
          const fields: [string, string][] = [
            ['Event', 'Status'],
            ['Privilege', 'Call'],
            ['Channel', c.name],
            ['ChannelState', '6'],
            ['ChannelStateDesc', 'Up'],
            ['CallerIDNum', c.callerIdNum ?? '<unknown>'],
            ['CallerIDName', c.callerIdName ?? '<unknown>'],
            ['ConnectedLineNum', '<unknown>'],
            ['ConnectedLineName', '<unknown>'],
            ['Language', 'en'],
            ['AccountCode', ''],
            ['Context', c.context ?? 'from-trunk'],
            ['Exten', c.exten ?? 's'],
            ['Priority', String(c.priority ?? 1)],
            ['Uniqueid', c.uniqueid],
            ['Linkedid', c.uniqueid],
            ['Type', c.name.split('/')[0]],
            ['DNID', ''],
            ['EffectiveConnectedLineNum', '<unknown>'],
            ['EffectiveConnectedLineName', '<unknown>'],
            ['TimeToHangup', '0'],
            ['BridgeID', c.variables?.BRIDGEPEER ? `bridge-${c.uniqueid}` : ''],
            ['Application', c.application ?? ''],
            ['Data', c.data ?? ''],
            ['Nativeformats', '(ulaw)'],
            ['Readformat', 'ulaw'],
            ['Readtrans', ''],
            ['Writeformat', 'ulaw'],
            ['Writetrans', ''],
            ['Callgroup', '0'],
            ['Pickupgroup', '0'],
            ['Seconds', '12'],
            ...wanted.map((v): [string, string] => ['Variable', `${v}=${c.variables?.[v] ?? '(null)'}`]),
            ...Object.entries(idLine),
          ];
          out.push(fields.map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n');
        }
        out.push(message({ Event: 'StatusComplete', ...idLine, EventList: 'Complete', ListItems: String(list.length), Items: String(list.length) }));
        this.write(session, out);
        return;
      }
      case 'originate': {
        const channel = header(action, 'Channel');
        if (!channel) return this.write(session, [error('Channel not specified')]);
        if (!channel.includes('/')) return this.write(session, [error('Invalid channel')]);
        const async = /^(true|yes|1|on)$/i.test(header(action, 'Async'));
        const result = this.options.originate?.(action) ?? { response: 'Success' as const, reason: 4 };
        const uniqueid = header(action, 'ChannelId') || `${uniq++}.${this.actions.length}`;
        const done = message({
          Event: 'OriginateResponse',
          Privilege: 'call,all',
          ...(id ? { ActionID: id } : {}),
          Response: result.response,
          Channel: result.channel ?? `${channel}-0000002a`,
          Context: header(action, 'Context'),
          Exten: header(action, 'Exten'),
          Application: header(action, 'Application'),
          Data: header(action, 'Data'),
          Reason: String(result.reason),
          Uniqueid: result.response === 'Success' ? uniqueid : '<null>',
          CallerIDNum: '<unknown>',
          CallerIDName: '<unknown>',
        });
        if (!async) {
          setTimeout(() => this.write(session, [result.response === 'Success' ? reply({ Response: 'Success', Message: 'Originate successfully queued' }) : error('Originate failed')]), this.options.originateDelayMs);
          return;
        }
        this.write(session, [reply({ Response: 'Success', Message: 'Originate successfully queued' })]);
        setTimeout(() => this.write(session, [done]), this.options.originateDelayMs);
        return;
      }
      default:
        this.write(session, [error(`Invalid/unknown command: ${name}. Use Action: ListCommands to show available commands.`)]);
    }
  }

  private find(nameOrId: string) {
    return this.channels.get(nameOrId) ?? [...this.channels.values()].find((c) => c.uniqueid === nameOrId);
  }

  /** Writes messages in the configured chunking, in order, and resolves when they are out. */
  private write(session: Session, messages: string[]): Promise<void> {
    const data = Buffer.from(messages.join(''), 'utf8');
    const socket = session.socket;
    const mode = this.chunking;
    session.writing = session.writing.then(async () => {
      if (socket.destroyed) return;
      if (mode === 'split') {
        for (let i = 0, n = 1; i < data.length; i += n, n = (n % 5) + 1) {
          socket.write(data.subarray(i, i + n));
          await new Promise((r) => setTimeout(r, 1));
          if (socket.destroyed) return;
        }
      } else if (mode === 'merge') {
        socket.write(data);
      } else {
        for (const m of messages) socket.write(m);
      }
    });
    return session.writing;
  }
}

function header(action: RecordedAction, key: string): string {
  const k = key.toLowerCase();
  for (const [name, value] of Object.entries(action)) if (name.toLowerCase() === k) return Array.isArray(value) ? value[0] : value;
  return '';
}

function message(fields: Record<string, string>): string {
  return Object.entries(fields).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
}

function omit(fields: Record<string, string>, key: string): Record<string, string> {
  const { [key]: _drop, ...rest } = fields;
  return rest;
}
