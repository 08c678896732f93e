import type { Config } from '../config/schema.js';
import type { VoiceActivityDetector } from '../audio/vad.js';
import type { AsrEngine } from '../engines/asr/types.js';
import type { NluProvider, NluResult } from '../engines/nlu/types.js';
import { understandReadings, type Understood } from '../engines/nlu/readings.js';
import type { TtsEngine } from '../engines/tts/types.js';
import type { HandoffService, TranscriptLine } from '../handoff/types.js';
import type { KnowledgeBase } from '../knowledge/types.js';
import type { CallRecorder, TurnTimings } from '../store/types.js';
import type { CallChannel, PlaybackOutcome } from '../telephony/types.js';
import { Listener, type HeardUtterance } from './listener.js';
import { decide, initialDialogState, type Decision, type DialogState, type HandoffReason, type PolicyInput } from './policy.js';
import { empathySentence, frustrationInWords } from './deescalate.js';
import { menuEntry, menuFor, menuPrompt } from './menu.js';
import { clarify, confirmQuestion, greeting, localHour, prompts } from './prompts.js';
import { Speaker, type Utterance } from './speaker.js';
import type { AskOptions, CallerReply, CallIO, CallTakeover } from './types.js';
import type { Logger } from '../logger.js';

export interface SessionMetrics {
  callStarted(protocol: string): void;
  callEnded(protocol: string, outcome: string): void;
  turn(action: string, latencySeconds: number | null): void;
  handoff(reason: string): void;
  engineError(engine: string): void;
  bargeIn(): void;
  /** Per-stage latency histograms (optional). */
  stage?(stage: 'endpoint' | 'asr' | 'nlu' | 'tts_first_audio', seconds: number): void;
}

export type SessionLogger = Pick<Logger, 'info' | 'warn'>;

export interface SessionDeps {
  config: Config;
  asr: AsrEngine;
  tts: TtsEngine;
  nlu: NluProvider;
  kb?: KnowledgeBase;
  /** A fresh detector for this call (detectors hold per-call state). */
  createVad(sampleRate: number): VoiceActivityDetector;
  recorder: CallRecorder;
  handoff?: HandoffService;
  metrics?: SessionMetrics;
  logger?: SessionLogger;
  /** Caller's name from a CRM or past calls, for the greeting. */
  lookupCallerName?(number: string): Promise<string | null>;
  /** A flow that takes this call instead of the inbound greeting (campaign attempts), or null. */
  takeover?(info: CallChannel['info']): CallTakeover | null;
  /** Asked after the goodbye of a call the bot completed (post-call CSAT, keypad 1–5). */
  postCall?(io: CallIO): Promise<void>;
  now?(): Date;
}

type RawReply =
  | { kind: 'speech'; heard: HeardUtterance }
  | { kind: 'dtmf'; digit: string }
  /** The recogniser failed on what the caller said, or the bot's own voice failed (TTS). */
  | { kind: 'engine-error'; engine: 'asr' | 'tts'; error: Error }
  | { kind: 'hangup' };

/** What a turn knew before the bot answered; completed with TTS timing once the answer sounds. */
interface PendingTurn {
  input: string;
  heardText: string | null;
  partials: number;
  intent: string | null;
  confidence: number | null;
  timings: TurnTimings;
  endpointAt: number | null;
  action?: string;
}

/** What the bot says in one go; parts are cached and synthesised separately. */
type Speech = string | readonly string[];
const asText = (speech: Speech) => (typeof speech === 'string' ? speech : speech.join(' '));

export type CallOutcome = 'completed' | 'handoff' | 'abandoned' | 'error';

/** Speech at least this long counts as an answer even when the recogniser reads nothing in it. */
const UNREAD_SPEECH_IS_AN_ANSWER_MS = 800;

/**
 * One call: greet → listen → understand → act, until goodbye, hang-up or hand-off. A small state
 * machine that delegates: Listener (VAD, endpointing, ASR), NLU, the pure `decide` policy,
 * Speaker (TTS → paced playback), the hand-off service and the recorder.
 */
export class CallSession implements CallIO {
  readonly callId: string;
  readonly callerNumber: string | null;
  private readonly speaker: Speaker;
  private readonly listener: Listener;
  private state: DialogState = initialDialogState();
  private mailbox: RawReply[] = [];
  private waiter: ((reply: RawReply) => void) | null = null;
  private playing: Utterance | null = null;
  private bargeInAllowed = true;
  private hungUp = false;
  private finished = false;
  private seq = 0;
  private lastAnswer: string | null = null;
  private answered = 0;
  private handoffReason: string | null = null;
  private handoffQueue: string | null = null;
  private lastIntent: string | null = null;
  readonly transcript: TranscriptLine[] = [];

  constructor(
    private readonly channel: CallChannel,
    private readonly deps: SessionDeps,
  ) {
    const { config } = deps;
    this.callId = channel.info.callId;
    this.callerNumber = channel.info.from;
    this.speaker = new Speaker(channel, deps.tts, config.tts.timeoutMs, (event) => this.note('engine-fallback', { ...event }));
    this.listener = new Listener(
      channel.sampleRate,
      deps.createVad(channel.sampleRate),
      deps.asr,
      {
        threshold: config.audio.vadThreshold,
        endSilenceMs: config.audio.endSilenceMs,
        minSpeechMs: config.audio.minSpeechMs,
        maxUtteranceMs: config.audio.maxUtteranceMs,
      },
      config.asr.timeoutMs,
      {
        speechStart: () => this.onSpeechStart(),
        utterance: (heard) => {
          if (heard.text.trim()) this.deliver({ kind: 'speech', heard });
          // A caller who spoke for a while and was read as nothing did answer, and was not heard
          // clearly: a failure toward the keypad menu («صدایتان را واضح نشنیدم»), not silence toward a
          // no-input hand-off. A short burst read as nothing (a cough, a click) is no answer: keep waiting.
          else if (heard.speechMs >= UNREAD_SPEECH_IS_AN_ANSWER_MS) this.deliver({ kind: 'speech', heard: { ...heard, confidence: 0 } });
        },
        asrError: (error) => {
          this.engineError('asr', error);
          this.deliver({ kind: 'engine-error', engine: 'asr', error });
        },
        fallback: (event) => this.note('engine-fallback', { ...event }),
      },
      {
        options: {
          mode: config.audio.turnEnd,
          silenceMs: config.audio.endSilenceMs,
          completeMs: config.audio.turnEndCompleteMs,
          likelyMs: config.audio.turnEndLikelyMs,
          maxMs: config.audio.turnEndMaxMs,
          fallSemitones: config.audio.turnEndFallSemitones ?? undefined,
          likelyFallMs: config.audio.turnEndLikelyFallMs ?? undefined,
        },
        faqConfident: (text) => {
          try {
            return this.deps.nlu.current().parse(text, { spoken: true }).intent !== null;
          } catch {
            return false;
          }
        },
      },
    );
    channel.onAudio((pcm) => this.listener.push(pcm));
    channel.onDtmf((digit) => this.onDtmf(digit));
    channel.onEnd((reason) => this.onHangup(reason));
  }

  get ended(): boolean {
    return this.hungUp || this.finished;
  }

  /** Runs the call to its end. Never rejects: failures end in a hand-off or a recorded error. */
  async run(): Promise<CallOutcome> {
    const { recorder, metrics } = this.deps;
    const info = this.channel.info;
    recorder.callStarted({ id: this.callId, protocol: info.protocol, fromNumber: info.from, toNumber: info.to, startedAt: new Date(), params: info.params });
    metrics?.callStarted(info.protocol);
    let outcome: CallOutcome = 'error';
    try {
      outcome = await this.converse();
    } catch (err) {
      this.deps.logger?.warn({ callId: this.callId, err: String(err) }, 'call session failed');
      this.note('error', { stage: 'session', message: String((err as Error)?.message ?? err) });
      outcome = 'error';
    } finally {
      this.finished = true;
      this.listener.close();
      if (!this.hungUp) this.channel.hangup(outcome);
      recorder.callEnded({ callId: this.callId, endedAt: new Date(), outcome, handoffReason: this.handoffReason, handoffQueue: this.handoffQueue });
      metrics?.callEnded(info.protocol, outcome);
    }
    return outcome;
  }

  private async converse(): Promise<CallOutcome> {
    const takeover = this.deps.takeover?.(this.channel.info);
    if (takeover) {
      const result = await takeover(this);
      return result.handoffQueue ? this.handOff('caller-request', result.handoffQueue) : result.outcome;
    }
    const { config } = this.deps;
    const name = this.callerNumber && this.deps.lookupCallerName ? await this.deps.lookupCallerName(this.callerNumber).catch(() => null) : null;
    const hour = localHour(this.deps.now?.() ?? new Date(), config.timezone);
    let prompt: Speech = greeting({ companyName: config.dialog.companyName, botName: config.dialog.botName }, hour, name);
    let pending: PendingTurn | null = { input: 'greeting', heardText: null, partials: 0, intent: null, confidence: null, timings: {}, endpointAt: null, action: 'greeting' };

    for (;;) {
      this.listener.setHotwords(this.deps.nlu.current().vocabulary());
      const { raw, nlu, nluMs } = await this.askRaw(prompt, {}, pending);
      if (raw.kind === 'hangup') return this.answered > 0 ? 'completed' : 'abandoned';
      pending = this.pendingFor(raw, nlu, nluMs);
      const input = policyInput(raw, nlu);
      const next = this.apply(input, pending);
      if (next.kind === 'say-then-end') {
        await this.respond(next.text, pending);
        if (this.deps.postCall && !this.ended) await this.deps.postCall(this);
        return 'completed';
      }
      if (next.kind === 'handoff') {
        if (next.text) await this.respond(next.text, pending);
        else if (pending) this.recordTurn(pending, null, {});
        const outcome = await this.handOffOrDecline(next.reason, next.queue);
        if (outcome !== 'declined') return outcome;
        // Nobody could answer and the caller wanted neither a call-back nor a message: the bot goes on.
        this.state = { ...initialDialogState(), calmed: this.state.calmed, operatorAsks: this.state.operatorAsks };
        this.note('bot-said', { text: prompts.stillHere });
        prompt = prompts.stillHere;
        pending = null;
        continue;
      }
      prompt = next.text;
    }
  }

  /** Turns the policy's decision into what the bot says next. */
  private apply(
    input: PolicyInput,
    pending: PendingTurn,
  ): { kind: 'ask'; text: Speech } | { kind: 'say-then-end'; text: Speech } | { kind: 'handoff'; reason: HandoffReason; queue: string; text?: Speech } {
    const { config } = this.deps;
    const options = {
      maxReprompts: config.dialog.maxReprompts,
      lowConfidenceTurns: config.dialog.lowConfidenceTurns,
      maxChoices: config.nlu.maxChoices,
      clarifyFloor: 0.15,
      defaultQueue: config.handoff.defaultQueue,
      menu: config.dialog.menuFallback && this.deps.kb ? menuFor(this.deps.kb.current()) : null,
      menuAfterFailures: config.dialog.menuAfterFailures,
      confirmFloor: config.dialog.confirmFloor ?? undefined,
      asrConfidenceFloor: config.dialog.asrConfidenceFloor ?? undefined,
    };
    if (input.kind === 'speech' && pending.heardText) input.cue = frustrationInWords(pending.heardText);
    let { decision, state, notes, empathy } = decide(this.state, input, options);
    for (const n of notes) this.note(n.type, n.data);
    if (decision.kind === 'picked') {
      const picked = decision.intent;
      const faq = this.deps.kb?.current().faqs.find((f) => f.id === picked);
      ({ decision, state } = decide(state, { kind: 'speech', nlu: faqAsNlu(picked, faq) }, options));
      pending.intent = picked;
    }
    this.state = state;
    pending.action = decision.kind;
    const next = this.realise(decision);
    if (!empathy) return next;
    // Regret and the way to a human first, once per call (deescalate.ts).
    // A hand-off or a menu says the way to a human itself.
    const said = empathySentence(empathy, next.kind !== 'handoff' && decision.kind !== 'menu');
    return { ...next, text: next.text === undefined ? said : [said, ...(typeof next.text === 'string' ? [next.text] : next.text)] };
  }

  private realise(decision: Decision): ReturnType<CallSession['apply']> {
    switch (decision.kind) {
      case 'answer':
        this.lastAnswer = decision.text;
        this.lastIntent = decision.intent;
        this.answered++;
        if (decision.then === 'end') return { kind: 'say-then-end', text: [decision.text, prompts.goodbye] };
        if (decision.then === 'handoff') return { kind: 'handoff', reason: 'faq-action', queue: decision.queue, text: decision.text };
        return { kind: 'ask', text: [decision.text, prompts.anythingElse] };
      case 'clarify':
        return { kind: 'ask', text: clarify(decision.choices.map((c) => c.question ?? c.intent)) };
      case 'repeat':
        return { kind: 'ask', text: this.lastAnswer ? [this.lastAnswer, prompts.anythingElse] : prompts.nothingToRepeat };
      case 'reprompt':
        return {
          kind: 'ask',
          text:
            decision.reason === 'no-input' ? prompts.noInput : decision.reason === 'engine-error' ? prompts.engineError : decision.reason === 'invalid-choice' ? [prompts.invalidChoice, prompts.noMatch] : decision.reason === 'rejected' ? prompts.rejected : decision.reason === 'unclear' ? prompts.unclear : prompts.noMatch,
        };
      case 'go-ahead':
        return { kind: 'ask', text: prompts.goAhead };
      case 'menu':
        return { kind: 'ask', text: menuPrompt(decision.options, decision.top, decision.invalid) };
      case 'confirm': {
        const faq = this.deps.kb?.current().faqs.find((f) => f.id === decision.intent);
        const worded = Boolean(faq?.menu?.includes('/'));
        const label = faq && worded ? menuEntry(faq).label : (faq?.question ?? decision.question ?? decision.intent);
        return { kind: 'ask', text: confirmQuestion(label, !worded) };
      }
      case 'goodbye':
        return { kind: 'say-then-end', text: prompts.goodbye };
      case 'handoff':
        return { kind: 'handoff', reason: decision.reason, queue: decision.queue };
      case 'picked':
        return { kind: 'ask', text: prompts.noMatch };
    }
  }

  private async handOff(reason: HandoffReason, queue: string): Promise<CallOutcome> {
    const outcome = await this.handOffOrDecline(reason, queue);
    return outcome === 'declined' ? 'completed' : outcome;
  }

  /** 'declined': nobody could answer (closed) and the caller went back to the bot. */
  private async handOffOrDecline(reason: HandoffReason, queue: string): Promise<CallOutcome | 'declined'> {
    this.handoffReason = reason;
    this.handoffQueue = queue;
    this.note('handoff', { reason, queue });
    this.deps.metrics?.handoff(reason);
    if (this.ended) return 'handoff';
    const handoff = this.deps.handoff;
    if (!handoff) {
      await this.say(prompts.transferring);
      return 'handoff';
    }
    const outcome = await handoff
      .handle(
        {
          callId: this.callId,
          protocol: this.channel.info.protocol,
          callerNumber: this.callerNumber,
          providerCallId: this.channel.info.providerCallId,
          queue,
          reason,
          intent: this.lastIntent,
          transcript: this.transcript,
        },
        this,
      )
      .catch((err: Error) => ({ kind: 'failed' as const, error: err.message }));
    this.note('handoff-outcome', { ...outcome });
    if (outcome.kind === 'declined' && !this.ended) {
      this.handoffReason = null;
      this.handoffQueue = null;
      return 'declined';
    }
    if (outcome.kind === 'failed') {
      this.engineError('handoff', new Error(outcome.error));
      if (!this.ended) await this.say(prompts.transferring);
    }
    return outcome.kind === 'abandoned' ? 'abandoned' : 'handoff';
  }

  // ---- CallIO: what flows (queue wait, surveys) use ----

  async say(text: string): Promise<PlaybackOutcome> {
    if (this.ended) return 'hangup';
    this.note('bot-said', { text });
    const utterance = this.speak(text, false);
    utterance.firstAudio.catch((err) => this.engineError('tts', err));
    return utterance.done;
  }

  async ask(text: string, options: AskOptions = {}): Promise<CallerReply> {
    this.note('bot-said', { text });
    const { raw, nlu } = await this.askRaw(text, options, null);
    if (raw.kind === 'hangup') return { kind: 'hangup' };
    if (raw.kind === 'dtmf') return { kind: 'dtmf', digits: raw.digit };
    if (raw.kind === 'speech' && nlu) return { kind: 'speech', text: raw.heard.text, nlu, speechMs: raw.heard.speechMs };
    return { kind: 'no-input' };
  }

  note(type: string, data: Record<string, unknown> = {}): void {
    this.deps.recorder.event({ callId: this.callId, at: new Date(), type, data });
  }

  // ---- internals ----

  private async askRaw(
    text: Speech,
    options: AskOptions,
    pending: PendingTurn | null,
  ): Promise<{ raw: RawReply | { kind: 'no-input' }; nlu: NluResult | null; nluMs?: number }> {
    if (this.ended) return { raw: { kind: 'hangup' }, nlu: null };
    this.mailbox = [];
    this.bargeInAllowed = options.bargeIn ?? this.deps.config.audio.bargeIn;
    const utterance = this.speak(text, true);
    if (pending) this.recordWhenHeard(pending, text, utterance);
    utterance.firstAudio.catch((err) => {
      this.engineError('tts', err);
    });

    const signal = options.signal;
    const aborted = new Promise<'aborted'>((resolve) => {
      if (signal?.aborted) resolve('aborted');
      signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    let raw: RawReply | null | 'aborted' = await Promise.race([this.nextRaw(), utterance.done.then(() => null), aborted]);
    if (raw && raw !== 'aborted' && raw.kind !== 'hangup' && this.playing === utterance) utterance.interrupt();
    if (raw === null) {
      const ttsFailed = await utterance.firstAudio.then(() => false, () => true);
      if (ttsFailed && !this.ended) return { raw: { kind: 'engine-error', engine: 'tts', error: new Error('tts failed') }, nlu: null };
      raw = await Promise.race([this.nextRaw(options.timeoutMs ?? this.deps.config.audio.noInputTimeoutMs), aborted]);
    }
    if (raw === 'aborted') {
      // Whoever aborted has something better to say; the caller's next words are not this reply.
      this.waiter = null;
      if (this.playing === utterance) utterance.interrupt();
      return { raw: { kind: 'no-input' }, nlu: null };
    }
    if (!raw) return { raw: { kind: 'no-input' }, nlu: null };
    if (raw.kind === 'dtmf' && (options.maxDigits ?? 1) > 1) raw = await this.collectDigits(raw.digit, options.maxDigits!);
    if (raw.kind !== 'speech') return { raw, nlu: null };
    const started = performance.now();
    const understood = this.understand(raw.heard);
    if (!understood) return { raw, nlu: null, nluMs: performance.now() - started };
    if (understood.rank > 0) {
      this.note('asr-alternative', { best: raw.heard.text, used: understood.text, rank: understood.rank });
      // From here on the caller "said" the reading that was understood: transcript, turn and hand-off agree.
      raw = { ...raw, heard: { ...raw.heard, text: understood.text } };
    }
    return { raw, nlu: understood.result, nluMs: performance.now() - started };
  }

  private understand(heard: HeardUtterance): Understood | null {
    try {
      const choices = this.state.awaiting === 'choice' ? this.state.choices.map((c) => c.intent) : undefined;
      const nlu = this.deps.nlu.current();
      return understandReadings((text) => nlu.parse(text, { choices, spoken: true }), heard.text, heard.alternatives);
    } catch (err) {
      this.engineError('nlu', err as Error);
      return null;
    }
  }

  private async collectDigits(first: string, max: number): Promise<RawReply> {
    let digits = first === '#' ? '' : first;
    while (digits.length < max) {
      const next = await this.nextRaw(3000);
      if (!next || next.kind !== 'dtmf') break;
      if (next.digit === '#') break;
      digits += next.digit;
    }
    return { kind: 'dtmf', digit: digits };
  }

  private speak(text: Speech, bargeIn: boolean): Utterance {
    this.bargeInAllowed = bargeIn && this.deps.config.audio.bargeIn;
    this.transcript.push({ role: 'bot', text: asText(text), at: new Date().toISOString() });
    const utterance = this.speaker.speak(text);
    this.playing = utterance;
    void utterance.done.finally(() => {
      if (this.playing === utterance) this.playing = null;
    });
    return utterance;
  }

  private pendingFor(raw: RawReply | { kind: 'no-input' }, nlu: NluResult | null, nluMs = 0): PendingTurn {
    if (raw.kind === 'speech') {
      this.transcript.push({ role: 'caller', text: raw.heard.text, at: new Date().toISOString() });
      return {
        input: 'speech',
        heardText: raw.heard.text,
        partials: raw.heard.partials,
        intent: nlu?.intent ?? null,
        confidence: nlu?.confidence ?? null,
        timings: { endpointMs: raw.heard.endpointMs, asrMs: Math.round(raw.heard.asrMs), nluMs: Number(nluMs.toFixed(2)) },
        endpointAt: raw.heard.endpointAt,
      };
    }
    if (raw.kind === 'dtmf') this.note('dtmf', { digits: raw.digit });
    // The turn names the engine that failed: a silent bot (TTS) is not a deaf one (ASR).
    const input = raw.kind === 'engine-error' ? `${raw.engine}-error` : raw.kind;
    return { input, heardText: raw.kind === 'dtmf' ? raw.digit : null, partials: 0, intent: null, confidence: null, timings: {}, endpointAt: null };
  }

  private recordWhenHeard(pending: PendingTurn, speech: Speech, utterance: Utterance): void {
    const botText = asText(speech);
    utterance.firstAudio.then(
      (ttsMs) => {
        const timings: TurnTimings = { ...pending.timings, ttsFirstAudioMs: Math.round(ttsMs) };
        if (pending.endpointAt !== null) timings.totalMs = Math.round(performance.now() - pending.endpointAt + (pending.timings.endpointMs ?? 0));
        this.recordTurn(pending, botText, timings);
      },
      () => this.recordTurn(pending, botText, pending.timings),
    );
  }

  private recordTurn(pending: PendingTurn, botText: string | null, timings: TurnTimings): void {
    this.deps.recorder.turn({
      callId: this.callId,
      seq: this.seq++,
      at: new Date(),
      input: pending.input,
      heardText: pending.heardText,
      partialsCount: pending.partials,
      intent: pending.intent,
      confidence: pending.confidence,
      action: pending.action ?? 'unknown',
      botText,
      timings,
    });
    const metrics = this.deps.metrics;
    metrics?.turn(pending.action ?? 'unknown', timings.totalMs !== undefined ? timings.totalMs / 1000 : null);
    if (timings.asrMs !== undefined) metrics?.stage?.('asr', timings.asrMs / 1000);
    if (timings.nluMs !== undefined) metrics?.stage?.('nlu', timings.nluMs / 1000);
    if (timings.ttsFirstAudioMs !== undefined) metrics?.stage?.('tts_first_audio', timings.ttsFirstAudioMs / 1000);
  }

  private async respond(text: Speech, pending: PendingTurn): Promise<void> {
    const utterance = this.speak(text, false);
    this.recordWhenHeard(pending, text, utterance);
    utterance.firstAudio.catch((err) => this.engineError('tts', err));
    await utterance.done;
  }

  private nextRaw(timeoutMs?: number): Promise<RawReply | null> {
    const queued = this.mailbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.hungUp) return Promise.resolve({ kind: 'hangup' });
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.waiter = (reply) => {
        clearTimeout(timer);
        this.waiter = null;
        resolve(reply);
      };
      // Silence is counted only while the caller is silent: speech being recognised is not no-input.
      const arm = (ms: number) =>
        (timer = setTimeout(() => {
          if (this.listener.busy) return arm(100);
          this.waiter = null;
          resolve(null);
        }, ms));
      if (timeoutMs !== undefined) arm(timeoutMs);
    });
  }

  private deliver(reply: RawReply): void {
    if (this.waiter) this.waiter(reply);
    else this.mailbox.push(reply);
  }

  private onSpeechStart(): void {
    if (this.playing && this.bargeInAllowed) {
      this.playing.interrupt();
      this.note('barge-in', {});
      this.deps.metrics?.bargeIn();
    }
  }

  private onDtmf(digit: string): void {
    if (this.playing && this.bargeInAllowed) this.playing.interrupt();
    this.deliver({ kind: 'dtmf', digit });
  }

  private onHangup(reason: string): void {
    if (this.hungUp) return;
    this.hungUp = true;
    this.note('hangup', { reason });
    this.listener.close();
    this.deliver({ kind: 'hangup' });
  }

  private engineError(engine: string, error: Error): void {
    this.deps.metrics?.engineError(engine);
    this.note('error', { engine, message: error.message });
    this.deps.logger?.warn({ callId: this.callId, engine, err: error.message }, 'engine error');
  }
}

function policyInput(raw: RawReply | { kind: 'no-input' }, nlu: NluResult | null): PolicyInput {
  switch (raw.kind) {
    case 'dtmf':
      return { kind: 'dtmf', digits: raw.digit };
    case 'no-input':
      return { kind: 'no-input' };
    case 'speech':
      // The NLU itself failing counts as an engine error, like the recogniser failing.
      if (!nlu) return { kind: 'engine-error' };
      return raw.heard.confidence === undefined ? { kind: 'speech', nlu } : { kind: 'speech', nlu, asrConfidence: raw.heard.confidence };
    default:
      return { kind: 'engine-error' };
  }
}

function faqAsNlu(intent: string, faq: { answer: string; action: NluResult['action']; queue: string | null } | undefined): NluResult {
  return {
    intent: faq ? intent : null,
    confidence: 1,
    action: faq?.action ?? null,
    answer: faq?.answer ?? null,
    queue: faq?.queue ?? null,
    alternatives: [],
    slots: {},
    system: null,
    kbVersion: 0,
  };
}
