import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.js';
import { ApiError } from '../src/http/errors.js';

/** A logger that keeps what it is given, as pino would receive it. */
function recordingLogger() {
  const lines: { obj: Record<string, unknown>; msg?: string }[] = [];
  return { lines, error: (obj: object, msg?: string) => lines.push({ obj: obj as Record<string, unknown>, msg }) };
}

function appWith(logger: ReturnType<typeof recordingLogger>) {
  const pages = new Hono();
  pages.get('/boom', () => {
    throw new TypeError('cannot read the knowledge base');
  });
  pages.get('/missing', () => {
    throw new ApiError(404, 'faq_not_found', 'No FAQ with id "x"');
  });
  return createApp({ adminKeys: () => [], api: [], pages: [{ path: '/p', app: pages }], readiness: [], renderMetrics: async () => '', logger });
}

describe('unexpected errors behind a 500', () => {
  it('go to the service logger with the request, and the client gets no internals', async () => {
    const logger = recordingLogger();
    const res = await appWith(logger).request('/p/boom');
    expect(res.status).toBe(500);
    expect(JSON.stringify(await res.json())).not.toContain('knowledge base');
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0].msg).toBe('request failed');
    expect(logger.lines[0].obj).toMatchObject({ method: 'GET', path: '/p/boom' });
    expect((logger.lines[0].obj.err as Error).message).toBe('cannot read the knowledge base');
  });

  it('an API error is an answer, not a failure: nothing is logged', async () => {
    const logger = recordingLogger();
    const res = await appWith(logger).request('/p/missing');
    expect(res.status).toBe(404);
    expect(logger.lines).toEqual([]);
  });
});
