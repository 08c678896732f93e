/** The figures of a soak run, from what it sampled: pure, so that the summary itself is tested. */

export interface SoakSample {
  /** Seconds since the start of the run. */
  at: number;
  rssBytes: number;
}

export interface SoakTurn {
  /** Seconds since the start of the run when the answer began. */
  at: number;
  latencyMs: number;
}

export const percentile = (xs: readonly number[], p: number): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]);
};

const pct = (from: number | null, to: number | null) => (from && to !== null ? Number((((to - from) / from) * 100).toFixed(1)) : null);

/**
 * Memory growth and latency drift between the start and the end of a run. The first `warmupShare`
 * of the run is left out of both (caches filling, the JIT, the answer cache warming is not a leak);
 * then the first and the last `windowShare` of what remains are compared: RSS as the median of its
 * samples in each window (one GC pause or burst does not decide), latency as the p95 of the turns
 * answered in each window.
 */
export function summariseSoak(
  samples: readonly SoakSample[],
  turns: readonly SoakTurn[],
  durationSeconds: number,
  options: { warmupShare?: number; windowShare?: number } = {},
) {
  const warm = durationSeconds * (options.warmupShare ?? 0.1);
  const span = (durationSeconds - warm) * (options.windowShare ?? 0.2);
  const first = (at: number) => at >= warm && at < warm + span;
  const last = (at: number) => at >= durationSeconds - span;
  const median = (xs: number[]) => percentile(xs, 50);
  const rssStart = median(samples.filter((s) => first(s.at)).map((s) => s.rssBytes));
  const rssEnd = median(samples.filter((s) => last(s.at)).map((s) => s.rssBytes));
  const p95Start = percentile(turns.filter((t) => first(t.at)).map((t) => t.latencyMs), 95);
  const p95End = percentile(turns.filter((t) => last(t.at)).map((t) => t.latencyMs), 95);
  return {
    rssMb: { start: rssStart === null ? null : Math.round(rssStart / 2 ** 20), end: rssEnd === null ? null : Math.round(rssEnd / 2 ** 20) },
    rssGrowthPct: pct(rssStart, rssEnd),
    p95Ms: { start: p95Start, end: p95End, all: percentile(turns.map((t) => t.latencyMs), 95) },
    p95DriftPct: pct(p95Start, p95End),
  };
}
