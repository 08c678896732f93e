import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { resample } from '../../src/audio/resample.js';
import { readWav } from '../../src/audio/wav.js';
import { OnnxCtcAsr, type OnnxAsrOptions } from '../../src/engines/asr/onnx.js';
import { createNluEngine } from '../../src/engines/nlu/engine.js';
import type { NluEngine } from '../../src/engines/nlu/types.js';
import type { Faq } from '../../src/knowledge/types.js';

/**
 * What a caller's lines sound like to the bot: spoken by eSpeak NG through the telephone channel
 * (models/asr-fa/recipe/synth_manifest.py) and recognised by the ASR engine biased towards the
 * knowledge base's vocabulary, as in a call. Shared by the audio-to-intent evaluation and by the
 * tool that writes recognised versions of text lines.
 */

export interface SpokenLine {
  audio: string;
  text: string;
  intent: string | null;
}

/** Synthesises `jsonl` once into models/asr-fa/work/intent-audio-<name>-<variant>/ (gitignored). */
export function speak(jsonl: string, variant: string): { dir: string; lines: SpokenLine[] } {
  const dir = resolve(`models/asr-fa/work/intent-audio-${basename(jsonl, '.jsonl')}-${variant}`);
  if (!existsSync(`${dir}/manifest.jsonl`)) {
    execFileSync('python3', ['models/asr-fa/recipe/synth_manifest.py', '--in', jsonl, '--out', dir, '--variant', variant], { stdio: 'inherit' });
  }
  const lines = readFileSync(`${dir}/manifest.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as SpokenLine);
  return { dir, lines };
}

/** The knowledge base the bot would run with: the catalogue with its examples, plus extra lines. */
export function knowledgeBase(catalogue: string, extra?: string): { faqs: Faq[]; nlu: NluEngine } {
  const parsed = JSON.parse(readFileSync(catalogue, 'utf8')) as { faqs: Array<{ id: string; question: string; answer: string; action: Faq['action']; examples?: string[] }> };
  const examples = new Map<string, string[]>();
  for (const l of extra ? readFileSync(extra, 'utf8').split('\n') : []) {
    if (!l.trim()) continue;
    const row = JSON.parse(l) as { text: string; intent: string };
    examples.set(row.intent, [...(examples.get(row.intent) ?? []), row.text]);
  }
  const faqs: Faq[] = parsed.faqs.map((f) => ({
    ...f,
    queue: null,
    tags: [],
    enabled: true,
    examples: [...new Set([...(f.examples ?? []), ...(examples.get(f.id) ?? [])])],
  }));
  return { faqs, nlu: createNluEngine({ version: 1, faqs }) };
}

/** A recogniser that hears WAV files as the bot would in a call. */
export async function listener(modelDir: string, decoder: Omit<OnnxAsrOptions, 'modelDir' | 'lexicon'>, hotwords: string[]) {
  const asr = await OnnxCtcAsr.create({ modelDir, ...decoder, lexicon: hotwords });
  return {
    asr,
    async hear(path: string) {
      const wav = await readWav(path);
      const pcm = wav.sampleRate === asr.sampleRate ? wav.pcm : resample(wav.pcm, wav.sampleRate, asr.sampleRate);
      const stream = asr.createStream({ hotwords });
      stream.push(pcm);
      return stream.finalize();
    },
  };
}
