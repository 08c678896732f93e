import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SileroModel } from '../src/audio/vad.js';
import { createPooledAsr, createPooledVad, type PooledAsr, type PooledSileroModel } from '../src/engines/pool/index.js';
import type { EngineFallbackEvent } from '../src/engines/errors.js';
import { ASR_MODEL_DIR, fixtureSpeech } from './helpers/pool_audio.js';

/**
 * A worker that dies or does not answer in time costs the call nothing but time: the reading is
 * done on the main thread with the same model (same words), the stream's onFallback records why,
 * and the pool replaces the worker so later utterances go back to it.
 */
const settings = { workers: 1, vadWorker: true, timeoutMs: 60_000, vadTimeoutMs: 60_000 };

async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a recognition worker killed mid-utterance', () => {
  let pooled: PooledAsr;
  let speech: Int16Array[];
  const lost: string[] = [];

  beforeAll(async () => {
    pooled = await createPooledAsr({ modelDir: ASR_MODEL_DIR }, settings, { logger: { warn: (o) => lost.push(JSON.stringify(o)) } });
    speech = await fixtureSpeech(pooled.sampleRate);
  }, 120_000);
  afterAll(async () => {
    await pooled?.close();
  });

  it('still yields the transcript (done on the main thread, fallback recorded as unavailable), and the worker comes back', async () => {
    const expected = await pooled.local.recognise(speech[0], undefined, true);
    const events: EngineFallbackEvent[] = [];
    const stream = pooled.createStream({ onFallback: (e) => events.push(e) });
    for (let at = 0; at < speech[0].length; at += 320) stream.push(speech[0].subarray(at, at + 320));
    const final = stream.finalize();
    // The final reading is with the worker now (the queue hands it over at once): end the worker under it.
    pooled.lane.killWorker(0);
    const result = await final;
    expect(result.text).toBe(expected!.text);
    expect(result.alternatives).toEqual(expected!.alternatives);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ engine: 'asr', cause: 'unavailable', to: `${pooled.name} (main thread)` });
    expect(events[0].message).toMatch(/asr worker 0 exited/);
    expect(lost.some((l) => l.includes('exited'))).toBe(true);

    await until(() => pooled.lane.live === 1);
    const after: EngineFallbackEvent[] = [];
    const again = pooled.createStream({ onFallback: (e) => after.push(e) });
    again.push(speech[0]);
    expect((await again.finalize()).text).toBe(expected!.text);
    expect(after).toEqual([]);
  }, 180_000);

  it('a reading the worker is late with is done on the main thread with the same result, recorded as a timeout', async () => {
    const late = await createPooledAsr({ modelDir: ASR_MODEL_DIR }, { ...settings, timeoutMs: 1 });
    try {
      const expected = await late.local.recognise(speech[2], ['اینترنت'], true);
      const events: EngineFallbackEvent[] = [];
      const stream = late.createStream({ hotwords: ['اینترنت'], onFallback: (e) => events.push(e) });
      stream.push(speech[2]);
      const result = await stream.finalize();
      expect(result.text).toBe(expected!.text);
      expect(result.confidence).toBe(expected!.confidence);
      expect(events.map((e) => e.cause)).toEqual(['timeout']);
    } finally {
      await late.close();
    }
  }, 180_000);
});

describe('the VAD worker killed while calls are scored', () => {
  let local: SileroModel;
  let pooled: PooledSileroModel;
  let fallbacks = 0;

  beforeAll(async () => {
    [local, pooled] = await Promise.all([SileroModel.load(), createPooledVad(settings, { onFallback: () => fallbacks++ })]);
  }, 120_000);
  afterAll(async () => {
    await pooled?.close();
  });

  it('goes on scoring every frame exactly as before, from the same state, and the worker comes back', async () => {
    const [pcm] = await fixtureSpeech(8000);
    const a = local.createDetector(8000);
    const b = pooled.createDetector(8000);
    const killAt = 40;
    for (let at = 0, n = 0; at + a.frameSize <= pcm.length; at += a.frameSize, n++) {
      const frame = Float32Array.from(pcm.subarray(at, at + a.frameSize), (v) => v / 32768);
      const scored = b.process(frame);
      if (n === killAt) pooled.lane.killWorker(0);
      expect(await scored).toBe(await a.process(frame));
    }
    expect(fallbacks).toBeGreaterThan(0);
    await until(() => pooled.lane.live === 1);
    const before = fallbacks;
    await b.process(new Float32Array(b.frameSize));
    expect(fallbacks).toBe(before);
  }, 120_000);
});
