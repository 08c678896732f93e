import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { loadConfig } from '../src/config/load.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';
import { request, ScriptedCaller } from './helpers/handoff_caller_double.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}
const seen: Seen[] = [];
let twilioStatus = 200;
let pbxStatus = 200;

const capture = async (req: Request) => {
  seen.push({ method: req.method, url: req.url, headers: Object.fromEntries([...(req.headers as unknown as Iterable<[string, string]>)]), body: await req.text() });
};
const provider = setupServer(
  http.post('https://api.twilio.com/2010-04-01/Accounts/:sid/Calls/:call', async ({ request: req }) => {
    await capture(req);
    return twilioStatus === 200
      ? HttpResponse.json({ sid: 'CA-live', status: 'in-progress' })
      : HttpResponse.json({ code: 20404, message: 'The requested resource was not found' }, { status: twilioStatus });
  }),
  http.all('http://pbx.example:8088/pasokh/redirect', async ({ request: req }) => {
    await capture(req);
    return pbxStatus === 200 ? HttpResponse.json({ ok: true }) : new HttpResponse('channel gone', { status: pbxStatus });
  }),
);

const twilioQueue = {
  priority: 0,
  skill: null,
  transfer: { kind: 'twilio', accountSid: 'AC0123456789abcdef', authToken: 'tok-secret', dial: '+982191001234' },
};
const twilioUrlQueue = {
  priority: 0,
  skill: null,
  transfer: { kind: 'twilio', accountSid: 'AC0123456789abcdef', authToken: 'tok-secret', url: 'https://cc.example/twiml/{queue}?call={callId}' },
};
const deskWithPbx = {
  priority: 0,
  skill: null,
  transfer: { kind: 'desk', connect: { kind: 'pbx', url: 'http://pbx.example:8088/pasokh/redirect', headers: { 'x-api-key': 'pbx-key' } } },
};

describe('transfers through the provider and the PBX', () => {
  let db: TestDatabase;
  let svc: HandoffRuntime;
  beforeAll(async () => {
    provider.listen({ onUnhandledRequest: 'error' });
    db = await freshPglite();
    const config = loadConfig({}, {
      handoff: {
        waitUpdateSeconds: 5,
        routeIntervalMs: 50,
        callbackOffer: false,
        queues: { sales: twilioQueue, survey: twilioUrlQueue, billing: deskWithPbx },
      },
    });
    svc = createHandoffService({ database: db.database, config, pollMs: 20 });
    await svc.ready();
  });
  afterEach(() => {
    seen.length = 0;
    twilioStatus = 200;
    pbxStatus = 200;
  });
  afterAll(async () => {
    provider.close();
    await svc?.close();
    await db?.drop();
  });

  it('redirects a Twilio call to <Dial> with the call-update REST API', async () => {
    const caller = new ScriptedCaller('T1');
    const outcome = await svc.handle(request('T1', { queue: 'sales', providerCallId: 'CAaaa111' }), caller);
    expect(outcome).toEqual({ kind: 'transferred', target: 'twilio:+982191001234' });
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef/Calls/CAaaa111.json');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('AC0123456789abcdef:tok-secret').toString('base64')}`);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.body).toBe('Twiml=%3CResponse%3E%3CDial%3E%2B982191001234%3C%2FDial%3E%3C%2FResponse%3E');
    expect(caller.prompts).toEqual(['تماس شما را به همکارانم منتقل می‌کنم. لطفاً گوشی را نگه دارید.']);
    const [entry] = await db.database.query<any>(`select state, transfer_target, ended_at from handoff_entries where call_id = 'T1'`);
    expect(entry.state).toBe('transferred');
    expect(entry.transfer_target).toBe('twilio:+982191001234');
  });

  it('or to a TwiML URL (Url=) filled with the call and queue', async () => {
    const outcome = await svc.handle(request('T2', { queue: 'survey', providerCallId: 'CAbbb222' }), new ScriptedCaller('T2'));
    expect(outcome.kind).toBe('transferred');
    expect(seen[0].url).toBe('https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef/Calls/CAbbb222.json');
    expect(new URLSearchParams(seen[0].body).get('Url')).toBe('https://cc.example/twiml/survey?call=T2');
    expect([...new URLSearchParams(seen[0].body).keys()]).toEqual(['Url']);
  });

  it('keeps the caller waiting for the desk when the provider refuses the transfer', async () => {
    twilioStatus = 404;
    await svc.agents.upsert({ id: 'backup', name: 'پشتیبان', pin: '1111' });
    const caller = new ScriptedCaller('T3');
    const outcome = svc.handle(request('T3', { queue: 'sales', providerCallId: 'CAccc333' }), caller);
    await caller.heard(/نفر اول/);
    const [entry] = await db.database.query<any>(`select id, state, transfer_error from handoff_entries where call_id = 'T3'`);
    expect(entry.state).toBe('waiting');
    expect(entry.transfer_error).toMatch(/^HTTP 404/);
    expect(caller.notes.map((n) => n.type)).toContain('handoff.transfer_failed');
    await svc.agents.setPresence('backup', 'available');
    for (let i = 0; i < 200 && (await svc.queue.get(entry.id))?.state !== 'offered'; i++) await new Promise((r) => setTimeout(r, 20));
    await svc.accept(entry.id, 'backup');
    expect(await outcome).toEqual({ kind: 'connected', agentId: 'backup' });
    await svc.endCall(entry.id, 'backup');
    await svc.wrapUp(entry.id, 'backup', 'resolved', null);
    await svc.agents.setPresence('backup', 'offline');
  });

  it('bridges an accepted desk call to the agent’s extension through the PBX integration', async () => {
    await svc.agents.upsert({ id: 'ext', name: 'داخلی', pin: '1111', extension: '2041' });
    await svc.agents.setPresence('ext', 'available');
    const caller = new ScriptedCaller('P1');
    const outcome = svc.handle(request('P1', { queue: 'billing', protocol: 'asterisk', providerCallId: 'PJSIP/trunk-0000001a' }), caller);
    let entryId: string | null = null;
    for (let i = 0; i < 200 && !entryId; i++) {
      entryId = (await svc.agents.get('ext'))?.currentEntryId ?? null;
      if (!entryId) await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toHaveLength(0); // nothing moves until the agent accepts
    await svc.accept(entryId!, 'ext');
    expect(await outcome).toEqual({ kind: 'connected', agentId: 'ext' });
    expect(seen).toHaveLength(1);
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url).toBe('http://pbx.example:8088/pasokh/redirect');
    expect(seen[0].headers['x-api-key']).toBe('pbx-key');
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0].body)).toEqual({ callId: 'P1', channel: 'PJSIP/trunk-0000001a', queue: 'billing', extension: '2041' });
    // The bridge did it: the bot does not talk over the agent.
    expect(caller.prompts.some((p) => p.includes('وصل می‌کنم'))).toBe(false);
    await svc.endCall(entryId!, 'ext');
    await svc.wrapUp(entryId!, 'ext', 'resolved', null);
  });

  it('does not try to bridge a call-back task (the caller is no longer on the line)', async () => {
    await svc.agents.setPresence('ext', 'offline');
    // The caller chose a call-back and hung up (the call-back flow itself is tested elsewhere).
    const queued = await svc.queue.enqueue(request('P0', { queue: 'billing', callerNumber: '09125556677' }), 'test');
    expect((await svc.queue.requestCallback(queued.id, '09125556677'))?.state).toBe('callback');
    await svc.agents.setPresence('ext', 'available');
    let entryId: string | null = null;
    for (let i = 0; i < 200 && !entryId; i++) {
      entryId = (await svc.agents.get('ext'))?.currentEntryId ?? null;
      if (!entryId) await new Promise((r) => setTimeout(r, 20));
    }
    const accepted = await svc.accept(entryId!, 'ext');
    expect(accepted.callbackNumber).toBe('09125556677');
    expect(accepted.state).toBe('connected');
    expect(seen).toHaveLength(0);
    await svc.endCall(entryId!, 'ext');
    await svc.wrapUp(entryId!, 'ext', 'resolved', 'با مشتری تماس گرفتم');
  });

  it('puts the call back in line when the PBX cannot bridge it, and frees the agent', async () => {
    pbxStatus = 503;
    const caller = new ScriptedCaller('P2');
    const outcome = svc.handle(request('P2', { queue: 'billing', protocol: 'asterisk', providerCallId: 'PJSIP/trunk-0000001b' }), caller);
    let entryId: string | null = null;
    for (let i = 0; i < 200 && !entryId; i++) {
      entryId = (await svc.agents.get('ext'))?.currentEntryId ?? null;
      if (!entryId) await new Promise((r) => setTimeout(r, 20));
    }
    await expect(svc.accept(entryId!, 'ext')).rejects.toThrow(/Could not connect the call: HTTP 503: channel gone/);
    const entry = await svc.queue.get(entryId!);
    expect(entry?.state).toBe('waiting');
    expect(entry?.answeredBy).toBeNull();
    expect((await svc.agents.get('ext'))?.presence).toBe('available');
    caller.hangup();
    expect(await outcome).toEqual({ kind: 'abandoned' });
  });
});
