import type { Context } from 'hono';
import { ApiError } from './errors.js';

/** The request body as JSON, or a 400 `bad_json` naming what was expected. */
export async function readJson(c: Context, expected = 'Body must be JSON'): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new ApiError(400, 'bad_json', expected);
  }
}
