/** What the call path records. Implementations must never block or throw into the audio path. */
export interface CallRecord {
  id: string;
  protocol: string;
  fromNumber: string | null;
  toNumber: string | null;
  startedAt: Date;
  params?: Record<string, string>;
}

export interface TurnTimings {
  /** Caller stopped speaking → endpoint detected. */
  endpointMs?: number;
  asrMs?: number;
  nluMs?: number;
  /** Text ready → first bot audio frame sent. */
  ttsFirstAudioMs?: number;
  /** Caller stopped speaking → first bot audio frame sent. */
  totalMs?: number;
}

/**
 * What one turn holds, wherever it is: `At` is a Date where the call path records it, an ISO
 * string once it is queued (src/store/recorder/entries.ts) or read back (src/store/call-queries.ts).
 */
export interface TurnFields<At extends Date | string> {
  seq: number;
  at: At;
  /** 'speech' | 'dtmf' | 'no-input' | 'greeting' … */
  input: string;
  heardText: string | null;
  partialsCount: number;
  intent: string | null;
  confidence: number | null;
  action: string;
  botText: string | null;
}

export interface TurnRecord extends TurnFields<Date> {
  callId: string;
  timings: TurnTimings;
}

export interface CallEventRecord {
  callId: string;
  at: Date;
  /** 'dtmf' | 'barge-in' | 'handoff' | 'error' | 'reprompt' | … */
  type: string;
  data: Record<string, unknown>;
}

export interface CallEnd {
  callId: string;
  endedAt: Date;
  /** 'completed' | 'handoff' | 'abandoned' | 'error' */
  outcome: string;
  handoffReason: string | null;
  handoffQueue?: string | null;
}

export interface CallRecorder {
  callStarted(call: CallRecord): void;
  turn(turn: TurnRecord): void;
  event(event: CallEventRecord): void;
  callEnded(end: CallEnd): void;
  /** Waits until everything queued so far is durably written (or gives up after `timeoutMs`). */
  flush(timeoutMs?: number): Promise<void>;
}
