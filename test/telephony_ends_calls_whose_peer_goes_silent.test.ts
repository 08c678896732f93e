import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, TestClient, sleep, startHarness, waitFor, type Harness } from './helpers/telephony_harness.js';

/**
 * A peer that vanishes without closing (cable pulled, NAT timeout) leaves a socket that looks open.
 * Every supported far end streams audio continuously, so silence on the socket ends the call.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ idleTimeoutMs: 400 });
});
afterAll(async () => {
  await h.close();
});

describe('dead-peer detection', () => {
  it('keeps a call whose far end keeps streaming, and ends one that goes quiet', async () => {
    const c = new TestClient(h.url('/media/raw'));
    await c.opened;
    c.sendJson({ event: 'start', callId: 'quiet', codec: 'pcmu', sampleRate: 8000, token: TOKEN });
    await waitFor(() => h.records.some((r) => r.channel.info.callId === 'quiet'), 3000, 'the call');
    const rec = h.records.find((r) => r.channel.info.callId === 'quiet')!;
    // 1 s of audio every 50 ms: longer than the idle limit in total, but never quiet for long.
    for (let i = 0; i < 20; i++) {
      c.sendBinary(new Uint8Array(160).fill(0xff));
      await sleep(50);
    }
    expect(rec.ended).toBeNull();
    // Now silence.
    const closed = await c.closed;
    expect(closed.code).toBe(1001);
    expect(closed.reason).toMatch(/^nothing received for \d+ s$/);
    expect(await rec.endedAt).toMatch(/nothing received/);
    expect(h.logger.lines.some((l) => l.level === 'warn' && /nothing received/.test(l.msg ?? ''))).toBe(true);
  });
});
