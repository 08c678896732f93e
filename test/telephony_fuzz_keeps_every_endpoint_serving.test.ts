import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulawEncode } from '../src/audio/g711.js';
import { sineWave } from '../src/audio/pcm.js';
import { startAudioSocketServer } from '../src/telephony/audiosocket_server.js';
import { createTelephonyCounters } from '../src/telephony/metrics.js';
import { audioSocketFrame } from '../src/telephony/serializers/audiosocket.js';
import { TOKEN, TestClient, keypadSession, recordingLogger, sleep, startHarness, waitFor, type Harness, type SessionRecord } from './helpers/telephony_harness.js';

/** Deterministic PRNG (mulberry32) so a failure can be replayed from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    bytes: (n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
  };
}
type Rng = ReturnType<typeof rng>;

const SEED = Number(process.env.FUZZ_SEED ?? 20251124);
const ulaw = Buffer.from(ulawEncode(sineWave(440, 8000, 160, 0.3))).toString('base64');

const twilioValid = [
  { event: 'connected', protocol: 'Call', version: '1.0.0' },
  { event: 'start', sequenceNumber: '1', streamSid: 'MZf', start: { streamSid: 'MZf', callSid: 'CAf', tracks: ['inbound'], customParameters: { token: TOKEN }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } },
  { event: 'media', sequenceNumber: '3', streamSid: 'MZf', media: { track: 'inbound', chunk: '2', timestamp: '40', payload: ulaw } },
  { event: 'dtmf', streamSid: 'MZf', sequenceNumber: '4', dtmf: { track: 'inbound_track', digit: '1' } },
  { event: 'mark', sequenceNumber: '5', streamSid: 'MZf', mark: { name: 'pasokh-1' } },
];
const rawValid = [
  { event: 'start', callId: 'fz', codec: 'pcmu', sampleRate: 8000, token: TOKEN },
  { event: 'dtmf', digit: '2' },
  { event: 'dtmf', digit: '3' },
];
const asteriskValid = ['MEDIA_START connection_id:fz channel:WebSocket/fz format:ulaw optimal_frame_size:160', 'DTMF_END digit:1', 'MEDIA_XOFF', 'MEDIA_XON', 'DTMF_END digit:3'];

const WEIRD: unknown[] = [null, true, -1, 1e308, '', 'x'.repeat(3000), [], {}, { a: { b: { c: [] } } }, '\u0000\uffff', '١٢٣', NaN];

/** Byte-level mutation of a valid message. */
function mutateText(r: Rng, text: string): string {
  let s = text;
  for (let k = 1 + r.int(4); k > 0; k--) {
    const i = r.int(s.length + 1);
    switch (r.int(5)) {
      case 0:
        s = s.slice(0, i) + String.fromCharCode(32 + r.int(95)) + s.slice(i + 1);
        break;
      case 1:
        s = s.slice(0, i) + s.slice(i + 1 + r.int(8));
        break;
      case 2:
        s = s.slice(0, i) + r.pick(['{', '}', '"', ',', ':', '[', '\\', 'null']) + s.slice(i);
        break;
      case 3:
        s = s.slice(0, i);
        break;
      default:
        s = s + s.slice(i);
    }
  }
  return s;
}

/** Structure-aware mutation: replace one field somewhere with a weird value. */
function mutateJson(r: Rng, msg: unknown): string {
  const copy = JSON.parse(JSON.stringify(msg));
  let node = copy;
  for (let depth = 0; depth < 3; depth++) {
    const keys = Object.keys(node);
    const key = r.pick(keys);
    if (depth < 2 && node[key] && typeof node[key] === 'object' && r.next() < 0.5) {
      node = node[key];
      continue;
    }
    if (r.next() < 0.2) delete node[key];
    else node[key] = r.pick(WEIRD);
    break;
  }
  return JSON.stringify(copy);
}

let h: Harness;
const asRecords: SessionRecord[] = [];
const asCounters = createTelephonyCounters();
let as: { port: number; close(): Promise<void> };
beforeAll(async () => {
  h = await startHarness({ maxFrameBytes: 8192, startTimeoutMs: 3000 });
  as = await startAudioSocketServer({ port: 0, host: '127.0.0.1', allow: ['127.0.0.1', '::ffff:127.0.0.1'], onCall: keypadSession(asRecords), logger: recordingLogger(), metrics: asCounters, maxFrameBytes: 8192 });
});
afterAll(async () => {
  await as.close();
  await h.close();
});

async function fuzzWebSocket(r: Rng, path: string, valid: Array<string | object>, frames: number): Promise<number> {
  const c = new TestClient(h.url(path));
  await c.opened;
  let sent = 0;
  const startIndex = path.includes('twilio') ? 1 : 0;
  const first = valid[startIndex];
  const rest = valid.filter((_, i) => i !== startIndex);
  if (r.next() < 0.6) c.sendText(typeof first === 'string' ? first : JSON.stringify(first));
  for (let i = 0; i < frames && c.ws.readyState === c.ws.OPEN; i++) {
    // A broken start closes the stream (by design), so mutate it only now and then to get deep.
    const base = r.next() < 0.05 ? first : r.pick(rest);
    const text = typeof base === 'string' ? base : JSON.stringify(base);
    switch (r.int(7)) {
      case 0:
        c.sendBinary(r.bytes(r.int(700)));
        break;
      case 1:
        c.sendText(Buffer.from(r.bytes(r.int(200))).toString('latin1'));
        break;
      case 2:
      case 3:
        c.sendText(mutateText(r, text));
        break;
      case 4:
        c.sendText(typeof base === 'string' ? `${base} ${mutateText(r, 'key:value x:y')}` : mutateJson(r, base));
        break;
      case 5:
        c.sendText(text);
        break;
      default:
        c.sendBinary(r.bytes(r.pick([0, 1, 159, 160, 161, 320, 9000])));
    }
    sent++;
    if (i % 50 === 49) await sleep(1); // let the server breathe and answer
  }
  if (r.next() < 0.5) c.ws.terminate();
  else c.ws.close();
  await c.closed;
  return sent;
}

async function fuzzAudioSocket(r: Rng, frames: number): Promise<number> {
  const s = connect(as.port, '127.0.0.1');
  s.on('error', () => {});
  s.resume(); // read (and discard) the bot's audio, as Asterisk would
  await new Promise<void>((res) => s.once('connect', () => res()));
  const closed = new Promise<void>((res) => s.once('close', () => res()));
  let sent = 0;
  if (r.next() < 0.6) s.write(audioSocketFrame(0x01, r.bytes(16)));
  for (let i = 0; i < frames && !s.destroyed && s.writable; i++) {
    // Raw junk desynchronises the framing (a random length swallows what follows), so keep it rare.
    switch (r.next() < 0.03 ? 0 : 1 + r.int(5)) {
      case 0:
        s.write(r.bytes(1 + r.int(400)));
        break;
      case 1:
        s.write(audioSocketFrame(r.int(256), r.bytes(r.int(400))));
        break;
      case 2:
        s.write(audioSocketFrame(0x03, r.bytes(r.int(3))));
        break;
      case 3:
        s.write(audioSocketFrame(0x10, r.bytes(r.pick([0, 1, 319, 320, 640]))));
        break;
      case 4:
        s.write(audioSocketFrame(0x01, r.bytes(r.pick([0, 15, 16, 17]))));
        break;
      default:
        s.write(audioSocketFrame(0x03, Buffer.from(r.pick(['1', '2', '3', '#']))));
    }
    sent++;
    if (i % 50 === 49) await sleep(1);
  }
  if (r.next() < 0.5) s.destroy();
  else s.end();
  await Promise.race([closed, sleep(4000).then(() => s.destroy())]);
  return sent;
}

describe('fuzzing every endpoint', () => {
  it(`survives thousands of random and mutated frames (seed ${SEED}) and still serves a good call`, async () => {
    const r = rng(SEED);
    let total = 0;
    const jobs: Array<Promise<number>> = [];
    for (let round = 0; round < 6; round++) {
      jobs.push(fuzzWebSocket(r, '/media/twilio', twilioValid, 250));
      jobs.push(fuzzWebSocket(r, `/media/asterisk?token=${TOKEN}`, asteriskValid, 250));
      jobs.push(fuzzWebSocket(r, '/media/raw', rawValid, 250));
      jobs.push(fuzzAudioSocket(r, 250));
      for (const n of await Promise.all(jobs.splice(0))) total += n;
    }
    expect(total).toBeGreaterThan(3000);
    if (process.env.FUZZ_VERBOSE) console.log(total, h.counters.dropped, asCounters.dropped, h.records.length, asRecords.length);
    // The fuzz reached the parsers (it is not all bounced at the door).
    const wsDrops = Object.values(h.counters.dropped).reduce((a, b) => a + b, 0);
    const asDrops = Object.values(asCounters.dropped).reduce((a, b) => a + b, 0);
    expect(wsDrops).toBeGreaterThan(1000);
    expect(asDrops).toBeGreaterThan(30);
    expect(h.records.length + asRecords.length).toBeGreaterThan(0);
    // Every call the fuzz started has ended (no leaked calls or timers keeping them alive).
    await waitFor(() => h.records.every((x) => x.ended !== null) && asRecords.every((x) => x.ended !== null), 5000, 'all fuzzed calls to end');

    // A well-behaved Twilio call still works end to end.
    const c = new TestClient(h.url('/media/twilio'));
    await c.opened;
    c.sendJson(twilioValid[0]);
    c.sendJson({ ...twilioValid[1], start: { ...(twilioValid[1] as any).start, callSid: 'CA-after-fuzz' } });
    await waitFor(() => h.records.some((x) => x.channel.info.callId === 'CA-after-fuzz'), 3000, 'the good call');
    c.sendJson(twilioValid[3]);
    await c.until(() => c.jsons().some((m) => m.event === 'mark'), 3000, 'the answer');
    expect(c.jsons().filter((m) => m.event === 'media')).toHaveLength(15);
    c.sendJson({ event: 'stop', streamSid: 'MZf' });
    expect((await c.closed).code).toBe(1000);

    // … and so does AudioSocket.
    const s = connect(as.port, '127.0.0.1');
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    s.write(audioSocketFrame(0x01, Buffer.alloc(16, 7)));
    s.write(audioSocketFrame(0x03, Buffer.from('1')));
    await waitFor(() => Buffer.concat(got).length >= 15 * 323, 3000, 'AudioSocket answer');
    s.destroy();
  });
});
