import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scoreTexts } from './score.js';
import { resample } from '../../audio/resample.js';
import { decodeWav } from '../../audio/wav.js';
import { normalizeForAsr } from './text.js';
import type { AsrEngine, AsrStream, AsrStreamOptions } from './types.js';

/**
 * The recogniser calls use, replaceable while the service runs: a new call's utterances go to
 * whatever engine is live when they start; utterances already started finish on theirs. The
 * engine replaced stays open as `previous` (for rollback); the one before it is closed.
 */
export class LiveAsr implements AsrEngine {
  private current: { engine: AsrEngine; modelDir: string };
  private before: { engine: AsrEngine; modelDir: string } | null = null;

  constructor(engine: AsrEngine, modelDir: string) {
    this.current = { engine, modelDir };
  }

  get name(): string {
    return this.current.engine.name;
  }

  get sampleRate(): number {
    return this.current.engine.sampleRate;
  }

  get modelDir(): string {
    return this.current.modelDir;
  }

  get previousModelDir(): string | null {
    return this.before?.modelDir ?? null;
  }

  createStream(options?: AsrStreamOptions): AsrStream {
    return this.current.engine.createStream(options);
  }

  readiness() {
    const e = this.current.engine;
    return e.readiness ? e.readiness() : Promise.resolve({ ready: true, detail: `${e.name} loaded` });
  }

  /** Makes `engine` live; returns once the engine two generations back is closed. */
  async swap(engine: AsrEngine, modelDir: string): Promise<void> {
    // A model at another rate is fine: each utterance's audio is resampled to its stream's engine.
    const retired = this.before;
    this.before = this.current;
    this.current = { engine, modelDir };
    // Streams of the retired engine ended long ago (it was replaced a whole promotion earlier).
    await retired?.engine.close();
  }

  /** Makes the previous model live again. */
  async rollback(): Promise<boolean> {
    if (!this.before) return false;
    const undone = this.current;
    this.current = this.before;
    this.before = undone;
    return true;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.current.engine.close(), this.before?.engine.close()]);
  }
}

export interface ScoredItem {
  /** WAV bytes, any rate. */
  wav: Uint8Array;
  text: string;
}

export interface ModelScore {
  n: number;
  cer: number;
  wer: number;
}

/** Recognises each item as a call would (20 ms pushes, then finalize) and scores CER/WER after normalisation. */
export async function scoreEngine(engine: AsrEngine, items: readonly ScoredItem[], hotwords: readonly string[] = []): Promise<ModelScore> {
  const pairs: Array<[string, string]> = [];
  for (const item of items) {
    const { pcm, sampleRate } = decodeWav(item.wav);
    const audio = sampleRate === engine.sampleRate ? pcm : resample(pcm, sampleRate, engine.sampleRate);
    const stream = engine.createStream({ hotwords });
    const frame = Math.round(engine.sampleRate / 50);
    for (let i = 0; i < audio.length; i += frame) stream.push(audio.subarray(i, i + frame));
    pairs.push([normalizeForAsr((await stream.finalize()).text), normalizeForAsr(item.text)]);
  }
  const { cer, wer } = scoreTexts(pairs);
  return { n: items.length, cer: round(cer), wer: round(wer) };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** A model folder the ONNX engine can load: manifest.json naming an existing model file. */
export function checkModelDir(dir: string): { ok: true; dir: string } | { ok: false; message: string } {
  const abs = resolve(dir);
  const manifestPath = join(abs, 'manifest.json');
  if (!existsSync(manifestPath)) return { ok: false, message: `${dir} has no manifest.json` };
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { model?: string };
    if (!manifest.model || !existsSync(join(abs, manifest.model))) return { ok: false, message: `${dir}: manifest.json names no model file that exists` };
  } catch (err) {
    return { ok: false, message: `${dir}/manifest.json is not readable JSON: ${(err as Error).message}` };
  }
  return { ok: true, dir: abs };
}

/** Which model folder is live, kept in the data dir so that a restart keeps the promotion. */
export interface LiveModelRecord {
  dir: string;
  previous: string | null;
  promotedAt: string;
  scores?: unknown;
}

export const LIVE_MODEL_FILE = 'asr-live-model.json';

export function readLiveModel(dataDir: string): LiveModelRecord | null {
  try {
    const record = JSON.parse(readFileSync(join(dataDir, LIVE_MODEL_FILE), 'utf8')) as LiveModelRecord;
    return checkModelDir(record.dir).ok ? record : null;
  } catch {
    return null;
  }
}

export function writeLiveModel(dataDir: string, record: LiveModelRecord): void {
  writeFileSync(join(dataDir, LIVE_MODEL_FILE), JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
}
