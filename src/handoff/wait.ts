import { digitsArToEn, digitsFaToEn } from '@persian-tools/persian-tools';
import type { CallIO, CallerReply } from '../dialog/types.js';
import type { HandoffOutcome } from './types.js';
import type { QueueStore } from './store.js';
import { callbackConfirmed, confirmNumber, handoffPhrases, positionAnnouncement } from './phrases.js';

export interface WaitOptions {
  waitUpdateSeconds: number;
  callbackOffer: boolean;
  holdMessages: readonly string[];
  defaultHandleSeconds: number;
  /**
   * How often the entry's state is re-read while the line is quiet. With `changes` this is only the
   * safety net for a notification lost on the way; without, it is how fast an accept is noticed.
   */
  pollMs: number;
  /**
   * Subscribes to "the queue may have changed" (the hand-off service's `changed` events: this
   * instance's own changes and, through LISTEN/NOTIFY, other instances'); returns the unsubscribe.
   * Each one re-reads the entry at once, so an agent's accept anywhere reaches the caller now.
   */
  changes?: (wake: () => void) => () => void;
  /** Silence allowed after the call-back offer and number prompts. */
  replyTimeoutMs: number;
  /** The service is shutting down: stop waiting (the entry stays queued for other instances). */
  isClosed?: () => boolean;
  /** How long the database may stay unreachable before the wait gives up (default 60 s). */
  maxOutageMs?: number;
  /** Past this wait the caller is told so and offered a call-back or a message, once; null = never. */
  maxWaitSeconds?: number | null;
  /** The clock the maximum wait is measured on (tests pass a fake one); default Date.now. */
  now?: () => number;
  /** Silence allowed while the caller leaves a message (default 10 s). */
  messageTimeoutMs?: number;
}

/** How soon a hang-up or the service closing ends a quiet wait (a local check, not a read). */
const GONE_CHECK_MS = 250;

/**
 * Naps that a queue change cuts short. `version` counts the changes seen, so a change that came
 * between reading the entry and lying down is not slept through.
 */
class ChangeWaker {
  private seen = 0;
  private readonly sleepers = new Set<() => void>();
  private subscribers = 0;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly changes: WaitOptions['changes']) {}

  get version(): number {
    return this.seen;
  }

  /** Runs `fn` subscribed to changes (nested calls share one subscription). */
  async watching<T>(fn: () => Promise<T>): Promise<T> {
    if (this.subscribers++ === 0 && this.changes) this.unsubscribe = this.changes(() => this.wake());
    try {
      return await fn();
    } finally {
      if (--this.subscribers === 0) {
        this.unsubscribe?.();
        this.unsubscribe = null;
      }
    }
  }

  /**
   * Resolves after `ms`, or as soon as a change newer than `since` arrives, `signal` aborts or
   * `over()` (checked every GONE_CHECK_MS, no database involved) says the wait has no one to serve.
   */
  nap(ms: number, since: number, signal?: AbortSignal, over?: () => boolean): Promise<void> {
    if (this.seen !== since || signal?.aborted || over?.()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        clearInterval(watch);
        this.sleepers.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      const watch = over ? setInterval(() => over() && done(), Math.min(GONE_CHECK_MS, ms)) : undefined;
      this.sleepers.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wake(): void {
    this.seen++;
    for (const sleeper of [...this.sleepers]) sleeper();
  }
}

/** ASCII digits of a spoken or typed reply (NLU digits slot first, then any digits in the text). */
function replyDigits(reply: CallerReply): string | null {
  if (reply.kind === 'dtmf') return String(digitsFaToEn(String(digitsArToEn(reply.digits)))).replace(/[^0-9]/g, '') || null;
  if (reply.kind === 'speech') {
    if (reply.nlu.slots.digits) return reply.nlu.slots.digits;
    const text = String(digitsFaToEn(String(digitsArToEn(reply.text))));
    return text.replace(/[^0-9]/g, '') || null;
  }
  return null;
}

const YES = /(^|\s)(بله|بلی|آره|آری|باشه|حتما|حتماً|لطفا|لطفاً|بفرمایید|تماس بگیرید|درسته|درست است)(\s|$|[.!؟])/u;
const NO = /(^|\s)(نه|خیر|نخیر|اشتباه)(\s|$|[.!؟])/u;
const norm = (t: string) => t.replace(/ي/g, 'ی').replace(/ك/g, 'ک').replace(/\u200c/g, ' ').trim();

/** Yes = key 1 or a spoken yes; no = key 2 or a spoken no. */
export function yesNo(reply: CallerReply): 'yes' | 'no' | null {
  if (reply.kind === 'dtmf') return reply.digits.startsWith('1') ? 'yes' : reply.digits.startsWith('2') ? 'no' : null;
  if (reply.kind !== 'speech') return null;
  const { slots, system } = reply.nlu;
  if (slots.yesNo) return slots.yesNo;
  if (system === 'yes' || system === 'callback') return 'yes';
  if (system === 'no') return 'no';
  const text = norm(reply.text);
  if (YES.test(text)) return 'yes';
  if (NO.test(text)) return 'no';
  return null;
}

/** Key 1 or «بله» = a call-back; key 2 or «پیام» = leave a message; anything else = neither. */
export function insteadChoice(reply: CallerReply): 'callback' | 'message' | null {
  if (reply.kind === 'dtmf') return reply.digits.startsWith('1') ? 'callback' : reply.digits.startsWith('2') ? 'message' : null;
  if (reply.kind !== 'speech') return null;
  if (/پیام/u.test(norm(reply.text))) return 'message';
  return yesNo(reply) === 'yes' ? 'callback' : null;
}

/** A dialable number: Iranian mobile/landline (0 + 10 digits), or international (7–15 digits). */
export function validCallbackNumber(raw: string | null): string | null {
  if (!raw) return null;
  const plus = raw.trim().startsWith('+');
  const digits = String(digitsFaToEn(String(digitsArToEn(raw)))).replace(/[^0-9]/g, '');
  if (/^0\d{10}$/.test(digits)) return digits;
  if (/^00\d{7,13}$/.test(digits)) return `+${digits.slice(2)}`;
  if (digits.length >= 7 && digits.length <= 15 && (plus || !digits.startsWith('0'))) return plus ? `+${digits}` : digits;
  return null;
}

class Hangup extends Error {}

/**
 * The caller's side of the queue: announces place and estimated wait, refreshes it, fills the
 * gaps with short hold messages, offers a call-back, and notices the agent's accept.
 */
export class QueueWait {
  private holdIndex = 0;
  private readonly since: number;
  private longWaitOffered = false;
  private readonly waker: ChangeWaker;

  constructor(
    private readonly store: QueueStore,
    private readonly entryId: string,
    private readonly queue: string,
    private readonly io: CallIO,
    private readonly options: WaitOptions,
  ) {
    this.since = this.now();
    this.waker = new ChangeWaker(options.changes);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  async run(): Promise<HandoffOutcome> {
    return this.waker.watching(async () => {
      try {
        return await this.loop();
      } catch (err) {
        if (err instanceof Hangup) return this.abandon();
        throw err;
      }
    });
  }

  private async loop(): Promise<HandoffOutcome> {
    const cycleMs = this.options.waitUpdateSeconds * 1000;
    for (let cycle = 0; ; cycle++) {
      const settled = await this.check();
      if (settled) return settled;
      const position = await this.tolerant(() => this.store.position(this.entryId), null);
      if (position != null) {
        const estimate = await this.tolerant(() => this.estimate(position), null);
        await this.say(positionAnnouncement(position, estimate));
        // Offered with the first update and every other one after: a way out, not a nag.
        if (this.options.callbackOffer && cycle % 2 === 0) {
          const outcome = await this.offerCallback();
          if (outcome) return outcome;
        }
      }
      const cycleStart = Date.now();
      // Hold messages at a third and two thirds of the cycle; the entry is polled all along.
      for (const fraction of [1 / 3, 2 / 3, 1]) {
        const outcome = await this.quietUntil(cycleStart + cycleMs * fraction);
        if (outcome) return outcome;
        if (fraction < 1) await this.say(this.nextHold());
      }
    }
  }

  private failingSince: number | null = null;

  /**
   * A database hiccup must not drop a waiting caller: reads that fail are skipped (the caller
   * keeps hearing hold messages) until the database has been unreachable for `maxOutageMs`.
   */
  private async tolerant<T>(read: () => Promise<T>, fallback: T): Promise<T> {
    try {
      const value = await read();
      this.failingSince = null;
      return value;
    } catch (err) {
      if (err instanceof Hangup) throw err;
      this.failingSince ??= Date.now();
      if (Date.now() - this.failingSince > (this.options.maxOutageMs ?? 60_000)) throw err;
      return fallback;
    }
  }

  private check(): Promise<HandoffOutcome | null> {
    return this.tolerant(() => this.settled(), null);
  }

  /** The entry's fate once it is out of the caller's hands (agent accepted, transferred …). */
  private async settled(): Promise<HandoffOutcome | null> {
    if (this.io.ended) throw new Hangup();
    if (this.options.isClosed?.()) return { kind: 'failed', error: 'hand-off service is shutting down' };
    const entry = await this.store.get(this.entryId);
    if (!entry) return { kind: 'failed', error: 'queue entry disappeared' };
    if (entry.state === 'connected') {
      this.io.note('handoff.connected', { entryId: entry.id, agentId: entry.answeredBy });
      // When the PBX / provider bridged the call to the agent's handset the bot is already gone.
      if (!entry.transferTarget || entry.transferError) await this.io.say(handoffPhrases.connecting);
      return { kind: 'connected', agentId: entry.answeredBy! };
    }
    if (entry.state === 'transferred') return { kind: 'transferred', target: entry.transferTarget ?? 'unknown' };
    if (entry.state === 'abandoned') return { kind: 'abandoned' };
    return null;
  }

  private async quietUntil(until: number): Promise<HandoffOutcome | null> {
    for (;;) {
      const seen = this.waker.version;
      const outcome = (await this.check()) ?? (await this.offerPastMaxWait());
      if (outcome) return outcome;
      const left = until - Date.now();
      if (left <= 0) return null;
      // A caller who hangs up is let go at once (the abandon is timed by it), not at the next poll.
      await this.waker.nap(Math.min(left, this.options.pollMs), seen, undefined, () => this.io.ended || (this.options.isClosed?.() ?? false));
    }
  }

  private async estimate(position: number): Promise<number | null> {
    const [handle, onDuty] = await Promise.all([
      this.store.recentHandleSeconds(this.queue),
      this.store.agentsOnDuty(this.queue),
    ]);
    // Nobody signed in: an estimate would be a guess, so the announcement promises no time.
    if (onDuty === 0) return null;
    return (position * (handle ?? this.options.defaultHandleSeconds)) / onDuty;
  }

  private nextHold(): string {
    const list = this.options.holdMessages.length ? this.options.holdMessages : handoffPhrases.defaultHold;
    return list[this.holdIndex++ % list.length];
  }

  private async say(text: string): Promise<void> {
    const outcome = await this.io.say(text);
    if (outcome === 'hangup' || this.io.ended) throw new Hangup();
  }

  private async ask(text: string, maxDigits = 1, signal?: AbortSignal): Promise<CallerReply> {
    const reply = await this.io.ask(text, { maxDigits, timeoutMs: this.options.replyTimeoutMs, signal });
    if (reply.kind === 'hangup' || this.io.ended) throw new Hangup();
    return reply;
  }

  private async offerCallback(): Promise<HandoffOutcome | null> {
    const reply = await this.askWatchingEntry(handoffPhrases.callbackOffer);
    // An agent may have taken the call while the offer was playing: connect rather than ask.
    const meanwhile = await this.check();
    if (meanwhile) return meanwhile;
    if (yesNo(reply) !== 'yes') return null;
    return this.takeCallback(handoffPhrases.callbackFailed);
  }

  /** Once the wait passes the queue's maximum: say so plainly and offer the ways out (once). */
  private async offerPastMaxWait(): Promise<HandoffOutcome | null> {
    const max = this.options.maxWaitSeconds;
    if (!max || this.longWaitOffered || this.now() - this.since < max * 1000) return null;
    this.longWaitOffered = true;
    this.io.note('handoff.max_wait', { entryId: this.entryId, waitedSeconds: Math.round((this.now() - this.since) / 1000) });
    return this.offerInstead(handoffPhrases.longWait, handoffPhrases.callbackFailed);
  }

  /**
   * Nobody can answer soon (closed, past the maximum wait): `statement` says why, then a call-back
   * (1 / «بله») or a short message (2 / «پیام») is offered. null = the caller took neither;
   * `failed` is said when the call-back could not be registered.
   */
  async offerInstead(statement: string, failed: string): Promise<HandoffOutcome | null> {
    return this.waker.watching(() => this.offerInsteadWatched(statement, failed));
  }

  private async offerInsteadWatched(statement: string, failed: string): Promise<HandoffOutcome | null> {
    try {
      const reply = await this.askWatchingEntry(`${statement} ${handoffPhrases.insteadOffer}`);
      const meanwhile = await this.check();
      if (meanwhile) return meanwhile;
      const choice = insteadChoice(reply);
      this.io.note('handoff.instead', { entryId: this.entryId, choice });
      if (choice === 'callback') return await this.takeCallback(failed);
      if (choice === 'message') return await this.takeMessage(failed);
      return null;
    } catch (err) {
      if (err instanceof Hangup) return this.abandon();
      throw err;
    }
  }

  private async takeCallback(failed: string): Promise<HandoffOutcome | null> {
    this.io.note('handoff.callback_requested', { entryId: this.entryId });
    const number = await this.confirmCallbackNumber();
    if (!number) {
      await this.say(failed);
      return null;
    }
    return this.registerCallback(number, null);
  }

  /** The caller's words become part of the call's record; the task is a call-back to their number. */
  private async takeMessage(failed: string): Promise<HandoffOutcome | null> {
    const reply = await this.io.ask(handoffPhrases.messagePrompt, { timeoutMs: this.options.messageTimeoutMs ?? 10_000 });
    if (reply.kind === 'hangup' || this.io.ended) throw new Hangup();
    if (reply.kind !== 'speech' || !reply.text.trim()) {
      await this.say(`${handoffPhrases.messageMissing} ${failed}`);
      return null;
    }
    this.io.note('handoff.message', { entryId: this.entryId, text: reply.text });
    const number = validCallbackNumber(this.io.callerNumber) ?? (await this.confirmCallbackNumber());
    if (!number) {
      await this.say(failed);
      return null;
    }
    return this.registerCallback(number, reply.text);
  }

  private async registerCallback(number: string, message: string | null): Promise<HandoffOutcome | null> {
    const entry = await this.store.requestCallback(this.entryId, number);
    if (!entry) return this.settled(); // an agent took the call meanwhile
    const position = await this.store.position(this.entryId);
    this.io.note('handoff.callback', { entryId: this.entryId, number, position, ...(message !== null ? { message: true } : {}) });
    await this.io.say(message !== null ? handoffPhrases.messageTaken : callbackConfirmed(number, position));
    return { kind: 'callback', number };
  }

  /** Asks while polling the entry, cutting the question short once an agent has the call. */
  private async askWatchingEntry(text: string): Promise<CallerReply> {
    const stop = new AbortController();
    const watch = (async () => {
      let seen = this.waker.version;
      while (!stop.signal.aborted) {
        await this.waker.nap(this.options.pollMs, seen, stop.signal);
        if (stop.signal.aborted) return;
        seen = this.waker.version;
        const entry = await this.store.get(this.entryId).catch(() => null);
        if (entry && entry.state !== 'waiting' && entry.state !== 'offered') stop.abort();
      }
    })();
    try {
      return await this.ask(text, 1, stop.signal);
    } finally {
      stop.abort();
      await watch;
    }
  }

  /** The caller's own number, or one typed (or said) and read back; two tries. */
  private async confirmCallbackNumber(): Promise<string | null> {
    const own = validCallbackNumber(this.io.callerNumber);
    if (own) {
      const answer = yesNo(await this.ask(confirmNumber(own, true)));
      if (answer === 'yes') return own;
      if (answer === null) return null;
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const typed = validCallbackNumber(replyDigits(await this.ask(handoffPhrases.enterNumber, 15)));
      if (!typed) {
        await this.say(handoffPhrases.numberNotValid);
        continue;
      }
      const answer = yesNo(await this.ask(confirmNumber(typed, false)));
      if (answer === 'yes') return typed;
    }
    return null;
  }

  private async abandon(): Promise<HandoffOutcome> {
    const entry = await this.store.abandon(this.entryId);
    if (!entry) {
      // Hung up after an agent took it or after asking for a call-back: not an abandon.
      const now = await this.store.get(this.entryId);
      if (now?.state === 'connected') return { kind: 'connected', agentId: now.answeredBy! };
      if (now?.state === 'callback' && now.callbackNumber) return { kind: 'callback', number: now.callbackNumber };
    }
    this.io.note('handoff.abandoned', { entryId: this.entryId });
    return { kind: 'abandoned' };
  }
}
