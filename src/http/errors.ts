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
