import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SileroModel } from '../src/audio/vad.js';
import { createOnnxAsr, type OnnxCtcAsr } from '../src/engines/asr/onnx.js';
import { createPooledAsr, createPooledVad, type PooledAsr, type PooledSileroModel } from '../src/engines/pool/index.js';
import { HOTWORD_SLOTS } from '../src/engines/pool/protocol.js';
import type { EngineFallbackEvent } from '../src/engines/errors.js';
import { ASR_MODEL_DIR, fixtureSpeech, recogniseAsACall } from './helpers/pool_audio.js';

/**
 * The worker pool (src/engines/pool) moves recognition and voice activity off the event loop;
 * callers must not be able to tell: same transcripts, readings, alternatives and confidences as
 * the in-process engine, same speech probabilities frame by frame.
 */
const settings = { workers: 2, vadWorker: true, timeoutMs: 60_000, vadTimeoutMs: 60_000 } as const;

describe('recognition through the worker pool', () => {
  let local: OnnxCtcAsr;
  let pooled: PooledAsr;
  let speech: Int16Array[];
  const fallbacks: EngineFallbackEvent[] = [];

  beforeAll(async () => {
    [local, pooled] = await Promise.all([
      createOnnxAsr({ modelDir: ASR_MODEL_DIR }) as Promise<OnnxCtcAsr>,
      createPooledAsr({ modelDir: ASR_MODEL_DIR }, settings, { onFallback: (e) => fallbacks.push(e) }),
    ]);
    speech = await fixtureSpeech(local.sampleRate);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([pooled?.close(), local?.close()]);
  });

  it('gives the same reading in the pause, transcript, alternatives and confidence as the main thread, with and without hotwords', async () => {
    const hotwords = ['اینترنت', 'قطع', 'اپراتور', 'سرعت', 'قبض'];
    for (const pcm of speech) {
      for (const options of [{}, { hotwords }]) {
        let partials = 0;
        const [viaPool, inProcess] = await Promise.all([
          recogniseAsACall(pooled, pcm, { ...options, onPartial: () => partials++ }),
          recogniseAsACall(local, pcm, options),
        ]);
        expect(inProcess.final.text.length).toBeGreaterThan(5);
        expect(viaPool.heard).toBe(inProcess.heard);
        expect(viaPool.final).toEqual(inProcess.final);
        // Partials come from the workers too while the caller speaks (6 s of speech, one per 300 ms at most).
        expect(partials).toBeGreaterThan(0);
      }
    }
    expect(fallbacks).toEqual([]);
  }, 180_000);

  it('keeps each worker supplied with hotword lists as they come and go (more lists than a worker keeps)', async () => {
    // A short clip and one list per «knowledge-base version»: each worker evicts the oldest list,
    // the pool must resend an evicted one instead of naming it.
    const clip = speech[1].subarray(0, local.sampleRate);
    const lists = Array.from({ length: HOTWORD_SLOTS + 4 }, (_, i) => ['اینترنت', `واژه${i}`]);
    const order = [...lists, lists[0], lists[1]];
    for (const words of order) {
      const [a, b] = await Promise.all([pooled.local.recognise(clip, words, true), readFinal(pooled, clip, words)]);
      expect(b.text).toBe(a?.text ?? '');
    }
    expect(fallbacks).toEqual([]);
  }, 180_000);

  it('keeps a few readings at each worker when many callers pause at once, and each caller gets its own', async () => {
    // Twelve callers pause together: with 2 workers holding 3 each, 6 readings are at the workers
    // and 6 wait in the pool's queue (the first to be asked is the first answered).
    const clips = Array.from({ length: 12 }, (_, i) => speech[i % speech.length].subarray(0, local.sampleRate * (1 + (i % 3))));
    const streams = clips.map((pcm) => {
      const stream = pooled.createStream({});
      stream.push(pcm);
      return stream;
    });
    const finals = streams.map((stream) => stream.finalize());
    expect(pooled.lane.queued).toBe(12 - settings.workers * 3);
    const expected = await Promise.all(clips.map((pcm) => pooled.local.recognise(pcm, undefined, true)));
    expect((await Promise.all(finals)).map((f) => f.text)).toEqual(expected.map((r) => r?.text ?? ''));
    expect(fallbacks).toEqual([]);
  }, 120_000);
});

async function readFinal(engine: PooledAsr, pcm: Int16Array, hotwords: string[]) {
  const stream = engine.createStream({ hotwords });
  stream.push(pcm);
  return stream.finalize();
}

describe('voice activity through the VAD worker', () => {
  let local: SileroModel;
  let pooled: PooledSileroModel;

  beforeAll(async () => {
    [local, pooled] = await Promise.all([SileroModel.load(), createPooledVad(settings)]);
  }, 120_000);
  afterAll(async () => {
    await pooled?.close();
  });

  it('scores every frame of several calls at once exactly as the main thread, state carried frame to frame', async () => {
    const calls = await fixtureSpeech(8000);
    const results = await Promise.all(
      calls.map(async (pcm) => {
        const a = local.createDetector(8000);
        const b = pooled.createDetector(8000);
        const pa: number[] = [];
        const pb: number[] = [];
        for (let at = 0; at + a.frameSize <= pcm.length; at += a.frameSize) {
          const frame = Float32Array.from(pcm.subarray(at, at + a.frameSize), (v) => v / 32768);
          const [x, y] = await Promise.all([a.process(frame), b.process(frame)]);
          pa.push(x);
          pb.push(y);
        }
        return { pa, pb };
      }),
    );
    for (const { pa, pb } of results) {
      expect(pa.length).toBeGreaterThan(50);
      expect(pb).toEqual(pa);
      // Speech is in there: the comparison is not of silence only.
      expect(Math.max(...pa)).toBeGreaterThan(0.9);
    }
  }, 120_000);

  it('scores a call\'s frames that queued up, sent together, exactly as one by one', async () => {
    const [pcm] = await fixtureSpeech(8000);
    const a = local.createDetector(8000);
    const b = pooled.createDetector(8000);
    const frames: Float32Array[] = [];
    for (let at = 0; at + a.frameSize <= pcm.length; at += a.frameSize) frames.push(Float32Array.from(pcm.subarray(at, at + a.frameSize), (v) => v / 32768));
    const oneByOne: number[] = [];
    for (const f of frames) oneByOne.push(await a.process(f));
    const together: number[] = [];
    // Uneven groups, as a call's backlog would be: 1, 2, 3, … frames per request.
    for (let at = 0, n = 1; at < frames.length; at += n, n = (n % 7) + 1) together.push(...(await b.processMany!(frames.slice(at, at + n))));
    expect(together).toEqual(oneByOne);
  }, 120_000);
});
