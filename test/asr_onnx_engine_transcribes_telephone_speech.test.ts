import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resample } from '../src/audio/resample.js';
import { readWav } from '../src/audio/wav.js';
import { AsrModelError, createOnnxAsr, normalizeForAsr, OnnxCtcAsr } from '../src/engines/asr/index.js';
import { distance } from 'fastest-levenshtein';

// The committed default model (models/asr-fa) on held-out synthetic telephone speech: sentences and
// an eSpeak NG voice variant (f4) it never saw in training, written by models/asr-fa/recipe/export.py.
const lines = readFileSync('fixtures/asr/heldout_synthetic.jsonl', 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { audio: string; text: string });

async function fixture(i: number) {
  return readWav(join('fixtures/asr', lines[i].audio));
}

function cer(pairs: Array<[string, string]>): number {
  let e = 0;
  let n = 0;
  for (const [h, r] of pairs) {
    e += distance(normalizeForAsr(h), normalizeForAsr(r));
    n += normalizeForAsr(r).length;
  }
  return e / n;
}

describe('the default ONNX CTC model', () => {
  let engine: OnnxCtcAsr;
  beforeAll(async () => {
    engine = (await createOnnxAsr({ modelDir: 'models/asr-fa' })) as OnnxCtcAsr;
  });
  afterAll(() => engine.close());

  it('wants 8 kHz telephone audio', () => {
    expect(engine.sampleRate).toBe(8000);
  });

  it('transcribes held-out telephone speech streamed in 20 ms packets with a low character error rate', async () => {
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < 10; i++) {
      const { pcm } = await fixture(i);
      const stream = engine.createStream();
      for (let o = 0; o < pcm.length; o += 160) stream.push(pcm.subarray(o, o + 160));
      const final = await stream.finalize();
      expect(final.audioSeconds).toBeCloseTo(pcm.length / 8000, 5);
      expect(final.confidence).toBeGreaterThan(0);
      pairs.push([final.text, lines[i].text]);
    }
    expect(cer(pairs)).toBeLessThan(0.2);
  });

  it('sends partial hypotheses while the caller is still speaking', async () => {
    const longest = lines.map((l, i) => i).sort((a, b) => lines[b].text.length - lines[a].text.length)[0];
    const { pcm } = await fixture(longest);
    const partials: string[] = [];
    const stream = engine.createStream({ onPartial: (p) => partials.push(p.text) });
    for (let o = 0; o < pcm.length; o += 160) {
      stream.push(pcm.subarray(o, o + 160));
      await new Promise((r) => setImmediate(r));
    }
    const final = await stream.finalize();
    expect(partials.length).toBeGreaterThanOrEqual(2);
    // The last partial has heard most of the utterance: it is close to the final text.
    expect(distance(partials.at(-1)!, final.text)).toBeLessThan(final.text.length / 2);
  });

  it('resamples audio recorded at another rate when asked to transcribe a chunk', async () => {
    const { pcm } = await fixture(0);
    const at8k = await engine.transcribe({ pcm, sampleRate: 8000 });
    const at16k = await engine.transcribe({ pcm: resample(pcm, 8000, 16000), sampleRate: 16000 });
    expect(cer([[at16k.text, at8k.text]])).toBeLessThan(0.1);
  });

  it('returns an empty transcript for no audio or for a few samples', async () => {
    const empty = engine.createStream();
    expect(await empty.finalize()).toEqual({ text: '', confidence: 0, audioSeconds: 0 });
    const tiny = engine.createStream();
    tiny.push(new Int16Array(50));
    expect((await tiny.finalize()).text).toBe('');
  });

  it('rejects audio that is not 16-bit PCM', () => {
    const stream = engine.createStream();
    expect(() => stream.push(new Float32Array(160) as unknown as Int16Array)).toThrow(TypeError);
    stream.cancel();
  });

  it('a cancelled utterance cannot be finalised, and cancel is idempotent', async () => {
    const stream = engine.createStream();
    stream.push((await fixture(0)).pcm);
    stream.cancel();
    stream.cancel();
    await expect(stream.finalize()).rejects.toThrow(/cancelled/);
  });
});

describe('loading a model folder', () => {
  it('fails clearly when the folder has no manifest', async () => {
    await expect(createOnnxAsr({ modelDir: 'fixtures/asr/does-not-exist' })).rejects.toThrow(AsrModelError);
  });

  it('fails clearly when the manifest is not a CTC manifest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ name: 'x', kind: 'rnnt', input: 'fbank', sampleRate: 8000 }));
    await expect(createOnnxAsr({ modelDir: dir })).rejects.toThrow(/not a valid ASR manifest/);
  });

  it('fails clearly when the feature rate disagrees with the model rate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asr-'));
    const manifest = JSON.parse(readFileSync('models/asr-fa/manifest.json', 'utf8'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, sampleRate: 16000 }));
    await expect(createOnnxAsr({ modelDir: dir })).rejects.toThrow(/sampleRate/);
  });
});
