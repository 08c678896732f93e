import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PcmChunk } from '../src/audio/types.js';
import { closeSharedEspeakHost, sharedEspeakHost } from '../src/engines/tts/espeak/host.js';
import { createOnnxTts, loadPiperVoice, phonemesToIds, piperPhonemes } from '../src/engines/tts/onnx/piper.js';
import type { TtsEngine } from '../src/engines/tts/types.js';

// A random-weight model with exactly Piper's I/O, made by tools/make-test-piper-voice.py.
const VOICE = 'fixtures/tts/tiny-piper-fa.onnx.json';

async function collect(engine: TtsEngine, text: string): Promise<PcmChunk[]> {
  const out: PcmChunk[] = [];
  for await (const c of engine.synthesize(text)) out.push(c);
  return out;
}
const samples = (chunks: PcmChunk[]) => chunks.reduce((n, c) => n + c.pcm.length, 0);

describe('onnx backend (Piper/VITS voices)', () => {
  let tts: TtsEngine;
  beforeAll(async () => {
    tts = await createOnnxTts({ voicePath: VOICE });
  });
  afterAll(async () => {
    await tts.close();
    await closeSharedEspeakHost();
  });

  it('turns eSpeak phonemes into Piper ids: bos, pad between symbols, eos', async () => {
    const host = await sharedEspeakHost();
    const piece = 'سلام، خوش آمدید؟';
    const phonemes = piperPhonemes(await host.phonemize(piece, 'fa'), piece);
    expect(phonemes).toBe('salˈɑm, xˈoʃ ɑmˈadid?');
    const { voice } = await loadPiperVoice(VOICE);
    const { ids, missing } = phonemesToIds(phonemes, voice);
    const map = voice.phoneme_id_map;
    expect(ids.slice(0, 4)).toEqual([map['^'][0], map['_'][0], map['s'][0], map['_'][0]]);
    expect(ids.at(-1)).toBe(map['$'][0]);
    expect(ids.length).toBe(2 + 2 * [...phonemes.normalize('NFD')].length + 1);
    expect(missing).toEqual([]);
    expect(phonemesToIds('s☃a', voice).missing).toEqual(['☃']);
  });

  it('runs the voice with ONNX Runtime and yields PCM at the voice rate, one piece per clause', async () => {
    const chunks = await collect(tts, 'سلام، به پاسخ خوش آمدید. کد پیگیری ۱۲۳ است.');
    expect(chunks.every((c) => c.sampleRate === 16000)).toBe(true);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    const peak = Math.max(...chunks.map((c) => c.pcm.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
    expect(peak).toBeGreaterThan(1000);
  });

  it('audio length follows the text and the length scale, as a VITS duration predictor does', async () => {
    const short = samples(await collect(tts, 'سلام.'));
    const long = samples(await collect(tts, 'سلام، به پاسخ خوش آمدید و روز خوبی داشته باشید.'));
    expect(long).toBeGreaterThan(short * 2);
    const slow = await createOnnxTts({ voicePath: VOICE, lengthScale: 2 });
    const slowLong = samples(await collect(slow, 'سلام، به پاسخ خوش آمدید و روز خوبی داشته باشید.'));
    expect(slowLong / long).toBeGreaterThan(1.6);
    expect(slow.voice).not.toBe(tts.voice);
    await slow.close();
  });

  it('resamples to the telephony rate when asked', async () => {
    const phone = await createOnnxTts({ voicePath: VOICE.replace(/\.json$/, ''), outputRate: 8000 });
    const at8k = samples(await collect(phone, 'لطفاً مودم را خاموش کنید.'));
    const at16k = samples(await collect(tts, 'لطفاً مودم را خاموش کنید.'));
    // Durations come from the ids alone (noise only colours the samples), so the lengths match.
    expect(Math.abs(at8k * 2 - at16k)).toBeLessThan(16);
    await phone.close();
  });

  it('refuses a voice config without the ids Piper needs, with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'piper-'));
    const config = JSON.parse(readFileSync(VOICE, 'utf8'));
    delete config.phoneme_id_map['^'];
    writeFileSync(join(dir, 'bad.onnx.json'), JSON.stringify(config));
    copyFileSync(VOICE.replace(/\.json$/, ''), join(dir, 'bad.onnx'));
    await expect(createOnnxTts({ voicePath: join(dir, 'bad.onnx.json') })).rejects.toThrow(/phoneme_id_map needs/);
    await expect(createOnnxTts({ voicePath: join(dir, 'missing.onnx.json') })).rejects.toThrow(/cannot be read/);
  });
});
