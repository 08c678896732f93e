import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { amiActionSchema, type AmiAction } from '../src/handoff/config.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { performTransfer, type TransferContext } from '../src/handoff/transfer.js';
import { AmiStandin } from './helpers/ami_standin.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';
import { request, ScriptedCaller } from './helpers/handoff_caller_double.js';

// chan_websocket: the caller's PJSIP channel ran Dial(WebSocket/…); Pasokh's channel is the other leg.
const CALLER = 'PJSIP/trunk-0000001a';
const BOT = 'WebSocket/pasokh-00000001';
// AudioSocket() application: the caller's own channel talks to Pasokh and carries PASOKH_UUID.
const AS_UUID = '7f4c3a52-1d2e-4b8a-9c6d-0e1f2a3b4c5d';
const AS_CALLER = 'PJSIP/trunk-0000002b';
// Dial(AudioSocket/…): Pasokh's AudioSocket leg inherited the UUID and is bridged to the caller.
const DIAL_UUID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const DIAL_LEG = 'AudioSocket/127.0.0.1:9092-00000003';
const DIAL_CALLER = 'PJSIP/trunk-0000003c';

let ami: AmiStandin;

const target = (extra: Partial<AmiAction> = {}): AmiAction =>
  amiActionSchema.parse({
    kind: 'ami',
    host: ami.host,
    port: ami.port,
    username: 'pasokh',
    secret: 'manager-secret',
    context: 'pasokh-handoff',
    extension: '{queue}',
    timeoutMs: 2000,
    ...extra,
  });

const ctx = (extra: Partial<TransferContext> = {}): TransferContext => ({
  callId: 'call-1',
  providerCallId: BOT,
  protocol: 'asterisk',
  queue: 'support',
  callerNumber: '09121234567',
  ...extra,
});

const login = { Action: 'Login', Username: 'pasokh', Secret: 'manager-secret', Events: 'off' };

function resetChannels() {
  ami.channels.clear();
  ami.addChannel({ name: CALLER, callerIdNum: '09121234567', application: 'Dial', data: 'WebSocket/pasokh/c(ulaw)', variables: { BRIDGEPEER: BOT } });
  ami.addChannel({ name: BOT, application: 'AppDial', variables: { BRIDGEPEER: CALLER } });
  ami.addChannel({ name: 'PJSIP/trunk-00000019', application: 'AudioSocket', variables: { PASOKH_UUID: '11111111-2222-4333-8444-555555555555' } });
  ami.addChannel({ name: AS_CALLER, application: 'AudioSocket', data: `${AS_UUID},10.0.0.5:9092`, variables: { PASOKH_UUID: AS_UUID } });
  ami.addChannel({ name: DIAL_CALLER, application: 'Dial', variables: { BRIDGEPEER: DIAL_LEG } });
  ami.addChannel({ name: DIAL_LEG, application: 'AppDial', variables: { PASOKH_UUID: DIAL_UUID, BRIDGEPEER: DIAL_CALLER } });
  ami.addChannel({ name: 'WebSocket/pasokh-00000007', application: 'AppDial', variables: {} });
}

beforeAll(async () => {
  ami = await AmiStandin.start();
});
afterEach(() => {
  ami.reset();
});
afterAll(async () => {
  await ami.close();
});

describe('the ami transfer kind', () => {
  it('chan_websocket: moves the channel bridged to Pasokh’s, not Pasokh’s own, then logs off', async () => {
    resetChannels();
    const result = await performTransfer(target(), ctx());
    expect(result).toEqual({ ok: true, target: 'ami:pasokh-handoff/support' });
    expect(ami.sent()).toEqual([
      login,
      { Action: 'Getvar', Channel: BOT, Variable: 'BRIDGEPEER' },
      { Action: 'Redirect', Channel: CALLER, Context: 'pasokh-handoff', Exten: 'support', Priority: '1' },
      { Action: 'Logoff' },
    ]);
    expect(ami.redirected).toEqual([{ channel: CALLER, context: 'pasokh-handoff', exten: 'support', priority: '1' }]);
    expect(ami.channels.has(BOT)).toBe(false); // Pasokh's leg is hung up: the media stream ends
    for (let i = 0; i < 100 && ami.open > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(ami.open).toBe(0); // and the manager session is over
  });

  it('AudioSocket(): finds the caller’s channel by the UUID variable the dialplan set', async () => {
    resetChannels();
    const result = await performTransfer(target({ extension: '{queue}-{callerNumber}', priority: 2 }), ctx({ protocol: 'audiosocket', providerCallId: AS_UUID }));
    expect(result).toEqual({ ok: true, target: 'ami:pasokh-handoff/support-09121234567' });
    expect(ami.sent()).toEqual([
      login,
      { Action: 'Status', Variables: 'PASOKH_UUID,BRIDGEPEER' },
      { Action: 'Redirect', Channel: AS_CALLER, Context: 'pasokh-handoff', Exten: 'support-09121234567', Priority: '2' },
      { Action: 'Logoff' },
    ]);
  });

  it('Dial(AudioSocket/…): moves the bridge peer of Pasokh’s AudioSocket leg', async () => {
    resetChannels();
    const result = await performTransfer(target({ uuidVariable: 'PASOKH_UUID' }), ctx({ protocol: 'audiosocket', providerCallId: DIAL_UUID }));
    expect(result.ok).toBe(true);
    expect(ami.sent()[2]).toEqual({ Action: 'Redirect', Channel: DIAL_CALLER, Context: 'pasokh-handoff', Exten: 'support', Priority: '1' });
  });

  it('moves the caller’s channel straight away when the dialplan named it', async () => {
    resetChannels();
    const result = await performTransfer(target(), ctx({ callerChannel: CALLER }));
    expect(result.ok).toBe(true);
    expect(ami.sent()).toEqual([login, { Action: 'Redirect', Channel: CALLER, Context: 'pasokh-handoff', Exten: 'support', Priority: '1' }, { Action: 'Logoff' }]);
  });

  it('rings the accepting agent’s extension for the desk’s connect', async () => {
    resetChannels();
    const result = await performTransfer(target({ context: 'from-internal', extension: '{agentExtension}' }), ctx({ agentId: 'a1', agentExtension: '2041' }));
    expect(result).toEqual({ ok: true, target: 'ami:from-internal/2041' });
    expect(ami.redirected).toEqual([{ channel: CALLER, context: 'from-internal', exten: '2041', priority: '1' }]);
  });

  it('does not connect at all when the agent has no extension', async () => {
    const before = ami.connections;
    const result = await performTransfer(target({ context: 'from-internal', extension: '{agentExtension}' }), ctx({ agentExtension: null }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/after filling placeholders \(the agent has no extension\)$/);
    expect(ami.connections).toBe(before);
  });
});

describe('failures keep the caller with Pasokh and say why', () => {
  it('login refused', async () => {
    resetChannels();
    const result = await performTransfer(target({ secret: 'wrong' }), ctx());
    expect(result).toEqual({ ok: false, target: 'ami:pasokh-handoff/support', error: 'AMI login as "pasokh" refused: Authentication failed' });
    expect(ami.sent()).toEqual([{ ...login, Secret: 'wrong' }]);
    expect(ami.redirected).toEqual([]);
  });

  it('unknown channel', async () => {
    resetChannels();
    const result = await performTransfer(target(), ctx({ providerCallId: 'WebSocket/pasokh-0000dead' }));
    expect(result).toEqual({
      ok: false,
      target: 'ami:pasokh-handoff/support',
      error: 'Asterisk has no channel WebSocket/pasokh-0000dead (Getvar BRIDGEPEER: No such channel)',
    });
    expect(ami.sent()).toEqual([login, { Action: 'Getvar', Channel: 'WebSocket/pasokh-0000dead', Variable: 'BRIDGEPEER' }, { Action: 'Logoff' }]);
  });

  it('Pasokh’s channel bridged to nobody', async () => {
    resetChannels();
    const result = await performTransfer(target(), ctx({ providerCallId: 'WebSocket/pasokh-00000007' }));
    expect(!result.ok && result.error).toBe('Channel WebSocket/pasokh-00000007 is not bridged to a caller (BRIDGEPEER is empty)');
    expect(ami.sent().map((a) => a.Action)).toEqual(['Login', 'Getvar', 'Logoff']);
  });

  it('no channel carries the AudioSocket UUID', async () => {
    resetChannels();
    const result = await performTransfer(target(), ctx({ protocol: 'audiosocket', providerCallId: '99999999-0000-4000-8000-000000000000' }));
    expect(!result.ok && result.error).toBe(
      'No Asterisk channel has PASOKH_UUID=99999999-0000-4000-8000-000000000000 (the dialplan must Set(PASOKH_UUID=…) before AudioSocket(); 7 channels looked at)',
    );
    expect(ami.sent().map((a) => a.Action)).toEqual(['Login', 'Status', 'Logoff']);
  });

  it('the caller hung up between the lookup and the Redirect', async () => {
    resetChannels();
    ami.channels.get(BOT)!.variables!.BRIDGEPEER = 'PJSIP/trunk-00000000';
    const result = await performTransfer(target(), ctx());
    expect(!result.ok && result.error).toBe(
      'Asterisk refused to move PJSIP/trunk-00000000 to pasokh-handoff/support: Channel does not exist: PJSIP/trunk-00000000',
    );
    expect(ami.sent().map((a) => a.Action)).toEqual(['Login', 'Getvar', 'Redirect', 'Logoff']);
  });

  it('a PBX that stops answering: the deadline ends the attempt and nothing is moved', async () => {
    resetChannels();
    ami.stall('Getvar');
    const started = Date.now();
    const result = await performTransfer(target({ timeoutMs: 300 }), ctx());
    const took = Date.now() - started;
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/^AMI did not answer Getvar within \d+ ms \(ami 127\.0\.0\.1:\d+, timeoutMs 300\)$/);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(1500);
    expect(ami.sent().map((a) => a.Action)).toEqual(['Login', 'Getvar']);
    expect(ami.redirected).toEqual([]);
  });

  it('a PBX that never greets', async () => {
    ami.stall('banner');
    const result = await performTransfer(target({ timeoutMs: 200 }), ctx());
    expect(!result.ok && result.error).toMatch(new RegExp(`^AMI at 127\\.0\\.0\\.1:${ami.port} did not answer within \\d+ ms \\(timeoutMs 200\\)$`));
  });

  it('no manager listening', async () => {
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise((r) => free.close(r));
    const result = await performTransfer(target({ port }), ctx());
    expect(!result.ok && result.error).toMatch(/^Cannot reach AMI at 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });

  it('a channel name that would inject AMI headers is refused, not sent', async () => {
    resetChannels();
    const result = await performTransfer(target(), ctx({ providerCallId: `${BOT}\r\nAction: Hangup` }));
    expect(!result.ok && result.error).toBe('AMI Getvar: Channel contains a line break');
    expect(ami.sent().map((a) => a.Action)).toEqual(['Login', 'Logoff']);
  });

  it('a call without an Asterisk id, or from Twilio', async () => {
    const before = ami.connections;
    const none = await performTransfer(target(), ctx({ providerCallId: null }));
    expect(!none.ok && none.error).toBe('No provider call id (Asterisk channel or AudioSocket UUID) for this call');
    const twilio = await performTransfer(target(), ctx({ protocol: 'twilio', providerCallId: 'CA123' }));
    expect(!twilio.ok && twilio.error).toBe('An ami transfer needs a call that came from Asterisk, not Twilio');
    expect(ami.connections).toBe(before);
  });
});

describe('through the hand-off service', () => {
  let db: TestDatabase;
  let svc: HandoffRuntime;
  beforeAll(async () => {
    db = await freshPglite();
    const ami_ = { kind: 'ami', host: ami.host, port: ami.port, username: 'pasokh', secret: 'manager-secret', context: 'pasokh-queues', extension: '{queue}', timeoutMs: 2000 };
    const config = loadConfig({}, {
      handoff: {
        waitUpdateSeconds: 5,
        routeIntervalMs: 50,
        callbackOffer: false,
        queues: {
          support: { priority: 0, skill: null, transfer: ami_ },
          billing: { priority: 0, skill: null, transfer: { kind: 'desk', connect: { ...ami_, context: 'from-internal', extension: '{agentExtension}' } } },
        },
      },
    });
    svc = createHandoffService({ database: db.database, config, pollMs: 20 });
    await svc.ready();
  });
  afterAll(async () => {
    await svc?.close();
    await db?.drop();
  });

  it('hands the caller to the PBX queue and records where', async () => {
    resetChannels();
    const caller = new ScriptedCaller('A1');
    const outcome = await svc.handle(request('A1', { queue: 'support', protocol: 'asterisk', providerCallId: BOT }), caller);
    expect(outcome).toEqual({ kind: 'transferred', target: 'ami:pasokh-queues/support' });
    expect(caller.prompts).toEqual(['تماس شما را به همکارانم منتقل می‌کنم. لطفاً گوشی را نگه دارید.']);
    expect(ami.redirected).toEqual([{ channel: CALLER, context: 'pasokh-queues', exten: 'support', priority: '1' }]);
    const [entry] = await db.database.query<any>(`select state, transfer_target, transfer_error from handoff_entries where call_id = 'A1'`);
    expect(entry).toEqual({ state: 'transferred', transfer_target: 'ami:pasokh-queues/support', transfer_error: null });
  });

  it('a failed AMI transfer leaves the caller waiting for the desk, and the event says why', async () => {
    resetChannels();
    const caller = new ScriptedCaller('A2');
    const outcome = svc.handle(request('A2', { queue: 'support', protocol: 'asterisk', providerCallId: 'WebSocket/pasokh-0000dead' }), caller);
    await caller.heard(/نفر اول/);
    const why = 'Asterisk has no channel WebSocket/pasokh-0000dead (Getvar BRIDGEPEER: No such channel)';
    const [entry] = await db.database.query<any>(`select state, transfer_target, transfer_error from handoff_entries where call_id = 'A2'`);
    expect(entry).toEqual({ state: 'waiting', transfer_target: 'ami:pasokh-queues/support', transfer_error: why });
    const failed = caller.notes.find((n) => n.type === 'handoff.transfer_failed');
    expect(failed?.data).toMatchObject({ target: 'ami:pasokh-queues/support', error: why });
    expect(ami.redirected).toEqual([]);
    caller.hangup();
    expect(await outcome).toEqual({ kind: 'abandoned' });
  });

  it('bridges an accepted desk call to the agent’s extension through AMI', async () => {
    resetChannels();
    await svc.agents.upsert({ id: 'ext', name: 'داخلی', pin: '1111', extension: '2041' });
    await svc.agents.setPresence('ext', 'available');
    const caller = new ScriptedCaller('A3');
    const outcome = svc.handle(request('A3', { queue: 'billing', protocol: 'audiosocket', providerCallId: AS_UUID }), caller);
    let entryId: string | null = null;
    for (let i = 0; i < 200 && !entryId; i++) {
      entryId = (await svc.agents.get('ext'))?.currentEntryId ?? null;
      if (!entryId) await new Promise((r) => setTimeout(r, 20));
    }
    expect(ami.actions).toHaveLength(0); // nothing moves until the agent accepts
    await svc.accept(entryId!, 'ext');
    expect(await outcome).toEqual({ kind: 'connected', agentId: 'ext' });
    expect(ami.redirected).toEqual([{ channel: AS_CALLER, context: 'from-internal', exten: '2041', priority: '1' }]);
    await svc.endCall(entryId!, 'ext');
    await svc.wrapUp(entryId!, 'ext', 'resolved', null);
  });
});
