import { EngineError, type EngineTimeoutError } from '../errors.js';
import { finalizeRefusal, noFinalResult } from '../deadline.js';
import { cachedProbe, type EngineReadiness } from '../readiness.js';
import type { AsrEngine, AsrFinal, AsrStream, AsrStreamOptions } from './types.js';

/**
 * What every remote recogniser (Vosk, Whisper over HTTP, the engine server over gRPC) does the same
 * way, written once so that the dialog and the fallback wrapper see the same behaviour whatever
 * the backend. The transport stays in each backend's file.
 */

/**
 * The engine face of a remote recogniser: no new stream once closed, and readiness from `probe`
 * (at most once per 2 s: /readyz is polled) until then, "closed" after.
 */
export function remoteAsrEngine(parts: {
  name: string;
  sampleRate: number;
  createStream(streamOptions: AsrStreamOptions): AsrStream;
  /** A cheap check that the server is there (no recognition work on it). */
  probe(): Promise<EngineReadiness>;
  /** Drops what is in flight (sockets, requests, the channel). */
  close(): void;
}): AsrEngine {
  const { name } = parts;
  let closed = false;
  const probe = cachedProbe(parts.probe);
  return {
    name,
    sampleRate: parts.sampleRate,
    createStream(streamOptions: AsrStreamOptions = {}) {
      if (closed) throw new EngineError(name, `${name} is closed`);
      return parts.createStream(streamOptions);
    },
    async close() {
      closed = true;
      parts.close();
    },
    readiness: () => (closed ? Promise.resolve({ ready: false, detail: `${name} is closed` }) : probe()),
  };
}

type Settle = { resolve(final: AsrFinal): void; reject(err: Error): void };

/**
 * One utterance on a streaming remote recogniser (Vosk, the engine server), as far as its result
 * goes: finalize is refused as every stream refuses it (finalizeRefusal), the result must come
 * within `timeoutMs` of it, and a failure reaches whoever is waiting, finalize's caller or
 * `onError`. The stream owns its transport and says when the utterance is over.
 */
export class RemoteUtterance {
  failure: EngineError | null = null;
  cancelled = false;
  finalizing = false;
  private settle: Settle | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly name: string,
    private readonly timeoutMs: number,
    private readonly onError?: (err: Error) => void,
  ) {}

  /**
   * finalize(): `send` tells the server the utterance is over, or returns the result that is
   * already in; past the deadline `onTimeout` gets the timeout to fail the stream with.
   */
  finalize(send: () => AsrFinal | null | void, onTimeout: (err: EngineTimeoutError) => void): Promise<AsrFinal> {
    const refused = finalizeRefusal(this.name, this);
    if (refused) return Promise.reject(refused);
    this.finalizing = true;
    return new Promise<AsrFinal>((resolve, reject) => {
      this.settle = { resolve, reject };
      const already = send();
      if (already) return resolve(already);
      this.timer = setTimeout(() => onTimeout(noFinalResult(this.name, this.timeoutMs)), this.timeoutMs);
    });
  }

  /** The result came, or the utterance failed or was cancelled: no deadline any more. */
  clearDeadline(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The result, to finalize's caller if there is one yet. */
  resolve(final: AsrFinal): void {
    this.settle?.resolve(final);
  }

  /** Records the failure, lets the stream `close` its transport, then tells finalize's caller, or `onError` before finalize. */
  fail(err: EngineError, close: () => void): void {
    this.failure = err;
    close();
    if (this.settle) this.settle.reject(err);
    else this.onError?.(err);
  }

  /** A finalize still waiting hears that the utterance was cancelled. */
  rejectCancelled(): void {
    this.settle?.reject(new EngineError(this.name, 'utterance was cancelled'));
  }
}
