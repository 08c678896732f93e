import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulawDecode, ulawEncode } from '../src/audio/g711.js';
import { concatPcm, sineWave } from '../src/audio/pcm.js';
import { TOKEN, TestClient, startHarness, toneLevelDb, waitFor, type Harness } from './helpers/telephony_harness.js';

/** Messages exactly as Twilio documents them (strings for numbers, streamSid on every message). */
const STREAM = 'MZ18ad3ab5a668481ce02b83e7395059f0';
const CALL = 'CA0123456789abcdef0123456789abcdef';
const connected = { event: 'connected', protocol: 'Call', version: '1.0.0' };
const start = (token: string | null = TOKEN) => ({
  event: 'start',
  sequenceNumber: '1',
  start: {
    accountSid: 'AC0123456789abcdef0123456789abcdef',
    streamSid: STREAM,
    callSid: CALL,
    tracks: ['inbound'],
    mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    customParameters: token ? { token, from: '+989121234567' } : { from: '+989121234567' },
  },
  streamSid: STREAM,
});
let seq = 2;
const media = (payload: Uint8Array, chunk: number) => ({
  event: 'media',
  sequenceNumber: String(seq++),
  media: { track: 'inbound', chunk: String(chunk), timestamp: String(chunk * 20), payload: Buffer.from(payload).toString('base64') },
  streamSid: STREAM,
});
const dtmf = (digit: string) => ({ event: 'dtmf', streamSid: STREAM, sequenceNumber: String(seq++), dtmf: { track: 'inbound_track', digit } });
const mark = (name: string) => ({ event: 'mark', sequenceNumber: String(seq++), streamSid: STREAM, mark: { name } });
const stop = { event: 'stop', sequenceNumber: '99', streamSid: STREAM, stop: { accountSid: 'AC0123456789abcdef0123456789abcdef', callSid: CALL } };

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

/** Media messages the bot sent, in order. */
const botMedia = (c: TestClient) => c.received.filter((r) => !r.binary && JSON.parse(r.data.toString()).event === 'media');

describe('Twilio Media Streams on /media/twilio', () => {
  it('carries a whole call: start, caller audio, bot audio paced in 20 ms frames, marks, clear, dtmf, stop', async () => {
    const c = new TestClient(h.url('/media/twilio'));
    await c.opened;
    c.sendJson(connected);
    c.sendJson(start());
    await waitFor(() => h.records.length === 1, 3000, 'the call to start');
    const rec = h.records[0];
    expect(rec.channel.info).toMatchObject({ callId: CALL, protocol: 'twilio', from: '+989121234567', providerCallId: CALL });
    expect(rec.channel.info.params.streamSid).toBe(STREAM);
    expect(rec.channel.info.params.token).toBeUndefined(); // the secret does not travel on
    expect(rec.channel.info.params.from).toBeUndefined(); // the number lives in info.from only
    expect(rec.channel.sampleRate).toBe(8000);

    // Caller audio: 1 s of 440 Hz in 20 ms μ-law chunks.
    const tone = sineWave(440, 8000, 8000, 0.3);
    const encoded = ulawEncode(tone);
    for (let i = 0; i < 50; i++) c.sendJson(media(encoded.subarray(i * 160, i * 160 + 160), i + 1));
    await waitFor(() => rec.samples.reduce((n, s) => n + s.length, 0) === 8000, 3000, 'caller audio');
    const heard = concatPcm(rec.samples);
    expect(Math.abs(toneLevelDb(heard, 8000, 440) - 20 * Math.log10(0.3))).toBeLessThan(0.5);

    // Keypad 1 → 300 ms of bot audio, then a mark.
    c.sendJson(dtmf('1'));
    await c.until(() => c.jsons().some((m) => m.event === 'mark'), 3000, 'the mark after the playback');
    const msgs = c.jsons();
    const out = msgs.filter((m) => m.event === 'media');
    expect(out).toHaveLength(15);
    for (const m of out) {
      expect(m.streamSid).toBe(STREAM);
      expect(Buffer.from(m.media.payload, 'base64')).toHaveLength(160);
    }
    const markMsg = msgs.find((m) => m.event === 'mark')!;
    expect(markMsg).toEqual({ event: 'mark', streamSid: STREAM, mark: { name: expect.any(String) } });
    expect(msgs.indexOf(markMsg)).toBeGreaterThan(msgs.indexOf(out[out.length - 1]));
    // Twilio plays from its own buffer and `clear` empties it, so up to 300 ms go out ahead of
    // real time: a short answer leaves whole, and a stalled event loop cannot starve the caller.
    // (They leave in one go, so they arrive together; paced 2 ahead, they would span 260 ms.)
    const times = botMedia(c).map((r) => r.at);
    expect(times[times.length - 1] - times[0]).toBeLessThan(100);
    // The audio is the session's 1 kHz tone, resampled from 16 kHz to 8 kHz.
    const botPcm = ulawDecode(Buffer.concat(out.map((m) => Buffer.from(m.media.payload, 'base64'))));
    expect(Math.abs(toneLevelDb(botPcm.subarray(400, 2000), 8000, 1000) - 20 * Math.log10(0.5))).toBeLessThan(1);

    // The playback is not done until Twilio says it was played.
    await new Promise((r) => setTimeout(r, 150));
    expect(rec.outcomes).toEqual([]);
    c.sendJson(mark(markMsg.mark.name));
    await waitFor(() => rec.outcomes.length === 1, 2000, 'playback done');
    expect(rec.outcomes).toEqual(['played']);

    // Keypad 2 → a 3 s answer; keypad 3 (barge-in) → clear, and no more media after it.
    const before = c.received.length;
    const askedLong = performance.now();
    c.sendJson(dtmf('2'));
    await c.until(() => botMedia(c).length >= 15 + 25, 3000, 'the long answer to start');
    // Beyond the lead it is paced: frame k leaves no earlier than (k − 17) × 20 ms after the
    // keypress (15 frames of lead and the 2 the schedule may run behind before the pacer re-anchors,
    // less 5 ms of early timers). Unpaced, all would come at once.
    const long = botMedia(c).slice(15);
    expect(long[24].at - askedLong).toBeGreaterThan((24 - 17) * 20 - 5);
    c.sendJson(dtmf('3'));
    await c.until(() => c.jsons().some((m) => m.event === 'clear'), 2000, 'clear');
    await waitFor(() => rec.outcomes.length === 2, 2000, 'the cleared outcome');
    expect(rec.outcomes[1]).toBe('cleared');
    const afterClear = c.jsons().slice(c.jsons().findIndex((m) => m.event === 'clear'));
    expect(afterClear[0]).toEqual({ event: 'clear', streamSid: STREAM });
    await new Promise((r) => setTimeout(r, 200));
    const tail = c.jsons().slice(c.jsons().findIndex((m) => m.event === 'clear') + 1);
    expect(tail.filter((m) => m.event === 'media')).toEqual([]);
    expect(c.received.length - before).toBeLessThan(60); // nowhere near the full 150 frames

    // Two playbacks back to back go out in order without a gap, each with its own mark.
    c.sendJson(dtmf('4'));
    await c.until(() => c.jsons().filter((m) => m.event === 'mark').length >= 3, 3000, 'two marks');
    const lastTwo = c.jsons().filter((m) => m.event === 'mark').slice(-2);
    expect(lastTwo[0].mark.name).not.toBe(lastTwo[1].mark.name);
    for (const m of lastTwo) c.sendJson(mark(m.mark.name));
    await waitFor(() => rec.outcomes.length === 4, 2000, 'both playbacks done');
    expect(rec.outcomes.slice(2)).toEqual(['played', 'played']);

    expect(rec.digits).toEqual(['1', '2', '3', '4']);
    c.sendJson(stop);
    const closed = await c.closed;
    expect(closed.code).toBe(1000);
    expect(await rec.endedAt).toBe('stop');
  });

  it('counts media frames lost upstream (chunk numbers jump) and fills them with silence', async () => {
    const c = new TestClient(h.url('/media/twilio'));
    await c.opened;
    c.sendJson(start());
    await waitFor(() => h.records.length === 2, 3000, 'the call to start');
    const rec = h.records[1];
    const before = h.counters.dropped['twilio:upstream_gap'] ?? 0;
    const loud = ulawEncode(sineWave(440, 8000, 160, 0.5));
    for (const chunk of [1, 2, 5, 6]) c.sendJson(media(loud, chunk));
    await waitFor(() => rec.samples.reduce((n, s) => n + s.length, 0) === 6 * 160, 2000, 'audio with the gap filled');
    expect((h.counters.dropped['twilio:upstream_gap'] ?? 0) - before).toBe(2);
    const all = concatPcm(rec.samples);
    expect(all.subarray(320, 640).every((v) => v === 0)).toBe(true); // the two lost frames, as silence
    expect(all.subarray(640, 800).some((v) => v !== 0)).toBe(true);
    c.sendJson(stop);
    await c.closed;
  });

  it('accepts the token as a query parameter too', async () => {
    const c = new TestClient(h.url(`/media/twilio?token=${TOKEN}`));
    await c.opened;
    c.sendJson(connected);
    c.sendJson(start(null));
    await waitFor(() => h.records.length === 3, 3000, 'the call to start');
    c.sendJson(stop);
    expect((await c.closed).code).toBe(1000);
  });

  it('ends the call and settles playback as hangup when the caller disconnects mid-answer', async () => {
    const c = new TestClient(h.url('/media/twilio'));
    await c.opened;
    c.sendJson(start());
    await waitFor(() => h.records.length === 4, 3000, 'the call to start');
    const rec = h.records[3];
    c.sendJson(dtmf('2'));
    await c.until(() => botMedia(c).length >= 5, 3000, 'the answer to start');
    c.ws.terminate();
    expect(await rec.endedAt).toMatch(/socket closed/);
    await waitFor(() => rec.outcomes.length === 1, 2000, 'the outcome');
    expect(rec.outcomes).toEqual(['hangup']);
  });

  it('rejects a stream whose mediaFormat is not μ-law 8 kHz, with 1003 and a reason', async () => {
    const c = new TestClient(h.url('/media/twilio'));
    await c.opened;
    const s = start();
    s.start.mediaFormat = { encoding: 'audio/l16', sampleRate: 16000, channels: 1 };
    c.sendJson(s);
    const closed = await c.closed;
    expect(closed.code).toBe(1003);
    expect(closed.reason).toMatch(/unsupported mediaFormat/);
  });

  it('still closes cleanly when the reason would echo long non-ASCII peer text (close frames cap at 123 bytes)', async () => {
    const c = new TestClient(h.url('/media/twilio'));
    await c.opened;
    const s = start();
    s.start.mediaFormat = { encoding: 'کدک'.repeat(20), sampleRate: 8000, channels: 1 };
    c.sendJson(s);
    const closed = await c.closed;
    expect(closed.code).toBe(1003);
    expect(closed.reason).toMatch(/^unsupported mediaFormat \?+/);
    expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(123);
  });

  it('closes with 1008 and the reason when the start message is malformed', async () => {
    const c = new TestClient(h.url('/media/twilio'));
    await c.opened;
    const s = start() as any;
    delete s.start.callSid;
    c.sendJson(s);
    const closed = await c.closed;
    expect(closed).toEqual({ code: 1008, reason: expect.stringMatching(/^invalid start message: start.callSid/) });
  });

  it('hangs up from the bot side by closing the stream', async () => {
    const c = new TestClient(h.url('/media/twilio'));
    await c.opened;
    c.sendJson(start());
    await waitFor(() => h.records.length === 5, 3000, 'the call to start');
    c.sendJson(dtmf('9'));
    const closed = await c.closed;
    expect(closed).toEqual({ code: 1000, reason: 'caller pressed 9' });
  });
});
