import type { PcmChunk } from '../../../audio/types.js';
import { Resampler } from '../../../audio/resample.js';
import type { SynthesisOptions, TtsEngine } from '../types.js';
import { splitForSpeech } from '../segment.js';
import { createSpokenForm } from '../spoken/index.js';
import { sharedEspeakHost, type EspeakHost } from './host.js';
import { cachedProbe } from '../../readiness.js';

export interface EspeakTtsOptions {
  /** eSpeak NG voice with optional variant: `fa`, `fa+f3`, `fa+m2`, `fa+klatt` … (default `fa`). */
  voice?: string;
  /** Words per minute, 80–450 (default 165). */
  rate?: number;
  /** Pitch 0–99 (default 50). */
  pitch?: number;
  /** Resample to this rate (e.g. 8000 for the phone line); default: eSpeak's native 22050 Hz. */
  outputRate?: number;
  /** Brand names and terms → how to say them (config `tts.lexicon`). */
  lexicon?: Record<string, string>;
  /** Replaces the built-in Persian spoken-form normaliser (tests, other languages). */
  spokenForm?: (text: string) => string;
  /**
   * Silence after a clause («،» ؛ ,) and after a sentence (. ؟ !), in ms (defaults 150 and 300).
   * eSpeak's own pause at a clause end is only ~30 ms at telephone speaking rates; the groups of a
   * phone number or a tracking code need a pause a caller can hear to write them down.
   */
  clausePauseMs?: number;
  sentencePauseMs?: number;
  /** Defaults to the process-wide eSpeak worker. */
  host?: EspeakHost;
}

/**
 * eSpeak NG's Persian voice through the WASM build (@echogarden/espeak-ng-emscripten, GPL-3.0),
 * run in a worker thread. Kept behind `TtsEngine`: nothing else in Pasokh links to it.
 */
export async function createEspeakTts(options: EspeakTtsOptions = {}): Promise<TtsEngine> {
  const host = options.host ?? (await sharedEspeakHost());
  const voice = options.voice ?? 'fa';
  const rate = options.rate ?? 165;
  const pitch = options.pitch ?? 50;
  if (!Number.isInteger(rate) || rate < 80 || rate > 450) throw new RangeError(`espeak rate must be 80–450 wpm, got ${rate}`);
  if (!Number.isInteger(pitch) || pitch < 0 || pitch > 99) throw new RangeError(`espeak pitch must be 0–99, got ${pitch}`);
  const language = voice.split('+')[0];
  if (!host.voices.some((id) => id === language || id.endsWith(`/${language}`))) {
    throw new Error(`eSpeak NG has no voice "${language}"`);
  }
  const spokenForm = options.spokenForm ?? createSpokenForm({ lexicon: options.lexicon });
  const nativeRate = host.sampleRate;
  const outputRate = options.outputRate ?? nativeRate;
  const clausePause = new Int16Array(Math.round(((options.clausePauseMs ?? 150) / 1000) * nativeRate));
  const sentencePause = new Int16Array(Math.round(((options.sentencePauseMs ?? 300) / 1000) * nativeRate));
  const pauseAfter = (piece: string) => (/[.!?؟…]["»)\]]*$/u.test(piece) ? sentencePause : /[،؛,;:]$/u.test(piece) ? clausePause : null);

  async function* synthesize(text: string, synthOptions: SynthesisOptions = {}): AsyncGenerator<PcmChunk> {
    const signal = synthOptions.signal;
    const resampler = outputRate === nativeRate ? null : new Resampler(nativeRate, outputRate);
    const pieces = splitForSpeech(spokenForm(text));
    for (let i = 0; i < pieces.length; i++) {
      if (signal?.aborted) return;
      for await (const block of host.synthesize({ text: pieces[i], voice, rate, pitch, signal })) {
        const pcm = resampler ? resampler.push(block) : block;
        if (pcm.length > 0) yield { pcm, sampleRate: outputRate };
      }
      // No pause after the last piece: the caller's turn (and the endpointer) starts right away.
      const pause = i < pieces.length - 1 ? pauseAfter(pieces[i]) : null;
      if (pause && pause.length > 0 && !signal?.aborted) {
        const pcm = resampler ? resampler.push(pause) : pause.slice();
        if (pcm.length > 0) yield { pcm, sampleRate: outputRate };
      }
    }
    if (resampler && !signal?.aborted) {
      const tail = resampler.flush();
      if (tail.length > 0) yield { pcm: tail, sampleRate: outputRate };
    }
  }

  return {
    name: 'espeak',
    voice: `espeak:${voice}@${rate}/${pitch}`,
    outputRate,
    spokenForm,
    synthesize,
    // The worker is shared by every engine of the process; `closeSharedEspeakHost` stops it.
    close: async () => {},
    // A round trip to the worker (one word phonemised): a crashed or stuck worker is not ready.
    readiness: cachedProbe(async () => {
      await host.phonemize('سلام', voice);
      return { ready: true, detail: `eSpeak NG worker answers (voice ${voice})` };
    }),
  };
}
