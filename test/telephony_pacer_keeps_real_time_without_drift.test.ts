import { describe, expect, it } from 'vitest';
import { FramePacer } from '../src/telephony/pacer.js';

/** Run a pacer over `frames` 20 ms frames and return the send times (ms, relative to the first). */
async function run(frames: number, leadFrames: number, busyEveryMs = 0): Promise<number[]> {
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
      if (busyEveryMs) {
        // Simulate a busy event loop: every send burns a few ms of CPU.
        const until = performance.now() + busyEveryMs;
        while (performance.now() < until) {
          /* spin */
        }
      }
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
    expect(last).toBeLessThan(47 * 20 + 150); // only the last timer's lateness, not 47 of them
  });

  it('does not drift when every send is slow (5 ms of work per frame)', async () => {
    const t = await run(50, 0, 5);
    // A naive "setTimeout(20) after each send" pacer would take 49 × 25 ms ≈ 1225 ms.
    expect(t[49]).toBeLessThan(49 * 20 + 150);
    expect(t[49]).toBeGreaterThanOrEqual(49 * 20 - 1);
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
