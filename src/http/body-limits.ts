import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { LIMITS as FAQ_LIMITS } from '../knowledge/validate.js';
import type { ApiOperation } from './openapi.js';
import { errorBody } from './errors.js';

/**
 * Request body limits for the whole HTTP surface, checked while the body streams in (a declared
 * Content-Length over the limit is refused before a byte is read; a chunked body is cut off when
 * it passes the limit), so no route buffers an unbounded body. Routes keep their own, tighter
 * limits (FAQ files, recordings, contact lists); these are the outer fence:
 *
 * - outside /api (sign-in forms, the desk's API, Twilio's webhooks; some need no credentials): 1 MiB;
 * - /api JSON: 8 MiB — the largest valid bodies are a do-not-call list of 100,000 numbers (~2 MB)
 *   and one FAQ with 5,000 phrasings of up to 500 characters (~5 MB of Persian UTF-8);
 * - /api routes that take a file (those with `upload` in the API description): the largest file
 *   any of them accepts, the FAQ import's 64 MB.
 */
export const BODY_LIMITS = {
  outsideApi: 1024 * 1024,
  apiJson: 8 * 1024 * 1024,
  apiUpload: FAQ_LIMITS.fileBytes,
} as const;

const tooLarge = (maxSize: number) =>
  new Response(JSON.stringify(errorBody('too_large', `The request body is larger than ${maxSize} bytes`)), { status: 413, headers: { 'content-type': 'application/json' } });

const limit = (maxSize: number) => bodyLimit({ maxSize, onError: () => tooLarge(maxSize) });

/** `/api/campaigns/:id/contacts` → a pattern matching its concrete paths. */
const pathPattern = (honoPath: string) => new RegExp(`^${honoPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}/?$`);

export function requestBodyLimits(operations: readonly ApiOperation[]): MiddlewareHandler {
  const uploads = operations.filter((o) => o.upload).map((o) => ({ method: o.method.toUpperCase(), pattern: pathPattern(o.path) }));
  const outside = limit(BODY_LIMITS.outsideApi);
  const json = limit(BODY_LIMITS.apiJson);
  const upload = limit(BODY_LIMITS.apiUpload);
  return (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next();
    const path = c.req.path;
    if (path !== '/api' && !path.startsWith('/api/')) return outside(c, next);
    return uploads.some((u) => u.method === method && u.pattern.test(path)) ? upload(c, next) : json(c, next);
  };
}
