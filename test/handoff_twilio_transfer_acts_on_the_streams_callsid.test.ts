import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { startService, type RunningService } from '../src/service.js';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';

/**
 * From a Twilio `start` through key 0 to Twilio's call-update REST API: the redirect must name the
 * CallSid of the stream's own call, or the caller never leaves Pasokh.
 */
const ADMIN = 'twilio-admin-key-0123456789';
const TOKEN = 'twilio-media-token-0123456789';
const updates: Array<{ url: string; body: string }> = [];
const twilio = setupServer(
  http.post('https://api.twilio.com/2010-04-01/Accounts/:account/Calls/:call', async ({ request }) => {
    updates.push({ url: request.url, body: await request.text() });
    return HttpResponse.json({ sid: 'CA', status: 'in-progress' });
  }),
);
let service: RunningService;

beforeAll(async () => {
  // Only the provider's API is faked; the service, its socket and its database are real.
  twilio.listen({ onUnhandledRequest: 'bypass' });
  service = await startService(
    loadConfig({}, {
      port: 0,
      host: '127.0.0.1',
      dataDir: mkdtempSync(join(tmpdir(), 'pasokh-twilio-transfer-')),
      logLevel: 'silent',
      security: { adminKeys: [ADMIN], mediaTokens: [TOKEN] },
      handoff: { transfer: { kind: 'twilio', accountSid: 'AC0123456789abcdef', authToken: 'auth-token-secret', dial: '+982191001234' } },
    }),
  );
}, 180_000);

afterAll(async () => {
  await service?.stop();
  twilio.close();
});

describe('a caller on Twilio who presses 0', () => {
  it('is redirected by Twilio call update on the CallSid that started the stream', async () => {
    const result = await simulateTwilioCall({
      url: `${service.url.replace('http', 'ws')}/media/twilio`,
      token: TOKEN,
      steps: [{ kind: 'dtmf', digit: '0' }, { kind: 'wait', until: async () => { const end = Date.now() + 15_000; while (updates.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50)); } }],
      hangUpAtEnd: true,
    });
    expect(updates).toHaveLength(1);
    expect(new URL(updates[0].url).pathname).toBe(`/2010-04-01/Accounts/AC0123456789abcdef/Calls/${result.callSid}.json`);
    expect(new URLSearchParams(updates[0].body).get('Twiml')).toBe('<Response><Dial>+982191001234</Dial></Response>');
  });
});
