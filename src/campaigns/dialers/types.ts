import type { Contact } from '../types.js';

/**
 * One way of placing calls (Twilio's REST API, an Asterisk AMI Originate, the simulator). A dialer
 * only rings the callee and says how ringing went; once answered, the callee's media stream reaches
 * a call session (on any instance) carrying `params`, and the call itself reports the rest.
 */
export interface PlaceRequest {
  attemptId: string;
  campaignId: string;
  /** E.164. */
  to: string;
  callerId?: string;
  contact: Contact;
  /** What the media stream must carry so the session knows the attempt (`campaignAttempt`). */
  params: Record<string, string>;
}

export type RingOutcome = 'no-answer' | 'busy' | 'failed';

export type DialEvent =
  | { kind: 'answered' }
  /** The call ended: before answer (a ring outcome) or after it (`completed`, with the provider's duration). */
  | { kind: 'ended'; outcome: RingOutcome | 'completed'; durationSeconds?: number; detail?: string };

export interface Dialer {
  readonly kind: string;
  /** Starts the call; resolves with the provider's id for it. Rejects when the call could not be placed. */
  place(request: PlaceRequest, onEvent: (event: DialEvent) => void): Promise<{ providerCallId: string | null }>;
  close(): Promise<void>;
}

/** What dialers need from the service. */
export interface DialerContext {
  /** Token the media endpoints accept (sent as a stream parameter by Twilio-style dialers). */
  mediaToken: string;
  /** This instance's own base URL (http://127.0.0.1:port), for the simulator. */
  localUrl(): string;
  /** Persian speech for simulated callees who speak (8 kHz PCM). */
  speech?(text: string): Promise<Int16Array>;
  logger?: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void };
}

/** Stream parameter naming the attempt (Twilio `<Parameter>`, Asterisk `v()`, raw start params). */
export const ATTEMPT_PARAM = 'campaignAttempt';
