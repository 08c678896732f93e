import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createEngines } from '../src/engines/factory.js';
import type { EngineFallbackEvent } from '../src/engines/errors.js';
import { readWav } from '../src/audio/wav.js';
import { resample } from '../src/audio/resample.js';
import { spawnEngineServer } from './helpers/grpc_engine_server.js';

const MODEL_DIR = 'models/asr-fa';
const FIXTURE = 'fixtures/audio/operator.wav';

const config = (asr: Record<string, unknown>, tts: Record<string, unknown>) =>
  loadConfig({}, { asr: { modelDir: MODEL_DIR, ...asr }, tts });

async function fixtureAt(rate: number): Promise<Int16Array> {
  const wav = await readWav(FIXTURE);
  return resample(wav.pcm, wav.sampleRate, rate);
}

describe('createEngines: config chooses the backends', () => {
  it('runs the local model and voice for backends onnx and espeak', async () => {
    const engines = await createEngines(config({ backend: 'onnx' }, { backend: 'espeak' }));
    try {
      expect(engines.asr.name).toMatch(/^onnx:/);
      expect(engines.tts.name).toBe('espeak');
    } finally {
      await engines.close();
    }
  });

  it('refuses backend grpc without an address, saying which setting is missing', async () => {
    await expect(createEngines(config({ backend: 'grpc' }, { backend: 'espeak' }))).rejects.toThrow(/asr\.grpcUrl is not set.*PASOKH_ASR_GRPC_URL/);
  });

  it('uses a running engine server for backend grpc, with nothing to report', async () => {
    const server = await spawnEngineServer(['--asr-model', MODEL_DIR]);
    const events: EngineFallbackEvent[] = [];
    const engines = await createEngines(
      config({ backend: 'grpc', grpcUrl: server.url }, { backend: 'grpc', grpcUrl: server.url }),
      { onFallback: (e) => events.push(e) },
    );
    try {
      const stream = engines.asr.createStream();
      stream.push(await fixtureAt(engines.asr.sampleRate));
      expect((await stream.finalize()).audioSeconds).toBeGreaterThan(3);
      let samples = 0;
      for await (const c of engines.tts.synthesize('سلام، خوش آمدید.')) samples += c.pcm.length;
      expect(samples).toBeGreaterThan(0);
      expect(events).toEqual([]);
      await server.waitForLog((l) => l.msg === 'asr utterance recognised');
      await server.waitForLog((l) => l.msg === 'tts text synthesised');
    } finally {
      await engines.close();
      await server.kill();
    }
  });

  it('keeps answering on the local engines when the configured engine server is down, and reports each switch', async () => {
    const events: EngineFallbackEvent[] = [];
    const engines = await createEngines(
      config({ backend: 'grpc', grpcUrl: '127.0.0.1:1' }, { backend: 'grpc', grpcUrl: '127.0.0.1:1' }),
      { onFallback: (e) => events.push(e) },
    );
    try {
      const stream = engines.asr.createStream();
      stream.push(await fixtureAt(engines.asr.sampleRate));
      const final = await stream.finalize();
      expect(final.audioSeconds).toBeGreaterThan(3);
      let samples = 0;
      for await (const c of engines.tts.synthesize('سلام، خوش آمدید.')) samples += c.pcm.length;
      expect(samples).toBeGreaterThan(0);
      expect(events.map((e) => [e.engine, e.cause])).toEqual([
        ['asr', 'unavailable'],
        ['tts', 'unavailable'],
      ]);
    } finally {
      await engines.close();
    }
  });
});
