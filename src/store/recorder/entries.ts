import type { CallEnd, CallEventRecord, CallRecord, TurnFields, TurnRecord, TurnTimings } from '../types.js';

/**
 * What the recorder queues: plain JSON (dates as ISO strings) so that the same object can sit in
 * memory, go to the spill journal as one line, and come back unchanged on replay.
 */
export type RecorderEntry = EntryBody & {
  /** The recorder run that queued it and its number in that run (lets `flush` wait for its own entries). */
  r?: string;
  n?: number;
};

type EntryBody =
  | {
      k: 'call';
      id: string;
      protocol: string;
      fromNumber: string | null;
      toNumber: string | null;
      startedAt: string;
      params: Record<string, string>;
    }
  | ({ k: 'turn'; callId: string; timings: TurnTimings } & TurnFields<string>)
  | {
      k: 'event';
      /** Generated when queued: the idempotency key for an event, which has no natural one. */
      id: string;
      callId: string;
      at: string;
      type: string;
      data: Record<string, unknown>;
    }
  | {
      k: 'end';
      callId: string;
      endedAt: string;
      outcome: string;
      handoffReason: string | null;
      handoffQueue: string | null;
    };

export type TextMasker = (text: string) => string;

const iso = (d: Date | string): string => {
  const date = d instanceof Date ? d : new Date(d);
  // An invalid date must not poison the batch it lands in; record it as "now" rather than lose the row.
  return Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
};

const finiteOrNull = (n: unknown): number | null => (typeof n === 'number' && Number.isFinite(n) ? n : null);

/** Timings are integer milliseconds in the database; anything else is dropped, not stored as garbage. */
function cleanTimings(t: TurnTimings | undefined): TurnTimings {
  const out: TurnTimings = {};
  if (!t) return out;
  for (const key of ['endpointMs', 'asrMs', 'nluMs', 'ttsFirstAudioMs', 'totalMs'] as const) {
    const v = finiteOrNull(t[key]);
    if (v !== null) out[key] = Math.max(0, Math.round(v));
  }
  return out;
}

/** Keys that hold provider or call identifiers (CallSid, streamSid, agentId…): never personal, never masked. */
const IDENTIFIER_KEY = /(^id$|Id$|_id$|Sid$|sid$|Uuid$|uuid$)/;

/**
 * Event data can carry what the caller said or typed (keypad entries, transcripts), so every
 * string is masked — except identifier fields, whose long digit runs would look like card numbers.
 */
function maskDeep(value: unknown, mask: TextMasker): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, mask));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, IDENTIFIER_KEY.test(k) && typeof v === 'string' ? v : maskDeep(v, mask)]),
    );
  }
  return value;
}

/** JSON round trip: drops functions/undefined and turns anything exotic into what jsonb will store. */
function jsonSafe(data: unknown): Record<string, unknown> {
  try {
    const parsed = JSON.parse(JSON.stringify(data ?? {}));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : { value: parsed };
  } catch {
    return { unserialisable: String(data) };
  }
}

export function callEntry(call: CallRecord): RecorderEntry {
  return {
    k: 'call',
    id: String(call.id),
    protocol: String(call.protocol),
    fromNumber: call.fromNumber ?? null,
    toNumber: call.toNumber ?? null,
    startedAt: iso(call.startedAt),
    params: jsonSafe(call.params ?? {}) as Record<string, string>,
  };
}

export function turnEntry(turn: TurnRecord, mask: TextMasker | null): RecorderEntry {
  const m = (s: string | null | undefined) => (s == null ? null : mask ? mask(s) : s);
  return {
    k: 'turn',
    callId: String(turn.callId),
    seq: Math.trunc(turn.seq),
    at: iso(turn.at),
    input: String(turn.input),
    heardText: m(turn.heardText),
    partialsCount: Math.max(0, Math.trunc(finiteOrNull(turn.partialsCount) ?? 0)),
    intent: turn.intent ?? null,
    confidence: finiteOrNull(turn.confidence),
    action: String(turn.action),
    botText: m(turn.botText),
    timings: cleanTimings(turn.timings),
  };
}

export function eventEntry(id: string, event: CallEventRecord, mask: TextMasker | null): RecorderEntry {
  const data = jsonSafe(event.data);
  return {
    k: 'event',
    id,
    callId: String(event.callId),
    at: iso(event.at),
    type: String(event.type),
    data: mask ? (maskDeep(data, mask) as Record<string, unknown>) : data,
  };
}

export function endEntry(end: CallEnd): RecorderEntry {
  return {
    k: 'end',
    callId: String(end.callId),
    endedAt: iso(end.endedAt),
    outcome: String(end.outcome),
    handoffReason: end.handoffReason ?? null,
    handoffQueue: end.handoffQueue ?? null,
  };
}

/** Parses one journal line; `null` for a torn or foreign line (a crash mid-append). */
export function parseEntry(line: string): RecorderEntry | null {
  try {
    const e = JSON.parse(line);
    if (!e || typeof e !== 'object') return null;
    if (e.k === 'call' && typeof e.id === 'string') return e;
    if (e.k === 'turn' && typeof e.callId === 'string' && Number.isInteger(e.seq)) return e;
    if (e.k === 'event' && typeof e.id === 'string' && typeof e.callId === 'string') return e;
    if (e.k === 'end' && typeof e.callId === 'string') return e;
    return null;
  } catch {
    return null;
  }
}
