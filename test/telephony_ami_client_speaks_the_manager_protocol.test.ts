import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmiClient, AmiError, AmiParser, type AmiMessage } from '../src/telephony/ami/client.js';
import { AmiStandin } from './helpers/ami_standin.js';

const CALLER = 'PJSIP/trunk-0000001a';
const BOT = 'WebSocket/pasokh-00000001';

let ami: AmiStandin;
const clients: AmiClient[] = [];

async function login(extra: Partial<Parameters<typeof AmiClient.connect>[0]> = {}): Promise<AmiClient> {
  const c = await AmiClient.connect({ host: ami.host, port: ami.port, username: 'pasokh', secret: 'manager-secret', ...extra });
  clients.push(c);
  return c;
}

async function reason(p: Promise<unknown>): Promise<AmiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AmiError);
    return err as AmiError;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  ami = await AmiStandin.start({
    channels: [
      { name: CALLER, callerIdNum: '09121234567', callerIdName: 'مریم احمدی', variables: { BRIDGEPEER: BOT } },
      { name: BOT, variables: { BRIDGEPEER: CALLER } },
    ],
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => {})));
  ami.reset();
});
afterAll(async () => {
  await ami.close();
});

describe('connecting and logging in', () => {
  it('reads the banner and logs in with the configured user', async () => {
    const c = await login({ events: 'off' });
    expect(c.version).toBe('9.0.0');
    expect(ami.sent()).toEqual([{ Action: 'Login', Username: 'pasokh', Secret: 'manager-secret', Events: 'off' }]);
  });

  it('names a refused login and closes the connection', async () => {
    ami.rejectLogin = true;
    const err = await reason(login());
    expect(err.kind).toBe('login');
    expect(err.message).toBe('AMI login as "pasokh" refused: Authentication failed');
    expect(ami.sent().map((a) => a.Action)).toEqual(['Login']);
    for (let i = 0; i < 50 && ami.open > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(ami.open).toBe(0);
  });

  it('names a server that is not there', async () => {
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise((r) => free.close(r));
    const err = await reason(AmiClient.connect({ host: '127.0.0.1', port, username: 'u', secret: 's' }));
    expect(err.kind).toBe('connect');
    expect(err.message).toBe(`Cannot reach AMI at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('gives up on a server that never greets within the connect timeout', async () => {
    ami.stall('banner');
    const started = Date.now();
    const err = await reason(login({ connectTimeoutMs: 200 }));
    expect(err.kind).toBe('connect');
    expect(err.message).toBe(`AMI at 127.0.0.1:${ami.port} did not answer within 200 ms`);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(ami.actions).toHaveLength(0);
  });

  it('refuses a server that is not an AMI', async () => {
    const http = net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as net.AddressInfo).port;
    const err = await reason(AmiClient.connect({ host: '127.0.0.1', port, username: 'u', secret: 's' }));
    expect(err.kind).toBe('protocol');
    expect(err.message).toContain('HTTP/1.1 400 Bad Request');
    await new Promise((r) => http.close(r));
  });
});

describe('actions and their answers', () => {
  it('matches concurrent answers to their actions by ActionID, even out of order', async () => {
    const c = await login();
    ami.delay('Getvar', 60); // Getvar answers come after the Status list and the Ping sent later
    const order: string[] = [];
    const track = <T>(name: string, p: Promise<T>) => p.then((v) => (order.push(name), v));
    const [peerOfBot, peerOfCaller, unknown, status, ping] = await Promise.all([
      track('getvar bot', c.getvar(BOT, 'BRIDGEPEER')),
      track('getvar caller', c.getvar(CALLER, 'BRIDGEPEER')),
      track('getvar unknown', reason(c.getvar('PJSIP/nobody-00000000', 'BRIDGEPEER'))),
      track('status', c.status({ variables: ['BRIDGEPEER'] })),
      track('ping', c.action('Ping')),
    ]);
    // Answers overtook each other: the Status list and the Ping were answered before any Getvar.
    expect(order.slice(0, 2).sort()).toEqual(['ping', 'status']);
    expect(peerOfBot).toBe(CALLER);
    expect(peerOfCaller).toBe(BOT);
    expect(unknown.kind).toBe('response');
    expect(unknown.message).toBe('Getvar refused: No such channel');
    expect(unknown.response?.get('Response')).toBe('Error');
    expect(status.map((e) => e.get('Channel'))).toEqual([CALLER, BOT]);
    expect(ping.get('Ping')).toBe('Pong');
    const ids = ami.actions.map((a) => a.ActionID as string);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ami.sent().slice(1)).toEqual([
      { Action: 'Getvar', Channel: BOT, Variable: 'BRIDGEPEER' },
      { Action: 'Getvar', Channel: CALLER, Variable: 'BRIDGEPEER' },
      { Action: 'Getvar', Channel: 'PJSIP/nobody-00000000', Variable: 'BRIDGEPEER' },
      { Action: 'Status', Variables: 'BRIDGEPEER' },
      { Action: 'Ping' },
    ]);
  });

  it('collects a list action’s events up to …Complete and passes other events to listeners', async () => {
    const c = await login();
    const heard: AmiMessage[] = [];
    c.on('event', (e) => heard.push(e));
    ami.event({ Event: 'Newchannel', Privilege: 'call,all', Channel: 'PJSIP/trunk-0000001b' });
    const status = await c.status({ variables: ['BRIDGEPEER', 'PASOKH_UUID'] });
    expect(status).toHaveLength(2);
    expect(status[0].event).toBe('Status');
    expect(status[0].get('CallerIDName')).toBe('مریم احمدی');
    expect(status[0].variables()).toEqual({ BRIDGEPEER: BOT, PASOKH_UUID: '(null)' });
    expect(status[0].all('Variable')).toEqual([`BRIDGEPEER=${BOT}`, 'PASOKH_UUID=(null)']);
    expect(heard.map((e) => e.event)).toEqual(['FullyBooted', 'Newchannel']);
    const one = await c.status({ channel: BOT });
    expect(one.map((e) => e.get('Channel'))).toEqual([BOT]);
    expect((await reason(c.status({ channel: 'PJSIP/gone-1' }))).message).toBe('Status refused: No such channel');
  });

  it('originates asynchronously and resolves with the OriginateResponse of that ActionID', async () => {
    const c = await login();
    const heard: AmiMessage[] = [];
    c.on('event', (e) => heard.push(e));
    const [answered, other] = await Promise.all([
      c.originate({ channel: 'PJSIP/09121112233@trunk', context: 'pasokh-outbound', exten: 's', callerId: '"پاسخ" <02191001234>', ringTimeoutMs: 25000, variables: { CAMPAIGN: 'c1', CONTACT: '42' } }),
      c.originate({ channel: 'Local/100@from-internal', application: 'Playback', data: 'hello-world' }),
    ]);
    expect(answered).toMatchObject({ ok: true, channel: 'PJSIP/09121112233@trunk-0000002a', reason: 4 });
    expect(answered.uniqueid).toMatch(/^\d+\.\d+$/);
    expect(answered.event.actionId).toBe(ami.actions[1].ActionID);
    expect(other.event.actionId).toBe(ami.actions[2].ActionID);
    expect(ami.sent()[1]).toEqual({
      Action: 'Originate',
      Channel: 'PJSIP/09121112233@trunk',
      Context: 'pasokh-outbound',
      Exten: 's',
      Priority: '1',
      CallerID: '"پاسخ" <02191001234>',
      Timeout: '25000',
      Variable: ['CAMPAIGN=c1', 'CONTACT=42'],
      Async: 'true',
    });
    expect(ami.sent()[2]).toEqual({ Action: 'Originate', Channel: 'Local/100@from-internal', Application: 'Playback', Data: 'hello-world', Async: 'true' });
    // Consumed by their actions, not handed to listeners.
    expect(heard.some((e) => e.event === 'OriginateResponse')).toBe(false);
    const refused = await reason(c.originate({ channel: 'nonsense', context: 'x', exten: 's' }));
    expect(refused.message).toBe('Originate refused: Invalid channel');
  });

  it('reports a call that was not answered with Asterisk’s reason', async () => {
    const busy = await AmiStandin.start({ originate: () => ({ response: 'Failure', reason: 5 }) });
    try {
      const c = await AmiClient.connect({ host: busy.host, port: busy.port, username: 'pasokh', secret: 'manager-secret' });
      const result = await c.originate({ channel: 'PJSIP/09120000000@trunk', context: 'x', exten: 's' });
      expect(result).toMatchObject({ ok: false, reason: 5, uniqueid: '<null>' });
      await c.close();
    } finally {
      await busy.close();
    }
  });

  it('times out one action without disturbing the others', async () => {
    const c = await login({ actionTimeoutMs: 150 });
    ami.stall('Getvar');
    const started = Date.now();
    const err = await reason(c.getvar(BOT, 'BRIDGEPEER'));
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe('AMI did not answer Getvar within 150 ms');
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await c.action('Ping', {}, { timeoutMs: 1000 })).get('Ping')).toBe('Pong');
  });

  it('refuses values with line breaks instead of sending injected headers', async () => {
    const c = await login();
    const err = await reason(c.getvar(`${BOT}\r\nAction: Hangup`, 'BRIDGEPEER'));
    expect(err.kind).toBe('input');
    expect(err.message).toBe('AMI Getvar: Channel contains a line break');
    await c.action('Ping');
    expect(ami.sent().map((a) => a.Action)).toEqual(['Login', 'Ping']);
  });

  it('logs off on close, and later actions fail as closed', async () => {
    const c = await login();
    let closedWith: unknown = 'not closed';
    c.on('close', (e) => (closedWith = e));
    await c.close();
    expect(ami.sent().map((a) => a.Action)).toEqual(['Login', 'Logoff']);
    expect(c.closed).toBe(true);
    expect(closedWith).toBeNull();
    expect((await reason(c.action('Ping'))).kind).toBe('closed');
  });

  it('fails pending actions when the PBX drops the connection', async () => {
    const c = await login();
    let closedWith: AmiError | null = null;
    c.on('close', (e) => (closedWith = e));
    ami.stall('Getvar');
    const pending = reason(c.getvar(BOT, 'BRIDGEPEER'));
    await new Promise((r) => setTimeout(r, 30));
    ami.dropConnections();
    const err = await pending;
    expect(err.kind).toBe('closed');
    expect(err.message).toMatch(/^AMI connection to 127\.0\.0\.1:\d+ closed \(while waiting for Getvar\)$/);
    expect(closedWith).toBeInstanceOf(AmiError);
  });
});

describe('TCP chunking', () => {
  it('reads messages split into 1–5 byte chunks (inside CRLFs and Persian characters)', async () => {
    ami.chunking = 'split';
    const c = await login();
    const [status, peer] = await Promise.all([c.status({ variables: ['BRIDGEPEER'] }), c.getvar(BOT, 'BRIDGEPEER')]);
    expect(status[0].get('CallerIDName')).toBe('مریم احمدی');
    expect(status[1].variables().BRIDGEPEER).toBe(CALLER);
    expect(peer).toBe(CALLER);
  });

  it('reads several messages arriving in one chunk', async () => {
    ami.chunking = 'merge';
    const c = await login();
    const status = await c.status({ variables: ['BRIDGEPEER'] });
    expect(status.map((e) => e.get('Channel'))).toEqual([CALLER, BOT]);
  });

  it('parses the same messages whatever the chunk boundaries', () => {
    const transcript =
      'Asterisk Call Manager/9.0.0\r\n' +
      'Response: Success\r\nActionID: a-1\r\nMessage: Authentication accepted\r\n\r\n' +
      'Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n' +
      'Response: Success\r\nActionID: a-2\r\nVariable: CALLERID(name)\r\nValue: مریم: احمدی\r\n\r\n' +
      '\r\nEvent: Hangup\nChannel: PJSIP/x-1\n\n';
    const whole = new AmiParser().push(Buffer.from(transcript));
    const bytes = Buffer.from(transcript);
    const split = new AmiParser();
    const pieces = [];
    for (let i = 0; i < bytes.length; i++) pieces.push(...split.push(bytes.subarray(i, i + 1)));
    const shape = (xs: ReturnType<AmiParser['push']>) => xs.map((x) => (x.kind === 'banner' ? x.line : x.message.pairs));
    expect(shape(pieces)).toEqual(shape(whole));
    expect(shape(whole)).toEqual([
      'Asterisk Call Manager/9.0.0',
      [['Response', 'Success'], ['ActionID', 'a-1'], ['Message', 'Authentication accepted']],
      [['Event', 'FullyBooted'], ['Privilege', 'system,all'], ['Status', 'Fully Booted']],
      [['Response', 'Success'], ['ActionID', 'a-2'], ['Variable', 'CALLERID(name)'], ['Value', 'مریم: احمدی']],
      [['Event', 'Hangup'], ['Channel', 'PJSIP/x-1']],
    ]);
  });
});
