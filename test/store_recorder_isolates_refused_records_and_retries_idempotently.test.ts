import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCallRows, getCall } from '../src/store/call-queries.js';
import { BufferedCallRecorder, DEAD_LETTER_FILE } from '../src/store/recorder.js';
import { callEntry, endEntry, eventEntry, turnEntry } from '../src/store/recorder/entries.js';
import { writeBatch } from '../src/store/recorder/writer.js';
import { backends, type TestDatabase } from './helpers/databases.js';

const t0 = new Date('2026-11-23T12:00:00.000Z');

describe.each(backends)('recorder write semantics on $name', ({ open }) => {
  let test: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    test = await open();
    dir = mkdtempSync(join(tmpdir(), 'pasokh-deadletter-'));
  });
  afterAll(async () => {
    await test.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writing the same batch twice (a retry after an unknown outcome) stores each record once', async () => {
    const batch = [
      callEntry({ id: 'I-1', protocol: 'twilio', fromNumber: null, toNumber: null, startedAt: t0 }),
      turnEntry({ callId: 'I-1', seq: 0, at: t0, input: 'greeting', heardText: null, partialsCount: 0, intent: null, confidence: null, action: 'greet', botText: 'سلام', timings: {} }, null),
      eventEntry('ev-I-1-a', { callId: 'I-1', at: t0, type: 'dtmf', data: { digit: '1' } }, null),
      endEntry({ callId: 'I-1', endedAt: new Date(t0.getTime() + 1000), outcome: 'completed', handoffReason: null }),
    ];
    await writeBatch(test.database.db, batch);
    await writeBatch(test.database.db, batch);
    expect(await countCallRows(test.database.db, 'I-1')).toEqual({ calls: 1, turns: 1, events: 1 });
    expect((await getCall(test.database.db, 'I-1'))?.outcome).toBe('completed');
  });

  it('dead-letters a record the database refuses and still writes the rest of its batch', async () => {
    const recorder = new BufferedCallRecorder({ database: test.database, dataDir: dir });
    recorder.callStarted({ id: 'D-1', protocol: 'asterisk', fromNumber: '+989120000002', toNumber: null, startedAt: t0 });
    // A turn for a call that was never started: the foreign key refuses it, forever.
    recorder.turn({ callId: 'never-started', seq: 0, at: t0, input: 'speech', heardText: 'x', partialsCount: 0, intent: null, confidence: null, action: 'answer', botText: null, timings: {} });
    recorder.turn({ callId: 'D-1', seq: 0, at: t0, input: 'speech', heardText: 'قبض من', partialsCount: 1, intent: 'billing', confidence: 0.7, action: 'answer', botText: 'بله', timings: { totalMs: 700 } });
    recorder.callEnded({ callId: 'D-1', endedAt: new Date(t0.getTime() + 5000), outcome: 'completed', handoffReason: null });
    await recorder.flush(10_000);

    expect(recorder.stats()).toMatchObject({ queued: 0, deadLettered: 1 });
    const call = await getCall(test.database.db, 'D-1');
    expect(call?.turns.map((t) => t.heardText)).toEqual(['قبض من']);
    expect(call?.outcome).toBe('completed');
    const dead = readFileSync(join(dir, DEAD_LETTER_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(dead).toHaveLength(1);
    expect(dead[0].entry).toMatchObject({ k: 'turn', callId: 'never-started' });
    await recorder.close();
  });

  it('never throws into the call path, whatever it is given', async () => {
    const recorder = new BufferedCallRecorder({ database: test.database });
    expect(() => {
      recorder.callStarted({ id: 'B-1', protocol: 'raw', fromNumber: null, toNumber: null, startedAt: new Date('not a date') });
      recorder.turn({ callId: 'B-1', seq: 0, at: new Date(), input: 'speech', heardText: null, partialsCount: Number.NaN, intent: null, confidence: Number.POSITIVE_INFINITY, action: 'answer', botText: null, timings: { asrMs: Number.NaN, totalMs: 812.6 } });
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      recorder.event({ callId: 'B-1', at: new Date(), type: 'error', data: circular });
      recorder.turn(null as never);
    }).not.toThrow();
    await recorder.flush(10_000);
    const call = await getCall(test.database.db, 'B-1');
    expect(call?.turns[0]).toMatchObject({ partialsCount: 0, confidence: null, timings: { asrMs: null, totalMs: 813 } });
    expect(call?.events[0].data).toHaveProperty('unserialisable');
    await recorder.close();
  });
});
