import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMITS } from '../src/http/body-limits.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';
import { startConsoleServer } from './helpers/console_server.js';

// The HTTP surface as the console's harness wires it (FAQ, NLU, calls, console pages), on a real port.
let db: TestDatabase;
let server: Awaited<ReturnType<typeof startConsoleServer>>;

beforeAll(async () => {
  db = await freshPglite();
  server = await startConsoleServer(db.database);
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

/**
 * Sends `bytes` in 64 KiB chunks with no Content-Length (only counting as it arrives can stop it)
 * until the server answers; the answer's status and how much had been sent by then.
 */
function streamUntilAnswered(path: string, headers: Record<string, string>, bytes: number, opts: { fill?: number; declared?: boolean } = {}): Promise<{ status: number; sent: number; body: string }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const length = opts.declared ? { 'content-length': String(bytes) } : { 'transfer-encoding': 'chunked' };
    const req = request(server.base + path, { method: 'POST', headers: { ...headers, ...length } }, (res) => {
      answered = true;
      const at = sent;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      // The server may close the connection right after its answer (the rest of the body is unwanted).
      const done = () => {
        resolve({ status: res.statusCode ?? 0, sent: at, body });
        req.destroy();
      };
      res.on('end', done);
      res.on('close', done);
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const chunk = Buffer.alloc(64 * 1024, opts.fill ?? 0x61);
    if (opts.declared) {
      // Headers only, no byte of the body: the declared length alone must be enough for the answer.
      req.flushHeaders();
      return;
    }
    const pump = () => {
      while (!answered && sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(server.base + path, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

describe('request body limits', () => {
  it('a sign-in form larger than 1 MiB is refused with 413, declared or streamed', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded', origin: server.base };
    // Declared: refused on the Content-Length alone, before any of the body is sent.
    const declared = await streamUntilAnswered('/console/login', form, 2 * BODY_LIMITS.outsideApi, { declared: true });
    expect(declared.status).toBe(413);
    expect((JSON.parse(declared.body) as { error: { code: string } }).error.code).toBe('too_large');
    // Streamed: answered 413 once past the limit, long before the 16 MiB the client would send.
    const streamed = await streamUntilAnswered('/console/login', form, 16 * BODY_LIMITS.outsideApi);
    expect(streamed.status).toBe(413);
    expect(streamed.sent).toBeLessThan(8 * BODY_LIMITS.outsideApi);
    // A normal wrong sign-in is still answered as one.
    expect((await post('/console/login', 'username=a&password=wrong-password', form)).status).toBe(401);
  });

  it('an /api JSON body over 8 MiB is refused before the route parses it', async () => {
    const auth = { authorization: 'Bearer console-browser-admin-key-0123456789', 'content-type': 'application/json' };
    const huge = await streamUntilAnswered('/api/nlu/parse', auth, 4 * BODY_LIMITS.apiJson, { fill: 0x20 });
    expect(huge.status).toBe(413);
    expect(huge.sent).toBeLessThan(2 * BODY_LIMITS.apiJson);
    expect((await post('/api/nlu/parse', JSON.stringify({ text: 'اینترنتم قطع شده' }), auth)).status).toBe(200);
  });

  it('a file route takes a file beyond the JSON limit and keeps its own, larger limit', async () => {
    const auth = { authorization: 'Bearer console-browser-admin-key-0123456789', 'content-type': 'application/json' };
    // 9 MiB of JSON in the wrong shape: past the fence, refused by the import's own check (422), not for its size.
    const big = await post('/api/faqs/import', `{"faqs": "${'ا'.repeat((9 * 1024 * 1024) / 2)}"}`, auth);
    expect(big.status).toBe(422);
    const over = await streamUntilAnswered('/api/faqs/import', auth, 2 * BODY_LIMITS.apiUpload);
    expect(over.status).toBe(413);
    expect(over.sent).toBeLessThan(1.5 * BODY_LIMITS.apiUpload);
  });
});
