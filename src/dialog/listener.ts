import { Endpointer, type EndpointerOptions } from '../audio/endpointer.js';
import { Resampler } from '../audio/resample.js';
import type { VoiceActivityDetector } from '../audio/vad.js';
import type { AsrEngine, AsrStream } from '../engines/asr/types.js';
import type { EngineFallbackEvent } from '../engines/errors.js';
import { engineDeadline } from '../engines/deadline.js';
import { sharedMelodyReader, type MelodyReader } from './melody-reader.js';
import type { PauseMelody } from './prosody.js';
import { turnEndReason, type HeardSoFar, type TurnEndOptions } from './turn_end.js';

/** End-of-turn detection: the options and the NLU's «is this a confident FAQ request?». */
export interface TurnEndSetting {
  options: TurnEndOptions;
  faqConfident?(text: string): boolean;
  /** Where the melody at a pause is read (default: the process's melody thread). */
  melody?: MelodyReader;
}

export interface HeardUtterance {
  text: string;
  /** The recogniser's other readings, best first (see understandReadings). */
  alternatives?: readonly string[];
  /** The recogniser's own confidence in `text` (0..1), where the engine says. */
  confidence?: number;
  partials: number;
  /** Audio-time silence that ended the utterance (what the endpointer waited). */
  endpointMs: number;
  /** Why the turn was taken as over (smart end-of-turn only): complete, or the silence ran out. */
  turnEnd?: string;
  /** Wall-clock ms from the endpoint to the final transcript. */
  asrMs: number;
  /** performance.now() when the endpoint was detected. */
  endpointAt: number;
  speechMs: number;
}

export interface ListenerEvents {
  /** Caller started speaking (confirmed onset): barge-in point. */
  speechStart(): void;
  utterance(heard: HeardUtterance): void;
  /** Recognition failed or timed out for an utterance the caller did say. */
  asrError(error: Error): void;
  /** A remote recogniser failed and a local one took over the utterance (the call goes on). */
  fallback?(event: EngineFallbackEvent): void;
}

/**
 * Ears of the call: line audio → VAD/endpointer → one ASR stream per utterance. It always listens;
 * the session decides what a reply means. Audio is resampled to the VAD's and the engine's rates.
 */
export class Listener {
  private readonly endpointer: Endpointer;
  private readonly toVad: Resampler | null;
  private stream: AsrStream | null = null;
  private toAsr: Resampler | null = null;
  private partials = 0;
  private hotwords: readonly string[] = [];
  private closed = false;
  private finalizing = 0;
  /** The reading of the current pause: taken as it starts, re-read a moment later. */
  private pause: { atPause: Promise<string> | null; settled: Promise<string> | null; melody: Promise<PauseMelody | null>; heard: HeardSoFar | null | 'unknown' } | null = null;
  /** The utterance's latest speech audio (at the VAD's rate, ~1.5 s), for the melody at a pause. */
  private recent: Int16Array[] = [];
  private recentSamples = 0;
  private lastTurnEnd: string | undefined;

  constructor(
    lineRate: number,
    vad: VoiceActivityDetector,
    private readonly asr: AsrEngine,
    private readonly endpointing: EndpointerOptions,
    private readonly asrTimeoutMs: number,
    private readonly events: ListenerEvents,
    private readonly turnEnd?: TurnEndSetting,
  ) {
    this.toVad = lineRate === vad.sampleRate ? null : new Resampler(lineRate, vad.sampleRate);
    const smart = turnEnd && turnEnd.options.mode === 'smart';
    // Silero's state is what goes deaf (endpointer.ts); the energy detector's noise floor must be kept.
    const options: EndpointerOptions = { resetDetectorAfterUtterance: vad.name === 'silero', ...endpointing };
    this.endpointer = new Endpointer(vad, smart ? { ...options, endDecision: (ms) => this.endDecision(ms) } : options, {
      speechStart: (preRoll) => this.onSpeechStart(preRoll),
      speechAudio: (pcm) => this.feedAsr(pcm),
      speechEnd: (info) => void this.onSpeechEnd(info.speechMs, info.silenceMs),
      speechDiscarded: () => this.dropStream(),
    });
  }

  /** Vocabulary to bias recognition towards for the next utterances (FAQ terms, active grammar). */
  setHotwords(words: readonly string[]): void {
    this.hotwords = words;
  }

  push(linePcm: Int16Array): void {
    if (this.closed) return;
    this.endpointer.push(this.toVad ? this.toVad.push(linePcm) : linePcm);
  }

  /** The caller is talking or their last utterance is still being recognised. */
  get busy(): boolean {
    return this.endpointer.speaking || this.finalizing > 0;
  }

  close(): void {
    this.closed = true;
    this.endpointer.close();
    this.dropStream();
  }

  /**
   * Called at each silent frame of an utterance. The recogniser reads the speech as the pause
   * starts and again just before the early answer would be due; the two readings (settled or
   * still changing) and the words decide (turn_end.ts).
   */
  private endDecision(silenceMs: number): boolean | Promise<boolean> {
    const o = this.turnEnd!.options;
    const frameMs = this.endpointer.frameDurationMs;
    if (silenceMs <= frameMs || !this.pause) {
      const read = this.stream?.heardSoFar?.bind(this.stream);
      this.pause = { atPause: read ? read().catch(() => '') : null, settled: null, melody: this.melody(), heard: read ? null : 'unknown' };
    }
    const pause = this.pause;
    if (pause.atPause && !pause.settled && silenceMs + frameMs >= o.completeMs) {
      const read = this.stream?.heardSoFar?.bind(this.stream);
      pause.settled = read ? read().catch(() => '') : Promise.resolve('');
    }
    const decide = () => {
      const why = turnEndReason(silenceMs, pause.heard, o);
      if (why) this.lastTurnEnd = why;
      return why !== null;
    };
    if (pause.heard || silenceMs < o.completeMs || !pause.atPause || !pause.settled) return decide();
    return Promise.all([pause.atPause, pause.settled, pause.melody]).then(([atPause, settled, melody]) => {
      pause.heard = { atPause, settled, faqConfident: settled ? (this.turnEnd!.faqConfident?.(settled) ?? false) : false, melody };
      return decide();
    });
  }

  /** How the voice ended just before this pause (prosody.ts); at 16 kHz, halved to 8 kHz first. */
  private melody(): Promise<PauseMelody | null> {
    if (this.turnEnd?.options.fallSemitones === undefined || this.recentSamples === 0) return Promise.resolve(null);
    const reader = this.turnEnd.melody ?? sharedMelodyReader();
    const all = new Int16Array(this.recentSamples);
    let at = 0;
    for (const part of this.recent) {
      all.set(part, at);
      at += part.length;
    }
    const rate = this.endpointer.sampleRate;
    if (rate < 16000) return reader.read(all, rate);
    const step = Math.round(rate / 8000);
    const half = new Int16Array(Math.floor(all.length / step));
    for (let i = 0; i < half.length; i++) {
      let sum = 0;
      for (let j = 0; j < step; j++) sum += all[i * step + j];
      half[i] = sum / step;
    }
    return reader.read(half, rate / step);
  }

  private keepRecent(pcm: Int16Array): void {
    if (this.turnEnd?.options.fallSemitones === undefined) return;
    this.recent.push(pcm.slice());
    this.recentSamples += pcm.length;
    const keep = this.endpointer.sampleRate * 1.5;
    while (this.recent.length > 1 && this.recentSamples - this.recent[0].length >= keep) this.recentSamples -= this.recent.shift()!.length;
  }

  private onSpeechStart(preRoll: Int16Array): void {
    this.pause = null;
    this.recent = [];
    this.recentSamples = 0;
    this.lastTurnEnd = undefined;
    this.dropStream();
    this.partials = 0;
    try {
      this.stream = this.asr.createStream({
        hotwords: this.hotwords,
        onPartial: () => this.partials++,
        onFallback: (event) => this.events.fallback?.(event),
      });
      this.toAsr = this.asr.sampleRate === this.endpointer.sampleRate ? null : new Resampler(this.endpointer.sampleRate, this.asr.sampleRate);
      this.feedAsr(preRoll);
    } catch (err) {
      this.stream = null;
      this.events.asrError(err as Error);
    }
    this.events.speechStart();
  }

  private feedAsr(pcm: Int16Array): void {
    this.keepRecent(pcm);
    if (!this.stream) return;
    try {
      this.stream.push(this.toAsr ? this.toAsr.push(pcm) : pcm);
    } catch (err) {
      this.dropStream();
      this.events.asrError(err as Error);
    }
  }

  private async onSpeechEnd(speechMs: number, silenceMs: number): Promise<void> {
    const endpointAt = performance.now();
    const turnEnd = this.lastTurnEnd;
    this.pause = null;
    const stream = this.stream;
    const tail = this.toAsr?.flush();
    this.stream = null;
    this.toAsr = null;
    if (!stream) return this.events.asrError(new Error('No recognition stream for the utterance'));
    this.finalizing++;
    try {
      if (tail && tail.length) stream.push(tail);
      const final = await engineDeadline(stream.finalize(), this.asrTimeoutMs, 'asr');
      if (this.closed) return;
      this.events.utterance({
        text: final.text,
        alternatives: final.alternatives,
        ...(final.confidence !== undefined ? { confidence: final.confidence } : {}),
        partials: this.partials,
        endpointMs: Math.round(silenceMs),
        turnEnd,
        asrMs: performance.now() - endpointAt,
        endpointAt,
        speechMs,
      });
    } catch (err) {
      stream.cancel();
      if (!this.closed) this.events.asrError(err as Error);
    } finally {
      this.finalizing--;
    }
  }

  private dropStream(): void {
    this.stream?.cancel();
    this.stream = null;
    this.toAsr = null;
  }
}
