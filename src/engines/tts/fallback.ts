import type { PcmChunk } from '../../audio/types.js';
import type { SynthesisOptions, TtsEngine } from './types.js';
import { EngineTimeoutError, fallbackCause, type EngineFallbackEvent } from '../errors.js';
import { CircuitBreaker } from '../circuit.js';
import { nextWithin } from '../deadline.js';
import { fallbackReadiness } from '../readiness.js';

/**
 * What the local voice is given for its first audio once the remote one has had `tts.timeoutMs`.
 * The dialog waits `firstAudioBoundMs(tts.timeoutMs)` before a turn counts as an engine error, so
 * the fallback always gets its turn: one setting, two layers, the inner one first.
 */
export const FALLBACK_FIRST_AUDIO_MS = 1000;

/** The longest a caller waits in silence for a turn's first audio: the voice's deadline, then the fallback's budget. */
export function firstAudioBoundMs(ttsTimeoutMs: number): number {
  return ttsTimeoutMs + FALLBACK_FIRST_AUDIO_MS;
}

export interface TtsFallbackOptions {
  /** Longest wait for the primary's first chunk and between chunks (`tts.timeoutMs`). */
  timeoutMs: number;
  /** Process-wide notice (logs, metrics); a call's own `onFallback` is called as well. */
  onFallback?: (event: EngineFallbackEvent) => void;
  /** After a failure, synthesise straight on the fallback for this long (default 10 s; keep it above the gRPC reconnect back-off of 1 s). */
  cooldownMs?: number;
}

/**
 * A remote TTS engine with a local one behind it. If the primary is down, or silent for longer
 * than `timeoutMs`, the text is synthesised by the fallback instead. When the primary dies after
 * some audio was already played, the fallback's audio for that stretch is skipped so the caller
 * hears the sentence continue rather than start over (exact when both run the same voice).
 */
export function withTtsFallback(primary: TtsEngine, fallback: TtsEngine, options: TtsFallbackOptions): TtsEngine {
  const breaker = new CircuitBreaker(options.cooldownMs ?? 10_000);

  async function* synthesize(text: string, synthOptions: SynthesisOptions = {}): AsyncGenerator<PcmChunk> {
    const signal = synthOptions.signal;
    const report = (event: EngineFallbackEvent) => {
      options.onFallback?.(event);
      synthOptions.onFallback?.(event);
    };
    let playedSeconds = 0;

    if (breaker.open()) {
      report(breaker.skippedEvent('tts', primary.name, fallback.name));
    } else {
      // Own abort signal so a failed or slow primary can be stopped without touching the caller's.
      const stopPrimary = new AbortController();
      const forward = () => stopPrimary.abort();
      signal?.addEventListener('abort', forward, { once: true });
      const chunks = primary.synthesize(text, { signal: stopPrimary.signal })[Symbol.asyncIterator]();
      try {
        while (true) {
          let step: IteratorResult<PcmChunk>;
          try {
            step = await nextWithin(chunks, options.timeoutMs, () =>
              new EngineTimeoutError(primary.name, options.timeoutMs, `${primary.name} sent no audio for ${options.timeoutMs} ms`),
            );
          } catch (err) {
            if (signal?.aborted) return;
            breaker.fail();
            report({ engine: 'tts', from: primary.name, to: fallback.name, cause: fallbackCause(err), message: (err as Error).message });
            break;
          }
          if (step.done) {
            breaker.succeed();
            return;
          }
          if (signal?.aborted) return;
          playedSeconds += step.value.pcm.length / step.value.sampleRate;
          yield step.value;
        }
      } finally {
        signal?.removeEventListener('abort', forward);
        stopPrimary.abort();
        // Let the primary's generator run its clean-up (cancel the remote call); do not wait on it.
        chunks.return?.().catch(() => {});
      }
    }

    if (signal?.aborted) return;
    let skipSeconds = playedSeconds;
    for await (const chunk of fallback.synthesize(text, { signal })) {
      if (skipSeconds > 0) {
        const skip = Math.min(chunk.pcm.length, Math.round(skipSeconds * chunk.sampleRate));
        skipSeconds -= skip / chunk.sampleRate;
        if (skipSeconds < 0.5 / chunk.sampleRate) skipSeconds = 0;
        if (skip === chunk.pcm.length) continue;
        yield { pcm: chunk.pcm.subarray(skip), sampleRate: chunk.sampleRate };
        continue;
      }
      yield chunk;
    }
  }

  return {
    name: `${primary.name}|${fallback.name}`,
    voice: primary.voice,
    ...(primary.outputRate !== undefined && primary.outputRate === fallback.outputRate ? { outputRate: primary.outputRate } : {}),
    ...(primary.spokenForm ? { spokenForm: primary.spokenForm.bind(primary) } : fallback.spokenForm ? { spokenForm: fallback.spokenForm.bind(fallback) } : {}),
    synthesize,
    async close() {
      await Promise.all([primary.close(), fallback.close()]);
    },
    // Ready while the local engine is: calls go on with it when the remote one is down.
    readiness: () => fallbackReadiness(primary, fallback, breaker.open()),
  };
}
