import type { CallIO } from '../dialog/types.js';
import type { Protocol } from '../telephony/types.js';

export interface TranscriptLine {
  role: 'caller' | 'bot';
  text: string;
  at: string;
}

/** Everything an agent needs on screen when the call arrives. */
export interface HandoffRequest {
  callId: string;
  protocol: Protocol;
  callerNumber: string | null;
  /** Caller's name when the call session knows it (CRM lookup, earlier calls): shown on the desk. */
  callerName?: string | null;
  /** Provider's own call id (Twilio CallSid, Asterisk channel) for REST/PBX transfers. */
  providerCallId: string | null;
  queue: string;
  /** 'caller-request' | 'dtmf-0' | 'faq-action' | 'low-confidence' | 'no-input' | 'no-match' | 'engine-error' */
  reason: string;
  intent: string | null;
  transcript: TranscriptLine[];
}

export type HandoffOutcome =
  | { kind: 'connected'; agentId: string }
  | { kind: 'transferred'; target: string }
  | { kind: 'callback'; number: string }
  | { kind: 'abandoned' }
  /** Nobody could answer (closed, holiday) and the caller took neither a call-back nor a message: back to the bot. */
  | { kind: 'declined' }
  | { kind: 'failed'; error: string };

/**
 * Takes over a call the bot cannot serve: queues it, keeps the caller informed while waiting
 * (position, estimated wait, call-back offer) through `io`, and transfers it.
 */
export interface HandoffService {
  handle(request: HandoffRequest, io: CallIO): Promise<HandoffOutcome>;
}
