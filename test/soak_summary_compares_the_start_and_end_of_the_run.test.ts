import { describe, expect, it } from 'vitest';
import { percentile, summariseSoak } from '../tools/lib/soak-stats.js';

const MB = 2 ** 20;

describe('the soak summary', () => {
  it('leaves the warm-up out and compares the first and last fifth of the rest', () => {
    // 100 s run: warm-up 0–10 s (a big, unrepresentative RSS and slow turns), first window 10–28 s, last 82–100 s.
    const samples = [
      { at: 5, rssBytes: 900 * MB },
      ...[12, 17, 22, 27].map((at) => ({ at, rssBytes: 400 * MB })),
      { at: 50, rssBytes: 700 * MB }, // the middle decides nothing
      ...[84, 90, 95, 99].map((at) => ({ at, rssBytes: 420 * MB })),
    ];
    const turns = [
      { at: 2, latencyMs: 5000 },
      ...Array.from({ length: 20 }, (_, i) => ({ at: 11 + i * 0.5, latencyMs: 600 + i * 10 })), // p95 = 780
      { at: 50, latencyMs: 9000 },
      ...Array.from({ length: 20 }, (_, i) => ({ at: 83 + i * 0.5, latencyMs: 660 + i * 10 })), // p95 = 840
    ];
    const s = summariseSoak(samples, turns, 100);
    expect(s.rssMb).toEqual({ start: 400, end: 420 });
    expect(s.rssGrowthPct).toBe(5);
    expect(s.p95Ms.start).toBe(780);
    expect(s.p95Ms.end).toBe(840);
    expect(s.p95DriftPct).toBe(7.7);
    expect(s.p95Ms.all).toBe(percentile(turns.map((t) => t.latencyMs), 95));
  });

  it('says null rather than a made-up figure when a window holds nothing', () => {
    const s = summariseSoak([{ at: 95, rssBytes: 100 * MB }], [{ at: 95, latencyMs: 700 }], 100);
    expect(s.rssGrowthPct).toBeNull();
    expect(s.p95DriftPct).toBeNull();
    expect(s.rssMb).toEqual({ start: null, end: 100 });
  });
});
