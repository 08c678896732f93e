import { afterEach, describe, expect, it } from 'vitest';
import { sineWave } from '../src/audio/pcm.js';
import { loadConfig } from '../src/config/load.js';
import { createAsrEngine } from '../src/engines/factory.js';
import { withAsrFallback } from '../src/engines/asr/fallback.js';
import { createVoskAsr } from '../src/engines/asr/vosk.js';
import { fixedLocalAsr, recognise, startVoskStandin } from './helpers/asr_standins.js';

const twoSeconds = sineWave(300, 8000, 16000, 0.3);

describe('the Vosk backend against a server speaking the Vosk WebSocket protocol', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('sends the config, the audio as binary 16-bit PCM and {"eof" : 1}, and returns the final text', async () => {
    const vosk = await startVoskStandin({ segments: ['اینترنتم قطع شده'] });
    closers.push(vosk.close);
    const engine = createVoskAsr({ url: vosk.url, sampleRate: 8000, timeoutMs: 2000 });
    const partials: string[] = [];
    // As in a call: the caller's audio arrives while the server is already listening.
    const stream = engine.createStream({ onPartial: (p) => partials.push(p.text) });
    for (let i = 0; i < twoSeconds.length; i += 1600) {
      stream.push(twoSeconds.subarray(i, i + 1600));
      await new Promise((r) => setTimeout(r, 20));
    }
    const final = await stream.finalize();
    expect(final.text).toBe('اینترنتم قطع شده');
    expect(final.audioSeconds).toBeCloseTo(2, 5);
    expect(final.confidence).toBeCloseTo(0.8, 5);
    const [session] = vosk.sessions;
    expect(session.config).toEqual({ sample_rate: 8000 });
    expect(session.audioBytes).toBe(twoSeconds.length * 2);
    expect(session.eofText).toBe('{"eof" : 1}');
    expect(partials.length).toBeGreaterThan(0);
    expect(partials.every((p) => p === 'اینترنتم قطع شده')).toBe(true);
    await engine.close();
  });

  it('joins the segments Vosk finalises on its own in the middle of a long utterance', async () => {
    const vosk = await startVoskStandin({ segments: ['سلام', 'اینترنتم قطع شده', 'چیکار کنم'], segmentBytes: 8000 });
    closers.push(vosk.close);
    const engine = createVoskAsr({ url: vosk.url, sampleRate: 8000, timeoutMs: 2000 });
    expect((await recognise(engine, twoSeconds)).text).toBe('سلام اینترنتم قطع شده چیکار کنم');
    await engine.close();
  });

  it('is ready while the server accepts connections', async () => {
    const vosk = await startVoskStandin({ segments: ['x'] });
    const engine = createVoskAsr({ url: vosk.url, sampleRate: 8000, timeoutMs: 1000 });
    expect(await engine.readiness!()).toMatchObject({ ready: true });
    await vosk.close();
    const gone = createVoskAsr({ url: vosk.url, sampleRate: 8000, timeoutMs: 1000 });
    expect(await gone.readiness!()).toMatchObject({ ready: false });
  });

  it('falls back to the local model, with the whole utterance, when the server is slow, gone, or drops the connection', async () => {
    const slow = await startVoskStandin({ segments: ['دیر'], delayFinalMs: 3000 });
    const dropping = await startVoskStandin({ segments: ['قطع'], dropAfterBytes: 8000 });
    closers.push(slow.close, dropping.close);
    for (const url of [slow.url, dropping.url, 'ws://127.0.0.1:9']) {
      const local = fixedLocalAsr('محلی');
      const events: string[] = [];
      const engine = withAsrFallback(createVoskAsr({ url, sampleRate: 8000, timeoutMs: 500 }), local, { timeoutMs: 500, onFallback: (e) => events.push(e.cause) });
      const final = await recognise(engine, twoSeconds);
      expect(final.text, url).toBe('محلی');
      expect(local.heardSamples).toEqual([twoSeconds.length]);
      expect(events).toHaveLength(1);
      await engine.close();
    }
  });

  it('is chosen by one line of config, with the local model behind it', async () => {
    const vosk = await startVoskStandin({ segments: ['ساعت کاری'] });
    closers.push(vosk.close);
    const config = loadConfig({}, { asr: { backend: 'vosk', voskUrl: vosk.url } });
    const engine = await createAsrEngine(config);
    expect(engine.name).toMatch(/^vosk\(127\.0\.0\.1:\d+\)\|/);
    expect((await recognise(engine, twoSeconds)).text).toBe('ساعت کاری');
    await engine.close();
    expect(() => loadConfig({}, { asr: { backend: 'vosk' } })).not.toThrow();
    await expect(createAsrEngine(loadConfig({}, { asr: { backend: 'vosk' } }))).rejects.toThrow(/asr\.voskUrl/);
  });
});
