import { concatPcm } from '../../audio/pcm.js';
import { resample } from '../../audio/resample.js';
import { encodeWav } from '../../audio/wav.js';
import { EngineError, EngineRequestError, EngineTimeoutError, EngineUnavailableError } from '../errors.js';
import { finalizeRefusal } from '../deadline.js';
import { remoteAsrEngine } from './remote.js';
import type { AsrEngine, AsrFinal, AsrStream, AsrStreamOptions } from './types.js';
import { tcpReachable } from './vosk.js';

export interface WhisperHttpAsrOptions {
  /** http://host:port of an OpenAI-compatible server (faster-whisper-server / speaches, whisper.cpp server). */
  url: string;
  /** Rate of the audio the session pushes. */
  sampleRate: number;
  /** Rate of the WAV uploaded (whisper.cpp's server wants 16 kHz unless started with --convert). */
  uploadRate?: number;
  /** `model` form field (e.g. "Systran/faster-whisper-small"; whisper.cpp ignores it). */
  model?: string;
  /** `language` form field (ISO 639-1). */
  language?: string;
  /** Path of the endpoint (default /v1/audio/transcriptions). */
  path?: string;
  /** Bearer key, if the server wants one. */
  apiKey?: string;
  /** Deadline for the transcription of one utterance, from finalize. */
  timeoutMs: number;
}

/**
 * A Whisper-style HTTP server as the recogniser, per utterance: the audio is kept while the caller
 * speaks, and at the endpoint it is uploaded as one WAV in a multipart
 * `POST /v1/audio/transcriptions` (`file`, `model`, `language`, `response_format=json`, and the
 * live FAQ vocabulary as `prompt`, which Whisper takes as preceding text and so leans towards),
 * answered `{"text": "…"}`. No partials: Whisper does not stream.
 */
export function createWhisperHttpAsr(options: WhisperHttpAsrOptions): AsrEngine {
  const base = new URL(options.url);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new RangeError(`Whisper URL must be http:// or https://, got ${options.url}`);
  const endpoint = new URL(options.path ?? '/v1/audio/transcriptions', base);
  const name = `whisper-http(${base.host})`;
  const uploadRate = options.uploadRate ?? 16000;
  const inflight = new Set<AbortController>();

  function createStream(streamOptions: AsrStreamOptions): AsrStream {
    let chunks: Int16Array[] = [];
    let cancelled = false;
    let finalizing = false;
    const abort = new AbortController();

    return {
      push(pcm) {
        if (!cancelled && !finalizing && pcm.length) chunks.push(pcm.slice());
      },
      async finalize(): Promise<AsrFinal> {
        const refused = finalizeRefusal(name, { cancelled, finalizing });
        if (refused) throw refused;
        finalizing = true;
        const pcm = concatPcm(chunks);
        chunks = [];
        const audioSeconds = pcm.length / options.sampleRate;
        const upload = uploadRate === options.sampleRate ? pcm : resample(pcm, options.sampleRate, uploadRate);
        const form = new FormData();
        form.set('file', new Blob([new Uint8Array(encodeWav({ pcm: upload, sampleRate: uploadRate }))], { type: 'audio/wav' }), 'utterance.wav');
        form.set('model', options.model ?? 'whisper-1');
        if (options.language) form.set('language', options.language);
        form.set('response_format', 'json');
        form.set('temperature', '0');
        const prompt = (streamOptions.hotwords ?? []).join(' ').slice(0, 600);
        if (prompt) form.set('prompt', prompt);
        inflight.add(abort);
        const timer = setTimeout(() => abort.abort(new EngineTimeoutError(name, options.timeoutMs, `${name} gave no transcript within ${options.timeoutMs} ms`)), options.timeoutMs);
        try {
          const res = await fetch(endpoint, {
            method: 'POST',
            body: form,
            headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
            signal: abort.signal,
          });
          const body = await res.text();
          if (res.status >= 500 || res.status === 429) throw new EngineUnavailableError(name, `${name} answered ${res.status}`);
          if (!res.ok) throw new EngineRequestError(name, `${name} refused the request: ${res.status} ${body.slice(0, 200)}`);
          let text: unknown;
          try {
            text = (JSON.parse(body) as { text?: unknown }).text;
          } catch {
            throw new EngineError(name, `${name} answered something that is not JSON`);
          }
          if (typeof text !== 'string') throw new EngineError(name, `${name} answered without a text`);
          return { text: text.replace(/\s+/g, ' ').trim(), audioSeconds };
        } catch (err) {
          if (cancelled) throw new EngineError(name, 'utterance was cancelled');
          if (abort.signal.aborted && abort.signal.reason instanceof EngineError) throw abort.signal.reason;
          if (err instanceof EngineError) throw err;
          throw new EngineUnavailableError(name, `${name}: ${(err as Error).message}`, { cause: err });
        } finally {
          clearTimeout(timer);
          inflight.delete(abort);
        }
      },
      cancel() {
        if (cancelled) return;
        cancelled = true;
        chunks = [];
        abort.abort();
      },
    };
  }

  return remoteAsrEngine({
    name,
    sampleRate: options.sampleRate,
    createStream,
    probe: () => tcpReachable(base, Math.min(options.timeoutMs, 1500), name),
    close() {
      for (const a of inflight) a.abort();
    },
  });
}
