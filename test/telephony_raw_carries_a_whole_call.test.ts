import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alawDecode, alawEncode, l16Decode, l16Encode } from '../src/audio/g711.js';
import { concatPcm, sineWave } from '../src/audio/pcm.js';
import { TOKEN, TestClient, sleep, startHarness, toneLevelDb, waitFor, type Harness } from './helpers/telephony_harness.js';

/** The raw protocol as docs/protocols/raw.md specifies it. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
const latest = () => h.records[h.records.length - 1];

describe('raw media protocol on /media/raw', () => {
  it('carries a whole l16/16 kHz call: start, audio both ways, dtmf, clear, stop', async () => {
    const n = h.records.length;
    const c = new TestClient(h.url('/media/raw'));
    await c.opened;
    c.sendJson({ event: 'start', callId: 'fs-42', from: '09120000000', to: '021-1234', codec: 'l16', sampleRate: 16000, token: TOKEN });
    await waitFor(() => h.records.length === n + 1, 3000, 'the call to start');
    const rec = latest();
    expect(rec.channel.info).toMatchObject({ callId: 'fs-42', protocol: 'raw', from: '09120000000', to: '021-1234' });
    expect(rec.channel.sampleRate).toBe(16000);

    const tone = sineWave(5000, 16000, 16000, 0.2);
    // Any frame size is fine inbound.
    for (let i = 0; i < tone.length; i += 700) c.sendBinary(l16Encode(tone.subarray(i, i + 700)));
    await waitFor(() => rec.samples.reduce((a, s) => a + s.length, 0) === 16000, 3000, 'caller audio');
    expect(Array.from(concatPcm(rec.samples))).toEqual(Array.from(tone));

    c.sendJson({ event: 'dtmf', digit: '1' });
    await c.until(() => c.binaries().length >= 15, 3000, '15 frames');
    await sleep(100);
    expect(c.binaries()).toHaveLength(15); // 300 ms = 15 × 20 ms, padded to whole frames
    for (const f of c.binaries()) expect(f.data).toHaveLength(640);
    const span = c.binaries()[14].at - c.binaries()[0].at;
    // Paced, not a burst: about 200 ms, less the half millisecond early the pacer may send a frame
    // (the Asterisk test's twin measured 199.86 ms once).
    expect(span).toBeGreaterThan(190);
    expect(span).toBeLessThan(700);
    const pcm = l16Decode(Buffer.concat(c.binaries().map((f) => f.data)));
    expect(Math.abs(toneLevelDb(pcm.subarray(800, 4000), 16000, 1000) - 20 * Math.log10(0.5))).toBeLessThan(0.5);
    await waitFor(() => rec.outcomes.length === 1, 1000, 'played');

    c.sendJson({ event: 'dtmf', digit: '2' });
    await c.until(() => c.binaries().length >= 25, 3000, 'the long answer');
    c.sendJson({ event: 'dtmf', digit: '3' });
    await c.until(() => c.texts().some((t) => JSON.parse(t).event === 'clear'), 2000, 'clear');
    await waitFor(() => rec.outcomes.length === 2, 1000, 'cleared');
    expect(rec.outcomes).toEqual(['played', 'cleared']);

    c.sendJson({ event: 'stop' });
    expect((await c.closed).code).toBe(1000);
    expect(await rec.endedAt).toBe('stop');
  });

  it('speaks pcma at 8 kHz and says hangup before closing when the bot hangs up', async () => {
    const n = h.records.length;
    const c = new TestClient(h.url(`/media/raw?token=${TOKEN}`));
    await c.opened;
    c.sendJson({ event: 'start', callId: 'gw-7', codec: 'pcma', sampleRate: 8000 });
    await waitFor(() => h.records.length === n + 1, 3000, 'the call to start');
    const rec = latest();
    expect(rec.channel.info.from).toBeNull();
    c.sendBinary(alawEncode(sineWave(1000, 8000, 800, 0.3)));
    await waitFor(() => rec.samples.length > 0, 2000, 'caller audio');
    c.sendJson({ event: 'dtmf', digit: '1' });
    await c.until(() => c.binaries().length >= 15, 3000, 'frames');
    for (const f of c.binaries()) expect(f.data).toHaveLength(160);
    const pcm = alawDecode(Buffer.concat(c.binaries().map((f) => f.data)));
    expect(Math.abs(toneLevelDb(pcm.subarray(400, 2000), 8000, 1000) - 20 * Math.log10(0.5))).toBeLessThan(1);
    c.sendJson({ event: 'dtmf', digit: '9' });
    const closed = await c.closed;
    expect(closed.code).toBe(1000);
    expect(c.jsons().find((m) => m.event === 'hangup')).toEqual({ event: 'hangup', reason: 'caller pressed 9' });
  });

  it.each([
    [{ codec: 'opus', sampleRate: 48000 }, /unsupported codec "opus"/],
    [{ codec: 'pcmu', sampleRate: 16000 }, /8000 Hz only/],
    [{ codec: 'l16', sampleRate: 44100 }, /unsupported sampleRate 44100/],
  ])('closes with 1003 on a wrong codec (%j)', async (fmt, reason) => {
    const c = new TestClient(h.url('/media/raw'));
    await c.opened;
    c.sendJson({ event: 'start', callId: 'bad', token: TOKEN, ...fmt });
    const closed = await c.closed;
    expect(closed.code).toBe(1003);
    expect(closed.reason).toMatch(reason);
  });
});
