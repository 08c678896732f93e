import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeFeatures, FeatureSpecSchema, LogMelExtractor, melFilterbank, numFrames } from '../src/engines/asr/features.js';

// Written by models/asr-fa/recipe/golden.py from the PyTorch feature code the model was trained with.
const golden = JSON.parse(readFileSync('fixtures/asr/golden_features.json', 'utf8')) as {
  spec: unknown;
  samples: number[];
  logmel: number[][];
  features: number[][];
};
const spec = FeatureSpecSchema.parse(golden.spec);
const pcm = Int16Array.from(golden.samples);

describe('log-mel features computed in TypeScript', () => {
  it('produce the frame count of the recipe (no padding, 25 ms window, 10 ms hop)', () => {
    expect(numFrames(spec, pcm.length)).toBe(golden.logmel[0].length);
    expect(numFrames(spec, spec.winLength - 1)).toBe(0);
    expect(numFrames(spec, spec.winLength)).toBe(1);
  });

  it('match the raw log-mel energies of the recipe to 1e-3', () => {
    const ex = new LogMelExtractor(spec);
    ex.push(pcm);
    const raw = (ex as unknown as { frames: Float32Array[] }).frames;
    let worst = 0;
    for (let m = 0; m < spec.nMels; m++) {
      for (let t = 0; t < raw.length; t++) worst = Math.max(worst, Math.abs(raw[t][m] - golden.logmel[m][t]));
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('match the normalised features the model sees to 1e-3', () => {
    const { data, frames } = computeFeatures(pcm, spec);
    let worst = 0;
    for (let m = 0; m < spec.nMels; m++) {
      for (let t = 0; t < frames; t++) worst = Math.max(worst, Math.abs(data[m * frames + t] - golden.features[m][t]));
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('are the same whether audio arrives in one piece or in 20 ms chunks', () => {
    const chunked = new LogMelExtractor(spec);
    for (let i = 0; i < pcm.length; i += 160) chunked.push(pcm.subarray(i, i + 160));
    expect(Array.from(chunked.features().data)).toEqual(Array.from(computeFeatures(pcm, spec).data));
  });

  it('give every mel filter at least one non-zero weight', () => {
    for (const row of melFilterbank(spec)) expect(Math.max(...row)).toBeGreaterThan(0);
  });
});
