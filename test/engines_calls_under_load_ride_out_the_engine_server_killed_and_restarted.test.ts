import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createLocalTts } from '../src/engines/factory.js';
import { startService, type RunningService } from '../src/service.js';
import { fetchStoredCall, speechFor } from '../src/sim/cli.js';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';
import { spawnEngineServer, type EngineServerProcess } from './helpers/grpc_engine_server.js';
import { eventually } from './helpers/pasokh_process.js';

/**
 * Fault under load: callers keep calling while the gRPC engine server is killed and, later,
 * started again on the same port. What the callers heard: every question answered (by the local
 * engines while the server is gone). What the records say: every call stored with what was heard
 * and answered, no hand-off for want of an engine; and the calls go back to the engine server
 * once it is back.
 */
const ADMIN = 'engine-fault-admin-key-0123456789';
const TOKEN = 'engine-fault-media-token-0123456789';

describe('calls under load while the engine server is killed and restarted', () => {
  let first: EngineServerProcess;
  let second: EngineServerProcess | null = null;
  let service: RunningService;
  let dataDir: string;
  let question: Int16Array;

  beforeAll(async () => {
    first = await spawnEngineServer();
    dataDir = mkdtempSync(join(tmpdir(), 'pasokh-engine-fault-'));
    const config = loadConfig({}, {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      logLevel: 'silent',
      security: { adminKeys: [ADMIN], mediaTokens: [TOKEN] },
      asr: { backend: 'grpc', grpcUrl: first.url },
      tts: { backend: 'grpc', grpcUrl: first.url },
      campaigns: { scheduler: false },
    });
    service = await startService(config);
    const voice = await createLocalTts(config);
    question = await speechFor(voice, 'سرعت اینترنتم خیلی پایینه');
    await voice.close();
  }, 240_000);

  afterAll(async () => {
    await service?.stop();
    await first?.kill();
    await second?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers every caller through the outage and goes back to the engine server', async () => {
    const calls: { callSid: string; latencyMs: number | null; phase: string }[] = [];
    let phase = 'up';
    let stop = false;
    const caller = async () => {
      while (!stop) {
        const during = phase;
        const r = await simulateTwilioCall({ url: `${service.url.replace(/^http/, 'ws')}/media/twilio`, token: TOKEN, steps: [{ kind: 'speech', pcm: question, label: 'q', listenMs: 1000 }], hangUpAtEnd: true });
        calls.push({ callSid: r.callSid, latencyMs: r.steps[0].latencyMs, phase: during === phase ? during : `${during}→${phase}` });
      }
    };
    const callers = [caller(), caller(), caller()];

    await first.waitForLog((l) => l.msg === 'asr utterance recognised', 180_000);
    await first.kill();
    phase = 'down';
    const atKill = calls.length;
    await eventually(async () => calls.filter((c, i) => i >= atKill && c.phase === 'down').length >= 3, 'calls while the engine server is gone', 180_000);

    second = await spawnEngineServer(['--port', String(first.port)]);
    phase = 'back';
    // The calls find the engine server again once their breaker lets a call try it.
    await second.waitForLog((l) => l.msg === 'asr utterance recognised', 180_000);
    stop = true;
    await Promise.all(callers);

    // What the callers heard: an answer to every question, in every phase.
    expect(calls.filter((c) => c.latencyMs === null)).toEqual([]);
    expect(calls.some((c) => c.phase === 'down')).toBe(true);
    // What the records say: each call heard and answered, none handed to a human for want of an engine.
    for (const { callSid } of calls) {
      const stored = await eventually(async () => {
        const s = await fetchStoredCall(service.url, ADMIN, callSid);
        return s?.endedAt ? s : undefined;
      }, `record of ${callSid}`, 30_000, 250);
      const speech = stored.turns.filter((t) => t.input === 'speech');
      expect(speech.length).toBeGreaterThan(0);
      for (const turn of speech) {
        expect(turn.heardText?.length ?? 0).toBeGreaterThan(3);
        expect(turn.botText?.length ?? 0).toBeGreaterThan(0);
      }
      expect(stored.handoffReason).toBeNull();
    }
  }, 600_000);
});
