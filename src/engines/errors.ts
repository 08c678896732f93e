/**
 * Typed failures of speech engines, so that callers (the fallback wrappers, the call session)
 * can tell "the engine is gone" from "the engine is too slow" from "we sent it garbage"
 * without parsing messages or knowing about gRPC status codes.
 */
export class EngineError extends Error {
  /** Which engine failed, e.g. "grpc-asr(10.0.0.5:50051)". */
  readonly engine: string;
  constructor(engine: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.engine = engine;
  }
}

/** The engine cannot be reached or has gone away (server down, connection lost, not serving). */
export class EngineUnavailableError extends EngineError {
  constructor(engine: string, message: string, options?: { cause?: unknown }) {
    super(engine, message, options);
    this.name = 'EngineUnavailableError';
  }
}

/** The engine did not answer within its deadline. */
export class EngineTimeoutError extends EngineError {
  readonly timeoutMs: number;
  constructor(engine: string, timeoutMs: number, message?: string, options?: { cause?: unknown }) {
    super(engine, message ?? `${engine} did not answer within ${timeoutMs} ms`, options);
    this.name = 'EngineTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The engine refused the request as malformed (a bug on our side, not an outage). */
export class EngineRequestError extends EngineError {
  constructor(engine: string, message: string, options?: { cause?: unknown }) {
    super(engine, message, options);
    this.name = 'EngineRequestError';
  }
}

/** Why an engine wrapper switched from its primary backend to its fallback. */
export interface EngineFallbackEvent {
  engine: 'asr' | 'tts';
  /** Name of the engine that failed. */
  from: string;
  /** Name of the engine that took over. */
  to: string;
  /**
   * unavailable: primary unreachable or lost mid-stream; timeout: primary too slow;
   * error: primary failed otherwise; circuit-open: primary skipped because it failed recently.
   */
  cause: 'unavailable' | 'timeout' | 'error' | 'circuit-open';
  message: string;
}

export function fallbackCause(err: unknown): EngineFallbackEvent['cause'] {
  if (err instanceof EngineTimeoutError) return 'timeout';
  if (err instanceof EngineUnavailableError) return 'unavailable';
  return 'error';
}
