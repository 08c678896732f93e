import { z } from 'zod';

/**
 * One operation of the admin API as /api/openapi.json describes it. The zod schemas are the ones
 * the route validates with (exported from its module), so the description cannot drift from what
 * the route accepts; `test/openapi_describes_every_api_route.test.ts` fails when a route the app
 * registers has no entry, or an entry names no route.
 */
export interface ApiOperation {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  /** As Hono writes it, whole: `/api/calls/:id`. */
  path: string;
  tag: string;
  summary: string;
  /** The query string's schema (an object). */
  query?: z.ZodType;
  /** Schemas of path parameters; a parameter without one is described as a string. */
  params?: Record<string, z.ZodType>;
  /** A JSON body's schema. */
  body?: z.ZodType;
  /** Content types of a file body (CSV, JSON file, WAV…), sent as is or as multipart field `file`. */
  upload?: string[];
  /** Content type of a success answer that is not JSON (a WAV, a CSV). */
  produces?: string;
  /** Status of the success answer when not 200 (201 created, 204 no content). */
  success?: number;
  /** Error answers the route gives besides the ones every /api route can give (400, 401, 403). */
  errors?: Record<number, string>;
}

type JsonSchema = Record<string, unknown>;

/** Request side: what a client may send (defaults optional, transforms read as their input). */
function schemaOf(type: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(type, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return schema;
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ERROR_REF } } });

function parametersOf(op: ApiOperation): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const name of [...op.path.matchAll(/:(\w+)/g)].map((m) => m[1])) {
    const schema = op.params?.[name] ? schemaOf(op.params[name]) : { type: 'string' };
    out.push({ name, in: 'path', required: true, schema });
  }
  if (op.query) {
    const q = schemaOf(op.query);
    const required = new Set((q.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((q.properties as Record<string, JsonSchema> | undefined) ?? {})) {
      out.push({ name, in: 'query', required: required.has(name), schema, ...(typeof schema.description === 'string' ? { description: schema.description } : {}) });
    }
  }
  return out;
}

function operationOf(op: ApiOperation): JsonSchema {
  const success = op.success ?? 200;
  const responses: Record<string, unknown> = {
    [success]:
      success === 204
        ? { description: 'Done' }
        : { description: 'OK', content: { [op.produces ?? 'application/json']: { schema: op.produces ? { type: 'string', contentMediaType: op.produces } : {} } } },
    400: errorResponse('The request is not valid: `error.details` names the fields'),
    401: errorResponse('No credentials: `Authorization: Bearer <admin key>` or a console session'),
    403: errorResponse("Wrong admin key, or the session's role may not do this"),
  };
  for (const [status, description] of Object.entries(op.errors ?? {})) responses[status] = errorResponse(description);
  const operation: JsonSchema = {
    operationId: `${op.method}${op.path.replace(/^\/api/, '').replace(/[/:.]+(\w)/g, (_, c: string) => c.toUpperCase()).replace(/\W/g, '')}`,
    tags: [op.tag],
    summary: op.summary,
    responses,
  };
  const parameters = parametersOf(op);
  if (parameters.length) operation.parameters = parameters;
  if (op.body) operation.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(op.body) } } };
  if (op.upload) {
    const file = { type: 'string', contentMediaType: 'application/octet-stream' };
    operation.requestBody = {
      required: true,
      content: Object.fromEntries([
        ...op.upload.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }]),
        ['multipart/form-data', { schema: { type: 'object', properties: { file }, required: ['file'] } }],
      ]),
    };
  }
  return operation;
}

/** `/api/calls/:id` → `/api/calls/{id}`. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:(\w+)/g, '{$1}');

/** The OpenAPI 3.1 document of the admin API (JSON Schema 2020-12, which zod writes). */
export function buildOpenApi(operations: readonly ApiOperation[], info: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const path = openApiPath(op.path);
    paths[path] ??= {};
    if (paths[path][op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} is described twice`);
    paths[path][op.method] = operationOf(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pasokh admin API',
      version: info.version,
      description:
        'Calls, FAQs, the NLU, KPIs, the hand-off queue, campaigns, recordings and console users. Every route needs `Authorization: Bearer <admin key>` or a console session cookie (changes then need the `X-CSRF-Token` header). Errors are `{"error": {"code", "message", "details"?}}`.',
    },
    servers: [{ url: '/' }],
    security: [{ adminKey: [] }, { consoleSession: [] }],
    tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        adminKey: { type: 'http', scheme: 'bearer', description: 'An admin key (security.adminKeys, env PASOKH_ADMIN_KEY)' },
        consoleSession: { type: 'apiKey', in: 'cookie', name: 'pasokh_session', description: "A console user's session (POST /console/login)" },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } },
        },
      },
    },
  };
}
