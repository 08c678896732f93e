import type { NluResult } from '../engines/nlu/types.js';
import type { PlaybackOutcome } from '../telephony/types.js';

/** What the caller did in answer to a prompt. */
export type CallerReply =
  /** `speechMs`: how long the caller spoke (outbound calls read a long first utterance as an answering machine). */
  | { kind: 'speech'; text: string; nlu: NluResult; speechMs?: number }
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

/**
 * A flow that takes a whole call instead of the inbound greeting (an outbound campaign attempt,
 * named by the stream's parameters). It may ask the session to hand the callee to a queue.
 */
export type CallTakeover = (io: CallIO) => Promise<{ outcome: 'completed' | 'abandoned' | 'error'; handoffQueue?: string }>;
