import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';
import { freshPostgres, type TestDatabase } from './helpers/databases.js';
import { CLUSTER_MEDIA_TOKEN, eventually, startPasokh, type PasokhProcess } from './helpers/pasokh_process.js';

/**
 * Two real `pasokh serve` processes behind one PostgreSQL, as a load balancer would see them:
 * what one is told, the other knows; when one dies, its calls — and only its — are recorded as
 * lost by the survivor, and the survivor keeps answering.
 */
describe('two Pasokh instances on one PostgreSQL', () => {
  let pg: TestDatabase;
  let a: PasokhProcess;
  let b: PasokhProcess;
  // Short heartbeats so that a death is noticed within seconds (production: 5 s / 20 s).
  // Callers who hold the line in silence are not reprompted into a hand-off while the test runs.
  const config = {
    cluster: { heartbeatMs: 200, goneAfterMs: 1500 },
    campaigns: { scheduler: false },
    audio: { noInputTimeoutMs: 600_000 },
    security: { authThrottle: { maxFailures: 3, windowSeconds: 300 } },
  };

  beforeAll(async () => {
    pg = await freshPostgres();
    // One after the other: both migrating at once is pinned elsewhere (advisory lock), and two cold
    // starts side by side only double the wait on a busy machine.
    a = await startPasokh({ databaseUrl: pg.url!, instanceId: 'inst-a', config });
    b = await startPasokh({ databaseUrl: pg.url!, instanceId: 'inst-b', config });
  }, 300_000);

  afterAll(async () => {
    await a?.kill();
    await b?.kill();
    await pg?.drop();
  });

  it('an FAQ saved on one instance is live on the other', async () => {
    const faq = {
      id: 'cluster_test_faq',
      question: 'ساعت کاری دفتر مرکزی کی است؟',
      answer: 'دفتر مرکزی شنبه تا چهارشنبه از ۸ تا ۱۶ باز است.',
      examples: ['دفتر مرکزی کی بازه', 'ساعت کار دفتر مرکزی'],
    };
    const put = await a.admin(`/api/faqs/${faq.id}`, { method: 'PUT', body: JSON.stringify(faq) });
    expect(put.status).toBe(201);
    const { version } = (await put.json()) as { version: number };

    const onB = await eventually(async () => {
      const body = (await (await b.admin('/api/faqs')).json()) as { version: number; faqs: { id: string; answer: string }[] };
      return body.version === version ? body : undefined;
    }, 'the new version on inst-b');
    expect(onB.faqs.find((f) => f.id === faq.id)?.answer).toBe(faq.answer);
  });

  it('counts wrong admin keys sent to either instance against one budget per address', async () => {
    const wrong = (p: PasokhProcess) => fetch(`${p.url}/api/calls`, { headers: { authorization: 'Bearer not-the-admin-key-0000' } });
    expect((await wrong(a)).status).toBe(403);
    expect((await wrong(a)).status).toBe(403);
    // A's two failures are written, then announced; B counts them as its own.
    await eventually(async () => {
      const [{ n }] = await pg.database.query<{ n: string }>(`select count(*) as n from auth_failures where door = 'api'`);
      return Number(n) === 2;
    }, "A's failures shared");
    await new Promise((r) => setTimeout(r, 500)); // the NOTIFY follows the insert that was just seen
    expect((await wrong(b)).status).toBe(403); // third failure: at the limit
    const refused = await wrong(b); // fourth, over a limit of 3 that B alone would not have reached
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The right key still gets in, on both.
    expect((await b.admin('/api/calls')).status).toBe(200);
    expect((await a.admin('/api/calls')).status).toBe(200);
  });

  it("records the calls of an instance that dies as lost, and only its calls", async () => {
    // A caller on A who just holds the line, and one on B who does the same.
    let releaseB!: () => void;
    const bHangsUp = new Promise<void>((r) => (releaseB = r));
    const onA = simulateTwilioCall({
      url: `${a.url.replace(/^http/, 'ws')}/media/twilio`,
      token: CLUSTER_MEDIA_TOKEN,
      steps: [{ kind: 'wait', until: (line) => line.whenClosed }],
      answerTimeoutMs: 120_000,
    });
    const onB = simulateTwilioCall({
      url: `${b.url.replace(/^http/, 'ws')}/media/twilio`,
      token: CLUSTER_MEDIA_TOKEN,
      steps: [{ kind: 'wait', until: () => bHangsUp }],
      hangUpAtEnd: true,
    });

    // Both calls are on record, each with the instance it is on.
    const rows = await eventually(async () => {
      const r = await pg.database.query<{ id: string; instance_id: string | null }>('select id, instance_id from calls where ended_at is null');
      return r.length === 2 ? r : undefined;
    }, 'both calls recorded');
    const callOnA = rows.find((r) => r.instance_id === 'inst-a');
    const callOnB = rows.find((r) => r.instance_id === 'inst-b');
    expect(callOnA && callOnB).toBeTruthy();

    await a.kill('SIGKILL');
    // What the caller on A heard: the line went dead under them (the bot's side closed).
    const heardOnA = await onA;
    expect(heardOnA.closedBy).toBe('bot');

    // The survivor notices A's silence and records A's call as lost, at A's last heartbeat.
    const lost = await eventually(async () => {
      const [r] = await pg.database.query<{ outcome: string | null; ended_at: Date | null }>('select outcome, ended_at from calls where id = $1', [callOnA!.id]);
      return r?.outcome ? r : undefined;
    }, "inst-a's call marked", 60_000);
    expect(lost.outcome).toBe('lost');
    const [instance] = await pg.database.query<{ heartbeat_at: Date; gone_at: Date | null }>("select heartbeat_at, gone_at from pasokh_instances where id = 'inst-a'");
    expect(instance.gone_at).not.toBeNull();
    expect(lost.ended_at!.getTime()).toBe(Math.max(instance.heartbeat_at.getTime(), lost.ended_at!.getTime()));
    const events = await pg.database.query<{ type: string; data: Record<string, unknown> }>('select type, data from call_events where call_id = $1 and type = $2', [callOnA!.id, 'lost']);
    expect(events).toEqual([{ type: 'lost', data: { reason: 'instance gone', instance: 'inst-a' } }]);

    // B's call is untouched and still live; B still answers and is not marked gone.
    const [stillLive] = await pg.database.query<{ ended_at: Date | null; outcome: string | null }>('select ended_at, outcome from calls where id = $1', [callOnB!.id]);
    expect(stillLive).toEqual({ ended_at: null, outcome: null });
    const [bRow] = await pg.database.query<{ gone_at: Date | null }>("select gone_at from pasokh_instances where id = 'inst-b'");
    expect(bRow.gone_at).toBeNull();
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);

    releaseB();
    await onB;
    const ended = await eventually(async () => {
      const [r] = await pg.database.query<{ outcome: string | null }>('select outcome from calls where id = $1', [callOnB!.id]);
      return r?.outcome ? r : undefined;
    }, "inst-b's call ended");
    expect(ended.outcome).not.toBe('lost');
  }, 180_000);
});
