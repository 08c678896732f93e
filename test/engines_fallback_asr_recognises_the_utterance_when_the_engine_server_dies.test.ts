import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxAsr } from '../src/engines/asr/onnx.js';
import type { AsrEngine, AsrStream } from '../src/engines/asr/types.js';
import { readWav } from '../src/audio/wav.js';
import { resample } from '../src/audio/resample.js';
import { createGrpcAsr } from '../src/engines/grpc/asr-client.js';
import { withAsrFallback } from '../src/engines/asr/fallback.js';
import type { EngineFallbackEvent } from '../src/engines/errors.js';
import { spawnEngineServer, type EngineServerProcess } from './helpers/grpc_engine_server.js';

const MODEL_DIR = 'models/asr-fa';
const FIXTURE = 'fixtures/audio/outage.wav';

let local: AsrEngine;
let utterance: Int16Array;
let expected: string;
const servers: EngineServerProcess[] = [];

beforeAll(async () => {
  local = await createOnnxAsr({ modelDir: MODEL_DIR });
  const wav = await readWav(FIXTURE);
  utterance = resample(wav.pcm, wav.sampleRate, local.sampleRate);
  const s = local.createStream();
  s.push(utterance);
  expected = (await s.finalize()).text;
  // A transcript worth comparing (an empty one would match anything that failed quietly).
  expect(expected.length).toBeGreaterThan(5);
});
afterAll(async () => {
  await local?.close();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.kill()));
});

async function server(args: string[] = []): Promise<EngineServerProcess> {
  const s = await spawnEngineServer(['--engines', 'asr', '--asr-model', MODEL_DIR, ...args]);
  servers.push(s);
  return s;
}

function remoteWithFallback(url: string, timeoutMs: number, events: EngineFallbackEvent[], cooldownMs?: number): AsrEngine {
  const remote = createGrpcAsr({ url, sampleRate: local.sampleRate, timeoutMs });
  // The wrapper closes both engines; the local one is shared by the tests, so keep it open.
  const keepOpen: AsrEngine = { name: local.name, sampleRate: local.sampleRate, createStream: (o) => local.createStream(o), close: async () => {} };
  return withAsrFallback(remote, keepOpen, { timeoutMs, cooldownMs, onFallback: (e) => events.push(e) });
}

function push(stream: AsrStream, pcm: Int16Array): void {
  const frame = local.sampleRate / 50;
  for (let at = 0; at < pcm.length; at += frame) stream.push(pcm.subarray(at, at + frame));
}

const until = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
};

describe('ASR with a remote engine and the local model behind it', () => {
  it('recognises the whole utterance locally when the engine server is killed mid-utterance', async () => {
    const s = await server();
    const events: EngineFallbackEvent[] = [];
    const perCall: EngineFallbackEvent[] = [];
    const asr = remoteWithFallback(s.url, 5000, events);
    const stream = asr.createStream({ onFallback: (e) => perCall.push(e) });

    const half = Math.floor(utterance.length / 2);
    push(stream, utterance.subarray(0, half));
    await new Promise((r) => setTimeout(r, 200)); // the first half reaches the server
    await s.kill();
    // The switch happens as soon as the connection drops, not only at finalize.
    await until(() => events.length > 0, 5000);
    expect(events).toHaveLength(1);
    push(stream, utterance.subarray(half));
    const final = await stream.finalize();

    expect(final.text).toBe(expected);
    expect(final.audioSeconds).toBeCloseTo(utterance.length / local.sampleRate, 3);
    expect(events[0]).toMatchObject({ engine: 'asr', cause: 'unavailable', to: local.name });
    expect(perCall).toEqual(events);
  });

  it('recognises locally when the engine server is not there at all', async () => {
    const events: EngineFallbackEvent[] = [];
    const asr = remoteWithFallback('127.0.0.1:1', 5000, events);
    const stream = asr.createStream();
    push(stream, utterance);
    expect((await stream.finalize()).text).toBe(expected);
    expect(events.map((e) => e.cause)).toEqual(['unavailable']);
  });

  it('gives a frozen engine server the timeout, then recognises locally and skips it while it cools down', async () => {
    const s = await server();
    const events: EngineFallbackEvent[] = [];
    // The server's first recognition loads its model; on a busy machine that alone outlasts a short
    // timeout. Warm it through a patient client first, so the timeout below meets only the freeze.
    const patient = createGrpcAsr({ url: s.url, sampleRate: local.sampleRate, timeoutMs: 30_000 });
    const first = patient.createStream();
    push(first, utterance);
    await first.finalize();
    await patient.close();
    const asr = remoteWithFallback(s.url, 1500, events);
    // Connected first, so the stream is really open when the server freezes.
    const warm = asr.createStream();
    push(warm, utterance);
    expect((await warm.finalize()).text).toBe(expected);

    s.child.kill('SIGSTOP');
    const stream = asr.createStream();
    push(stream, utterance);
    const started = Date.now();
    const final = await stream.finalize();
    const waited = Date.now() - started;
    expect(final.text).toBe(expected);
    expect(events.map((e) => e.cause)).toEqual(['timeout']);
    expect(events[0].message).toMatch(/within 1500 ms/);
    // It gave the server its whole timeout (a lower bound cannot fail for a slow machine).
    expect(waited).toBeGreaterThanOrEqual(1450);

    // The next utterance does not try the frozen server at all: the circuit is open.
    const next = asr.createStream();
    push(next, utterance);
    expect((await next.finalize()).text).toBe(expected);
    expect(events.map((e) => e.cause)).toEqual(['timeout', 'circuit-open']);
  });

  it('is refused at once by a saturated engine server and recognised locally, without waiting for a timeout', async () => {
    const s = await server(['--max-streams', '1']);
    const events: EngineFallbackEvent[] = [];
    const asr = remoteWithFallback(s.url, 5000, events);
    const occupying = createGrpcAsr({ url: s.url, sampleRate: local.sampleRate, timeoutMs: 5000 });
    try {
      // Holds the only slot until finalised.
      const first = occupying.createStream();
      push(first, utterance);
      await s.waitForLog((l) => l.msg === 'asr stream started');

      const second = asr.createStream();
      push(second, utterance);
      // Refused, not timed out: the cause says so (a timeout here would take 5 s and read 'timeout').
      expect((await second.finalize()).text).toBe(expected);
      expect(events).toHaveLength(1);
      expect(events[0].cause).toBe('unavailable');
      expect(events[0].message).toMatch(/busy/);

      expect((await first.finalize()).text).toBe(expected);
      // The slot is free again, and a caller who barges in (cancel) frees it too.
      const third = occupying.createStream();
      push(third, utterance);
      expect((await third.finalize()).text).toBe(expected);
      const abandoned = occupying.createStream();
      push(abandoned, utterance.subarray(0, local.sampleRate));
      await new Promise((r) => setTimeout(r, 200));
      abandoned.cancel();
      await s.waitForLog((l) => l.msg === 'asr stream cancelled by client');
      const fourth = occupying.createStream();
      push(fourth, utterance);
      expect((await fourth.finalize()).text).toBe(expected);
    } finally {
      await occupying.close();
    }
  });

  it('goes back to the engine server once it is up again after the cool-down', async () => {
    const first = await server();
    const port = first.port;
    await first.kill();
    const events: EngineFallbackEvent[] = [];
    const asr = remoteWithFallback(`127.0.0.1:${port}`, 5000, events, 1200);
    const down = asr.createStream();
    push(down, utterance);
    expect((await down.finalize()).text).toBe(expected);
    expect(events).toHaveLength(1);

    const again = await server(['--port', String(port)]);
    expect(again.port).toBe(port);
    await new Promise((r) => setTimeout(r, 1300));
    const up = asr.createStream();
    push(up, utterance);
    expect((await up.finalize()).text).toBe(expected);
    expect(events).toHaveLength(1);
    await again.waitForLog((l) => l.msg === 'asr utterance recognised', 5000);
  });
});
