import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createTtsEngine } from '../src/engines/factory.js';
import { fetchStoredCall, speechFor, type StoredCall } from '../src/sim/cli.js';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';

// The service runs as it does in production (`pasokh serve`, its pino logger on stdout) at the most
// verbose level, and everything it prints while a caller speaks — a question and a mobile number —
// while ops listen to the turns, correct them with a card and a national-ID number, export them as
// training data, fetch the whole-call recording and delete it, is searched for the transcripts, the
// numbers and the audio. The export command's own output is searched the same way.
const ADMIN = 'logs-admin-key-0123456789';
const TOKEN = 'logs-media-token-0123456789';
const MOBILE = '09123456789';
const CARD = '6037997123456789';
const NATIONAL_ID = '0012345678';
const QUESTION = 'اینترنتم قطع شده چیکار کنم';
const SPOKEN_NUMBER = `شماره موبایلم ${MOBILE} است`;
const CORRECTIONS = [`اینترنت من قطع شده کارت ${CARD}`, `کد ملی من ${NATIONAL_ID} است شماره ${MOBILE}`];

let child: ChildProcess;
let url = '';
let logs = '';
let exportOutput = '';
let stored: StoredCall;
let callId = '';
const audioBytes: Buffer[] = [];

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

/** Every way a number can be written in a log line: ASCII, Persian and Arabic-Indic digits. */
function scripts(digits: string): string[] {
  const fa = digits.replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[Number(d)]);
  const ar = digits.replace(/\d/g, (d) => '٠١٢٣٤٥٦٧٨٩'[Number(d)]);
  return [digits, fa, ar];
}

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pasokh-logs-'));
  const configFile = join(dataDir, 'config.json');
  // VAD on the main thread: what is logged is the point here, not where the detector runs.
  writeFileSync(configFile, JSON.stringify({ recordings: { wholeCall: true }, privacy: { maskNumbers: true }, engines: { vadWorker: false } }));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ['bin/pasokh.js', 'serve'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', PASOKH_DATA_DIR: dataDir, PASOKH_LOG_LEVEL: 'trace', PASOKH_ADMIN_KEY: ADMIN, PASOKH_MEDIA_TOKEN: TOKEN, PASOKH_CONFIG: configFile, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (logs += d));
  child.stderr!.on('data', (d) => (logs += d));
  // The caller's two utterances are synthesised while the service starts.
  const utterances = (async () => {
    const tts = await createTtsEngine(loadConfig({}, { logLevel: 'silent' }));
    const spoken = { question: await speechFor(tts, QUESTION), number: await speechFor(tts, SPOKEN_NUMBER) };
    await tts.close();
    return spoken;
  })();
  for (let i = 0; ; i++) {
    const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    if (i > 1500 || child.exitCode !== null) throw new Error(`service did not start:\n${logs.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  const { question, number } = await utterances;
  const result = await simulateTwilioCall({
    url: `${url.replace('http', 'ws')}/media/twilio`,
    token: TOKEN,
    steps: [
      { kind: 'speech', pcm: question, label: 'question' },
      { kind: 'speech', pcm: number, label: 'mobile number' },
    ],
    hangUpAtEnd: true,
    answerTimeoutMs: 60_000,
  });
  callId = result.callSid;
  stored = (await fetchStoredCall(url, ADMIN, callId))!;
  const speech = stored.turns.filter((t) => t.input === 'speech');
  for (const [i, turn] of speech.entries()) {
    const audio = await api(`/api/calls/${callId}/turns/${turn.seq}/audio`);
    if (audio.ok) audioBytes.push(Buffer.from(await audio.arrayBuffer()));
    const res = await api(`/api/calls/${callId}/turns/${turn.seq}/transcript`, { method: 'PUT', body: JSON.stringify({ text: CORRECTIONS[i % CORRECTIONS.length] }) });
    expect(res.status).toBe(200);
  }
  const exported = await promisify(execFile)('npx', ['tsx', 'tools/asr-export.ts', '--out', join(dataDir, 'export'), '--url', url], { env: { ...process.env, PASOKH_ADMIN_KEY: ADMIN } });
  exportOutput = exported.stdout + exported.stderr;
  const whole = await api(`/api/calls/${callId}/recording`);
  if (whole.ok) audioBytes.push(Buffer.from(await whole.arrayBuffer()));
  expect((await api(`/api/calls/${callId}/recording`, { method: 'DELETE' })).status).toBe(200);

  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}, 600_000);

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

describe("the service's logs during a recorded, corrected and exported call", () => {
  it('were captured: the call is in them, at trace level', () => {
    expect(logs).toContain(callId);
    expect(logs).toContain('"msg":"call started"');
    expect(logs).toContain('"msg":"call ended"');
    expect(stored.turns.filter((t) => t.input === 'speech').length).toBeGreaterThanOrEqual(1);
    expect(audioBytes.length).toBeGreaterThanOrEqual(2); // turn audio and the whole call were really served
    expect(exportOutput).toMatch(/"turns":\s*[1-9]/);
  });

  it("hold no transcript: neither what the recogniser heard, nor the bot's reading of the caller, nor an ops correction", () => {
    const heard = stored.turns.filter((t) => t.input === 'speech').flatMap((t) => (t.heardText ? [t.heardText] : []));
    expect(heard.length).toBeGreaterThan(0);
    for (const out of [logs, exportOutput]) {
      for (const text of [...heard, ...CORRECTIONS, QUESTION]) expect(out).not.toContain(text);
      // Not even a part of one: any three words in a row of what the caller said or ops typed.
      for (const text of [...heard, ...CORRECTIONS]) {
        const words = text.split(/\s+/);
        for (let i = 0; i + 3 <= words.length; i++) expect(out, text).not.toContain(words.slice(i, i + 3).join(' '));
      }
    }
  });

  it('hold no phone, national-ID or card number in any digit script, grouped or not', () => {
    for (const out of [logs, exportOutput]) {
      // Ungrouped view: separators between digits removed, so «6037 9971 …» is caught as well.
      const flat = out.replace(/(?<=\p{Nd})[ \-.](?=\p{Nd})/gu, '');
      for (const number of [MOBILE, MOBILE.slice(1), CARD, NATIONAL_ID]) {
        for (const written of scripts(number)) expect(flat).not.toContain(written);
      }
    }
  });

  it('hold no audio: no sample data, no WAV, no long encoded blob', () => {
    expect(audioBytes.reduce((n, b) => n + b.length, 0)).toBeGreaterThan(50_000);
    for (const out of [logs, exportOutput]) {
      expect(out).not.toContain('RIFF');
      expect(out).not.toContain('UklGR'); // "RIFF" in base64
      // Encoded audio would show up as a long run of base64 or hex; ids and hashes are far shorter.
      expect(out.match(/[A-Za-z0-9+/=]{200,}/g) ?? []).toEqual([]);
      // And as raw sample bytes: control characters other than line breaks and tabs.
      expect(out.match(/[\u0000-\u0008\u000e-\u001f]/g) ?? []).toEqual([]);
      for (const wav of audioBytes) {
        const pcm = wav.subarray(44, 44 + 64);
        expect(out).not.toContain(pcm.toString('base64').slice(0, 40));
        expect(out).not.toContain(pcm.toString('hex').slice(0, 40));
      }
    }
  });
});
