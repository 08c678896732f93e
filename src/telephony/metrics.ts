import type { Protocol } from './types.js';

/**
 * Optional hooks the service can point at Prometheus counters. Every member is optional so a caller
 * can wire only what it exports; the telephony layer never depends on prom-client itself.
 */
export interface TelephonyMetrics {
  callStarted?(protocol: Protocol): void;
  callEnded?(protocol: Protocol, reason: string): void;
  /** A frame (or `count` frames) from or to the far end that was not used, and why. */
  frameDropped?(protocol: Protocol, reason: string, count?: number): void;
  authRejected?(protocol: Protocol, reason: string): void;
}

export interface TelephonyCounters extends Required<TelephonyMetrics> {
  readonly calls: Record<string, number>;
  readonly ended: Record<string, number>;
  readonly dropped: Record<string, number>;
  readonly rejected: Record<string, number>;
}

/** In-memory counters keyed `protocol:reason`; handy for tests and for a quick status page. */
export function createTelephonyCounters(): TelephonyCounters {
  const calls: Record<string, number> = {};
  const ended: Record<string, number> = {};
  const dropped: Record<string, number> = {};
  const rejected: Record<string, number> = {};
  const bump = (m: Record<string, number>, k: string, n = 1) => {
    m[k] = (m[k] ?? 0) + n;
  };
  return {
    calls,
    ended,
    dropped,
    rejected,
    callStarted: (p) => bump(calls, p),
    callEnded: (p, reason) => bump(ended, `${p}:${reason.split(':')[0]}`),
    frameDropped: (p, reason, count = 1) => bump(dropped, `${p}:${reason}`, count),
    authRejected: (p, reason) => bump(rejected, `${p}:${reason}`),
  };
}
