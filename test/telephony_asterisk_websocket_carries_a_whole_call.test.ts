import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { l16Decode, l16Encode, ulawDecode, ulawEncode } from '../src/audio/g711.js';
import { concatPcm, sineWave } from '../src/audio/pcm.js';
import { TOKEN, TestClient, sleep, startHarness, toneLevelDb, waitFor, type Harness } from './helpers/telephony_harness.js';

/** Asterisk chan_websocket as documented: TEXT control messages, BINARY media. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const latest = () => h.records[h.records.length - 1];

describe('Asterisk chan_websocket on /media/asterisk', () => {
  it('carries a whole ulaw call with plain-text control messages', async () => {
    const n = h.records.length;
    // websocket_client.conf has `protocols = media`: Asterisk asks for that subprotocol.
    const c = new TestClient(h.url(`/media/asterisk?token=${TOKEN}&from=09121234567`), {}, ['media']);
    await c.opened;
    expect(c.ws.protocol).toBe('media');
    c.sendText('MEDIA_START connection_id:7f3e2a channel:WebSocket/connection1-00000001 format:ulaw optimal_frame_size:160');
    await waitFor(() => h.records.length === n + 1, 3000, 'the call to start');
    const rec = latest();
    expect(rec.channel.info).toMatchObject({ callId: '7f3e2a', protocol: 'asterisk', from: '09121234567', providerCallId: 'WebSocket/connection1-00000001' });
    expect(rec.channel.info.params.channel).toBe('WebSocket/connection1-00000001');
    expect(rec.channel.info.params.token).toBeUndefined();

    // Caller audio in 160-byte frames.
    const tone = ulawEncode(sineWave(600, 8000, 4000, 0.3));
    for (let i = 0; i < 25; i++) c.sendBinary(tone.subarray(i * 160, i * 160 + 160));
    await waitFor(() => rec.samples.reduce((a, s) => a + s.length, 0) === 4000, 3000, 'caller audio');
    expect(Math.abs(toneLevelDb(concatPcm(rec.samples), 8000, 600) - 20 * Math.log10(0.3))).toBeLessThan(0.5);

    // DTMF_END digit:1 → 300 ms of audio in 160-byte binary frames; done once it has played.
    // chan_websocket re-times queued media itself and FLUSH_MEDIA empties its queue, so up to
    // 300 ms go out ahead of real time: this short answer leaves whole.
    const askedShort = performance.now();
    c.sendText('DTMF_END digit:1');
    await c.until(() => c.binaries().length >= 15, 3000, '15 frames');
    const frames = c.binaries();
    for (const f of frames) expect(f.data).toHaveLength(160);
    // (One go, so they arrive together; paced 2 ahead, they would span 260 ms.)
    expect(frames[14].at - frames[0].at).toBeLessThan(100);
    const pcm = ulawDecode(Buffer.concat(frames.map((f) => f.data)));
    expect(Math.abs(toneLevelDb(pcm.subarray(400, 2000), 8000, 1000) - 20 * Math.log10(0.5))).toBeLessThan(1);
    // No marks in this protocol: done once Asterisk has played what it was sent, 300 ms after the
    // first frame left (which was after the keypress; a loaded machine only makes it later).
    await waitFor(() => rec.outcomes.length === 1, 1000, 'playback done');
    expect(rec.outcomes).toEqual(['played']);
    expect(rec.outcomeAt[0] - askedShort).toBeGreaterThan(295);

    // A 3 s answer: beyond the lead it is paced, frame k leaving no earlier than (k − 17) × 20 ms
    // after the keypress: 15 frames of lead, plus the 2 the pacer lets the schedule run behind
    // before it re-anchors (an answer that starts within 340 ms of the last one's schedule goes on
    // from it; CI 2026-12-06: 174.5 ms for k = 24), less 5 ms of early timers. Unpaced, a few ms.
    const askedLong = performance.now();
    c.sendText('DTMF_END digit:2');
    await c.until(() => c.binaries().length >= 15 + 25, 3000, 'the long answer');
    expect(c.binaries()[15 + 24].at - askedLong).toBeGreaterThan((24 - 17) * 20 - 5);

    // MEDIA_XOFF pauses our sending; MEDIA_XON resumes it.
    c.sendText('MEDIA_XOFF');
    await sleep(60);
    const atPause = c.binaries().length;
    await sleep(200);
    expect(c.binaries().length).toBe(atPause);
    c.sendText('MEDIA_XON');
    await c.until(() => c.binaries().length >= atPause + 5, 2000, 'resumed audio');

    // Barge-in → FLUSH_MEDIA, and nothing more after it.
    c.sendText('DTMF_END digit:3');
    await c.until(() => c.texts().includes('FLUSH_MEDIA'), 2000, 'FLUSH_MEDIA');
    await waitFor(() => rec.outcomes.length === 2, 1000, 'cleared');
    expect(rec.outcomes[1]).toBe('cleared');
    const flushedAt = c.received.findIndex((r) => !r.binary && r.data.toString() === 'FLUSH_MEDIA');
    await sleep(150);
    expect(c.received.slice(flushedAt + 1).filter((r) => r.binary)).toEqual([]);

    // Bot hang-up → HANGUP command, then the socket closes.
    c.sendText('DTMF_END digit:9');
    const closed = await c.closed;
    expect(c.texts()).toContain('HANGUP');
    expect(closed.code).toBe(1000);
    expect(rec.digits).toEqual(['1', '2', '3', '9']);
    expect(await rec.endedAt).toMatch(/caller pressed 9/);
  });

  it('speaks JSON control messages and slin16 when MEDIA_START arrives as JSON', async () => {
    const n = h.records.length;
    // Token as the password of HTTP Basic auth (websocket_client.conf username/password).
    const basic = Buffer.from(`asterisk:${TOKEN}`).toString('base64');
    const c = new TestClient(h.url('/media/asterisk'), { authorization: `Basic ${basic}` });
    await c.opened;
    c.sendJson({
      event: 'MEDIA_START',
      connection_id: 'media_connection1',
      channel: 'WebSocket/media_connection1/0x5140001a0040',
      channel_id: '1761245643.1',
      format: 'slin16',
      optimal_frame_size: 640,
      ptime: 20,
      channel_variables: { MEDIA_WEBSOCKET_CONNECTION_ID: 'media_connection1' },
    });
    await waitFor(() => h.records.length === n + 1, 3000, 'the call to start');
    const rec = latest();
    expect(rec.channel.sampleRate).toBe(16000);
    expect(rec.channel.info.callId).toBe('1761245643.1');

    const tone = sineWave(3000, 16000, 3200, 0.3);
    c.sendBinary(l16Encode(tone));
    await waitFor(() => rec.samples.reduce((a, s) => a + s.length, 0) === 3200, 3000, 'caller audio');
    expect(Array.from(concatPcm(rec.samples))).toEqual(Array.from(tone)); // little-endian, lossless

    c.sendJson({ event: 'DTMF_END', channel_id: '1761245643.1', digit: '1' });
    await c.until(() => c.binaries().length >= 15, 3000, '15 slin16 frames');
    for (const f of c.binaries()) expect(f.data).toHaveLength(640);
    const pcm = l16Decode(Buffer.concat(c.binaries().map((f) => f.data)));
    expect(Math.abs(toneLevelDb(pcm.subarray(800, 4000), 16000, 1000) - 20 * Math.log10(0.5))).toBeLessThan(0.5);

    c.sendJson({ event: 'DTMF_END', digit: '2' });
    await c.until(() => c.binaries().length >= 20, 3000, 'the long answer');
    c.sendJson({ event: 'DTMF_END', digit: '3' });
    await c.until(() => c.texts().some((t) => t === JSON.stringify({ command: 'FLUSH_MEDIA' })), 2000, 'JSON FLUSH_MEDIA');
    c.ws.close(1000, 'bye');
    expect(await rec.endedAt).toMatch(/socket closed/);
  });

  it('keeps 300 ms of bot audio ahead, not 15 frames, when Asterisk asks for 60 ms frames', async () => {
    const n = h.records.length;
    const c = new TestClient(h.url(`/media/asterisk?token=${TOKEN}`));
    await c.opened;
    c.sendText('MEDIA_START connection_id:f60 channel:WebSocket/f60 format:ulaw optimal_frame_size:480');
    await waitFor(() => h.records.length === n + 1, 3000, 'the call to start');
    c.sendText('DTMF_END digit:2'); // the 3 s answer
    await c.until(() => c.binaries().length >= 8, 3000, '8 frames');
    const frames = c.binaries();
    for (const f of frames) expect(f.data).toHaveLength(480);
    // The frame due now and the 300 ms (5 × 60 ms) after it leave at once; the next is due 60 ms
    // later (timers are late, never early). Counted in frames (15), the lead would queue 900 ms at
    // the PBX: three times what rides out a busy moment, and closer to chan_websocket's MEDIA_XOFF.
    expect(frames[5].at - frames[0].at).toBeLessThan(40);
    expect(frames[6].at - frames[0].at).toBeGreaterThan(50);
    c.ws.close(1000, 'bye');
  });

  it('answers the channel itself when asked to (?answer=1, for dial strings with the n option)', async () => {
    const n = h.records.length;
    const c = new TestClient(h.url(`/media/asterisk?token=${TOKEN}&answer=1`));
    await c.opened;
    c.sendText('MEDIA_START connection_id:ans channel:WebSocket/ans format:ulaw optimal_frame_size:160');
    await c.until(() => c.texts().includes('ANSWER'), 2000, 'ANSWER');
    expect(h.records.length).toBe(n + 1);
    c.ws.close();
    await latest().endedAt;

    // Without the flag Asterisk auto-answers and nothing is sent.
    const d = new TestClient(h.url(`/media/asterisk?token=${TOKEN}`));
    await d.opened;
    d.sendText('MEDIA_START connection_id:auto channel:WebSocket/auto format:ulaw optimal_frame_size:160');
    await waitFor(() => h.records.length === n + 2, 2000, 'the call');
    await sleep(50);
    expect(d.texts()).toEqual([]);
    d.ws.close();
    await latest().endedAt;
  });

  it('gives each stream whose MEDIA_START names no connection or channel an id of its own', async () => {
    const n = h.records.length;
    const clients = [new TestClient(h.url(`/media/asterisk?token=${TOKEN}`)), new TestClient(h.url(`/media/asterisk?token=${TOKEN}`))];
    for (const c of clients) {
      await c.opened;
      c.sendText('MEDIA_START format:ulaw optimal_frame_size:160');
    }
    await waitFor(() => h.records.length === n + 2, 2000, 'both calls');
    const ids = h.records.slice(n).map((r) => r.channel.info.callId);
    expect(ids[0]).toMatch(/^asterisk-[0-9a-f-]{36}$/);
    expect(ids[1]).not.toBe(ids[0]);
    expect(h.records.slice(n).map((r) => r.channel.info.providerCallId)).toEqual([null, null]);
    for (const c of clients) c.ws.close();
    await Promise.all(h.records.slice(n).map((r) => r.endedAt));
  });

  it('closes with 1003 and a reason on a format it cannot carry', async () => {
    const c = new TestClient(h.url(`/media/asterisk?token=${TOKEN}`));
    await c.opened;
    c.sendText('MEDIA_START connection_id:x channel:WebSocket/x format:opus optimal_frame_size:0');
    const closed = await c.closed;
    expect(closed.code).toBe(1003);
    expect(closed.reason).toMatch(/unsupported format "opus"/);
  });

  it('treats a HANGUP from the far end as the end of the call', async () => {
    const n = h.records.length;
    const c = new TestClient(h.url(`/media/asterisk?token=${TOKEN}`));
    await c.opened;
    c.sendText('MEDIA_START connection_id:y channel:WebSocket/y format:alaw optimal_frame_size:160');
    await waitFor(() => h.records.length === n + 1, 3000, 'the call to start');
    c.sendText('HANGUP');
    expect((await c.closed).code).toBe(1000);
    expect(await latest().endedAt).toBe('hangup');
  });
});
