import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RecorderStats } from '../store/recorder.js';
import type { TelephonyMetrics } from '../telephony/metrics.js';

/**
 * Turn latency (caller stops speaking → first bot audio) lives between ~0.3 s and ~3 s with the
 * endpoint silence (~0.5 s) inside it, so the buckets are dense there and sparse beyond.
 */
export const TURN_LATENCY_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.2, 1.5, 2, 2.5, 3, 4, 6, 10];
/** Single stages (ASR, NLU, TTS first audio) are shorter. */
export const STAGE_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5];

export type TurnStage = 'endpoint' | 'asr' | 'nlu' | 'tts_first_audio';

/**
 * Prometheus metrics for one service instance, in their own registry (tests create several).
 * The call-session methods match `SessionMetrics` in `src/dialog/session.ts`; `telephony` is the
 * `TelephonyMetrics` hook set for the media adapters (they count streams, not calls, so active
 * calls are not counted twice).
 */
export interface Metrics {
  readonly registry: Registry;
  /** Content-Type for the `/metrics` response. */
  readonly contentType: string;
  callStarted(protocol: string): void;
  callEnded(protocol: string, outcome: string): void;
  /** A finished turn; `latencySeconds` is end of caller speech → first bot audio (null when not a spoken turn). */
  turn(action: string, latencySeconds: number | null): void;
  /** One pipeline stage of a turn. */
  stage(stage: TurnStage, seconds: number): void;
  handoff(reason: string): void;
  engineError(engine: string): void;
  bargeIn(): void;
  droppedFrames(protocol: string, reason: string, count?: number): void;
  readonly telephony: Required<TelephonyMetrics>;
  /** Exposes the call recorder's backlog (queued, spilled, retries, dead letters) at scrape time. */
  watchRecorder(stats: () => RecorderStats): void;
  render(): Promise<string>;
}

export interface MetricsOptions {
  /** Include Node process metrics (CPU, memory, event-loop lag, GC). Default true. */
  processMetrics?: boolean;
  /** Prefix for every metric name. Default `pasokh_`. */
  prefix?: string;
}

/** Label values come from code, but a bug must not explode cardinality: bound and tidy them. */
function label(value: string | null | undefined): string {
  const v = String(value ?? 'unknown').trim().toLowerCase().replace(/[^a-z0-9_.:-]+/g, '_').slice(0, 48);
  return v || 'unknown';
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? 'pasokh_';
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix });
  const registers = [registry];

  const activeCalls = new Gauge({ name: `${prefix}active_calls`, help: 'Calls in progress', labelNames: ['protocol'], registers });
  const callsTotal = new Counter({ name: `${prefix}calls_total`, help: 'Calls ended, by protocol and outcome', labelNames: ['protocol', 'outcome'], registers });
  const turnsTotal = new Counter({ name: `${prefix}turns_total`, help: 'Dialog turns, by the action the bot took', labelNames: ['action'], registers });
  const turnLatency = new Histogram({
    name: `${prefix}turn_latency_seconds`,
    help: 'End of caller speech to first bot audio frame',
    buckets: TURN_LATENCY_BUCKETS,
    registers,
  });
  const stageLatency = new Histogram({
    name: `${prefix}turn_stage_seconds`,
    help: 'Time spent in one stage of a turn (endpoint, asr, nlu, tts_first_audio)',
    labelNames: ['stage'],
    buckets: STAGE_LATENCY_BUCKETS,
    registers,
  });
  const handoffs = new Counter({ name: `${prefix}handoffs_total`, help: 'Hand-offs to a human, by reason', labelNames: ['reason'], registers });
  const engineErrors = new Counter({ name: `${prefix}engine_errors_total`, help: 'Engine failures and timeouts, by engine', labelNames: ['engine'], registers });
  const bargeIns = new Counter({ name: `${prefix}barge_ins_total`, help: 'Caller speech that interrupted bot playback', registers });
  const droppedFrames = new Counter({ name: `${prefix}dropped_frames_total`, help: 'Media frames not used, by protocol and reason', labelNames: ['protocol', 'reason'], registers });
  const streamsStarted = new Counter({ name: `${prefix}media_streams_started_total`, help: 'Media streams that started (authenticated)', labelNames: ['protocol'], registers });
  const streamsEnded = new Counter({ name: `${prefix}media_streams_ended_total`, help: 'Media streams that ended, by reason', labelNames: ['protocol', 'reason'], registers });
  const authRejected = new Counter({ name: `${prefix}media_auth_rejected_total`, help: 'Media streams refused at authentication', labelNames: ['protocol', 'reason'], registers });

  // Active calls per protocol, kept here so a late or duplicate end can never drive the gauge negative.
  const active = new Map<string, number>();

  let recorderStats: (() => RecorderStats) | null = null;
  new Gauge({
    name: `${prefix}recorder_backlog`,
    help: 'Call records not yet written to the database (memory queue), and whether the spill journal holds more',
    labelNames: ['where'],
    registers,
    collect() {
      if (!recorderStats) return;
      const s = recorderStats();
      this.set({ where: 'memory' }, s.queued);
      this.set({ where: 'journal' }, s.journalPending ? 1 : 0);
    },
  });
  new Gauge({
    name: `${prefix}recorder_records`,
    help: 'Call recorder counters since start: written, spilled, retries, dead_lettered, dropped',
    labelNames: ['kind'],
    registers,
    collect() {
      if (!recorderStats) return;
      const s = recorderStats();
      this.set({ kind: 'written' }, s.written);
      this.set({ kind: 'spilled' }, s.spilled);
      this.set({ kind: 'retries' }, s.retries);
      this.set({ kind: 'dead_lettered' }, s.deadLettered);
      this.set({ kind: 'dropped' }, s.dropped);
    },
  });

  const metrics: Metrics = {
    registry,
    contentType: registry.contentType,
    callStarted(protocol) {
      const p = label(protocol);
      active.set(p, (active.get(p) ?? 0) + 1);
      activeCalls.set({ protocol: p }, active.get(p)!);
    },
    callEnded(protocol, outcome) {
      const p = label(protocol);
      active.set(p, Math.max(0, (active.get(p) ?? 0) - 1));
      activeCalls.set({ protocol: p }, active.get(p)!);
      callsTotal.inc({ protocol: p, outcome: label(outcome) });
    },
    turn(action, latencySeconds) {
      turnsTotal.inc({ action: label(action) });
      if (latencySeconds !== null && Number.isFinite(latencySeconds) && latencySeconds >= 0) turnLatency.observe(latencySeconds);
    },
    stage(stage, seconds) {
      if (Number.isFinite(seconds) && seconds >= 0) stageLatency.observe({ stage }, seconds);
    },
    handoff(reason) {
      handoffs.inc({ reason: label(reason) });
    },
    engineError(engine) {
      engineErrors.inc({ engine: label(engine) });
    },
    bargeIn() {
      bargeIns.inc();
    },
    droppedFrames(protocol, reason, count = 1) {
      if (count > 0) droppedFrames.inc({ protocol: label(protocol), reason: label(reason) }, count);
    },
    telephony: {
      callStarted: (protocol) => streamsStarted.inc({ protocol: label(protocol) }),
      // Reasons may carry detail after a colon ("error:bad_json"); the label keeps the kind only.
      callEnded: (protocol, reason) => streamsEnded.inc({ protocol: label(protocol), reason: label(reason.split(':')[0]) }),
      frameDropped: (protocol, reason, count = 1) => metrics.droppedFrames(protocol, reason, count),
      authRejected: (protocol, reason) => authRejected.inc({ protocol: label(protocol), reason: label(reason) }),
    },
    watchRecorder(stats) {
      recorderStats = stats;
    },
    render: () => registry.metrics(),
  };
  return metrics;
}
