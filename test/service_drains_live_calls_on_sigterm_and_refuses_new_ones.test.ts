import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createTtsEngine } from '../src/engines/factory.js';
import { DRAIN_DEADLINE_REASON } from '../src/service-drain.js';
import { speechFor } from '../src/sim/cli.js';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';
import { freshPostgres, type TestDatabase } from './helpers/databases.js';
import { CLUSTER_MEDIA_TOKEN, eventually, startPasokh, type PasokhProcess } from './helpers/pasokh_process.js';

/**
 * A real `pasokh serve` process told to stop as Kubernetes tells it (SIGTERM), with real callers on
 * its media WebSocket: what is live finishes, what is new goes elsewhere, and what outlasts the
 * drain is ended on the record as the instance's doing.
 */
const base = {
  campaigns: { scheduler: false },
  // A caller holding the line in silence is not reprompted into a hand-off while the test runs.
  audio: { noInputTimeoutMs: 600_000 },
};

type Exit = { code: number | null; signal: NodeJS.Signals | null };
const exitOf = (p: PasokhProcess) =>
  new Promise<Exit>((resolve) => {
    if (p.proc.exitCode !== null || p.proc.signalCode !== null) resolve({ code: p.proc.exitCode, signal: p.proc.signalCode });
    else p.proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
/** The signal, as the kubelet sends it: without waiting for the process to exit. */
const signal = (p: PasokhProcess, sig: NodeJS.Signals) => process.kill(p.proc.pid!, sig);
const mediaUrl = (p: PasokhProcess) => `${p.url.replace(/^http/, 'ws')}/media/twilio`;

/** A media WebSocket upgrade: 'open', or the HTTP status and body it was refused with. */
const tryUpgrade = (p: PasokhProcess) =>
  new Promise<{ status: number | 'open'; body: string }>((resolve, reject) => {
    const ws = new WebSocket(`${mediaUrl(p)}?token=${CLUSTER_MEDIA_TOKEN}`);
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 'open', body: '' });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => reject(err));
  });

/** An Asterisk AudioSocket call (UUID frame first): every byte the instance sent back until it closed. */
const audioSocketCall = (port: number) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.concat([Buffer.from([0x01, 0x00, 0x10]), Buffer.alloc(16, 0x42)])));
    socket.on('data', (d) => chunks.push(d));
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });

describe('an instance told to stop (SIGTERM)', () => {
  let pg: TestDatabase;
  let question: Int16Array;
  const started: PasokhProcess[] = [];
  const start = async (instanceId: string, drainSeconds: number, extra: Record<string, unknown> = {}) => {
    const p = await startPasokh({ databaseUrl: pg.url!, instanceId, config: { ...base, ...extra, shutdown: { drainSeconds } } });
    started.push(p);
    return p;
  };
  const callRow = async (callSid: string) => {
    const [row] = await pg.database.query<{ id: string; outcome: string | null; ended_at: Date | null }>(
      'select id, outcome, ended_at from calls where id = $1',
      [callSid],
    );
    return row;
  };
  const liveCallOn = (instanceId: string) =>
    eventually(async () => {
      const [row] = await pg.database.query<{ id: string }>('select id from calls where instance_id = $1 and ended_at is null', [instanceId]);
      return row;
    }, `a live call on ${instanceId}`);

  beforeAll(async () => {
    pg = await freshPostgres();
    const config = loadConfig({}, { dataDir: mkdtempSync(join(tmpdir(), 'pasokh-drain-')), logLevel: 'silent' });
    const tts = await createTtsEngine(config);
    question = await speechFor(tts, 'اینترنتم قطع شده چیکار کنم');
    await tts.close();
  }, 120_000);

  afterAll(async () => {
    for (const p of started) await p.kill('SIGKILL');
    await pg?.drop();
  });

  it('lets a call in progress hear its answer to the end, recorded as completed, while new calls are refused and readiness says draining', async () => {
    const p = await start('drain-live', 120, { telephony: { audioSocketPort: 0 } });
    const exited = exitOf(p);
    const answering = JSON.parse(p.output().split('\n').find((l) => l.includes('Pasokh is answering'))!) as { audioSocketPort: number };
    const seen: {
      refusal?: { status: number | 'open'; body: string };
      readiness?: { status: number; body: { status: string } };
      signalledAt?: number;
      audioSocket?: Buffer;
      metrics?: string;
    } = {};

    const call = await simulateTwilioCall({
      url: mediaUrl(p),
      token: CLUSTER_MEDIA_TOKEN,
      answerTimeoutMs: 60_000,
      steps: [
        {
          // After the greeting, with the call live: the instance is told to stop.
          kind: 'wait',
          until: async () => {
            await liveCallOn('drain-live');
            signal(p, 'SIGTERM');
            seen.signalledAt = Date.now();
            seen.readiness = await eventually(async () => {
              const res = await fetch(`${p.url}/readyz`);
              return res.status === 503 ? { status: res.status, body: (await res.json()) as { status: string } } : undefined;
            }, 'readiness 503 once draining', 30_000, 50);
            seen.refusal = await tryUpgrade(p);
            seen.audioSocket = await audioSocketCall(answering.audioSocketPort);
            seen.metrics = await (await fetch(`${p.url}/metrics`)).text();
          },
        },
        { kind: 'speech', pcm: question, label: 'outage' },
      ],
    });

    expect(seen.readiness).toMatchObject({ status: 503, body: { status: 'draining' } });
    expect(seen.refusal?.status).toBe(503);
    expect(JSON.parse(seen.refusal!.body).error.code).toBe('draining');
    // AudioSocket has no handshake to refuse: the call is hung up (a bare hang-up frame) as it starts.
    expect([...seen.audioSocket!]).toEqual([0x00, 0x00, 0x00]);
    expect(seen.metrics).toMatch(/pasokh_calls_refused_total\{protocol="twilio",reason="draining"\} 1/);
    expect(seen.metrics).toMatch(/pasokh_calls_refused_total\{protocol="audiosocket",reason="draining"\} 1/);

    // The whole answer reached the caller after the signal, and the caller, not the bot, hung up.
    expect(call.steps[0].botAudioMs).toBeGreaterThan(2000);
    expect(call.closedBy).toBe('caller');

    // With its last call over the instance stops by itself, long before its 120 s drain.
    const exit = await exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - seen.signalledAt!).toBeLessThan(90_000);

    const row = await callRow(call.callSid);
    expect(row).toMatchObject({ outcome: 'completed' });
    expect(row.ended_at).not.toBeNull();
    const turns = await pg.database.query<{ intent: string | null; bot_text: string | null }>("select intent, bot_text from turns where call_id = $1 and input = 'speech'", [row.id]);
    expect(turns[0]?.intent, JSON.stringify(turns)).toBe('internet_outage');
    expect(turns[0]?.bot_text).toContain('مودم');
    const shutdown = await pg.database.query('select 1 from call_events where call_id = $1 and type = $2', [row.id, 'shutdown']);
    expect(shutdown).toHaveLength(0);
    expect(p.output()).toMatch(/call refused: instance draining/);
  }, 300_000);

  it('ends a call still live when the drain time runs out, recording that the instance ended it', async () => {
    const p = await start('drain-deadline', 3);
    const exited = exitOf(p);
    let signalledAt = 0;
    const call = await simulateTwilioCall({
      url: mediaUrl(p),
      token: CLUSTER_MEDIA_TOKEN,
      answerTimeoutMs: 60_000,
      steps: [
        {
          kind: 'wait',
          until: async (line) => {
            await liveCallOn('drain-deadline');
            signal(p, 'SIGTERM');
            signalledAt = Date.now();
            await line.whenClosed;
          },
        },
      ],
    });
    const closedAfterMs = Date.now() - signalledAt;
    expect(call.closedBy).toBe('bot');
    expect(closedAfterMs).toBeGreaterThanOrEqual(3000);
    expect(await exited).toEqual({ code: 0, signal: null });

    const row = await callRow(call.callSid);
    expect(row.ended_at).not.toBeNull();
    expect(row.outcome).not.toBe('lost');
    const events = await pg.database.query<{ data: Record<string, unknown> }>('select data from call_events where call_id = $1 and type = $2', [row.id, 'shutdown']);
    expect(events).toEqual([{ data: { reason: DRAIN_DEADLINE_REASON, drainSeconds: 3 } }]);
  }, 300_000);

  it('stops at once on a second signal, ending the calls still live', async () => {
    const p = await start('drain-twice', 600);
    const exited = exitOf(p);
    const call = await simulateTwilioCall({
      url: mediaUrl(p),
      token: CLUSTER_MEDIA_TOKEN,
      answerTimeoutMs: 60_000,
      steps: [
        {
          kind: 'wait',
          until: async (line) => {
            await liveCallOn('drain-twice');
            signal(p, 'SIGTERM');
            await eventually(async () => (await fetch(`${p.url}/readyz`)).status === 503, 'draining', 30_000, 50);
            signal(p, 'SIGINT');
            await line.whenClosed;
          },
        },
      ],
    });
    expect(call.closedBy).toBe('bot');
    // Well inside the 600 s drain the first signal alone would have allowed.
    expect(await exited).toEqual({ code: 0, signal: null });
    const row = await callRow(call.callSid);
    expect(row.ended_at).not.toBeNull();
    expect(p.output()).toMatch(/SIGINT again: stopping now/);
  }, 300_000);
});
