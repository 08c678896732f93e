import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/schema.js';
import { closeSharedEspeakHost, createCachedTtsFromConfig, createTtsEngine } from '../src/engines/tts/index.js';
import { freshPglite } from './helpers/databases.js';

describe('TTS engine from config', () => {
  afterAll(() => closeSharedEspeakHost());

  it('defaults to the eSpeak Persian voice with rate and pitch from config', async () => {
    const tts = await createTtsEngine(configSchema.parse({ tts: { rate: 180, pitch: 40 } }).tts, { outputRate: 8000 });
    expect(tts.name).toBe('espeak');
    expect(tts.voice).toBe('espeak:fa@180/40');
    expect(tts.outputRate).toBe(8000);
  });

  it('loads a Piper voice for the onnx backend and applies the lexicon', async () => {
    const config = configSchema.parse({ tts: { backend: 'onnx', voice: 'fixtures/tts/tiny-piper-fa.onnx.json', lexicon: { Netasa: 'نِت آسا' } } });
    const tts = await createTtsEngine(config.tts);
    expect(tts.name).toBe('onnx');
    expect(tts.spokenForm!('سایت Netasa')).toBe('سایت نِت آسا');
    await tts.close();
  });

  it('refuses the grpc backend without a URL', async () => {
    await expect(createTtsEngine(configSchema.parse({ tts: { backend: 'grpc' } }).tts)).rejects.toThrow(/grpcUrl/);
  });

  it('builds the cached call-path engine at the telephony rate', async () => {
    const db = await freshPglite();
    const cache = await createCachedTtsFromConfig(configSchema.parse({}), { database: db.database });
    const chunks = [];
    for await (const c of cache.synthesize('سلام.')) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.every((c) => c.sampleRate === 8000)).toBe(true);
    await cache.close();
    await db.drop();
  });
});
