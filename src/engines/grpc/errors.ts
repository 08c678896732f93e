import * as grpc from '@grpc/grpc-js';
import { EngineError, EngineRequestError, EngineTimeoutError, EngineUnavailableError } from '../errors.js';

/** Turns a gRPC status into the engine error the rest of Pasokh understands. */
export function fromGrpcError(engine: string, err: unknown, timeoutMs: number): EngineError {
  const e = err as Partial<grpc.ServiceError>;
  const code = typeof e?.code === 'number' ? e.code : undefined;
  const details = e?.details || (err as Error)?.message || String(err);
  switch (code) {
    case grpc.status.DEADLINE_EXCEEDED:
      return new EngineTimeoutError(engine, timeoutMs, `${engine}: deadline exceeded (${details})`, { cause: err });
    case grpc.status.UNAVAILABLE:
    case grpc.status.CANCELLED: // cancelled by the server side = it went away (our own cancels are not reported)
    case grpc.status.RESOURCE_EXHAUSTED:
    case grpc.status.ABORTED:
      return new EngineUnavailableError(engine, `${engine} unavailable: ${details}`, { cause: err });
    case grpc.status.INVALID_ARGUMENT:
    case grpc.status.NOT_FOUND:
    case grpc.status.UNIMPLEMENTED:
    case grpc.status.FAILED_PRECONDITION:
    case grpc.status.OUT_OF_RANGE:
      return new EngineRequestError(engine, `${engine} refused the request: ${details}`, { cause: err });
    default:
      // INTERNAL / UNKNOWN: the remote engine failed, or the connection broke mid-stream
      // (grpc-js reports a dropped HTTP/2 stream as INTERNAL). Either way the engine is not usable now.
      return new EngineUnavailableError(engine, `${engine} failed: ${details}`, { cause: err });
  }
}
