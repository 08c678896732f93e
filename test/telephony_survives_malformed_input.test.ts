import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, TestClient, startHarness, waitFor, type Harness } from './helpers/telephony_harness.js';

const MAX = 4096;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ maxFrameBytes: MAX });
});
afterAll(async () => {
  await h.close();
});

const start = {
  event: 'start',
  sequenceNumber: '1',
  streamSid: 'MZbad',
  start: { streamSid: 'MZbad', callSid: 'CAbad', tracks: ['inbound'], customParameters: { token: TOKEN }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
};
const media = (payload: unknown) => ({ event: 'media', streamSid: 'MZbad', media: { track: 'inbound', chunk: '1', timestamp: '0', payload } });
const dropped = (key: string) => h.counters.dropped[key] ?? 0;

describe('malformed input never crashes the process; the call goes on', () => {
  it('Twilio: media before start, bad JSON, unknown events, bad base64, wrong shapes, oversize frames', async () => {
    const c = new TestClient(h.url('/media/twilio'));
    await c.opened;
    const before = { ...h.counters.dropped };
    const delta = (key: string) => dropped(key) - (before[key] ?? 0);

    c.sendJson(media(Buffer.alloc(160, 0xff).toString('base64'))); // before start
    c.sendJson({ event: 'dtmf', streamSid: 'MZbad', dtmf: { digit: '5' } }); // before start
    c.sendJson(start);
    await waitFor(() => h.records.some((r) => r.channel.info.callId === 'CAbad'), 3000, 'the call to start');
    const rec = h.records.find((r) => r.channel.info.callId === 'CAbad')!;

    c.sendText('{"event": "media", "media": {'); // truncated JSON
    c.sendText('not json at all');
    c.sendText('[1,2,3]');
    c.sendJson({ event: 'transcription', text: 'hello' }); // unknown event
    c.sendJson({ noevent: true });
    c.sendJson(media('@@@not-base64@@@'));
    c.sendJson(media('AAEC')); // valid base64 …
    c.sendJson(media(12345)); // … and a wrong type
    c.sendJson({ event: 'dtmf', streamSid: 'MZbad', dtmf: { digit: 'Z' } });
    c.sendJson({ event: 'mark', streamSid: 'MZbad', mark: { name: 'never-sent-by-us' } }); // harmless
    c.sendBinary(new Uint8Array([1, 2, 3])); // Twilio never sends binary
    c.sendJson(media(Buffer.alloc(MAX * 2, 0xff).toString('base64'))); // oversize, read and dropped
    c.sendJson(start); // a second start

    // The call is still alive and answering.
    c.sendJson({ event: 'dtmf', streamSid: 'MZbad', dtmf: { track: 'inbound_track', digit: '1' } });
    await c.until(() => c.jsons().some((m) => m.event === 'mark'), 3000, 'an answer after all that');
    expect(rec.digits).toEqual(['1']);
    expect(rec.ended).toBeNull();
    expect(rec.samples.map((s) => s.length)).toEqual([3]); // only the one valid media frame

    expect(delta('twilio:media_before_start')).toBe(2);
    expect(delta('twilio:bad_json')).toBe(2);
    expect(delta('twilio:bad_message')).toBe(4); // array, no event, payload type, bad digit
    expect(delta('twilio:unknown_event')).toBe(1);
    expect(delta('twilio:bad_payload')).toBe(1);
    expect(delta('twilio:unexpected_frame_type')).toBe(1);
    expect(delta('twilio:oversize')).toBe(1);
    expect(delta('twilio:duplicate_start')).toBe(1);
    // Drops are logged, but not one line per frame forever.
    expect(h.logger.lines.filter((l) => /dropped a media frame/.test(l.msg ?? '')).length).toBeGreaterThan(0);

    c.sendJson({ event: 'stop', streamSid: 'MZbad' });
    expect((await c.closed).code).toBe(1000);
  });

  it('closes (1009) a frame far beyond the limit without buffering it, and keeps serving', async () => {
    const c = new TestClient(h.url('/media/raw'));
    await c.opened;
    c.sendBinary(new Uint8Array(MAX * 5));
    const closed = await c.closed;
    expect(closed.code).toBe(1009);
    expect(h.logger.lines.some((l) => l.level === 'warn' && /media socket error/.test(l.msg ?? ''))).toBe(true);

    const d = new TestClient(h.url('/media/raw'));
    await d.opened;
    d.sendJson({ event: 'start', callId: 'after-1009', codec: 'pcmu', sampleRate: 8000, token: TOKEN });
    await waitFor(() => h.records.some((r) => r.channel.info.callId === 'after-1009'), 3000, 'a good call');
    d.sendJson({ event: 'stop' });
    await d.closed;
  });

  it('Asterisk: garbage control text and odd slin frames are dropped, audio keeps flowing', async () => {
    const c = new TestClient(h.url(`/media/asterisk?token=${TOKEN}`));
    await c.opened;
    c.sendBinary(new Uint8Array(160)); // media before MEDIA_START
    c.sendText('MEDIA_START connection_id:odd channel:WebSocket/odd format:slin optimal_frame_size:320');
    await waitFor(() => h.records.some((r) => r.channel.info.callId === 'odd'), 3000, 'the call');
    const rec = h.records.find((r) => r.channel.info.callId === 'odd')!;
    c.sendText('WHAT_IS_THIS foo:bar');
    c.sendText('{"event": 42}');
    c.sendText('{broken json');
    c.sendText('DTMF_END digit:');
    c.sendText('');
    c.sendBinary(new Uint8Array(321)); // not whole 16-bit samples
    c.sendBinary(new Uint8Array(320));
    c.sendText('STATUS queue_length:0 xon_level:800 xoff_level:900 queue_full:false bulk_media:false media_paused:false');
    c.sendText('DTMF_END digit:1');
    await c.until(() => c.binaries().length >= 15, 3000, 'an answer');
    for (const f of c.binaries()) expect(f.data).toHaveLength(320);
    expect(rec.samples.map((s) => s.length)).toEqual([160]);
    expect(rec.ended).toBeNull();
    c.ws.close();
    await rec.endedAt;
  });

  it('raw: a client that disconnects in the middle of an answer ends the call cleanly', async () => {
    const c = new TestClient(h.url('/media/raw'));
    await c.opened;
    c.sendJson({ event: 'start', callId: 'dropper', codec: 'l16', sampleRate: 8000, token: TOKEN });
    await waitFor(() => h.records.some((r) => r.channel.info.callId === 'dropper'), 3000, 'the call');
    const rec = h.records.find((r) => r.channel.info.callId === 'dropper')!;
    c.sendJson({ event: 'dtmf', digit: '2' });
    await c.until(() => c.binaries().length >= 3, 3000, 'the answer');
    c.ws.terminate();
    expect(await rec.endedAt).toMatch(/socket closed \(1006/);
    await waitFor(() => rec.outcomes.length === 1, 1000, 'outcome');
    expect(rec.outcomes).toEqual(['hangup']);
    // Writing to the finished call is harmless.
    const pb = rec.channel.startPlayback();
    pb.write({ pcm: new Int16Array(800), sampleRate: 8000 });
    pb.end();
    expect(await pb.done).toBe('hangup');
    rec.channel.clear();
    rec.channel.hangup('again');
  });
});
