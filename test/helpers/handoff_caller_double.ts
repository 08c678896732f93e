import type { AskOptions, CallIO, CallerReply } from '../../src/dialog/types.js';
import type { NluResult } from '../../src/engines/nlu/types.js';
import type { PlaybackOutcome } from '../../src/telephony/types.js';
import type { HandoffRequest } from '../../src/handoff/types.js';

/**
 * A scripted caller for the queue's unit tests: it records every prompt, answers `ask`s from a
 * script (by matching the prompt), and can hang up. It stands in for the caller, not for anything
 * of ours: the lead's end-to-end tests drive the real call session.
 */
export function speech(text: string, slots: NluResult['slots'] = {}, system: NluResult['system'] = null): CallerReply {
  return {
    kind: 'speech',
    text,
    nlu: { intent: null, confidence: 0, action: null, answer: null, queue: null, alternatives: [], slots, system, kbVersion: 0 },
  };
}

export const dtmf = (digits: string): CallerReply => ({ kind: 'dtmf', digits });

interface Rule {
  match: RegExp;
  reply: CallerReply;
  once: boolean;
}

export class ScriptedCaller implements CallIO {
  readonly prompts: string[] = [];
  readonly notes: { type: string; data?: Record<string, unknown> }[] = [];
  ended = false;
  private rules: Rule[] = [];
  private waiters: { match: RegExp; resolve: (text: string) => void }[] = [];

  constructor(
    readonly callId: string,
    readonly callerNumber: string | null = '09121234567',
    /** How long one prompt "plays" and how long silence lasts before no-input, in ms. */
    private readonly speakMs = 5,
    private readonly silenceMs = 10,
  ) {}

  /** Answer the next prompt matching `match` with `reply` (once, unless `always`). */
  answer(match: RegExp, reply: CallerReply, always = false): this {
    this.rules.push({ match, reply, once: !always });
    return this;
  }

  /** Resolves with the first prompt (already heard or still to come) that matches. */
  heard(match: RegExp, timeoutMs = 10_000): Promise<string> {
    const already = this.prompts.find((p) => match.test(p));
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`caller never heard ${match}; heard:\n${this.prompts.join('\n')}`)), timeoutMs);
      this.waiters.push({ match, resolve: (t) => (clearTimeout(timer), resolve(t)) });
    });
  }

  hangup(): void {
    this.ended = true;
  }

  private record(text: string) {
    this.prompts.push(text);
    this.waiters = this.waiters.filter((w) => (w.match.test(text) ? (w.resolve(text), false) : true));
  }

  async say(text: string): Promise<PlaybackOutcome> {
    if (this.ended) return 'hangup';
    this.record(text);
    await new Promise((r) => setTimeout(r, this.speakMs));
    return this.ended ? 'hangup' : 'played';
  }

  async ask(text: string, _options?: AskOptions): Promise<CallerReply> {
    if (this.ended) return { kind: 'hangup' };
    this.record(text);
    await new Promise((r) => setTimeout(r, this.speakMs));
    const i = this.rules.findIndex((r) => r.match.test(text));
    if (i >= 0) {
      const rule = this.rules[i];
      if (rule.once) this.rules.splice(i, 1);
      return rule.reply;
    }
    await new Promise((r) => setTimeout(r, this.silenceMs));
    return this.ended ? { kind: 'hangup' } : { kind: 'no-input' };
  }

  note(type: string, data?: Record<string, unknown>): void {
    this.notes.push({ type, data });
  }
}

/** A hand-off request as the call session sends it. */
export function request(callId: string, extra: Partial<HandoffRequest> = {}): HandoffRequest {
  return {
    callId,
    protocol: 'twilio',
    callerNumber: '09121234567',
    providerCallId: `CA${callId}`,
    queue: 'general',
    reason: 'caller-request',
    intent: null,
    transcript: [{ role: 'caller', text: 'می‌خواهم با اپراتور صحبت کنم', at: new Date().toISOString() }],
    ...extra,
  };
}
