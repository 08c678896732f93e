import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxAsr, OnnxCtcAsr } from '../src/engines/asr/index.js';
import type { AsrEngine } from '../src/engines/asr/types.js';

// fixtures/asr/tiny-wav2vec2 is made by models/asr-fa/recipe/make_tiny_wav2vec2.py: the interface of a
// wav2vec2-CTC export (16 kHz float waveform in, logits out every 320 samples, vocab.json with <pad>
// blank and '|' word delimiter), random weights plus an energy detector: loud → «س», medium → '|',
// quiet → <pad>. So what it must print is known in advance.
const RATE = 16000;

function segment(seconds: number, amplitude: number): Int16Array {
  const out = new Int16Array(Math.round(seconds * RATE));
  // A square wave has a mean square equal to its amplitude squared: a clean energy step.
  for (let i = 0; i < out.length; i++) out[i] = Math.round((Math.floor(i / 20) % 2 ? 1 : -1) * amplitude * 32767);
  return out;
}

function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('a waveform-input (wav2vec2-style) CTC model', () => {
  let engine: AsrEngine;
  beforeAll(async () => {
    engine = await createOnnxAsr({ modelDir: 'fixtures/asr/tiny-wav2vec2', beamWidth: 4 });
  });
  afterAll(() => engine.close());

  it('reports the 16 kHz rate its manifest declares', () => {
    expect(engine.sampleRate).toBe(RATE);
    expect(engine.name).toBe('onnx:tiny-wav2vec2-shape-test');
  });

  it('emits one frame per 320 samples after the 400-sample receptive field', async () => {
    const n = RATE;
    const lp = await (engine as OnnxCtcAsr).logProbs(new Float32Array(n), n);
    expect(lp.frames).toBe(Math.floor((n - 400) / 320) + 1);
    expect(lp.classes).toBe(Object.keys(JSON.parse(readFileSync('fixtures/asr/tiny-wav2vec2/vocab.json', 'utf8'))).length);
  });

  it('decodes loud, medium, loud as two words split by the | delimiter', async () => {
    const stream = engine.createStream();
    stream.push(concat(segment(0.3, 0), segment(0.3, 0.99), segment(0.3, 0.5), segment(0.3, 0.99), segment(0.3, 0)));
    const final = await stream.finalize();
    expect(final.text).toBe('س س');
    expect(final.audioSeconds).toBeCloseTo(1.5, 5);
  });

  it('hears nothing in silence', async () => {
    const stream = engine.createStream();
    stream.push(segment(1, 0));
    expect((await stream.finalize()).text).toBe('');
  });
});
