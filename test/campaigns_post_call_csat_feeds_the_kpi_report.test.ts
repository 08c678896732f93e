import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeKpis } from '../src/analytics/kpis.js';
import { askCsat } from '../src/campaigns/csat.js';
import type { CallerReply, CallIO } from '../src/dialog/types.js';
import { createCallRecorder } from '../src/store/recorder.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';

/** A caller who answers the rating prompt with one key; what the call notes goes to the real recorder. */
function caller(callId: string, reply: CallerReply, note: CallIO['note']): CallIO {
  return { callId, callerNumber: null, ended: false, say: async () => 'played', ask: async () => reply, note };
}

describe('post-call CSAT', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshPglite();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('stores each rating as a csat event that /api/kpis averages; a refusal is no response', async () => {
    const recorder = createCallRecorder({ database: db.database, dataDir: mkdtempSync(join(tmpdir(), 'pasokh-csat-')) });
    const now = new Date();
    const replies: [string, CallerReply][] = [
      ['csat-1', { kind: 'dtmf', digits: '5' }],
      ['csat-2', { kind: 'dtmf', digits: '2' }],
      ['csat-3', { kind: 'no-input' }],
    ];
    for (const [id, reply] of replies) {
      recorder.callStarted({ id, protocol: 'twilio', fromNumber: null, toNumber: null, startedAt: now });
      await askCsat(caller(id, reply, (type, data = {}) => recorder.event({ callId: id, at: new Date(), type, data })));
      recorder.callEnded({ callId: id, endedAt: new Date(), outcome: 'completed', handoffReason: null, handoffQueue: null });
    }
    await recorder.flush();
    await recorder.close();
    const report = await computeKpis(db.database, { since: new Date(now.getTime() - 60_000), until: new Date(now.getTime() + 60_000) });
    expect(report.csat).toEqual({ responses: 2, average: 3.5 });
  });
});
