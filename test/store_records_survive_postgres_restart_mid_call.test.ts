import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCall } from '../src/store/call-queries.js';
import { openDatabase, type Database } from '../src/store/db.js';
import { BufferedCallRecorder } from '../src/store/recorder.js';
import { havePostgresServer, noPostgresServerMessage, privatePostgres, type PrivatePostgres } from './helpers/private_postgres.js';

/**
 * The shared PostgreSQL on this machine serves everyone's tests, so this test restarts a
 * throwaway cluster of its own (test/helpers/private_postgres.ts): record half a call, stop the
 * server (fast shutdown kills the recorder's connections), keep recording, start it again.
 * Skipped, with a message, only where the PostgreSQL server binaries are not installed.
 */
if (!havePostgresServer) console.warn(`skipping PostgreSQL restart test: ${noPostgresServerMessage}`);

const t0 = new Date('2026-11-21T10:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const turn = (seq: number) => ({
  callId: 'restart-1',
  seq,
  at: at(seq * 3000),
  input: 'speech',
  heardText: `پرسش شماره ${seq}`,
  partialsCount: seq,
  intent: `faq.q${seq}`,
  confidence: 0.8,
  action: 'answer',
  botText: `پاسخ شماره ${seq}`,
  timings: { endpointMs: 500, asrMs: 100 + seq, nluMs: 3, ttsFirstAudioMs: 20, totalMs: 640 + seq },
});

describe.skipIf(!havePostgresServer)('call records survive a PostgreSQL restart in the middle of a call', () => {
  let pg: PrivatePostgres;
  let database: Database;
  let recorder: BufferedCallRecorder;
  const start = () => pg.start();
  const stop = () => pg.stop();

  beforeAll(async () => {
    pg = await privatePostgres('pasokh-pg-restart-');
    database = await openDatabase({ url: pg.url });
    recorder = new BufferedCallRecorder({ database, dataDir: join(pg.root, 'recorder'), retryMinMs: 50, retryMaxMs: 400 });
  });

  afterAll(async () => {
    await recorder?.close(500);
    // Never let a stuck pool keep the throwaway server (and this hook) alive.
    await Promise.race([database?.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
    pg?.destroy();
  });

  it('stores every turn and event exactly once, in order, after the server comes back', async () => {
    recorder.callStarted({ id: 'restart-1', protocol: 'twilio', fromNumber: '+989120000001', toNumber: null, startedAt: t0 });
    for (let seq = 0; seq < 3; seq++) recorder.turn(turn(seq));
    recorder.event({ callId: 'restart-1', at: at(1000), type: 'barge-in', data: { n: 1 } });
    await recorder.flush(10_000);
    expect((await getCall(database.db, 'restart-1'))?.turns).toHaveLength(3);

    // Stop the server while a write is likely on the wire: its outcome is unknown to the recorder.
    for (let seq = 3; seq < 5; seq++) recorder.turn(turn(seq));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    stop();

    // The call goes on while the database is down: recording returns at once and never throws.
    for (let seq = 5; seq < 10; seq++) {
      recorder.turn(turn(seq));
      recorder.event({ callId: 'restart-1', at: at(seq * 3000 + 1), type: 'dtmf', data: { digit: String(seq) } });
    }
    await recorder.flush(1500);
    for (let i = 0; i < 200 && recorder.stats().retries === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const during = recorder.stats();
    expect(during.queued).toBeGreaterThan(0);
    expect(during.retries).toBeGreaterThan(0);

    start();
    recorder.event({ callId: 'restart-1', at: at(40_000), type: 'handoff', data: { reason: 'caller-request' } });
    recorder.callEnded({ callId: 'restart-1', endedAt: at(45_000), outcome: 'handoff', handoffReason: 'caller-request', handoffQueue: 'general' });
    await recorder.flush(30_000);
    expect(recorder.stats()).toMatchObject({ queued: 0, journalPending: false, deadLettered: 0, dropped: 0 });

    const call = await getCall(database.db, 'restart-1');
    expect(call).toMatchObject({ outcome: 'handoff', handoffReason: 'caller-request', endedAt: at(45_000).toISOString() });
    expect(call!.turns.map((t) => t.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(call!.turns[7]).toMatchObject({ heardText: 'پرسش شماره 7', timings: { asrMs: 107, totalMs: 647 } });
    expect(call!.events.map((e) => e.type)).toEqual(['barge-in', 'dtmf', 'dtmf', 'dtmf', 'dtmf', 'dtmf', 'handoff']);
    expect(call!.events.slice(1, 6).map((e) => e.data.digit)).toEqual(['5', '6', '7', '8', '9']);

    // Exactly once, counted straight from the tables.
    const [counts] = await database.query<{ calls: string; turns: string; events: string }>(
      `select (select count(*) from calls) as calls, (select count(*) from turns) as turns, (select count(*) from call_events) as events`,
    );
    expect(counts).toEqual({ calls: '1', turns: '10', events: '7' });
  });
});
