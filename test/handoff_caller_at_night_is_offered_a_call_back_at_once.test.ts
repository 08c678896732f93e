import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';
import { dtmf, request, ScriptedCaller, speech } from './helpers/handoff_caller_double.js';

// A fake clock: the service reads business hours and the maximum wait on it, never on the wall.
class FakeClock {
  constructor(private t: Date) {}
  now = () => this.t;
  advance(seconds: number) {
    this.t = new Date(this.t.getTime() + seconds * 1000);
  }
}
const at3am = () => new FakeClock(new Date('2026-12-06T03:00:00+03:30')); // Sunday, 1405-09-15
const HOURS = { days: ['sat', 'sun', 'mon', 'tue', 'wed'], open: '08:00', close: '17:00' };
const CLOSED = /^در این ساعت همکارانم در دسترس نیستند؛ از امروز ساعت هشت صبح پاسخگوی شما هستند\. اگر مایلید با شما تماس بگیریم، کلید یک/;

describe('a caller who asks for a human when nobody can answer', () => {
  let db: TestDatabase;
  let svc: HandoffRuntime;
  afterEach(async () => {
    await svc?.close();
    await db?.drop();
  });

  async function start(handoff: Record<string, unknown>, clock: FakeClock) {
    db = await freshPglite();
    const config = loadConfig({}, { handoff: { waitUpdateSeconds: 1, routeIntervalMs: 50, ...handoff } });
    svc = createHandoffService({ database: db.database, config, pollMs: 20, replyTimeoutMs: 10, now: clock.now });
    await svc.ready();
  }
  const entryOf = async (callId: string) => (await db.database.query<any>(`select state, queue, callback_number from handoff_entries where call_id = $1`, [callId]))[0];

  it('at 03:00 Tehran time with no agent signed in is told so plainly and offered a call-back at once, kept for the morning', async () => {
    await start({ hours: HOURS }, at3am());
    const caller = new ScriptedCaller('N1', '09120000001');
    caller.answer(CLOSED, dtmf('1')).answer(/با همین شماره/, dtmf('1'));
    const outcome = await svc.handle(request('N1', { callerNumber: '09120000001' }), caller);
    expect(outcome).toEqual({ kind: 'callback', number: '09120000001' });
    // The very first thing the caller hears is the truth and the offer: no queue position, no hold music.
    expect(caller.prompts[0]).toMatch(CLOSED);
    expect(caller.notes.find((n) => n.type === 'handoff.closed')?.data).toMatchObject({ reason: 'closed', nextOpen: '2026-12-06T04:30:00.000Z' });
    // The call-back waits in the queue, where the desk and the console show it in the morning.
    expect(await entryOf('N1')).toEqual({ state: 'callback', queue: 'general', callback_number: '09120000001' });
    expect((await svc.queue.live()).map((e) => e.callId)).toContain('N1');
  });

  it('takes a short message instead (key 2), recorded on the call, with a call-back to the caller’s number', async () => {
    await start({ hours: HOURS }, at3am());
    const caller = new ScriptedCaller('N2', '09120000002');
    caller.answer(CLOSED, dtmf('2')).answer(/پیام کوتاهتان را/, speech('اینترنتم از دیروز قطع است لطفاً تماس بگیرید'));
    expect(await svc.handle(request('N2', { callerNumber: '09120000002' }), caller)).toEqual({ kind: 'callback', number: '09120000002' });
    expect(caller.notes.find((n) => n.type === 'handoff.message')?.data).toMatchObject({ text: 'اینترنتم از دیروز قطع است لطفاً تماس بگیرید' });
    expect(caller.prompts.at(-1)).toMatch(/^پیام شما ثبت شد/);
    expect(await entryOf('N2')).toMatchObject({ state: 'callback', callback_number: '09120000002' });
  });

  it('goes back to the bot, leaving nothing in the queue, when the caller wants neither', async () => {
    await start({ hours: HOURS }, at3am());
    const caller = new ScriptedCaller('N3');
    expect(await svc.handle(request('N3'), caller)).toEqual({ kind: 'declined' });
    expect(await entryOf('N3')).toBeUndefined();
    expect(caller.notes.map((n) => n.type)).toContain('handoff.declined');
  });

  it('says that a Jalali holiday is a holiday', async () => {
    const clock = new FakeClock(new Date('2026-12-06T10:00:00+03:30'));
    await start({ hours: HOURS, holidays: ['1405-09-15'] }, clock);
    const caller = new ScriptedCaller('N4');
    await svc.handle(request('N4'), caller);
    expect(caller.prompts[0]).toMatch(/^امروز تعطیل است و همکارانم در دسترس نیستند؛ از فردا ساعت هشت صبح/);
  });

  it('offers the same call-back once the wait passes the maximum, in working hours', async () => {
    const clock = new FakeClock(new Date('2026-12-06T10:00:00+03:30'));
    await start({ hours: HOURS, maxWaitSeconds: 120, callbackOffer: false }, clock);
    const caller = new ScriptedCaller('W1', '09120000005');
    caller.answer(/انتظارتان طولانی شد/, dtmf('1')).answer(/با همین شماره/, dtmf('1'));
    const done = svc.handle(request('W1', { callerNumber: '09120000005' }), caller);
    await caller.heard(/نفر اول/);
    expect(caller.prompts.some((p) => /انتظارتان طولانی شد/.test(p))).toBe(false);
    clock.advance(121);
    expect(await done).toEqual({ kind: 'callback', number: '09120000005' });
    expect(caller.prompts.find((p) => /انتظارتان طولانی شد/.test(p))).toMatch(/کلید یک.*کلید دو/);
    expect(caller.notes.find((n) => n.type === 'handoff.max_wait')?.data).toMatchObject({ waitedSeconds: 121 });
  });

  it('lets an overflow queue that is open and staffed take the call of a closed one', async () => {
    await start({ hours: HOURS, queues: { general: { overflow: 'night' }, night: { hours: null } } }, at3am());
    await svc.agents.upsert({ id: 'sara', name: 'سارا', pin: '1111' });
    await svc.agents.setPresence('sara', 'after-call-work');
    const caller = new ScriptedCaller('O1');
    const done = svc.handle(request('O1'), caller);
    await caller.heard(/نفر اول/);
    expect(caller.notes.find((n) => n.type === 'handoff.overflow')?.data).toEqual({ from: 'general', to: 'night', reason: 'closed' });
    expect((await entryOf('O1')).queue).toBe('night');
    caller.hangup();
    expect(await done).toEqual({ kind: 'abandoned' });
  });
});
