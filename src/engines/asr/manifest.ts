import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { FeatureSpecSchema } from './features.js';

/**
 * A model folder's manifest.json: what the model expects (input kind, rate, features), what it
 * emits (vocabulary, blank, word delimiter) and where it came from (licence, training, scores).
 * Two input kinds: 'fbank' (Pasokh's own models: log-mel features computed in TypeScript) and
 * 'waveform' (wav2vec2-style CTC exports: raw float audio, usually normalised per utterance).
 */
const Common = {
  name: z.string().min(1),
  kind: z.literal('ctc'),
  model: z.string().default('model.onnx'),
  sampleRate: z.number().int().min(8000).max(48000),
  /** ONNX input/output names; default: the session's first input and output. */
  inputName: z.string().optional(),
  outputName: z.string().optional(),
  /** What the output holds: log-softmax already applied, or raw logits (wav2vec2 exports). */
  output: z.enum(['log-probs', 'logits']).default('log-probs'),
  /** Inline vocabulary (index → symbol) or a vocab file in the folder (HF vocab.json or one token per line). */
  vocab: z.array(z.string()).optional(),
  vocabFile: z.string().optional(),
  blank: z.union([z.number().int().min(0), z.string()]).default(0),
  wordDelimiter: z.string().default(' '),
  /** Tokens that never reach the transcript (<s>, </s>, <unk>, …). */
  dropTokens: z.array(z.string()).default([]),
  /** Lower-case Latin output (some exports are upper-case) is not needed for Persian, kept as emitted. */
  licence: z.string().optional(),
  /** Character language model fused into the beam search, counted from a text file in the folder. */
  lm: z
    .object({
      /** One "count<TAB>sentence" per line, in the model's spelling (recipe/lm_corpus.py). */
      corpus: z.string().min(1),
      order: z.number().int().min(2).max(10).default(6),
      /** Weight of the LM's log-probability against the acoustic score. */
      weight: z.number().min(0).max(5).default(0.5),
      /** Log-score bonus per character, balancing the LM's preference for short outputs. */
      charBonus: z.number().min(-5).max(5).default(0),
      /** Share of the mixture given to a stream's own words (the live FAQ vocabulary). */
      domainWeight: z.number().min(0).max(1).default(0.3),
    })
    .optional(),
  training: z.unknown().optional(),
  scores: z.unknown().optional(),
};

export const ManifestSchema = z.discriminatedUnion('input', [
  z.object({ ...Common, input: z.literal('fbank'), features: FeatureSpecSchema }),
  z.object({
    ...Common,
    input: z.literal('waveform'),
    /** wav2vec2 feature extractor's do_normalize: zero mean, unit variance per utterance. */
    normalize: z.boolean().default(true),
  }),
]);
export type AsrManifest = z.infer<typeof ManifestSchema>;

export interface LoadedManifest {
  manifest: AsrManifest;
  tokens: string[];
  blank: number;
  modelPath: string;
  /** Absolute path of the LM corpus, when the manifest names one. */
  lmPath?: string;
}

export class AsrModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AsrModelError';
  }
}

async function readVocabFile(path: string): Promise<string[]> {
  const raw = await readFile(path, 'utf8');
  if (path.endsWith('.json')) {
    const parsed = z.union([z.array(z.string()), z.record(z.string(), z.number().int().min(0))]).parse(JSON.parse(raw));
    if (Array.isArray(parsed)) return parsed;
    const out: string[] = [];
    for (const [tok, id] of Object.entries(parsed)) out[id] = tok;
    if (out.some((t) => t === undefined) || out.length !== Object.keys(parsed).length) {
      throw new AsrModelError(`${path}: token ids are not a dense 0..n-1 range`);
    }
    return out;
  }
  return raw.split('\n').map((l) => l.replace(/\r$/, '')).filter((l, i, a) => l !== '' || i < a.length - 1);
}

export async function loadManifest(modelDir: string): Promise<LoadedManifest> {
  const path = join(modelDir, 'manifest.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new AsrModelError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) throw new AsrModelError(`${path} is not a valid ASR manifest: ${z.prettifyError(parsed.error)}`);
  const manifest = parsed.data;
  if (manifest.input === 'fbank' && manifest.features.sampleRate !== manifest.sampleRate) {
    throw new AsrModelError(`${path}: features.sampleRate ${manifest.features.sampleRate} ≠ sampleRate ${manifest.sampleRate}`);
  }
  let tokens: string[];
  if (manifest.vocab) tokens = manifest.vocab;
  else if (manifest.vocabFile) tokens = await readVocabFile(join(modelDir, manifest.vocabFile));
  else throw new AsrModelError(`${path}: needs "vocab" or "vocabFile"`);
  const blank = typeof manifest.blank === 'number' ? manifest.blank : tokens.indexOf(manifest.blank);
  if (blank < 0 || blank >= tokens.length) throw new AsrModelError(`${path}: blank ${String(manifest.blank)} is not in the vocabulary`);
  return { manifest, tokens, blank, modelPath: join(modelDir, manifest.model), lmPath: manifest.lm ? join(modelDir, manifest.lm.corpus) : undefined };
}
