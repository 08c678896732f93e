import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';
import { dtmf, request, ScriptedCaller, speech } from './helpers/handoff_caller_double.js';

const OFFER = /به‌جای انتظار با شما تماس بگیریم/;

async function nextOffer(svc: HandoffRuntime, agentId: string) {
  for (let i = 0; i < 200; i++) {
    const agent = await svc.agents.get(agentId);
    if (agent?.currentEntryId) {
      const entry = await svc.queue.get(agent.currentEntryId);
      if (entry?.state === 'offered') return entry;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no offer');
}

describe('call-back instead of waiting', () => {
  let db: TestDatabase;
  let svc: HandoffRuntime;
  afterEach(async () => {
    await svc?.close();
    await db?.drop();
  });

  it('confirms the caller’s own number with key 1, creates the task, and keeps their place in line', async () => {
    db = await freshPglite();
    const config = loadConfig({}, { handoff: { waitUpdateSeconds: 1, routeIntervalMs: 50 } });
    svc = createHandoffService({ database: db.database, config, pollMs: 20, replyTimeoutMs: 10 });
    await svc.ready();
    await svc.agents.upsert({ id: 'reza', name: 'رضا', pin: '1111' });

    const a = new ScriptedCaller('A', '09120000001');
    const aDone = svc.handle(request('A', { callerNumber: '09120000001' }), a);
    await a.heard(/نفر اول/);

    const b = new ScriptedCaller('B', '+989120000002');
    b.answer(OFFER, dtmf('1')).answer(/با همین شماره/, dtmf('1'));
    const bOutcome = await svc.handle(request('B', { callerNumber: '+989120000002' }), b);
    expect(bOutcome).toEqual({ kind: 'callback', number: '+989120000002' });
    // The caller heard their number read back digit by digit, and that their place is kept.
    expect(b.prompts).toContain(
      'با همین شماره، نه هشت نه یک دو صفر صفر صفر صفر صفر صفر دو، تماس بگیریم؟ برای تأیید کلید یک، و برای وارد کردن شماره‌ی دیگر کلید دو را بزنید.',
    );
    expect(b.prompts.at(-1)).toMatch(/درخواست تماس ثبت شد\. جایگاه شما، نفر دوم، در صف حفظ می‌شود/);
    expect(b.notes.map((n) => n.type)).toContain('handoff.callback');

    const c = new ScriptedCaller('C', '09120000003');
    const cDone = svc.handle(request('C', { callerNumber: '09120000003' }), c);
    // C waits behind B although B hung up: B still holds second place.
    expect(await c.heard(/نفر سوم/)).toMatch(/^شما نفر سوم صف هستید/);

    const [bEntry] = await db.database.query<any>(`select * from handoff_entries where call_id = 'B'`);
    expect(bEntry.state).toBe('callback');
    expect(bEntry.callback_number).toBe('+989120000002');

    // The agent is offered A, then B's call-back task, then C: queue order, not arrival of the task.
    await svc.agents.setPresence('reza', 'available');
    const served: string[] = [];
    for (let i = 0; i < 3; i++) {
      const offer = await nextOffer(svc, 'reza');
      served.push(`${offer.callId}${offer.callbackNumber ? ':callback' : ''}`);
      await svc.accept(offer.id, 'reza');
      await svc.endCall(offer.id, 'reza');
      await svc.wrapUp(offer.id, 'reza', 'resolved', null);
    }
    expect(served).toEqual(['A', 'B:callback', 'C']);
    expect(await aDone).toEqual({ kind: 'connected', agentId: 'reza' });
    expect(await cDone).toEqual({ kind: 'connected', agentId: 'reza' });
  });

  it('takes «بله» by voice and a number typed on the keypad, re-asking when it is incomplete', async () => {
    db = await freshPglite();
    const config = loadConfig({}, { handoff: { waitUpdateSeconds: 1, routeIntervalMs: 50 } });
    svc = createHandoffService({ database: db.database, config, pollMs: 20, replyTimeoutMs: 10 });
    await svc.ready();

    const d = new ScriptedCaller('D', '09120000004');
    d.answer(OFFER, speech('بله لطفاً'))
      .answer(/با همین شماره/, dtmf('2'))
      .answer(/شماره‌ی تماس را با صفحه‌کلید/, dtmf('0935#'))
      .answer(/شماره‌ی تماس را با صفحه‌کلید/, dtmf('۰۹۳۵۱۲۳۴۵۶۷#'))
      .answer(/را وارد کردید/, speech('آره درسته'));
    const outcome = await svc.handle(request('D', { callerNumber: '09120000004' }), d);
    expect(outcome).toEqual({ kind: 'callback', number: '09351234567' });
    expect(d.prompts).toContain('این شماره کامل نبود.');
    expect(d.prompts).toContain(
      'شماره‌ی صفر نه سه پنج یک دو سه چهار پنج شش هفت را وارد کردید. درست است؟ برای تأیید کلید یک، و برای وارد کردن دوباره کلید دو را بزنید.',
    );
    const [entry] = await db.database.query<any>(`select state, callback_number from handoff_entries where call_id = 'D'`);
    expect(entry).toEqual({ state: 'callback', callback_number: '09351234567' });
  });

  it('keeps waiting when the caller does not want a call-back or cannot give a number', async () => {
    db = await freshPglite();
    const config = loadConfig({}, { handoff: { waitUpdateSeconds: 1, routeIntervalMs: 50 } });
    svc = createHandoffService({ database: db.database, config, pollMs: 20, replyTimeoutMs: 10 });
    await svc.ready();
    const e = new ScriptedCaller('E', null);
    e.answer(OFFER, dtmf('1'));
    const done = svc.handle(request('E', { callerNumber: null }), e);
    await e.heard(/جایگاهتان حفظ شده است/);
    const [entry] = await db.database.query<any>(`select state from handoff_entries where call_id = 'E'`);
    expect(entry.state).toBe('waiting');
    e.hangup();
    expect(await done).toEqual({ kind: 'abandoned' });
  });
});
