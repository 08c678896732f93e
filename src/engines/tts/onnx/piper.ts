import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { z } from 'zod';
import { float32ToInt16 } from '../../../audio/pcm.js';
import { Resampler } from '../../../audio/resample.js';
import type { PcmChunk } from '../../../audio/types.js';
import { sharedEspeakHost, type EspeakHost } from '../espeak/host.js';
import { splitForSpeech } from '../segment.js';
import { createSpokenForm } from '../spoken/index.js';
import type { SynthesisOptions, TtsEngine } from '../types.js';
import { cachedProbe } from '../../readiness.js';

/** The part of a Piper voice's `.onnx.json` this backend reads. */
export const piperVoiceSchema = z.object({
  audio: z.object({ sample_rate: z.number().int().min(4000).max(96000) }),
  espeak: z.object({ voice: z.string().min(1) }).default({ voice: 'fa' }),
  inference: z
    .object({
      noise_scale: z.number().min(0).default(0.667),
      length_scale: z.number().positive().default(1),
      noise_w: z.number().min(0).default(0.8),
    })
    .default({ noise_scale: 0.667, length_scale: 1, noise_w: 0.8 }),
  phoneme_type: z.string().default('espeak'),
  phoneme_map: z.record(z.string(), z.array(z.string())).default({}),
  phoneme_id_map: z
    .record(z.string(), z.array(z.number().int().min(0)))
    .refine((m) => ['_', '^', '$'].every((k) => k in m), { message: 'phoneme_id_map needs the pad "_", bos "^" and eos "$" symbols' }),
  num_speakers: z.number().int().min(1).default(1),
  speaker_id_map: z.record(z.string(), z.number().int().min(0)).default({}),
});
export type PiperVoice = z.infer<typeof piperVoiceSchema>;

export interface OnnxTtsOptions {
  /** The voice: `voice.onnx.json` or `voice.onnx` (the other file sits beside it). */
  voicePath: string;
  /** Resample to this rate (8000 for the phone line); default: the voice's own rate. */
  outputRate?: number;
  lexicon?: Record<string, string>;
  spokenForm?: (text: string) => string;
  /** Speaker name or number for multi-speaker voices (default the first). */
  speaker?: string | number;
  /** Overrides of the voice's inference scales (slower speech: lengthScale > 1). */
  lengthScale?: number;
  noiseScale?: number;
  noiseW?: number;
  /** Silence after a sentence, as Piper adds (default 200 ms). */
  sentenceSilenceMs?: number;
  /** ONNX Runtime threads per inference (default 1: the call tier shares its cores). */
  threads?: number;
  host?: EspeakHost;
}

const TERMINAL_PUNCTUATION: Record<string, string> = { '.': '.', '!': '!', '?': '?', '؟': '?', '،': ',', ',': ',', '؛': ';', ';': ';', ':': ':' };

/**
 * eSpeak NG's phoneme output (this build: clauses " | ", phonemes "_", language switches "(en)")
 * → Piper's phoneme string: IPA letters run together, words spaced, the clause's punctuation last.
 */
export function piperPhonemes(espeakOutput: string, piece: string): string {
  const body = espeakOutput
    .replace(/\([a-z-]+\)/gi, '')
    .split(/\s*\|\s*/)
    .map((clause) => clause.replace(/_/g, '').replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join(', ');
  const last = piece.trim().slice(-1);
  return body + (TERMINAL_PUNCTUATION[last] ?? '');
}

/**
 * Piper's ids: bos, pad, then every phoneme (one Unicode code point after NFD) followed by pad,
 * then eos. Symbols the voice does not know are skipped, as Piper does, and counted.
 */
export function phonemesToIds(phonemes: string, voice: Pick<PiperVoice, 'phoneme_id_map' | 'phoneme_map'>): { ids: number[]; missing: string[] } {
  const map = voice.phoneme_id_map;
  const pad = map['_'];
  const ids: number[] = [...map['^'], ...pad];
  const missing: string[] = [];
  for (const cp of phonemes.normalize('NFD')) {
    for (const symbol of voice.phoneme_map[cp] ?? [cp]) {
      const id = map[symbol];
      if (!id) {
        missing.push(symbol);
        continue;
      }
      ids.push(...id, ...pad);
    }
  }
  ids.push(...map['$']);
  return { ids, missing };
}

export async function loadPiperVoice(path: string): Promise<{ voice: PiperVoice; modelPath: string; configPath: string }> {
  const configPath = path.endsWith('.json') ? path : `${path}.json`;
  const modelPath = path.endsWith('.json') ? path.slice(0, -5) : path;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (err) {
    throw new Error(`Piper voice config ${configPath} cannot be read: ${(err as Error).message}`);
  }
  const parsed = piperVoiceSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`Piper voice config ${configPath} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  if (parsed.data.phoneme_type !== 'espeak') {
    throw new Error(`Piper voice ${configPath} uses phoneme_type "${parsed.data.phoneme_type}"; only "espeak" voices are supported`);
  }
  return { voice: parsed.data, modelPath, configPath };
}

/** Piper/VITS voices (ONNX) a user supplies, phonemised by the shared eSpeak NG worker. */
export async function createOnnxTts(options: OnnxTtsOptions): Promise<TtsEngine> {
  const { voice, modelPath } = await loadPiperVoice(options.voicePath);
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: options.threads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  for (const name of ['input', 'input_lengths', 'scales']) {
    if (!session.inputNames.includes(name)) throw new Error(`${modelPath} is not a Piper/VITS export: it has no "${name}" input`);
  }
  const host = options.host ?? (await sharedEspeakHost());
  const espeakVoice = voice.espeak.voice;
  const nativeRate = voice.audio.sample_rate;
  const outputRate = options.outputRate ?? nativeRate;
  const spokenForm = options.spokenForm ?? createSpokenForm({ lexicon: options.lexicon });
  const scaleValues = [
    options.noiseScale ?? voice.inference.noise_scale,
    options.lengthScale ?? voice.inference.length_scale,
    options.noiseW ?? voice.inference.noise_w,
  ];
  const scales = Float32Array.from(scaleValues);
  let speakerId: number | null = null;
  if (voice.num_speakers > 1 || session.inputNames.includes('sid')) {
    const s = options.speaker ?? 0;
    speakerId = typeof s === 'number' ? s : voice.speaker_id_map[s];
    if (speakerId === undefined || speakerId < 0 || speakerId >= voice.num_speakers) {
      throw new Error(`Piper voice has no speaker "${s}" (speakers: ${Object.keys(voice.speaker_id_map).join(', ') || voice.num_speakers})`);
    }
  }
  const silenceSamples = Math.round(((options.sentenceSilenceMs ?? 200) / 1000) * nativeRate);
  const voiceName = modelPath.split('/').pop()!.replace(/\.onnx$/, '');
  // The model's own hash is part of the voice id: a retrained voice under the same file name must
  // not replay the old voice's cached answers.
  const modelHash = createHash('sha256').update(await readFile(modelPath)).digest('hex').slice(0, 12);

  let closed = false;

  async function infer(ids: number[]): Promise<Int16Array> {
    const feeds: Record<string, ort.Tensor> = {
      input: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      input_lengths: new ort.Tensor('int64', BigInt64Array.from([BigInt(ids.length)]), [1]),
      scales: new ort.Tensor('float32', scales, [3]),
    };
    if (speakerId !== null) feeds.sid = new ort.Tensor('int64', BigInt64Array.from([BigInt(speakerId)]), [1]);
    const result = await session.run(feeds);
    const out = result[session.outputNames[0]];
    return float32ToInt16(out.data as Float32Array);
  }

  async function* synthesize(text: string, synthOptions: SynthesisOptions = {}): AsyncGenerator<PcmChunk> {
    const signal = synthOptions.signal;
    const resampler = outputRate === nativeRate ? null : new Resampler(nativeRate, outputRate);
    const emit = (pcm: Int16Array) => (resampler ? resampler.push(pcm) : pcm);
    for (const piece of splitForSpeech(spokenForm(text))) {
      if (signal?.aborted) return;
      const phonemes = piperPhonemes(await host.phonemize(piece, espeakVoice), piece);
      const { ids } = phonemesToIds(phonemes, voice);
      if (ids.length <= 3) continue; // nothing speakable in this piece
      const audio = await infer(ids);
      if (signal?.aborted) return;
      const out = emit(audio);
      if (out.length > 0) yield { pcm: out, sampleRate: outputRate };
      if (/[.!?؟]$/.test(piece) && silenceSamples > 0) {
        const gap = emit(new Int16Array(silenceSamples));
        if (gap.length > 0) yield { pcm: gap, sampleRate: outputRate };
      }
    }
    if (resampler) {
      const tail = resampler.flush();
      if (tail.length > 0) yield { pcm: tail, sampleRate: outputRate };
    }
  }

  return {
    name: 'onnx',
    voice: `piper:${voiceName}:${modelHash}@${scaleValues.join('/')}${speakerId !== null ? `#${speakerId}` : ''}`,
    outputRate,
    spokenForm,
    synthesize,
    close: async () => {
      if (closed) return; // releasing an ONNX session twice throws
      closed = true;
      await session.release();
    },
    // The voice needs both its ONNX session and the eSpeak worker that phonemises for it.
    readiness: cachedProbe(async () => {
      if (closed) return { ready: false, detail: `Piper voice ${voiceName} is closed` };
      await host.phonemize('سلام', espeakVoice);
      return { ready: true, detail: `Piper voice ${voiceName} loaded; eSpeak NG worker answers` };
    }),
  };
}
