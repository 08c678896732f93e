import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createTtsEngine } from '../src/engines/factory.js';
import { startService, type RunningService } from '../src/service.js';
import { speechFor } from '../src/sim/cli.js';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';
import { eventually } from './helpers/pasokh_process.js';
import { havePostgresServer, noPostgresServerMessage, privatePostgres, type PrivatePostgres } from './helpers/private_postgres.js';

if (!havePostgresServer) console.warn(`skipping the PostgreSQL-restart fault test: ${noPostgresServerMessage}`);

/**
 * Fault under load: callers keep calling while the service's PostgreSQL is stopped and started
 * again. What the callers hear: every question answered, none cut off (the call path never waits
 * on the database). What the records say: every call is on record, ended, once the server is back.
 */
describe.skipIf(!havePostgresServer)('calls under load while PostgreSQL restarts', () => {
  let pg: PrivatePostgres;
  let service: RunningService;
  let dataDir: string;

  beforeAll(async () => {
    pg = await privatePostgres('pasokh-pg-fault-');
    dataDir = mkdtempSync(join(tmpdir(), 'pasokh-fault-'));
    service = await startService(
      loadConfig({}, { port: 0, host: '127.0.0.1', logLevel: 'silent', dataDir, databaseUrl: pg.url, campaigns: { scheduler: false }, engines: { workers: 0, vadWorker: false } }),
    );
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    pg?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers every caller through the outage and loses no record', async () => {
    const tts = await createTtsEngine(service.config);
    const question = await speechFor(tts, 'اینترنتم قطع شده چیکار کنم');
    await tts.close();

    const answered: { callSid: string; latencyMs: number | null; closedBy: string; during: boolean }[] = [];
    let outage = false;
    let stop = false;
    const caller = async () => {
      while (!stop) {
        const during = outage;
        const r = await simulateTwilioCall({
          url: `${service.url.replace(/^http/, 'ws')}/media/twilio`,
          token: service.mediaToken,
          // A second of the answer is enough to know it came (its turn is stored at its first audio).
          steps: [{ kind: 'speech', pcm: question, label: 'outage', listenMs: 1000 }],
          hangUpAtEnd: true,
        });
        answered.push({ callSid: r.callSid, latencyMs: r.steps[0].latencyMs, closedBy: r.closedBy, during: during || outage });
      }
    };
    const callers = [caller(), caller(), caller()];

    await eventually(async () => answered.length >= 3, 'calls before the outage', 120_000);
    outage = true;
    pg.stop();
    // The database is gone: /readyz says so while calls go on.
    await eventually(async () => (await fetch(`${service.url}/readyz`)).status === 503, '/readyz to notice');
    const before = answered.length;
    await eventually(async () => answered.length >= before + 3, 'calls during the outage', 120_000);
    pg.start();
    outage = false;
    await eventually(async () => (await fetch(`${service.url}/readyz`)).status === 200, '/readyz after the restart', 60_000);
    const after = answered.length;
    await eventually(async () => answered.length >= after + 3, 'calls after the outage', 120_000);
    stop = true;
    await Promise.all(callers);

    // What the callers heard: an answer to every question, the outage's calls included.
    expect(answered.filter((a) => a.during).length).toBeGreaterThanOrEqual(3);
    expect(answered.filter((a) => a.latencyMs === null)).toEqual([]);
    expect(answered.every((a) => a.closedBy === 'caller')).toBe(true);

    // What the records say: every call, ended, once the recorder has caught up.
    const missing = await eventually(async () => {
      const left: string[] = [];
      for (const { callSid } of answered) {
        const res = await fetch(`${service.url}/api/calls/${callSid}`, { headers: { authorization: `Bearer ${service.adminKey}` } });
        const body = res.status === 200 ? ((await res.json()) as { endedAt: string | null; turns: unknown[] }) : null;
        if (!body?.endedAt || body.turns.length === 0) left.push(callSid);
      }
      return left.length === 0 ? left : undefined;
    }, 'every call on record', 60_000, 500);
    expect(missing).toEqual([]);
  }, 420_000);
});
