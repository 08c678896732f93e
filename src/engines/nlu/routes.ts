import { Hono } from 'hono';
import { readJson } from '../../http/body.js';
import { z } from 'zod';
import { ApiError, sendError } from '../../http/errors.js';
import type { NluProvider } from './types.js';

/**
 * `POST /parse {"text", "choices"?}` → what the bot understood, mounted by the app under
 * `/api/nlu` behind `requireAdminKey`. `intent` is null when the request is rejected.
 */
export interface NluRoutesDeps {
  nlu: NluProvider;
}

/** Exported for the OpenAPI description of /api (src/http/api-operations.ts). */
export const parseBody = z.object({
  text: z.string({ error: 'text is required' }).max(2000, 'text is longer than 2000 characters'),
  choices: z.array(z.string().max(64)).max(9).optional(),
});

export function createNluRoutes(deps: NluRoutesDeps): Hono {
  const app = new Hono();
  app.onError((err, c) => sendError(c, err));
  app.post('/parse', async (c) => {
    const raw = await readJson(c, 'Body must be JSON: {"text": "..."}');
    const body = parseBody.safeParse(raw);
    if (!body.success) {
      throw new ApiError(400, 'bad_request', body.error.issues.map((i) => i.message).join('; '), { issues: body.error.issues });
    }
    const engine = deps.nlu.current();
    const t0 = performance.now();
    const r = engine.parse(body.data.text, { choices: body.data.choices });
    const parseMs = performance.now() - t0;
    return c.json({
      intent: r.intent,
      confidence: Math.round(r.confidence * 1e4) / 1e4,
      action: r.action,
      answer: r.answer,
      queue: r.queue,
      alternatives: r.alternatives.map((a) => ({ ...a, confidence: Math.round(a.confidence * 1e4) / 1e4 })),
      slots: r.slots,
      system: r.system,
      kbVersion: r.kbVersion,
      threshold: engine.threshold,
      parseMs: Math.round(parseMs * 1000) / 1000,
    });
  });
  return app;
}
