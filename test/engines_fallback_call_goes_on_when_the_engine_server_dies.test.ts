import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createLocalTts } from '../src/engines/factory.js';
import { startService, type RunningService } from '../src/service.js';
import { fetchStoredCall, speechFor } from '../src/sim/cli.js';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';
import { spawnEngineServer, type EngineServerProcess } from './helpers/grpc_engine_server.js';

// The whole product with its inference tier in a separate engine-server process (real ONNX ASR
// model, real eSpeak NG), driven by a caller on a Twilio media stream. The engine server is killed
// the moment it has recognised the caller's first question; the call must go on.
const ADMIN = 'fallback-admin-key-0123456789';
const TOKEN = 'fallback-media-token-0123456789';
let engineServer: EngineServerProcess;
let service: RunningService;
let outage: Int16Array;

beforeAll(async () => {
  engineServer = await spawnEngineServer();
  const config = loadConfig({}, {
    port: 0,
    host: '127.0.0.1',
    dataDir: mkdtempSync(join(tmpdir(), 'pasokh-grpc-fallback-')),
    logLevel: 'silent',
    security: { adminKeys: [ADMIN], mediaTokens: [TOKEN] },
    asr: { backend: 'grpc', grpcUrl: engineServer.url },
    tts: { backend: 'grpc', grpcUrl: engineServer.url },
  });
  service = await startService(config);
  const voice = await createLocalTts(config);
  outage = await speechFor(voice, 'اینترنتم قطع شده چیکار کنم');
  await voice.close();
}, 180_000);

afterAll(async () => {
  await service?.stop();
  await engineServer?.kill();
});

async function engineFallbacks(): Promise<number> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('pasokh_engine_errors_total{engine="asr"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('a call whose engine server dies mid-call', () => {
  it('hears the caller through the remote engine, then through the local one, and keeps answering', async () => {
    expect(await engineFallbacks()).toBe(0);
    // Kill the engine server as soon as it has recognised the caller's first question.
    const killed = engineServer.waitForLog((l) => l.msg === 'asr utterance recognised', 120_000).then(() => engineServer.kill());

    // The caller asks, and asks again over the answer (barge-in): the second question reaches a
    // call tier whose engine server is gone.
    const result = await simulateTwilioCall({
      url: `${service.url.replace('http', 'ws')}/media/twilio`,
      token: TOKEN,
      steps: [{ kind: 'speech', pcm: outage, label: 'question, then again over the answer', bargeInAfterMs: 800 }],
    });
    await killed;
    expect(engineServer.logs.filter((l) => l.msg === 'asr utterance recognised')).toHaveLength(1);

    expect(result.steps[0].latencyMs).not.toBeNull();
    expect(result.steps[0].clearAfterMs).not.toBeNull();
    const stored = await fetchStoredCall(service.url, ADMIN, result.callSid);
    const speech = stored!.turns.filter((t) => t.input === 'speech');
    expect(speech).toHaveLength(2);
    // Both questions were transcribed (the second by the local model) and both got a spoken reply;
    // nothing was handed to a human for want of an engine.
    for (const turn of speech) {
      expect(turn.heardText?.length ?? 0).toBeGreaterThan(5);
      expect(turn.botText?.length ?? 0).toBeGreaterThan(0);
      expect(turn.action).not.toBe('handoff');
    }
    expect(stored!.handoffReason).toBeNull();
    expect(await engineFallbacks()).toBeGreaterThanOrEqual(1);
  });
});
