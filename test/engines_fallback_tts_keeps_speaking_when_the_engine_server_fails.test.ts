import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEspeakTts } from '../src/engines/tts/espeak/engine.js';
import type { TtsEngine } from '../src/engines/tts/types.js';
import { createGrpcTts } from '../src/engines/grpc/tts-client.js';
import { withTtsFallback } from '../src/engines/tts/fallback.js';
import type { EngineFallbackEvent } from '../src/engines/errors.js';
import { spawnEngineServer, type EngineServerProcess } from './helpers/grpc_engine_server.js';

const SENTENCE = 'اشتراک شما تا پانزدهم مهر ماه فعال است و می‌توانید آن را تمدید کنید.';
const LONG = 'برای خرید بسته جدید می‌توانید از اپلیکیشن یا سایت استفاده کنید. '.repeat(3);
/**
 * eSpeak NG's output length varies from run to run (measured: ±10 ms on a 5 s sentence, ±25 ms on
 * 50 s); 1% + 20 ms stays far below the second of audio a repeated stretch would add.
 */
const tolerance = (seconds: number) => 0.01 * seconds + 0.02;

let local: TtsEngine;
let localSeconds: (text: string) => Promise<number>;
const servers: EngineServerProcess[] = [];

beforeAll(async () => {
  local = await createEspeakTts({ voice: 'fa' });
  localSeconds = async (text) => {
    let samples = 0;
    let rate = 0;
    for await (const c of local.synthesize(text)) {
      samples += c.pcm.length;
      rate = c.sampleRate;
    }
    return samples / rate;
  };
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.kill()));
});

function remoteWithFallback(url: string, timeoutMs: number, events: EngineFallbackEvent[]): TtsEngine {
  return withTtsFallback(createGrpcTts({ url, voice: local.voice, timeoutMs }), local, {
    timeoutMs,
    onFallback: (e) => events.push(e),
  });
}

describe('TTS with a remote engine and the local voice behind it', () => {
  it('speaks with the local voice when the engine server is down, and the call is told why', async () => {
    const processWide: EngineFallbackEvent[] = [];
    const perCall: EngineFallbackEvent[] = [];
    const tts = remoteWithFallback('127.0.0.1:1', 3000, processWide);
    let seconds = 0;
    for await (const c of tts.synthesize(SENTENCE, { onFallback: (e) => perCall.push(e) })) seconds += c.pcm.length / c.sampleRate;

    const expected = await localSeconds(SENTENCE);
    expect(Math.abs(seconds - expected)).toBeLessThan(tolerance(expected));
    expect(perCall).toEqual(processWide);
    expect(perCall).toHaveLength(1);
    expect(perCall[0]).toMatchObject({ engine: 'tts', cause: 'unavailable', to: 'espeak' });
    expect(perCall[0].from).toContain('127.0.0.1:1');
  });

  it('finishes the sentence locally when the engine server dies mid-sentence, without repeating what was heard', async () => {
    const server = await spawnEngineServer(['--engines', 'tts']);
    servers.push(server);
    const events: EngineFallbackEvent[] = [];
    const tts = remoteWithFallback(server.url, 3000, events);

    let beforeSwitch = 0;
    let total = 0;
    for await (const c of tts.synthesize(LONG)) {
      const s = c.pcm.length / c.sampleRate;
      total += s;
      if (events.length === 0) beforeSwitch += s;
      // Kill after a second of audio has been played from the remote engine.
      if (total >= 1 && server.child.exitCode === null && server.child.signalCode === null) await server.kill();
    }

    expect(events).toHaveLength(1);
    expect(events[0].cause).toBe('unavailable');
    expect(beforeSwitch).toBeGreaterThanOrEqual(1);
    expect(beforeSwitch).toBeLessThan(total - 1);
    // The caller hears the whole text once: as long as the local engine's own rendering
    // (had the fallback started over, the second already heard would be heard twice).
    const expected = await localSeconds(LONG);
    expect(Math.abs(total - expected)).toBeLessThan(tolerance(expected));
  });

  it('gives up on a frozen engine server after the timeout, then skips it for the next answers', async () => {
    const server = await spawnEngineServer(['--engines', 'tts']);
    servers.push(server);
    server.child.kill('SIGSTOP'); // alive and connected, but answering nothing
    const events: EngineFallbackEvent[] = [];
    const tts = remoteWithFallback(server.url, 800, events);

    const started = Date.now();
    let first: number | null = null;
    for await (const _ of tts.synthesize(SENTENCE)) first ??= Date.now() - started;
    expect(events.map((e) => e.cause)).toEqual(['timeout']);
    expect(first).toBeGreaterThanOrEqual(800);
    expect(first).toBeLessThan(800 + 2000);

    const again = Date.now();
    first = null;
    for await (const _ of tts.synthesize(SENTENCE)) first ??= Date.now() - again;
    expect(events.map((e) => e.cause)).toEqual(['timeout', 'circuit-open']);
    expect(first).toBeLessThan(800);
  });
});
