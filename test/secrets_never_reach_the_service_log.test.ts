import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createTtsEngine } from '../src/engines/factory.js';
import { fetchStoredCall, speechFor } from '../src/sim/cli.js';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';
import { freshPostgres, type TestDatabase } from './helpers/databases.js';

// The real `pasokh serve` process at its most talkative (trace), its stdout and stderr captured
// whole, through a call, an FAQ import, console sign-ins, campaigns whose Twilio and AMI dialers
// fail, a hand-off whose Twilio transfer fails, and wrong credentials at every door. Then the log
// is searched for every secret it was given, as written and in the forms they travel in.
const SECRETS = {
  adminKey: 'adm1n-KEY-7f3c9a1e5b2d4c6a',
  mediaToken: 'med1a-TOKEN-2b8e4f6a9c1d3e5f',
  dbPassword: 'db-PASS-c4e6a8b1d3f5e7a9',
  consolePassword: 'console-PASS-9d7b5f3a1c8e6',
  twilioAuthToken: 'tw1l1o-AUTH-e1c3a5f7b9d2c4e6',
  amiSecret: 'am1-SECRET-a7c9e1b3d5f2a4c6',
  // A wrong key one character off the right one is as good as the key to whoever reads the log.
  nearMissKey: 'adm1n-KEY-7f3c9a1e5b2d4c6b',
};

let db: TestDatabase;
let proc: ChildProcess;
let log = '';
let base = '';

/** A TCP port nothing listens on: dialers and transfers aimed at it fail at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const api = (path: string, init: RequestInit = {}, key = SECRETS.adminKey) =>
  fetch(`${base}/api${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

beforeAll(async () => {
  db = await freshPostgres();
  const dead = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'pasokh-secrets-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      audio: { vad: 'energy' },
      handoff: { transfer: { kind: 'twilio', accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: SECRETS.twilioAuthToken, apiBaseUrl: `http://127.0.0.1:${dead}`, dial: '+982100000000' } },
      campaigns: { tickMs: 200 },
    }),
  );
  // Trust auth ignores the password, so it can be one only this test knows.
  const databaseUrl = db.url!.replace('postgres://postgres@', `postgres://postgres:${SECRETS.dbPassword}@`);
  // The caller's question is synthesised while the service starts.
  const spokenQuestion = (async () => {
    const tts = await createTtsEngine(loadConfig({}, {}));
    const pcm = await speechFor(tts, 'اینترنتم قطع شده چیکار کنم');
    await tts.close();
    return pcm;
  })();
  proc = spawn(process.execPath, ['bin/pasokh.js', 'serve'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      PASOKH_DATA_DIR: dir,
      PASOKH_CONFIG: configFile,
      PASOKH_LOG_LEVEL: 'trace',
      DATABASE_URL: databaseUrl,
      PASOKH_ADMIN_KEY: SECRETS.adminKey,
      PASOKH_MEDIA_TOKEN: SECRETS.mediaToken,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  base = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*Pasokh is answering/.exec(log);
      if (m) {
        clearInterval(timer);
        resolve(m[1]);
      }
    }, 100);
    proc.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`pasokh serve exited ${code}:\n${log}`));
    });
  });

  async function theOtherSteps() {
    // 2. An FAQ import, and the admin API with a wrong key.
    const faqs = [{ id: 'router_reset', question: 'مودم را چطور ریست کنم؟', answer: 'دکمه‌ی ریست پشت مودم را ده ثانیه نگه دارید.', examples: ['ریست کردن مودم', 'مودمم رو چطوری ریست کنم'] }];
    expect((await api('/faqs/import?mode=merge', { method: 'POST', body: JSON.stringify({ faqs }) })).status).toBe(200);
    expect((await api('/faqs', {}, SECRETS.nearMissKey)).status).toBe(403);

    // 3. A console user, signed in with the right password and once with a wrong one.
    expect((await api('/users', { method: 'POST', body: JSON.stringify({ username: 'ops.maryam', password: SECRETS.consolePassword, role: 'ops' }) })).status).toBeLessThan(300);
    const login = (password: string) =>
      fetch(`${base}/console/login`, { method: 'POST', redirect: 'manual', headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: 'ops.maryam', password, next: '/console' }) });
    expect((await login(SECRETS.consolePassword)).status).toBe(303);
    expect((await login(`${SECRETS.consolePassword}x`)).status).toBe(401);

    // 4. Two campaigns whose dialers cannot reach their Twilio API or AMI, started with a contact.
    const everyHour = { timezone: 'Asia/Tehran', windows: [{ days: ['sat', 'sun', 'mon', 'tue', 'wed', 'thu', 'fri'], from: '00:00', to: '24:00' }] };
    const dialers = [
      { kind: 'twilio', accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: SECRETS.twilioAuthToken, from: '+982100000000', apiBaseUrl: `http://127.0.0.1:${dead}`, publicUrl: base },
      { kind: 'ami', host: '127.0.0.1', port: dead, username: 'pasokh', secret: SECRETS.amiSecret, channel: 'PJSIP/{national}@trunk' },
    ];
    for (const dialer of dialers) {
      const created = await api('/campaigns', { method: 'POST', body: JSON.stringify({ name: `اطلاع‌رسانی ${dialer.kind}`, kind: 'notify', script: { message: 'قبض شما صادر شد.' }, dialer, schedule: everyHour }) });
      expect(created.status, await created.clone().text()).toBe(201);
      const { id } = (await created.json()) as { id: string };
      expect((await api(`/campaigns/${id}/contacts`, { method: 'POST', body: JSON.stringify({ contacts: [{ phone: '09121234567', name: 'مریم' }] }) })).status).toBe(200);
      expect((await api(`/campaigns/${id}/start`, { method: 'POST' })).status).toBe(200);
    }
    // The scheduler ticks every 200 ms: wait until both dial attempts have failed and been logged.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const attempts = await Promise.all(
        ((await (await api('/campaigns')).json()) as { campaigns: { id: string }[] }).campaigns.map(async (c) => ((await (await api(`/campaigns/${c.id}/results`)).json()) as { results: { attempts: unknown[] }[] }).results.flatMap((r) => r.attempts)),
      );
      if (attempts.every((a) => a.length > 0)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  // 1. A whole call: the greeting, a question answered aloud, then 0 for a person, whose Twilio
  //    transfer fails (nothing listens) and leaves the caller waiting for the desk. The call spends
  //    its time on audio paced in real time, so steps 2 to 4 run while it goes on.
  const question = await spokenQuestion;
  const wsUrl = `${base.replace('http', 'ws')}/media/twilio`;
  const theCall = (async () => {
    const call = await simulateTwilioCall({ url: wsUrl, token: SECRETS.mediaToken, steps: [{ kind: 'speech', pcm: question, label: 'outage' }, { kind: 'dtmf', digit: '0' }], hangUpAtEnd: true });
    expect(await fetchStoredCall(base, SECRETS.adminKey, call.callSid)).not.toBeNull();
    // A stream with a wrong token is refused.
    await simulateTwilioCall({ url: wsUrl, token: SECRETS.nearMissKey, steps: [], answerTimeoutMs: 1500 });
  })();
  await Promise.all([theCall, theOtherSteps()]);

  proc.kill('SIGTERM');
  await new Promise((resolve) => proc.once('exit', resolve));
  // Kept for whoever reads a failure (it holds no secret while the test passes).
  mkdirSync('test-output', { recursive: true });
  writeFileSync('test-output/secrets-service-log.txt', log);
}, 420_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  await db?.drop();
});

/** A secret as written, URL-encoded, and inside HTTP Basic credentials (Twilio's API, Asterisk's websocket). */
function forms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), Buffer.from(`AC0123456789abcdef0123456789abcdef:${secret}`).toString('base64'), Buffer.from(`asterisk:${secret}`).toString('base64')];
}

describe('the service log', () => {
  it('was written through every step, the failures included', () => {
    // Each step left its line, so a secret's absence from the log means something.
    const lines = log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; err?: string; error?: string });
    const said = (msg: string) => lines.filter((l) => l.msg === msg);
    expect(said('Pasokh is answering')).toHaveLength(1);
    expect(said('call started').length).toBeGreaterThanOrEqual(1);
    expect(said('handoff: transfer failed, waiting for the desk')).toHaveLength(1);
    expect(said('media stream rejected: missing or invalid media token')).toHaveLength(1);
    // One campaign call not placed through Twilio's API, one through AMI.
    expect(said('call not placed').map((l) => l.err ?? l.error)).toEqual(expect.arrayContaining(['fetch failed', expect.stringContaining('Cannot reach AMI')]));
  });

  it.each(Object.entries(SECRETS))('never holds the %s', (_name, secret) => {
    for (const form of forms(secret)) {
      const at = log.indexOf(form);
      expect(at, at < 0 ? '' : log.slice(Math.max(0, at - 300), at + 100)).toBe(-1);
    }
  });
});
