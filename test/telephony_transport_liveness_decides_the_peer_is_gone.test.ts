import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, TestClient, sleep, startHarness, waitFor, type Harness } from './helpers/telephony_harness.js';

/**
 * A real PBX sends no media while the caller is quiet, so silence on the socket says nothing about
 * the peer. The WebSocket's own ping/pong does: a peer that answers pings keeps its call however long
 * it sends nothing; one that stops answering (cable pulled, PBX crashed) loses it within two pings.
 */
const KEEPALIVE_MS = 250;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ keepaliveMs: KEEPALIVE_MS });
});
afterAll(async () => {
  await h.close();
});


describe('transport liveness', () => {
  it('keeps a call whose peer answers pings but sends no media, and hears the pause as silence', async () => {
    const c = new TestClient(h.url('/media/raw'));
    await c.opened;
    c.sendJson({ event: 'start', callId: 'quiet-but-there', codec: 'pcmu', sampleRate: 8000, token: TOKEN });
    await waitFor(() => h.records.some((r) => r.channel.info.callId === 'quiet-but-there'), 3000, 'the call');
    const rec = h.records.find((r) => r.channel.info.callId === 'quiet-but-there')!;
    const started = performance.now();
    await sleep(KEEPALIVE_MS * 8);
    expect(rec.ended).toBeNull();
    // The session heard the two quiet seconds as silence, on the wall clock.
    expect(rec.samples).toEqual([]);
    const heardMs = rec.filled / 8;
    const elapsed = performance.now() - started;
    expect(heardMs).toBeGreaterThan(elapsed - 400);
    expect(heardMs).toBeLessThan(elapsed + 200);
    c.ws.close();
    await c.closed;
  });

  it('ends the call within two pings when the peer stops answering them', async () => {
    const ws = new WebSocket(h.url(`/media/raw?token=${TOKEN}`), { autoPong: false });
    ws.on('error', () => {});
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ event: 'start', callId: 'vanished', codec: 'pcmu', sampleRate: 8000 }));
    await waitFor(() => h.records.some((r) => r.channel.info.callId === 'vanished'), 3000, 'the call');
    const rec = h.records.find((r) => r.channel.info.callId === 'vanished')!;
    const since = performance.now();
    const reason = await rec.endedAt;
    expect(reason).toMatch(/peer gone \(no answer to ping/);
    expect(performance.now() - since).toBeLessThan(KEEPALIVE_MS * 2 + 1000);
    expect(h.logger.lines.some((l) => l.level === 'warn' && /media peer gone/.test(l.msg ?? ''))).toBe(true);
  });
});
