import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { readJson } from '../http/body.js';
import { ApiError, sendError } from '../http/errors.js';
import type { KnowledgeService } from './service.js';
import { LIMITS, validateFaq } from './validate.js';

/**
 * Ops API for the FAQ, mounted by the app under `/api/faqs` behind `requireAdminKey`:
 *   POST   /import                 JSON or CSV body (or multipart field "file"); ?mode=merge upserts
 *   GET    /                       live FAQs
 *   GET    /versions               every version, newest first
 *   POST   /versions/:v/rollback   make version v live again (as a new version)
 *   GET    /quality                what the NLU fitted to the live FAQ expects: answer rate, confusable
 *                                   pairs, FAQs needing phrasings (also in the import response)
 *   GET    /:id, PUT /:id, DELETE /:id
 * A rejected import answers 422 with the per-row report and changes nothing.
 */
export interface FaqRoutesDeps {
  kb: KnowledgeService;
  /** When given, a change is answered only once the NLU for it is live (`ready()`). */
  nlu?: { ready(): Promise<void>; quality?(): unknown };
}

// Exported for the OpenAPI description of /api (src/http/api-operations.ts).
export const idParam = z.string().min(1).max(LIMITS.idLength);
export const modeQuery = z.enum(['replace', 'merge']).default('replace');
export const versionParam = z.coerce.number().int().positive();

export function createFaqRoutes(deps: FaqRoutesDeps): Hono {
  const { kb } = deps;
  const live = async () => {
    await deps.nlu?.ready();
  };
  const app = new Hono();
  app.onError((err, c) => sendError(c, err));

  // Refuse an oversized upload while it streams in, not after it has been buffered.
  const limit = bodyLimit({
    maxSize: LIMITS.fileBytes,
    onError: () => {
      throw new ApiError(413, 'too_large', `The file is larger than ${LIMITS.fileBytes} bytes`);
    },
  });

  app.post('/import', limit, async (c) => {
    const mode = modeQuery.safeParse(c.req.query('mode') ?? undefined);
    if (!mode.success) throw new ApiError(400, 'bad_request', 'mode must be replace or merge');
    const { bytes, contentType, filename } = await readUpload(c);
    const report = await kb.importFile(bytes, { mode: mode.data, contentType, filename });
    if (!report.ok) {
      const bad = report.rows.filter((r) => r.status === 'error');
      throw new ApiError(
        422,
        'invalid_faq_file',
        bad.length
          ? `${bad.length} row(s) have problems (rows ${bad.map((r) => r.row).join(', ')}); nothing was imported`
          : `${report.problems.map((p) => p.message).join('; ')}; nothing was imported`,
        report,
      );
    }
    await live();
    return c.json({ ...report, quality: deps.nlu?.quality?.() ?? null });
  });

  app.get('/quality', async (c) => {
    await live();
    const quality = deps.nlu?.quality?.() ?? null;
    if (!quality) throw new ApiError(404, 'not_found', 'No quality report: the NLU model fits nothing to this knowledge base (or it is empty)');
    return c.json(quality);
  });

  app.get('/', (c) => {
    const snapshot = kb.current();
    return c.json({ version: snapshot.version, faqs: snapshot.faqs });
  });

  app.get('/versions', async (c) => c.json({ versions: await kb.versions() }));

  app.post('/versions/:v/rollback', async (c) => {
    const v = versionParam.safeParse(c.req.param('v'));
    if (!v.success) throw new ApiError(400, 'bad_request', 'version must be a positive integer');
    const result = await kb.rollback(v.data);
    if (!result) throw new ApiError(404, 'not_found', `No version ${v.data}`);
    await live();
    return c.json({ ...result, restored: v.data });
  });

  app.get('/:id', (c) => {
    const faq = kb.get(idOf(c));
    if (!faq) throw new ApiError(404, 'not_found', `No FAQ "${c.req.param('id')}"`);
    return c.json({ version: kb.current().version, faq });
  });

  app.put('/:id', async (c) => {
    const id = idOf(c);
    const body = await readJson(c, 'Body must be a JSON FAQ');
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'bad_request', 'Body must be a JSON object');
    const input = { ...(body as Record<string, unknown>), id: (body as { id?: unknown }).id ?? id };
    if (input.id !== id) throw new ApiError(400, 'id_mismatch', `Body id "${String(input.id)}" differs from the URL id "${id}"`);
    const result = validateFaq(input);
    if (!result.faq) throw new ApiError(422, 'invalid_faq', 'The FAQ has problems; nothing was changed', { problems: result.problems });
    const existed = kb.get(id) !== undefined;
    const commit = await kb.put(result.faq);
    await live();
    return c.json({ ...commit, faq: result.faq }, existed ? 200 : 201);
  });

  app.delete('/:id', async (c) => {
    const result = await kb.remove(idOf(c));
    if (!result) throw new ApiError(404, 'not_found', `No FAQ "${c.req.param('id')}"`);
    await live();
    return c.json(result);
  });

  return app;
}

function idOf(c: Context): string {
  const id = idParam.safeParse(c.req.param('id'));
  if (!id.success) throw new ApiError(400, 'bad_request', 'Invalid FAQ id');
  return id.data;
}

async function readUpload(c: Context): Promise<{ bytes: Uint8Array; contentType?: string; filename?: string }> {
  const contentType = c.req.header('content-type') ?? '';
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > LIMITS.fileBytes) throw new ApiError(413, 'too_large', `The file is larger than ${LIMITS.fileBytes} bytes`);
  if (contentType.startsWith('multipart/form-data')) {
    const form = await c.req.formData();
    const file = form.get('file');
    if (!file || typeof file === 'string') throw new ApiError(400, 'bad_request', 'multipart upload needs a "file" field');
    return { bytes: new Uint8Array(await file.arrayBuffer()), contentType: file.type, filename: file.name };
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > LIMITS.fileBytes) throw new ApiError(413, 'too_large', `The file is larger than ${LIMITS.fileBytes} bytes`);
  const filename = c.req.query('filename') ?? undefined;
  return { bytes, contentType, filename };
}
