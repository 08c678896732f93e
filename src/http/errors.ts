import type { Logger } from '../logger.js';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The admin API's one error shape: `{error: {code, message, details}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

export function sendError(c: Context, err: unknown) {
  if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.details), err.status);
  return c.json(errorBody('internal', 'Internal error'), 500);
}

/** Stands in for the service logger where an app is built without one; keeps pino's argument order. */
export const stderrLogger: Pick<Logger, 'error'> = {
  error: (obj, msg) => console.error(msg ?? '', obj),
};

/** Logs what a 500 hides from the client, with the request it came from; ApiErrors are answers, not failures. */
export function logUnexpected(logger: Pick<Logger, 'error'>, err: unknown, request: { method: string; path: string }): void {
  if (!(err instanceof ApiError)) logger.error({ err, method: request.method, path: request.path }, 'request failed');
}
