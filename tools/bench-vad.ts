/**
 * Silero VAD: one run of the model per frame against one run for the frames of many calls
 * (src/audio/silero-batch.ts), measured in the same run, and whether the probabilities agree.
 *
 *   npm run bench:vad -- [--calls 60] [--rounds 50]
 *
 * Each call is a different stretch of the recorded questions in fixtures/audio, scored from its
 * own recurrent state. Ends with one JSON line of the figures.
 */
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { SileroBatcher } from '../src/audio/silero-batch.js';
import { SileroModel, sileroFrame, sileroRateTensor } from '../src/audio/vad.js';
import { readWav } from '../src/audio/wav.js';
import { runMain } from './lib/main.js';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '60' }, rounds: { type: 'string', default: '50' } } });

async function main() {
  const calls = Number(values.calls);
  const rounds = Number(values.rounds);
  const model = await SileroModel.load();
  const sr = sileroRateTensor(8000);
  const { frameSize, contextSize } = sileroFrame(8000);
  const width = frameSize + contextSize;
  const audio = await Promise.all(['outage', 'slow', 'operator'].map(async (n) => (await readWav(`fixtures/audio/${n}.wav`)).pcm));
  // One model input per call: a 32 ms frame with the tail of the one before, from a different place of a recording.
  const inputs = Array.from({ length: calls }, (_, c) => {
    const pcm = audio[c % audio.length];
    const at = (c * 397) % (pcm.length - width);
    return Float32Array.from(pcm.subarray(at, at + width), (x) => x / 32768);
  });
  const states = Array.from({ length: calls }, () => new Float32Array(256));
  const single = async () => {
    const out: number[] = [];
    for (let c = 0; c < calls; c++) {
      const r = await model.session.run({ input: new ort.Tensor('float32', inputs[c], [1, width]), state: new ort.Tensor('float32', states[c], [2, 1, 128]), sr });
      out.push((r.output.data as Float32Array)[0]);
    }
    return out;
  };
  // The cost of the model run itself: the service's batcher also waits up to 8 ms between batches
  // of several calls (to gather more frames), which back-to-back rounds here would time as well.
  const batcher = new SileroBatcher(model.session, { minIntervalMs: 0 });
  const batched = () => Promise.all(inputs.map((input, c) => batcher.step(input, states[c], sr).then((r) => r.probability)));
  await single();
  await batched();
  const time = async (f: () => Promise<number[]>) => {
    const t0 = performance.now();
    let last: number[] = [];
    for (let r = 0; r < rounds; r++) last = await f();
    return { ms: (performance.now() - t0) / rounds, last };
  };
  const before = { ...batcher.counts };
  // Alternating halves, so that a change in the machine's load falls on both.
  const a1 = await time(single);
  const b1 = await time(batched);
  const a2 = await time(single);
  const b2 = await time(batched);
  const singleMs = (a1.ms + a2.ms) / 2;
  const batchMs = (b1.ms + b2.ms) / 2;
  const maxDifference = Math.max(...a2.last.map((p, i) => Math.abs(p - b2.last[i])));
  const runs = batcher.counts.runs - before.runs;
  const figures = {
    bench: 'vad',
    calls,
    rounds,
    singleRunsMs: Number(singleMs.toFixed(3)),
    batchedMs: Number(batchMs.toFixed(3)),
    ratio: Number((batchMs / singleMs).toFixed(3)),
    modelRunsPerBatchedRound: Number((runs / (2 * rounds)).toFixed(2)),
    maxProbabilityDifference: maxDifference,
  };
  console.log(`${calls} frames: ${figures.singleRunsMs} ms as single runs, ${figures.batchedMs} ms batched (×${figures.ratio}); max difference ${maxDifference}`);
  console.log(JSON.stringify(figures));
}

runMain(main);
