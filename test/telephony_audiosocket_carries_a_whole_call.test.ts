import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { l16Decode, l16Encode } from '../src/audio/g711.js';
import { concatPcm, sineWave } from '../src/audio/pcm.js';
import { startAudioSocketServer } from '../src/telephony/audiosocket_server.js';
import { createTelephonyCounters } from '../src/telephony/metrics.js';
import { AudioSocketDeframer, audioSocketFrame } from '../src/telephony/serializers/audiosocket.js';
import { keypadSession, recordingLogger, sleep, toneLevelDb, waitFor, type SessionRecord } from './helpers/telephony_harness.js';

/** AudioSocket as Asterisk speaks it: TCP, kind + 16-bit big-endian length + payload. */
class AsClient {
  readonly socket: Socket;
  readonly frames: Array<{ at: number; kind: number; payload: Buffer }> = [];
  readonly ended: Promise<void>;
  private deframer = new AudioSocketDeframer();
  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('error', () => {});
    this.socket.on('data', (d) => {
      for (const f of this.deframer.push(d)) this.frames.push({ at: performance.now(), kind: f[0], payload: Buffer.from(f.subarray(3)) });
    });
    this.ended = new Promise((r) => this.socket.once('close', () => r()));
  }
  send(kind: number, payload?: Uint8Array): void {
    this.socket.write(audioSocketFrame(kind, payload));
  }
  audio() {
    return this.frames.filter((f) => f.kind === 0x10);
  }
}

const UUID = Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex');

const records: SessionRecord[] = [];
const counters = createTelephonyCounters();
const logger = recordingLogger();
let server: { port: number; close(): Promise<void> };
beforeAll(async () => {
  server = await startAudioSocketServer({ port: 0, host: '127.0.0.1', allow: ['127.0.0.1', '::ffff:127.0.0.1'], onCall: keypadSession(records), logger, metrics: counters });
});
afterAll(async () => {
  await server.close();
});

describe('AudioSocket over TCP', () => {
  it('carries a whole call: UUID, slin audio both ways paced at 20 ms, DTMF, hang-up', async () => {
    const c = new AsClient(server.port);
    c.send(0x01, UUID);
    await waitFor(() => records.length === 1, 3000, 'the call to start');
    const rec = records[0];
    expect(rec.channel.info).toMatchObject({ callId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', protocol: 'audiosocket', providerCallId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' });
    expect(rec.channel.sampleRate).toBe(8000);

    // 500 ms of caller audio in 320-byte messages, written in odd-sized TCP pieces.
    const tone = sineWave(700, 8000, 4000, 0.3);
    const stream = Buffer.concat(Array.from({ length: 25 }, (_, i) => audioSocketFrame(0x10, l16Encode(tone.subarray(i * 160, i * 160 + 160)))));
    for (let i = 0; i < stream.length; i += 777) c.socket.write(stream.subarray(i, i + 777));
    await waitFor(() => rec.samples.reduce((a, s) => a + s.length, 0) === 4000, 3000, 'caller audio');
    expect(Array.from(concatPcm(rec.samples))).toEqual(Array.from(tone));

    const asked = performance.now();
    c.send(0x03, Buffer.from('1'));
    await waitFor(() => c.audio().length >= 15, 3000, 'bot audio');
    await sleep(100);
    const out = c.audio();
    expect(out).toHaveLength(15);
    for (const f of out) expect(f.payload).toHaveLength(320);
    // Paced, not sent in a burst: the 15th frame of 20 ms cannot arrive much sooner than 280 ms after
    // the key that started the answer. Measured from the key, not from the first frame, whose arrival a
    // busy test process may delay; no upper bound (a loaded machine is late; bench:telephony measures).
    expect(out[14].at - asked).toBeGreaterThan(200);
    const pcm = l16Decode(Buffer.concat(out.map((f) => f.payload)));
    expect(Math.abs(toneLevelDb(pcm.subarray(400, 2000), 8000, 1000) - 20 * Math.log10(0.5))).toBeLessThan(1);
    await waitFor(() => rec.outcomes.length === 1, 1000, 'played');

    c.send(0x03, Buffer.from('9'));
    await c.ended;
    expect(c.frames[c.frames.length - 1]).toMatchObject({ kind: 0x00 });
    expect(rec.digits).toEqual(['1', '9']);
    expect(await rec.endedAt).toMatch(/caller pressed 9/);
  });

  it('ends the call on a hang-up message from Asterisk', async () => {
    const c = new AsClient(server.port);
    c.send(0x01, UUID);
    await waitFor(() => records.length === 2, 3000, 'the call to start');
    c.send(0x03, Buffer.from('2'));
    await waitFor(() => c.audio().length >= 3, 3000, 'bot audio');
    c.send(0x00);
    expect(await records[1].endedAt).toBe('hangup');
    await waitFor(() => records[1].outcomes.length === 1, 1000, 'outcome');
    expect(records[1].outcomes).toEqual(['hangup']);
    await c.ended;
  });

  it('ends the call on an error message, and on an abrupt disconnect', async () => {
    const a = new AsClient(server.port);
    a.send(0x01, UUID);
    await waitFor(() => records.length === 3, 3000, 'the call to start');
    a.send(0xff, Buffer.from([0x02]));
    expect(await records[2].endedAt).toBe('error:2');

    const b = new AsClient(server.port);
    b.send(0x01, UUID);
    await waitFor(() => records.length === 4, 3000, 'the call to start');
    b.socket.destroy();
    expect(await records[3].endedAt).toMatch(/connection/);
  });

  it('treats the peer closing its side of the socket as a hang-up, even mid-answer', async () => {
    const c = new AsClient(server.port);
    c.send(0x01, UUID);
    await waitFor(() => records.length === 5, 3000, 'the call to start');
    c.send(0x03, Buffer.from('2'));
    await waitFor(() => c.audio().length >= 3, 3000, 'bot audio');
    c.socket.end();
    expect(await records[4].endedAt).toBe('connection closed by peer');
    // Mid-answer: the 3-second answer did not play out first, it ended with the hang-up.
    await waitFor(() => records[4].outcomes.length === 1, 3000, 'the answer to end');
    expect(records[4].outcomes).toEqual(['hangup']);
    await c.ended;
  });

  it('drops malformed messages but keeps the call', async () => {
    const c = new AsClient(server.port);
    c.send(0x10, new Uint8Array(320)); // audio before the UUID
    c.send(0x01, UUID);
    await waitFor(() => records.length === 6, 3000, 'the call to start');
    c.send(0x10, new Uint8Array(321)); // odd byte count
    c.send(0x03, Buffer.from('xy')); // not a digit
    c.send(0x42, Buffer.from('??')); // unknown kind
    c.send(0x10, new Uint8Array(320));
    await waitFor(() => records[5].samples.length === 1, 2000, 'the good frame');
    expect(counters.dropped['audiosocket:media_before_start']).toBe(1);
    expect(counters.dropped['audiosocket:bad_payload']).toBe(2);
    expect(counters.dropped['audiosocket:unknown_event']).toBe(1);
    expect(records[5].ended).toBeNull();
    c.send(0x00);
    await c.ended;
  });
});

describe('AudioSocket source-address allow-list', () => {
  it('refuses connections from addresses that are not allowed, and logs it', async () => {
    const seen: SessionRecord[] = [];
    const log = recordingLogger();
    const m = createTelephonyCounters();
    const s = await startAudioSocketServer({ port: 0, host: '127.0.0.1', allow: ['10.1.2.3'], onCall: keypadSession(seen), logger: log, metrics: m });
    try {
      const c = new AsClient(s.port);
      c.send(0x01, UUID);
      await c.ended;
      expect(seen).toEqual([]);
      expect(m.rejected['audiosocket:address_not_allowed']).toBe(1);
      expect(log.lines.some((l) => l.level === 'warn' && /not in security.audioSocketAllow/.test(l.msg ?? ''))).toBe(true);
    } finally {
      await s.close();
    }
  });
});
