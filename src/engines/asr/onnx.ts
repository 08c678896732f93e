import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { resample } from '../../audio/resample.js';
import type { PcmChunk } from '../../audio/types.js';
import { CharNgramLm, MixedLm, type CharLm } from './charlm.js';
import { beamDecode, greedyDecode, HotwordTrie, indexByLength, snapToLexicon, type CtcResult, type CtcVocab, type LogProbs } from './ctc.js';
import { beginFinalize, ctcFinal, reusableReading, type CtcStreamState, type PauseReading } from './ctc-stream.js';
import { LogMelExtractor } from './features.js';
import { AsrModelError, loadManifest, type AsrManifest, type LoadedManifest } from './manifest.js';
import { normalizeForAsr } from './text.js';
import { cachedProbe, type EngineReadiness } from '../readiness.js';
import type { AsrEngine, AsrFinal, AsrStream, AsrStreamOptions } from './types.js';

export interface OnnxAsrOptions {
  /** Folder with manifest.json, the .onnx file and (waveform models) the vocabulary file. */
  modelDir: string;
  /** 1 = greedy decoding; more = prefix beam search with hotword/lexicon biasing. Default 16. */
  beamWidth?: number;
  /** Log-score bonus per character that continues a hotword. Default 2. */
  hotwordBoost?: number;
  /** Words the decoder favours and snaps near-misses to (e.g. the live FAQ vocabulary). */
  lexicon?: readonly string[];
  /** Log-score bonus for a completed lexicon word in the beam search. Default 1. */
  lexiconBonus?: number;
  /** Replace near-miss words of the transcript by the lexicon word they nearly spell. Default true. */
  snap?: boolean;
  /** Re-decode for a partial hypothesis after this much new audio. Default 300 ms. */
  partialIntervalMs?: number;
  /**
   * Most of real time a stream may spend on partials (each one re-runs the model over the whole
   * utterance so far): the next partial waits until the last one's cost is this small a share of
   * the audio since. Default 0.01, so partials cost at most 1% of a core per stream.
   */
  partialBudget?: number;
  /** Threads per inference: 1 keeps one call on one core. */
  threads?: number;
  /** Fuse the manifest's character language model into the beam search. Default true. */
  useLm?: boolean;
  /** Overrides of the manifest's `lm` weights (decoder tuning). */
  lmWeight?: number;
  charBonus?: number;
  lmDomainWeight?: number;
}

/** What the acoustic model runs on: [nMels, frames] features, or a waveform (`frames` = samples). */
export interface ModelInput {
  input: Float32Array;
  frames: number;
}

export interface InputAccumulator {
  push(pcm: Int16Array): void;
  modelInput(): ModelInput | null;
}

interface Bias {
  trie?: HotwordTrie;
  lexicon: ReadonlySet<string>;
  index: Map<number, string[]>;
  base?: ReadonlySet<string>;
  lm?: CharLm;
}

/** The manifest's language model as this engine fuses it (weights may be overridden for tuning). */
interface FusedLm {
  model: CharNgramLm;
  /** What the decoder may ask about: the domain LM of each stream is built over the same letters. */
  alphabet: readonly string[];
  weight: number;
  charBonus: number;
  domainWeight: number;
}

interface Vocab extends CtcVocab {
  drop: ReadonlySet<number>;
}

/** Counting a corpus takes a few hundred ms: each file is counted once per process. */
const lmCache = new Map<string, Promise<CharNgramLm>>();
function loadLm(path: string, order: number, alphabet: readonly string[]): Promise<CharNgramLm> {
  const key = `${path}#${order}#${alphabet.join('')}`;
  let lm = lmCache.get(key);
  if (!lm) {
    lm = readFile(path, 'utf8')
      .catch((err: Error) => {
        throw new AsrModelError(`cannot read the language model corpus ${path}: ${err.message}`);
      })
      .then((text) => {
        const model = CharNgramLm.fromCorpus(text, order, alphabet).ready();
        // A corpus in the wrong format would otherwise decode with an empty model, silently worse.
        if (model.size === 0) throw new AsrModelError(`the language model corpus ${path} has no "count<TAB>sentence" lines`);
        return model;
      });
    // A failed load is not remembered: the file may be fixed before the next engine is made.
    lm.catch(() => lmCache.delete(key));
    lmCache.set(key, lm);
  }
  return lm;
}

/** The characters the decoder may ask the LM about: every output symbol but the blank. */
function lmAlphabet(tokens: readonly string[], blank: number, wordDelimiter: string): string[] {
  return tokens.filter((_, i) => i !== blank).map((t) => (t === wordDelimiter ? ' ' : t));
}

/**
 * CTC acoustic models run in-process with onnxruntime-node. Audio is accumulated per utterance;
 * while the caller speaks, the utterance so far is re-decoded greedily every ~300 ms of new audio
 * for partials (the model is small enough that this costs a few ms); `finalize` runs the model
 * once more over the whole utterance and decodes it with the biased beam search.
 */
export class OnnxCtcAsr implements AsrEngine {
  readonly name: string;
  readonly sampleRate: number;
  private lexiconWords = new Set<string>();
  private lexiconIndex = new Map<number, string[]>();
  private closed = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly loaded: LoadedManifest,
    private readonly vocab: Vocab,
    private readonly opts: Required<Omit<OnnxAsrOptions, 'lexicon' | 'useLm' | 'lmWeight' | 'charBonus' | 'lmDomainWeight'>>,
    private readonly lm: FusedLm | undefined,
  ) {
    this.name = `onnx:${loaded.manifest.name}`;
    this.sampleRate = loaded.manifest.sampleRate;
  }

  static async create(options: OnnxAsrOptions): Promise<OnnxCtcAsr> {
    const loaded = await loadManifest(options.modelDir);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(loaded.modelPath, {
        intraOpNumThreads: options.threads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (err) {
      throw new AsrModelError(`cannot load ${loaded.modelPath}: ${(err as Error).message}`);
    }
    const m = loaded.manifest;
    const tokens = loaded.tokens;
    const drop = new Set<number>();
    tokens.forEach((t, i) => {
      if (m.dropTokens.includes(t)) drop.add(i);
    });
    const vocab: Vocab = { tokens, blank: loaded.blank, wordDelimiter: m.wordDelimiter, drop };
    const alphabet = lmAlphabet(tokens, loaded.blank, m.wordDelimiter);
    const lm: FusedLm | undefined =
      options.useLm === false || !loaded.lmPath || !m.lm
        ? undefined
        : {
            model: await loadLm(loaded.lmPath, m.lm.order, alphabet),
            alphabet,
            weight: options.lmWeight ?? m.lm.weight,
            charBonus: options.charBonus ?? m.lm.charBonus,
            domainWeight: options.lmDomainWeight ?? m.lm.domainWeight,
          };
    const engine = new OnnxCtcAsr(session, loaded, vocab, {
      modelDir: options.modelDir,
      beamWidth: options.beamWidth ?? 16,
      hotwordBoost: options.hotwordBoost ?? 2,
      lexiconBonus: options.lexiconBonus ?? 1,
      snap: options.snap ?? true,
      partialIntervalMs: options.partialIntervalMs ?? 300,
      partialBudget: options.partialBudget ?? 0.01,
      threads: options.threads ?? 1,
    }, lm);
    if (options.lexicon) engine.setLexicon(options.lexicon);
    return engine;
  }

  get manifest(): AsrManifest {
    return this.loaded.manifest;
  }

  /** Replaces the lexicon (call when the FAQ changes); words are normalised to the model's spelling. */
  setLexicon(words: readonly string[]): void {
    const set = new Set<string>();
    for (const w of words) for (const part of normalizeForAsr(w).split(' ')) if (part) set.add(part);
    this.lexiconWords = set;
    this.lexiconIndex = indexByLength(set);
  }

  /**
   * Ready when the model recognises: a tenth of a second of silence goes through the whole path
   * (features, ONNX session, decoder) in a few milliseconds; at most once per 2 s however often
   * /readyz is asked.
   */
  private readonly probe = cachedProbe(async (): Promise<EngineReadiness> => {
    const stream = this.createStream();
    stream.push(new Int16Array(Math.round(this.sampleRate / 10)));
    await stream.finalize();
    return { ready: true, detail: `${this.name} recognises (${this.loaded.modelPath})` };
  });

  readiness(): Promise<EngineReadiness> {
    return this.closed ? Promise.resolve({ ready: false, detail: `${this.name} is closed` }) : this.probe();
  }

  createStream(options: AsrStreamOptions = {}): AsrStream {
    if (this.closed) throw new Error('ASR engine is closed');
    return new OnnxCtcStream(this, options);
  }

  /** Whole-utterance recognition of audio at any rate (resampled to the model's rate). */
  async transcribe(chunk: PcmChunk, options: Omit<AsrStreamOptions, 'onPartial'> = {}): Promise<AsrFinal> {
    const pcm = chunk.sampleRate === this.sampleRate ? chunk.pcm : resample(chunk.pcm, chunk.sampleRate, this.sampleRate);
    const stream = this.createStream(options);
    stream.push(pcm);
    return stream.finalize();
  }

  /** Runs the acoustic model; `input` is [nMels, frames] features or a waveform. */
  async logProbs(input: Float32Array, frames: number): Promise<LogProbs> {
    const m = this.loaded.manifest;
    const dims = m.input === 'fbank' ? [1, m.features.nMels, frames] : [1, input.length];
    const inputName = m.inputName ?? this.session.inputNames[0];
    const outputName = m.outputName ?? this.session.outputNames[0];
    const out = await this.session.run({ [inputName]: new ort.Tensor('float32', input, dims) });
    const tensor = out[outputName];
    const [, T, C] = tensor.dims as number[];
    if (C !== this.vocab.tokens.length) {
      throw new AsrModelError(`model emits ${C} classes but the vocabulary has ${this.vocab.tokens.length}`);
    }
    const data = Float32Array.from(tensor.data as Float32Array);
    if (m.output === 'logits') logSoftmaxRows(data, T, C);
    for (const id of this.vocab.drop) for (let t = 0; t < T; t++) data[t * C + id] = -1e9;
    return { data, frames: T, classes: C };
  }

  decode(lp: LogProbs, hotwords: readonly string[] | undefined, beam: boolean): CtcResult {
    if (!beam || this.opts.beamWidth <= 1) return this.post(greedyDecode(lp, this.vocab));
    const bias = this.biasFor(hotwords);
    const res = beamDecode(lp, this.vocab, {
      beamWidth: this.opts.beamWidth,
      hotwordBoost: effectiveBoost(this.opts.hotwordBoost, bias.trie?.size ?? 0),
      hotwords: bias.trie,
      lexicon: bias.lexicon,
      lexiconBonus: this.opts.lexiconBonus,
      lm: bias.lm ?? this.lm?.model,
      lmWeight: this.lm?.weight,
      charBonus: this.lm?.charBonus,
    });
    const snap = (text: string) => (this.opts.snap ? snapToLexicon(text, bias.lexicon, bias.index) : text);
    const text = snap(res.text);
    const alternatives = [...new Set((res.alternatives ?? []).map(snap))].filter((t) => t !== text);
    return this.post({ ...res, text, alternatives });
  }

  /**
   * Hotword trie and lexicon for a stream's hotwords. The call session passes the same array for
   * every utterance of a knowledge-base version, so the structures are built once per array.
   */
  private biasCache = new WeakMap<readonly string[], Bias>();
  private biasFor(hotwords: readonly string[] | undefined): Bias {
    if (!hotwords || hotwords.length === 0) return { lexicon: this.lexiconWords, index: this.lexiconIndex };
    const cached = this.biasCache.get(hotwords);
    if (cached && cached.base === this.lexiconWords) return cached;
    const phrases = hotwords.map(normalizeForAsr).filter(Boolean);
    const lexicon = new Set([...this.lexiconWords, ...phrases.flatMap((p) => p.split(' '))]);
    const bias: Bias = { trie: new HotwordTrie(phrases), lexicon, index: indexByLength(lexicon), base: this.lexiconWords, lm: this.domainLm(phrases) };
    this.biasCache.set(hotwords, bias);
    return bias;
  }

  /**
   * The stream's own words (the live FAQ vocabulary, a grammar's answers) as a second LM mixed into
   * the general one: their spellings become likely without the general model forgetting Persian.
   */
  private domainLm(phrases: readonly string[]): CharLm | undefined {
    if (!this.lm || this.lm.domainWeight === 0 || phrases.length === 0) return this.lm?.model;
    const own = new CharNgramLm(this.lm.model.order, this.lm.alphabet);
    for (const p of phrases) own.add(p);
    return new MixedLm(this.lm.model, own.ready(), this.lm.domainWeight);
  }

  /** Waveform models spell with their own tokens (e.g. Latin-script exports); Persian text is normalised. */
  private post(res: CtcResult): CtcResult {
    const tidy = (t: string) => t.replace(/\s+/g, ' ').trim();
    return { ...res, text: tidy(res.text), ...(res.alternatives ? { alternatives: res.alternatives.map(tidy) } : {}) };
  }

  /**
   * One reading of a whole utterance as a stream gives it at that point: `beam` false is a
   * partial's greedy reading (no hotwords), true the biased beam search of heardSoFar/finalize.
   * Null while the audio is too short for the model. Features do not depend on how the audio was
   * chunked, so this equals the stream's reading; the worker pool (src/engines/pool) runs it.
   */
  async recognise(pcm: Int16Array, hotwords: readonly string[] | undefined, beam: boolean): Promise<CtcResult | null> {
    const input = this.modelInputOf(pcm);
    return input ? this.read(input, hotwords, beam) : null;
  }

  /** The model's input for a whole utterance (features or waveform); null while too short for the model. */
  private modelInputOf(pcm: Int16Array): ModelInput | null {
    const acc = this.inputAccumulator();
    acc.push(pcm);
    return acc.modelInput();
  }

  /**
   * Audio in, the model's input out, computed as the audio arrives (features frame by frame): what
   * a stream that reads elsewhere (the worker pool) keeps, so a reading costs the worker only the
   * model and the search, not the features of the whole utterance again.
   */
  inputAccumulator(): InputAccumulator {
    return new OnnxCtcStream(this, {});
  }

  /** `recognise` from the model's input, e.g. features a stream has already computed. */
  async read(input: ModelInput, hotwords: readonly string[] | undefined, beam: boolean): Promise<CtcResult> {
    return this.decode(await this.logProbs(input.input, input.frames), beam ? hotwords : undefined, beam);
  }

  /** Greedy and biased-beam transcripts of one utterance from a single model run (evaluation). */
  async decodeBoth(pcm: Int16Array, hotwords?: readonly string[]): Promise<{ greedy: CtcResult; beam: CtcResult }> {
    const input = this.modelInputOf(pcm);
    if (!input) return { greedy: { text: '', confidence: 0 }, beam: { text: '', confidence: 0 } };
    const lp = await this.logProbs(input.input, input.frames);
    return { greedy: this.decode(lp, hotwords, false), beam: this.decode(lp, hotwords, true) };
  }

  /** New audio (samples) to wait for before the next partial, given what the last one cost. */
  partialGapSamples(lastDecodeMs: number): number {
    const ms = Math.max(this.opts.partialIntervalMs, lastDecodeMs / Math.max(this.opts.partialBudget, 1e-6));
    return Math.round((ms / 1000) * this.sampleRate);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}

/**
 * A handful of hotwords (a grammar's «بله»/«خیر», a menu's options) gets the full per-character
 * boost; a long list (a whole FAQ vocabulary) matches the start of almost any word, so at full
 * strength it would drag every word towards the list. Its boost shrinks with the list's size
 * (tuned on held-out synthetic speech: the full FAQ vocabulary at boost 2 raised CER by a fifth,
 * at an effective 0.3-0.5 it helps a little).
 */
export function effectiveBoost(boost: number, phrases: number): number {
  return phrases <= 20 ? boost : boost * Math.sqrt(20 / phrases);
}

function logSoftmaxRows(data: Float32Array, T: number, C: number): void {
  for (let t = 0; t < T; t++) {
    const o = t * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, data[o + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(data[o + c] - max);
    const lz = max + Math.log(sum);
    for (let c = 0; c < C; c++) data[o + c] -= lz;
  }
}

/** Accumulates one utterance; features are computed incrementally as audio arrives. */
class OnnxCtcStream implements AsrStream {
  private readonly extractor: LogMelExtractor | null;
  private wave: Int16Array[] = [];
  private samples = 0;
  private lastPartialAt = 0;
  private lastPartialMs = 0;
  private lastPartial = '';
  private decoding: Promise<void> | null = null;
  private state: CtcStreamState = 'open';

  constructor(
    private readonly engine: OnnxCtcAsr,
    private readonly options: AsrStreamOptions,
  ) {
    const m = engine.manifest;
    this.extractor = m.input === 'fbank' ? new LogMelExtractor(m.features) : null;
  }

  push(pcm: Int16Array): void {
    if (!(pcm instanceof Int16Array)) throw new TypeError('AsrStream.push expects an Int16Array of mono PCM');
    if (this.state !== 'open' || pcm.length === 0) return;
    if (this.extractor) this.extractor.push(pcm);
    else this.wave.push(pcm.slice());
    this.samples += pcm.length;
    if (this.options.onPartial && !this.decoding && this.samples - this.lastPartialAt >= this.engine.partialGapSamples(this.lastPartialMs)) {
      this.lastPartialAt = this.samples;
      this.decoding = this.partial().finally(() => {
        this.decoding = null;
      });
    }
  }

  /** What the model runs on for the audio so far; null while too short to yield any output. */
  modelInput(): ModelInput | null {
    if (this.extractor) {
      const f = this.extractor.features();
      // The ×4 subsampling needs a few frames to yield any output at all.
      return f.frames >= 8 ? { input: f.data, frames: f.frames } : null;
    }
    const m = this.engine.manifest;
    if (this.samples < m.sampleRate * 0.05) return null;
    const x = new Float32Array(this.samples);
    let o = 0;
    for (const c of this.wave) for (let i = 0; i < c.length; i++) x[o++] = c[i] / 32768;
    if (m.input === 'waveform' && m.normalize) {
      let mean = 0;
      for (const v of x) mean += v;
      mean /= x.length;
      let v2 = 0;
      for (const v of x) v2 += (v - mean) ** 2;
      const s = 1 / Math.sqrt(v2 / x.length + 1e-7);
      for (let i = 0; i < x.length; i++) x[i] = (x[i] - mean) * s;
    }
    return { input: x, frames: x.length };
  }

  /** The last reading of the speech so far: finalize reuses it when nothing but the pause came after. */
  private lastRead: PauseReading | null = null;

  async heardSoFar(): Promise<string> {
    const input = this.modelInput();
    if (!input || this.state !== 'open') return '';
    const samples = this.samples;
    const lp = await this.engine.logProbs(input.input, input.frames);
    const result = this.engine.decode(lp, this.options.hotwords, true);
    if (this.state === 'open') this.lastRead = { samples, result };
    return result.text;
  }

  private async partial(): Promise<void> {
    const t0 = performance.now();
    const input = this.modelInput();
    if (!input) return;
    try {
      const lp = await this.engine.logProbs(input.input, input.frames);
      if (this.state !== 'open') return;
      const { text } = this.engine.decode(lp, undefined, false);
      this.lastPartialMs = performance.now() - t0;
      if (text && text !== this.lastPartial) {
        this.lastPartial = text;
        this.options.onPartial?.({ text });
      }
    } catch (err) {
      // A failed partial is not fatal: finalize decodes again and reports its own error.
      void err;
    }
  }

  async finalize(): Promise<AsrFinal> {
    this.state = beginFinalize(this.state);
    const audioSeconds = this.samples / this.engine.sampleRate;
    const reused = reusableReading(this.lastRead, this.samples, this.engine.sampleRate);
    if (reused) {
      this.wave = [];
      this.state = 'done';
      return ctcFinal(reused, audioSeconds);
    }
    const input = this.modelInput();
    this.wave = [];
    if (!input) {
      this.state = 'done';
      return { text: '', confidence: 0, audioSeconds };
    }
    try {
      const lp = await this.engine.logProbs(input.input, input.frames);
      return ctcFinal(this.engine.decode(lp, this.options.hotwords, true), audioSeconds);
    } finally {
      this.state = 'done';
    }
  }

  cancel(): void {
    if (this.state === 'open' || this.state === 'finalizing') this.state = 'cancelled';
    this.wave = [];
  }
}

/** The in-process ONNX backend: one line for the composition root. */
export function createOnnxAsr(options: OnnxAsrOptions): Promise<AsrEngine> {
  return OnnxCtcAsr.create(options);
}
