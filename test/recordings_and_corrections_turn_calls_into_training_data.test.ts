import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../src/audio/wav.js';
import { loadConfig } from '../src/config/load.js';
import { createTtsEngine } from '../src/engines/factory.js';
import { startService, type RunningService } from '../src/service.js';
import { fetchStoredCall, speechFor } from '../src/sim/cli.js';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';

// A real call on the real engines: the caller's words are kept as the recogniser heard them, an ops
// user corrects the transcript through the API, and the export turns the pair into training data.
const ADMIN = 'rec-admin-key-0123456789';
const TOKEN = 'rec-media-token-0123456789';
let service: RunningService;
let dataDir: string;
let outage: Int16Array;
let callId: string;
let speechSeq: number;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${service.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
const put = (path: string, body: unknown) => api(path, { method: 'PUT', body: JSON.stringify(body) });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pasokh-rec-e2e-'));
  const config = loadConfig({}, {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    logLevel: 'silent',
    security: { adminKeys: [ADMIN], mediaTokens: [TOKEN] },
    recordings: { wholeCall: true },
  });
  service = await startService(config);
  const tts = await createTtsEngine(config);
  outage = await speechFor(tts, 'اینترنتم قطع شده چیکار کنم');
  await tts.close();
  const result = await simulateTwilioCall({ url: `${service.url.replace('http', 'ws')}/media/twilio`, token: TOKEN, steps: [{ kind: 'speech', pcm: outage, label: 'outage' }] });
  callId = result.callSid;
  const stored = await fetchStoredCall(service.url, ADMIN, callId);
  speechSeq = stored!.turns.find((t) => t.input === 'speech')!.seq;
}, 180_000);

afterAll(async () => {
  await service?.stop();
});

describe("recordings of a caller's turns", () => {
  it('serves what the recogniser heard in a speech turn as an 8 kHz WAV about as long as the caller spoke', async () => {
    const call = await (await api(`/api/calls/${callId}`)).json();
    const turn = call.turns.find((t: { seq: number }) => t.seq === speechSeq);
    expect(turn).toMatchObject({ input: 'speech', audio: true, correction: null });
    const res = await api(`/api/calls/${callId}/turns/${speechSeq}/audio`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    const wav = decodeWav(new Uint8Array(await res.arrayBuffer()));
    expect(wav.sampleRate).toBe(8000);
    const seconds = wav.pcm.length / 8000;
    expect(seconds).toBeGreaterThan(outage.length / 8000 - 0.3);
    expect(seconds).toBeLessThan(outage.length / 8000 + 1.5); // pre-roll and the silence that ended it
  });

  it('keeps the files readable by the service user only', () => {
    const folder = join(dataDir, 'recordings', callId);
    expect(statSync(join(folder, `turn-${speechSeq}.wav`)).mode & 0o777).toBe(0o600);
    expect(statSync(join(folder, 'call.wav')).mode & 0o777).toBe(0o600);
  });

  it('keeps the whole call as one file when the setting asks for it', async () => {
    const res = await api(`/api/calls/${callId}/recording`);
    expect(res.status).toBe(200);
    const wav = decodeWav(new Uint8Array(await res.arrayBuffer()));
    expect(wav.pcm.length / 8000).toBeGreaterThan(outage.length / 8000);
  });

  it('answers 404 for a turn that has no audio (the greeting) and a call that does not exist', async () => {
    expect((await api(`/api/calls/${callId}/turns/0/audio`)).status).toBe(404);
    expect((await api(`/api/calls/no-such-call/turns/1/audio`)).status).toBe(404);
    expect((await api(`/api/calls/${callId}/turns/x/audio`)).status).toBe(400);
  });
});

describe('corrected transcripts', () => {
  it('stores the correction beside what was heard, with who and when, in Persian letters', async () => {
    const res = await put(`/api/calls/${callId}/turns/${speechSeq}/transcript`, { text: ' اينترنتم  قطع شده چيکار کنم ' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.correction).toMatchObject({ text: 'اینترنتم قطع شده چیکار کنم', by: 'admin-key' });
    expect(Date.parse(body.correction.at)).toBeGreaterThan(Date.now() - 60_000);
    const call = await (await api(`/api/calls/${callId}`)).json();
    const turn = call.turns.find((t: { seq: number }) => t.seq === speechSeq);
    expect(turn.correction.text).toBe('اینترنتم قطع شده چیکار کنم');
    expect(turn.heardText).toBeTruthy(); // what the recogniser heard is unchanged beside it
  });

  it('refuses text with no Persian words, text that is too long, turns that were not speech and turns that do not exist', async () => {
    const latin = await put(`/api/calls/${callId}/turns/${speechSeq}/transcript`, { text: '!!! ???' });
    expect(latin.status).toBe(400);
    expect((await latin.json()).error.code).toBe('not_persian');
    const long = await put(`/api/calls/${callId}/turns/${speechSeq}/transcript`, { text: 'سلام '.repeat(150) });
    expect((await long.json()).error.code).toBe('too_long');
    const greeting = await put(`/api/calls/${callId}/turns/0/transcript`, { text: 'سلام' });
    expect(greeting.status).toBe(409);
    expect((await put(`/api/calls/${callId}/turns/99/transcript`, { text: 'سلام' })).status).toBe(404);
    expect((await put(`/api/calls/${callId}/turns/${speechSeq}/transcript`, { words: 'سلام' })).status).toBe(400);
  });

  it('lists corrected turns for export and exports them with their audio through the API (--url)', async () => {
    const list = await (await api('/api/asr/corrections?since=2020-01-01')).json();
    expect(list.turns).toEqual([expect.objectContaining({ callId, seq: speechSeq, text: 'اینترنتم قطع شده چیکار کنم' })]);

    const out = mkdtempSync(join(tmpdir(), 'pasokh-export-'));
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'tools/asr-export.ts', '--out', out, '--url', service.url], {
      env: { ...process.env, PASOKH_ADMIN_KEY: ADMIN },
    });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({ turns: 1, missingAudio: 0 });
    const lines = readFileSync(join(out, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([{ audio: expect.stringMatching(/^audio\/.+\.wav$/), text: 'اینترنتم قطع شده چیکار کنم', callId, seq: speechSeq, heard: expect.any(String), split: expect.stringMatching(/^(train|heldout)$/) }]);
    expect(decodeWav(readFileSync(join(out, lines[0].audio))).sampleRate).toBe(8000);
  }, 60_000);

  it('can be cleared, and then is no longer exported', async () => {
    const res = await put(`/api/calls/${callId}/turns/${speechSeq}/transcript`, { text: null });
    expect(await res.json()).toMatchObject({ correction: null });
    expect((await (await api('/api/asr/corrections')).json()).turns).toEqual([]);
  });
});

describe("deleting a call's recording (a caller's request)", () => {
  it('removes every file of the call; the turns stay, their audio does not', async () => {
    const res = await api(`/api/calls/${callId}/recording`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect((await res.json()).deleted.files).toBeGreaterThanOrEqual(2);
    expect((await api(`/api/calls/${callId}/turns/${speechSeq}/audio`)).status).toBe(404);
    expect((await api(`/api/calls/${callId}/recording`)).status).toBe(404);
    expect(existsSync(join(dataDir, 'recordings', callId))).toBe(false);
    const call = await (await api(`/api/calls/${callId}`)).json();
    expect(call.turns.find((t: { seq: number }) => t.seq === speechSeq).audio).toBe(false);
    expect((await api(`/api/calls/never-was/recording`, { method: 'DELETE' })).status).toBe(404);
  });
});
