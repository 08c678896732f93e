import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { SileroBatcher } from '../src/audio/silero-batch.js';
import { SileroModel, sileroFrame, sileroRateTensor } from '../src/audio/vad.js';
import { readWav } from '../src/audio/wav.js';

/**
 * Every call's VAD scores a 32 ms frame through the Silero model; with 60 calls that is about
 * 1,900 runs a second on the thread that paces the audio. Frames that are waiting at the same
 * moment go through the model as one batch. A caller must not notice: each call's probabilities
 * are exactly those of its own frames scored alone.
 */
describe('voice activity of many calls at once', () => {
  let model: SileroModel;
  const calls: Float32Array[] = [];
  beforeAll(async () => {
    model = await SileroModel.load();
    for (const name of ['outage', 'slow', 'operator']) {
      const { pcm } = await readWav(`fixtures/audio/${name}.wav`);
      // Twelve callers: each recording from three offsets, and a quiet line.
      for (const offset of [0, 1000, 2500]) calls.push(Float32Array.from(pcm.subarray(offset), (x) => x / 32768));
    }
    for (let i = 0; i < 3; i++) calls.push(new Float32Array(16000).map((_, j) => 0.001 * Math.sin(j * (0.3 + i))));
  });

  /** The model run on one frame at a time, as before batching: the reference. */
  async function alone(audio: Float32Array, frames: number): Promise<number[]> {
    const { frameSize, contextSize } = sileroFrame(8000);
    const sr = sileroRateTensor(8000);
    let state = new Float32Array(256);
    let context = new Float32Array(contextSize);
    const out: number[] = [];
    for (let f = 0; f < frames; f++) {
      const input = new Float32Array(contextSize + frameSize);
      input.set(context);
      input.set(audio.subarray(f * frameSize, (f + 1) * frameSize), contextSize);
      context = input.slice(input.length - contextSize);
      const r = await model.session.run({ input: new ort.Tensor('float32', input, [1, input.length]), state: new ort.Tensor('float32', state, [2, 1, 128]), sr });
      out.push((r.output.data as Float32Array)[0]);
      state = new Float32Array(r.stateN.data as Float32Array);
    }
    return out;
  }

  it('gives each call the probabilities of its own frames scored alone, in fewer runs of the model', async () => {
    const frames = 40;
    const { frameSize } = sileroFrame(8000);
    const detectors = calls.map(() => model.createDetector(8000));
    const before = { ...model.batch.counts };
    const heard: number[][] = calls.map(() => []);
    // As in a call: each detector scores its frames one after another, all calls at the same time.
    await Promise.all(
      detectors.map(async (d, c) => {
        for (let f = 0; f < frames; f++) heard[c].push(await d.process(calls[c].slice(f * frameSize, (f + 1) * frameSize)));
      }),
    );
    for (const [c, audio] of calls.entries()) expect(heard[c], `call ${c}`).toEqual(await alone(audio, frames));
    // Speech was found where there is speech, so the comparison is not between two sets of zeros.
    expect(Math.max(...heard[0])).toBeGreaterThan(0.5);
    const runs = model.batch.counts.runs - before.runs;
    expect(model.batch.counts.frames - before.frames).toBe(calls.length * frames);
    expect(runs).toBeLessThanOrEqual(frames * 2);
  });

  it("scores the frames a call had queued up in consecutive runs beside the other calls' frames, exactly as one by one", async () => {
    const { frameSize } = sileroFrame(8000);
    // After a stall each call hands over what queued up meanwhile: 1 to 12 frames.
    const queued = calls.map((_, c) => 1 + c);
    const detectors = calls.map(() => model.createDetector(8000));
    const before = { ...model.batch.counts };
    const heard = await Promise.all(
      detectors.map((d, c) => d.processMany!(Array.from({ length: queued[c] }, (_, f) => calls[c].slice(f * frameSize, (f + 1) * frameSize)))),
    );
    for (const [c, audio] of calls.entries()) expect(heard[c], `call ${c}`).toEqual(await alone(audio, queued[c]));
    // One run per frame of the call that had the most, not one per frame of every call.
    expect(model.batch.counts.runs - before.runs).toBe(Math.max(...queued));
    expect(model.batch.counts.frames - before.frames).toBe(queued.reduce((a, b) => a + b, 0));
  });

  it("waits up to the interval after a batch for other calls' frames instead of running each as it comes", async () => {
    const batcher = new SileroBatcher(model.session, { minIntervalMs: 1000 });
    const sr = sileroRateTensor(8000);
    const frame = () => new Float32Array(288).map(() => Math.random() * 0.1);
    // Two calls are on the line.
    await Promise.all([batcher.step(frame(), new Float32Array(256), sr), batcher.step(frame(), new Float32Array(256), sr)]);
    expect(batcher.counts.runs).toBe(1);
    const first = batcher.step(frame(), new Float32Array(256), sr);
    await new Promise((r) => setImmediate(r));
    const second = batcher.step(frame(), new Float32Array(256), sr);
    await Promise.all([first, second]);
    expect(batcher.counts).toEqual({ frames: 4, runs: 2 });
  });

  it('never holds back the frames of a call that is alone, however fast they come', async () => {
    const batcher = new SileroBatcher(model.session, { minIntervalMs: 1000 });
    const sr = sileroRateTensor(8000);
    const detectorState = new Float32Array(256);
    const started = performance.now();
    for (let f = 0; f < 5; f++) await batcher.step(new Float32Array(288), detectorState, sr);
    // Five intervals would be 5 s.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(batcher.counts).toEqual({ frames: 5, runs: 5 });
  });

  it('answers a frame alone at once when no other call is waiting', async () => {
    const d = model.createDetector(8000);
    const before = model.batch.counts.runs;
    const p = await d.process(calls[0].slice(0, sileroFrame(8000).frameSize));
    expect(p).toBeGreaterThanOrEqual(0);
    expect(model.batch.counts.runs - before).toBe(1);
  });

  it('fails only the frames of a run the model refused, and keeps scoring the others', async () => {
    const sr = sileroRateTensor(8000);
    const good = new Float32Array(288);
    const [bad, ok] = await Promise.allSettled([model.batch.step(new Float32Array(7), new Float32Array(256), sr), model.batch.step(good, new Float32Array(256), sr)]);
    expect(bad.status).toBe('rejected');
    expect(ok.status).toBe('fulfilled');
  });
});
