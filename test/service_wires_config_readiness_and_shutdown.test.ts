import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import type { Engines } from '../src/engines/factory.js';
import type { AnswerCacheOptions } from '../src/engines/tts/cache.js';
import { startService, type RunningService } from '../src/service.js';

// The composition root is what these faults lived in, so the real service is started; the engine
// factory and the answer cache are the real ones, watched through pass-through spies.
const seen = vi.hoisted(() => ({
  engines: [] as Engines[],
  ttsCloses: 0,
  cacheOptions: [] as AnswerCacheOptions[],
}));

vi.mock('../src/engines/factory.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/engines/factory.js')>();
  return {
    ...real,
    createEngines: async (...args: Parameters<typeof real.createEngines>) => {
      const engines = await real.createEngines(...args);
      const close = engines.tts.close.bind(engines.tts);
      engines.tts.close = async () => {
        seen.ttsCloses++;
        await close();
      };
      seen.engines.push(engines);
      return engines;
    },
  };
});

vi.mock('../src/engines/tts/cache.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/engines/tts/cache.js')>();
  return {
    ...real,
    createAnswerCache: (options: AnswerCacheOptions) => {
      seen.cacheOptions.push(options);
      return real.createAnswerCache(options);
    },
  };
});

const ADMIN = 'wiring-admin-key-0123456789';
const config = (overrides: Record<string, unknown> = {}) =>
  loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      dataDir: mkdtempSync(join(tmpdir(), 'pasokh-wiring-')),
      logLevel: 'silent',
      security: { adminKeys: [ADMIN], mediaTokens: ['wiring-media-token-0123456789'] },
      ...overrides,
    },
  );

let service: RunningService;
let stopped = false;

beforeAll(async () => {
  service = await startService(config({ tts: { cacheMemoryMb: 7 }, nlu: { maxChoices: 4 } }));
}, 120_000);

afterAll(async () => {
  if (!stopped) await service?.stop();
});

describe('the service wiring', () => {
  it('gives the answer cache tts.cacheMemoryMb', () => {
    expect(seen.cacheOptions.at(-1)?.memoryBytes).toBe(7 * 1024 * 1024);
  });

  it('lets the NLU return as many alternatives as nlu.maxChoices asks for', async () => {
    const res = await fetch(`${service.url}/api/nlu/parse`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'اینترنت' }), // close to four FAQs of the sample catalogue
    });
    const body = (await res.json()) as { alternatives: unknown[] };
    expect(body.alternatives).toHaveLength(4);
  });

  it('answers /readyz by asking each engine', async () => {
    const res = await fetch(`${service.url}/readyz`);
    const body = (await res.json()) as { status: string; checks: Record<string, boolean>; details: Record<string, string> };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.checks).toEqual({ database: true, asr: true, tts: true, nlu: true, vad: true });
    expect(body.details.asr).toMatch(/recognises/);
    expect(body.details.tts).toMatch(/eSpeak NG worker answers/);
    expect(body.details.nlu).toMatch(/knowledge-base version \d+ \(\d+ FAQs enabled/);
    expect(body.details.vad).toMatch(/Silero VAD answers/);
  });

  it('reports not ready, naming the engine, when the recogniser cannot recognise', async () => {
    await seen.engines.at(-1)!.asr.close();
    const res = await fetch(`${service.url}/readyz`);
    const body = (await res.json()) as { status: string; checks: Record<string, boolean>; details: Record<string, string> };
    expect(res.status).toBe(503);
    expect(body.status).toBe('not-ready');
    expect(body.checks.asr).toBe(false);
    expect(body.checks.tts).toBe(true);
    expect(body.details.asr).toMatch(/closed/);
  });

  it('closes the TTS engine once on shutdown', async () => {
    const before = seen.ttsCloses;
    await service.stop();
    stopped = true;
    expect(seen.ttsCloses - before).toBe(1);
  });
});

describe('a recogniser whose model folder is missing', () => {
  it('refuses to start the service, naming the folder', async () => {
    await expect(startService(config({ asr: { modelDir: '/nonexistent/pasokh-asr-model' } }))).rejects.toThrow(
      /ASR model folder \/nonexistent\/pasokh-asr-model does not exist/,
    );
  });
});

describe('a remote engine behind the local one', () => {
  it('keeps the instance ready when the engine server is down, and says so', async () => {
    const { createEngines } = await import('../src/engines/factory.js');
    // A port nothing listens on.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const url = `127.0.0.1:${port}`;
    const engines = await createEngines(config({ asr: { backend: 'grpc', grpcUrl: url, timeoutMs: 500 }, tts: { backend: 'grpc', grpcUrl: url, timeoutMs: 500 } }));
    try {
      const [asr, tts] = await Promise.all([engines.asr.readiness!(), engines.tts.readiness!()]);
      for (const r of [asr, tts]) {
        expect(r.ready).toBe(true);
        expect(r.detail).toMatch(/^remote: NOT ready .*; local: ready/);
      }
    } finally {
      await engines.close();
    }
  });
});
