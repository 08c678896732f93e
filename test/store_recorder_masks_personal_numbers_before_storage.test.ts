import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCall } from '../src/store/call-queries.js';
import { openDatabase } from '../src/store/db.js';
import { createCallRecorder, JOURNAL_FILE } from '../src/store/recorder.js';
import { backends, type TestDatabase } from './helpers/databases.js';

const t0 = new Date('2026-11-24T07:30:00.000Z');

function recordCallWithNumbers(recorder: ReturnType<typeof createCallRecorder>, id: string) {
  recorder.callStarted({ id, protocol: 'twilio', fromNumber: '+989121234567', toNumber: null, startedAt: t0, params: { CallSid: 'CA12345678901234567890123456789012' } });
  recorder.turn({
    callId: id, seq: 0, at: t0, input: 'speech',
    heardText: 'شماره من ۰۹۱۲۳۴۵۶۷۸۹ هست و کد ملیم 0012345678',
    partialsCount: 2, intent: 'account.verify', confidence: 0.8, action: 'confirm',
    botText: 'شماره ۰۹۱۲۳۴۵۶۷۸۹ را تأیید می‌کنید؟ مبلغ ۲۵۰٬۰۰۰ تومان است.',
    timings: {},
  });
  recorder.event({ callId: id, at: t0, type: 'dtmf-entry', data: { digits: '6037991234567890', providerCallId: '1234567890' } });
  recorder.callEnded({ callId: id, endedAt: new Date(t0.getTime() + 60_000), outcome: 'completed', handoffReason: null });
}

describe.each(backends)('privacy masking in stored calls on $name', ({ open }) => {
  let test: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    test = await open();
    dir = mkdtempSync(join(tmpdir(), 'pasokh-mask-'));
  });
  afterAll(async () => {
    await test.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('masks phone, national-ID and card numbers in heard text, bot text and event data, and keeps amounts and ids', async () => {
    const recorder = createCallRecorder({ database: test.database, maskNumbers: true });
    recordCallWithNumbers(recorder, 'M-1');
    await recorder.flush(10_000);
    const call = await getCall(test.database.db, 'M-1');
    const turn = call!.turns[0];
    expect(turn.heardText).toBe('شماره من *********** هست و کد ملیم **********');
    expect(turn.botText).toBe('شماره *********** را تأیید می‌کنید؟ مبلغ ۲۵۰٬۰۰۰ تومان است.');
    expect(call!.events[0].data).toEqual({ digits: '****************', providerCallId: '1234567890' });
    // The caller's number identifies the account (history, repeat callers); it is not a transcript.
    expect(call!.fromNumber).toBe('+989121234567');
    await recorder.close();
  });

  it('masks before anything reaches the spill journal on disk', async () => {
    const dead = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', migrate: false });
    const recorder = createCallRecorder({ database: dead, dataDir: dir });
    recordCallWithNumbers(recorder, 'M-2');
    await recorder.close(100);
    const journal = readFileSync(join(dir, JOURNAL_FILE), 'utf8');
    expect(journal).toContain('M-2');
    expect(journal).not.toContain('۰۹۱۲۳۴۵۶۷۸۹');
    expect(journal).not.toContain('0012345678');
    expect(journal).not.toContain('6037991234567890');
    await dead.close();
    rmSync(join(dir, JOURNAL_FILE));
  });

  it('stores text as heard when masking is off', async () => {
    const recorder = createCallRecorder({ database: test.database, maskNumbers: false });
    recordCallWithNumbers(recorder, 'M-3');
    await recorder.flush(10_000);
    const call = await getCall(test.database.db, 'M-3');
    expect(call!.turns[0].heardText).toBe('شماره من ۰۹۱۲۳۴۵۶۷۸۹ هست و کد ملیم 0012345678');
    expect(call!.events[0].data).toEqual({ digits: '6037991234567890', providerCallId: '1234567890' });
    await recorder.close();
  });
});
