import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { encodeWav } from '../../audio/wav.js';
import type { KnowledgeBase } from '../../knowledge/types.js';
import { ApiError, logUnexpected, sendError, stderrLogger } from '../../http/errors.js';
import type { Logger } from '../../logger.js';
import type { AnswerCache } from './cache.js';
import { AudioUploadError, checkRecording, decodeUpload, DEFAULT_UPLOAD_LIMITS, type UploadLimits } from './upload.js';

export interface AudioRoutesDeps {
  cache: AnswerCache;
  knowledgeBase: KnowledgeBase;
  /** Fixed prompt texts by key (the dialog's `fixedPrompts()`). */
  prompts: () => Record<string, string>;
  /** Largest request body accepted (default 25 MiB: a minute of 48 kHz stereo WAV is 11 MiB). */
  maxUploadBytes?: number;
  limits?: Partial<UploadLimits>;
  /** Where an unexpected failure behind a 500 is logged (the service's logger). */
  logger?: Pick<Logger, 'error'>;
}

/** Exported for the OpenAPI description of /api (src/http/api-operations.ts). */
export const idParam = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\p{L}\p{N}_.:-]+$/u, 'expected an id made of letters, digits, _ . : -');

interface Target {
  owner: string;
  text: string;
  kind: 'faq' | 'prompt';
}

/**
 * Recorded audio for FAQ answers and fixed prompts, under the admin API (mount it inside `/api`,
 * which does the Bearer check):
 *   PUT    /answers/:faqId/audio   raw WAV/MP3 body or multipart field "file" → 201 with levels
 *   GET    /answers/:faqId/audio   the stored recording as WAV (404 if none)
 *   DELETE /answers/:faqId/audio   back to synthesis (204; 404 if none)
 *   … and the same under /prompts/:key/audio.
 * A refused upload changes nothing: the previous recording (or synthesis) stays in use.
 */
export function createAudioRoutes(deps: AudioRoutesDeps): Hono {
  const app = new Hono();
  const maxBytes = deps.maxUploadBytes ?? 25 * 1024 * 1024;
  const limits: UploadLimits = { ...DEFAULT_UPLOAD_LIMITS, ...deps.limits };

  function faqTarget(c: Context): Target {
    const id = parseId(c.req.param('faqId'), 'faqId');
    const faq = deps.knowledgeBase.current().faqs.find((f) => f.id === id);
    if (!faq) throw new ApiError(404, 'faq_not_found', `No FAQ with id "${id}"`);
    return { owner: `faq:${id}`, text: faq.answer, kind: 'faq' };
  }

  function promptTarget(c: Context): Target {
    const key = parseId(c.req.param('key'), 'key');
    const prompts = deps.prompts();
    if (!Object.prototype.hasOwnProperty.call(prompts, key)) {
      throw new ApiError(404, 'prompt_not_found', `No fixed prompt "${key}"`, { known: Object.keys(prompts).sort() });
    }
    return { owner: `prompt:${key}`, text: prompts[key], kind: 'prompt' };
  }

  async function readBody(c: Context): Promise<Uint8Array> {
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (declared > maxBytes) throw tooLarge(maxBytes);
    const type = (c.req.header('content-type') ?? '').toLowerCase();
    let bytes: Uint8Array;
    if (type.startsWith('multipart/form-data')) {
      const form = await c.req.parseBody().catch(() => {
        throw new ApiError(400, 'bad_request', 'The multipart body cannot be parsed');
      });
      const file = form.file ?? Object.values(form).find((v) => v instanceof File);
      if (!(file instanceof File)) throw new ApiError(400, 'bad_request', 'Send the audio as the multipart field "file"');
      bytes = new Uint8Array(await file.arrayBuffer());
    } else {
      bytes = new Uint8Array(await c.req.arrayBuffer());
    }
    if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
    if (bytes.byteLength === 0) throw new ApiError(400, 'bad_request', 'The request has no audio in its body');
    return bytes;
  }

  async function put(c: Context, target: Target) {
    const bytes = await readBody(c);
    let stored;
    let levels;
    try {
      const decoded = await decodeUpload(bytes);
      const checked = checkRecording(decoded, limits);
      levels = checked.levels;
      stored = await deps.cache.putRecording(target.owner, target.text, checked.audio);
    } catch (err) {
      if (err instanceof AudioUploadError) throw new ApiError(err.status, err.code, err.message, err.details);
      throw err;
    }
    return c.json(
      {
        owner: target.owner,
        text: target.text,
        sampleRate: stored.sampleRate,
        durationMs: Math.round((stored.pcm.length / stored.sampleRate) * 1000),
        createdAt: stored.createdAt.toISOString(),
        levels,
      },
      201,
    );
  }

  async function get(c: Context, target: Target) {
    const rec = await deps.cache.getRecording(target.owner);
    if (!rec) throw new ApiError(404, 'no_recording', `No recording for ${target.owner}; synthesis is used`);
    const wav = encodeWav({ pcm: rec.pcm, sampleRate: rec.sampleRate });
    c.header('content-type', 'audio/wav');
    c.header('content-disposition', `attachment; filename="${target.owner.replace(/[^\w.-]+/g, '_')}.wav"`);
    // A recording plays only for the text it was recorded for: after an edit it is retired.
    c.header('x-recording-current', rec.text === target.text ? 'true' : 'false');
    c.header('x-recording-created-at', rec.createdAt.toISOString());
    return c.body(wav as Uint8Array<ArrayBuffer>, 200);
  }

  async function del(c: Context, target: Target) {
    if (!(await deps.cache.deleteRecording(target.owner))) {
      throw new ApiError(404, 'no_recording', `No recording for ${target.owner}`);
    }
    return c.body(null, 204);
  }

  const wrap = (fn: (c: Context, t: Target) => Promise<Response>, target: (c: Context) => Target) => async (c: Context) => {
    try {
      return await fn(c, target(c));
    } catch (err) {
      logUnexpected(deps.logger ?? stderrLogger, err, c.req);
      return sendError(c, err);
    }
  };

  app.put('/answers/:faqId/audio', wrap(put, faqTarget));
  app.get('/answers/:faqId/audio', wrap(get, faqTarget));
  app.delete('/answers/:faqId/audio', wrap(del, faqTarget));
  app.put('/prompts/:key/audio', wrap(put, promptTarget));
  app.get('/prompts/:key/audio', wrap(get, promptTarget));
  app.delete('/prompts/:key/audio', wrap(del, promptTarget));
  return app;
}

function parseId(raw: string | undefined, name: string): string {
  const parsed = idParam.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, 'bad_request', `Invalid ${name}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function tooLarge(maxBytes: number) {
  return new ApiError(413, 'too_large', `The upload is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`);
}
