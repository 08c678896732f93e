import type { NluResult } from '../engines/nlu/types.js';
import type { PlaybackOutcome } from '../telephony/types.js';

/** What the caller did in answer to a prompt. */
export type CallerReply =
  | { kind: 'speech'; text: string; nlu: NluResult }
  | { kind: 'dtmf'; digits: string }
  | { kind: 'no-input' }
  | { kind: 'hangup' };

export interface AskOptions {
  /** Collect up to this many keypad digits (ended by '#' or a pause); default 1. */
  maxDigits?: number;
  /** Silence before giving up with `no-input`; default from config. */
  timeoutMs?: number;
  /** Let the caller interrupt the prompt (default true). */
  bargeIn?: boolean;
  /** Stops the prompt and the wait at once (e.g. an agent took the call); the reply is `no-input`. */
  signal?: AbortSignal;
}

/**
 * The call as seen by flows that run inside it (the queue wait, surveys): speak, then listen.
 * The call session implements it; flows never touch the channel or the engines directly.
 */
export interface CallIO {
  readonly callId: string;
  readonly callerNumber: string | null;
  say(text: string): Promise<PlaybackOutcome>;
  ask(text: string, options?: AskOptions): Promise<CallerReply>;
  /** Records an event on the call (stored with the call, counted in metrics). */
  note(type: string, data?: Record<string, unknown>): void;
  readonly ended: boolean;
}
