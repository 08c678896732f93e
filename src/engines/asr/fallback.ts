import type { AsrEngine, AsrFinal, AsrStream, AsrStreamOptions } from './types.js';
import { fallbackCause, type EngineFallbackEvent } from '../errors.js';
import { noFinalResult, withDeadline } from '../deadline.js';
import { CircuitBreaker } from '../circuit.js';
import { fallbackReadiness } from '../readiness.js';

export interface AsrFallbackOptions {
  /** How long the primary may take to deliver the final result after finalize. */
  timeoutMs: number;
  /** Process-wide notice (logs, metrics); each stream's own `onFallback` is called as well. */
  onFallback?: (event: EngineFallbackEvent) => void;
  /** After a failure, send utterances straight to the fallback for this long (default 10 s; keep it above the gRPC reconnect back-off of 1 s). */
  cooldownMs?: number;
}

/**
 * A remote ASR engine with a local one behind it. Every utterance starts on the primary and its
 * audio is kept until the result is in, so that when the primary is lost mid-utterance or is slow
 * to finalise, the fallback recognises the whole utterance from its first sample and the caller
 * never has to repeat themselves. After a failure the primary is skipped for a cool-down instead
 * of costing every utterance a failed attempt.
 */
export function withAsrFallback(primary: AsrEngine, fallback: AsrEngine, options: AsrFallbackOptions): AsrEngine {
  if (primary.sampleRate !== fallback.sampleRate) {
    throw new RangeError(
      `ASR fallback needs one input rate: ${primary.name} takes ${primary.sampleRate} Hz, ${fallback.name} ${fallback.sampleRate} Hz`,
    );
  }
  const breaker = new CircuitBreaker(options.cooldownMs ?? 10_000);

  function createStream(streamOptions: AsrStreamOptions = {}): AsrStream {
    let active: AsrStream;
    let onPrimary = true;
    let cancelled = false;
    let finished = false;
    /** Audio of this utterance while the primary has it; replayed into the fallback on a switch. */
    let kept: Int16Array[] | null = [];

    const report = (event: EngineFallbackEvent) => {
      options.onFallback?.(event);
      streamOptions.onFallback?.(event);
    };

    const startFallback = (): AsrStream =>
      fallback.createStream({ hotwords: streamOptions.hotwords, onPartial: streamOptions.onPartial });

    const switchToFallback = (err: Error) => {
      if (!onPrimary || cancelled || finished) return;
      onPrimary = false;
      breaker.fail();
      // `active` may still be unset if the primary reported an error from inside createStream.
      const failed = active as AsrStream | undefined;
      active = startFallback();
      for (const pcm of kept ?? []) active.push(pcm);
      kept = null;
      failed?.cancel();
      report({ engine: 'asr', from: primary.name, to: fallback.name, cause: fallbackCause(err), message: err.message });
    };

    if (breaker.open()) {
      onPrimary = false;
      kept = null;
      active = startFallback();
      report(breaker.skippedEvent('asr', primary.name, fallback.name));
    } else {
      try {
        const started = primary.createStream({
          hotwords: streamOptions.hotwords,
          onPartial: (p) => {
            if (onPrimary) streamOptions.onPartial?.(p);
          },
          onError: (err) => switchToFallback(err),
        });
        if (onPrimary) active = started;
        else started.cancel();
      } catch (err) {
        // Could not even start (closed client, bad target): this utterance goes to the fallback.
        active = { push() {}, finalize: () => Promise.reject(err), cancel() {} };
        switchToFallback(err as Error);
      }
    }

    return {
      push(pcm: Int16Array) {
        if (cancelled || finished) return;
        if (onPrimary) kept!.push(pcm.slice());
        active.push(pcm);
      },
      async finalize(): Promise<AsrFinal> {
        if (onPrimary) {
          const primaryStream = active;
          try {
            const final = await withDeadline(primaryStream.finalize(), options.timeoutMs, () => noFinalResult(primary.name, options.timeoutMs));
            finished = true;
            kept = null;
            breaker.succeed();
            return final;
          } catch (err) {
            if (cancelled) throw err;
            // The primary failed before or at finalize: recognise the kept audio locally.
            switchToFallback(err as Error);
          }
        }
        try {
          return await active.finalize();
        } finally {
          finished = true;
        }
      },
      cancel() {
        if (cancelled) return;
        cancelled = true;
        kept = null;
        active.cancel();
      },
    };
  }

  return {
    name: `${primary.name}|${fallback.name}`,
    sampleRate: primary.sampleRate,
    createStream,
    async close() {
      await Promise.all([primary.close(), fallback.close()]);
    },
    // Ready while the local engine is: calls go on with it when the remote one is down.
    readiness: () => fallbackReadiness(primary, fallback, breaker.open()),
  };
}
