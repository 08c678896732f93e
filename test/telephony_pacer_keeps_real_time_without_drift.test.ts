import { describe, expect, it, vi } from 'vitest';
import { FramePacer } from '../src/telephony/pacer.js';

/** Run a pacer over `frames` 20 ms frames and return the send times (ms, relative to the first). */
async function run(frames: number, leadFrames: number): Promise<number[]> {
  const times: number[] = [];
  let left = frames;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const pacer = new FramePacer({
    frameMs: 20,
    leadFrames,
    next: () => {
      if (left === 0) {
        done();
        return null;
      }
      left--;
      times.push(performance.now());
      return 20;
    },
  });
  pacer.kick();
  await finished;
  pacer.stop();
  return times.map((t) => t - times[0]);
}

describe('FramePacer', () => {
  it('sends 50 frames over ~1 s: the lead goes out at once, the rest every 20 ms on an absolute schedule', async () => {
    const t = await run(50, 2);
    expect(t).toHaveLength(50);
    expect(t[1]).toBeLessThan(5); // the lead frames
    // Frame k is due at (k - lead)·20 ms; timers may be late but never early, and lateness does not add up.
    for (let k = 2; k < 50; k++) expect(t[k]).toBeGreaterThanOrEqual((k - 2) * 20 - 1);
    const last = t[49];
    expect(last).toBeGreaterThan(47 * 20 - 1);
    expect(last).toBeLessThan(47 * 20 + 250); // only the last timer's lateness, not 47 of them (loose: shared CPU)
  });

  it('does not drift when every send is slow or every timer fires late (deterministic clock)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      // Each send costs 5 ms and each timer wakes 3 ms late: a pacer that waits "20 ms after the
      // last send" would need 49 × 28 ms ≈ 1372 ms for 50 frames.
      let skew = 0;
      const times: number[] = [];
      let left = 50;
      const pacer = new FramePacer({
        frameMs: 20,
        leadFrames: 0,
        now: () => Date.now() + skew,
        next: () => {
          if (left === 0) return null;
          left--;
          times.push(Date.now() + skew);
          skew += 5; // the send itself takes time
          return 20;
        },
      });
      pacer.kick();
      for (let i = 0; i < 3000 && left > 0; i++) {
        await vi.advanceTimersByTimeAsync(1);
        skew += 0.015; // timers run a little late, accumulating 3 ms per 20 ms frame
      }
      pacer.stop();
      expect(times).toHaveLength(50);
      const rel = times.map((t) => t - times[0]);
      for (let k = 1; k < 50; k++) {
        expect(rel[k]).toBeGreaterThanOrEqual(k * 20 - 0.5); // never early
        expect(rel[k]).toBeLessThan(k * 20 + 6); // late by one send's work at most, never cumulatively
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('holds frames while paused and resumes without a burst of the backlog', async () => {
    const times: number[] = [];
    let left = 30;
    const pacer = new FramePacer({
      frameMs: 20,
      leadFrames: 1,
      next: () => {
        if (left === 0) return null;
        left--;
        times.push(performance.now());
        return 20;
      },
    });
    pacer.kick();
    await new Promise((r) => setTimeout(r, 100));
    pacer.pause();
    const atPause = times.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(times.length).toBe(atPause);
    const resumedAt = performance.now();
    pacer.resume();
    await new Promise((r) => setTimeout(r, 110));
    // After resuming: at most the lead at once, then real time again (≈ 1 + 110/20 frames).
    const after = times.filter((t) => t >= resumedAt).length;
    expect(after).toBeGreaterThanOrEqual(4);
    expect(after).toBeLessThanOrEqual(8);
    pacer.stop();
  });
});
