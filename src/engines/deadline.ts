import { EngineError, EngineTimeoutError } from './errors.js';

/**
 * The one timeout helper of the engines and the dialog: rejects with the error `onTimeout` makes
 * when `promise` has not settled within `ms`, and clears its timer either way so a finished call
 * leaves nothing pending on the event loop. The promise itself is not cancelled: callers that own
 * a stream cancel it when the deadline fires.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** `withDeadline` failing with the engine's EngineTimeoutError (the dialog's first-audio and final-result waits). */
export function engineDeadline<T>(promise: Promise<T>, ms: number, engine: string, message?: string): Promise<T> {
  return withDeadline(promise, ms, () => new EngineTimeoutError(engine, ms, message));
}

/** The iterator's next step within `ms` (a streaming engine's next chunk); the pending step is abandoned on timeout. */
export function nextWithin<T>(it: AsyncIterator<T>, ms: number, onTimeout: () => Error): Promise<IteratorResult<T>> {
  return withDeadline(it.next(), ms, onTimeout);
}

/** The timeout every ASR stream reports when the final result is late after finalize. */
export function noFinalResult(engine: string, ms: number): EngineTimeoutError {
  return new EngineTimeoutError(engine, ms, `${engine} gave no final result within ${ms} ms`);
}

/**
 * Why an ASR stream's finalize() cannot run now, or null when it can: a stream that already
 * failed gives its failure, a cancelled one or a second finalize is refused. The same guard in
 * every stream, so the dialog sees the same errors whatever the backend.
 */
export function finalizeRefusal(
  engine: string,
  state: { failure?: Error | null; cancelled: boolean; finalizing: boolean },
): Error | null {
  if (state.failure) return state.failure;
  if (state.cancelled) return new EngineError(engine, 'utterance was cancelled');
  if (state.finalizing) return new EngineError(engine, 'finalize called twice');
  return null;
}
