import { int16ToFloat32 } from './pcm.js';
import type { VoiceActivityDetector } from './vad.js';

export interface EndpointerOptions {
  threshold: number;
  /** Silence after speech that ends the utterance. */
  endSilenceMs: number;
  /** Utterances with less speech than this are dropped as noise (clicks, coughs, line bursts). */
  minSpeechMs: number;
  maxUtteranceMs: number;
  /** Speech needed before `speechStart` fires (what barge-in reacts to). */
  onsetMs?: number;
  /** Audio kept from before the onset so the recogniser hears the first phoneme. */
  preRollMs?: number;
  /**
   * Decides at each silent frame inside an utterance whether the turn is over (src/dialog/turn_end.ts);
   * absent = after `endSilenceMs`. May answer later (a promise): frames wait for it, so the
   * decision lands at the same audio time however fast audio arrives.
   */
  endDecision?: (silenceMs: number) => boolean | Promise<boolean>;
  /**
   * Give the detector a fresh state when an utterance ends. Silero's recurrent state can be left
   * deaf by audio unlike speech (a caller the recogniser cannot read): the next request's first
   * second then scores below the threshold, too long for the pre-roll, and its start is lost.
   */
  resetDetectorAfterUtterance?: boolean;
}

export interface EndpointerEvents {
  /** Confirmed speech onset; `preRoll` holds the audio since slightly before it. */
  speechStart(preRoll: Int16Array): void;
  /** Audio inside the utterance, after the pre-roll, as it arrives. */
  speechAudio(pcm: Int16Array): void;
  /** End of utterance. `speechMs` is the voiced duration; `truncated` when maxUtteranceMs cut it. */
  speechEnd(info: { speechMs: number; durationMs: number; truncated: boolean; silenceMs: number }): void;
  /** Onset that never reached minSpeechMs: whatever was started for it should be dropped. */
  speechDiscarded(): void;
}

type State = 'silence' | 'onset' | 'speech';

/**
 * Turns a stream of caller PCM into utterances with a frame-level VAD. Timing is counted in audio
 * samples, not wall-clock time, so results do not depend on how bursty the network is.
 */
export class Endpointer {
  private state: State = 'silence';
  private pending = new Int16Array(0);
  private chain: Promise<void> = Promise.resolve();
  /** Frames pushed but not analysed yet, and whether a pass over them is under way. */
  private queued: Int16Array[] = [];
  private analysing = false;
  private readonly frameMs: number;
  private ring: Int16Array[] = [];
  private onsetFrames: Int16Array[] = [];
  private speechFrames = 0;
  private silenceFrames = 0;
  private utteranceFrames = 0;
  private closed = false;
  /** The detector was reset after the frame just stepped: frames scored with the old state are scored again. */
  private detectorReset = false;

  constructor(
    private readonly vad: VoiceActivityDetector,
    private readonly options: EndpointerOptions,
    private readonly events: EndpointerEvents,
  ) {
    this.frameMs = (vad.frameSize / vad.sampleRate) * 1000;
  }

  get sampleRate(): number {
    return this.vad.sampleRate;
  }

  /** Duration of one analysed frame: the step in which silence is counted. */
  get frameDurationMs(): number {
    return this.frameMs;
  }

  get speaking(): boolean {
    return this.state !== 'silence';
  }

  /** PCM at the detector's sample rate. Frames are analysed in order, one at a time. */
  push(pcm: Int16Array): void {
    if (this.closed) return;
    const joined = new Int16Array(this.pending.length + pcm.length);
    joined.set(this.pending, 0);
    joined.set(pcm, this.pending.length);
    const size = this.vad.frameSize;
    let offset = 0;
    for (; offset + size <= joined.length; offset += size) this.queued.push(joined.slice(offset, offset + size));
    this.pending = joined.slice(offset);
    if (this.queued.length > 0 && !this.analysing) {
      this.analysing = true;
      this.chain = this.chain.then(() => this.analyseQueued());
    }
  }

  /** Resolves when every pushed frame has been analysed (tests, shutdown). */
  drain(): Promise<void> {
    return this.chain;
  }

  /** Forget any speech in progress (e.g. after the bot starts a new prompt without barge-in). */
  reset(): void {
    if (this.state !== 'silence') this.events.speechDiscarded();
    this.toSilence();
    this.vad.reset();
  }

  close(): void {
    this.closed = true;
  }

  /**
   * Analyses the queued frames in order, one at a time as far as the state machine goes; the
   * frames waiting when a pass starts are scored together (processMany), so a detector in another
   * process costs one round trip per pass, not per frame, and a call never falls behind its audio.
   */
  private async analyseQueued(): Promise<void> {
    try {
      while (this.queued.length > 0 && !this.closed) {
        const frames = this.queued.splice(0);
        const probabilities = await this.score(frames);
        for (let i = 0; i < frames.length; i++) {
          if (this.closed) return;
          await this.step(frames[i], probabilities[i] >= this.options.threshold);
          if (this.detectorReset) {
            // Where the reset falls must not depend on how the frames were batched.
            this.detectorReset = false;
            this.queued.unshift(...frames.slice(i + 1));
            break;
          }
        }
      }
    } finally {
      this.analysing = false;
    }
  }

  private async score(frames: Int16Array[]): Promise<number[]> {
    // A loop, not Float32Array.from(frame, fn): that goes through the iterator protocol, one result
    // object per sample, and at 60 calls it was a quarter of what the service allocated.
    const floats = frames.map(int16ToFloat32);
    if (this.vad.processMany) {
      try {
        return await this.vad.processMany(floats);
      } catch {
        return floats.map(() => 0);
      }
    }
    const out: number[] = [];
    for (const f of floats) {
      try {
        out.push(await this.vad.process(f));
      } catch {
        out.push(0);
      }
    }
    return out;
  }

  private async step(frame: Int16Array, voiced: boolean): Promise<void> {
    const o = this.options;
    const onsetFrames = Math.max(1, Math.round((o.onsetMs ?? 96) / this.frameMs));
    const minSpeechFrames = Math.max(onsetFrames, Math.round(o.minSpeechMs / this.frameMs));
    const endFrames = Math.max(1, Math.round(o.endSilenceMs / this.frameMs));
    const maxFrames = Math.round(o.maxUtteranceMs / this.frameMs);
    const preRollFrames = Math.round((o.preRollMs ?? 200) / this.frameMs);

    if (this.state === 'silence') {
      this.ring.push(frame);
      if (this.ring.length > preRollFrames) this.ring.shift();
      if (voiced) {
        this.state = 'onset';
        this.onsetFrames = [frame];
        this.speechFrames = 1;
        this.silenceFrames = 0;
        if (onsetFrames === 1) this.confirmOnset();
      }
      return;
    }

    if (this.state === 'onset') {
      this.onsetFrames.push(frame);
      if (voiced) {
        this.speechFrames++;
        this.silenceFrames = 0;
      } else if (++this.silenceFrames >= 3) {
        // A blip, not speech: back to listening without ever telling anyone.
        this.ring.push(...this.onsetFrames.slice(1));
        this.ring = this.ring.slice(-preRollFrames);
        this.toSilence(true);
        return;
      }
      if (this.speechFrames >= onsetFrames) this.confirmOnset();
      return;
    }

    // state === 'speech'
    this.events.speechAudio(frame);
    this.utteranceFrames++;
    if (voiced) {
      this.speechFrames++;
      this.silenceFrames = 0;
    } else {
      this.silenceFrames++;
    }
    const truncated = this.utteranceFrames >= maxFrames;
    const silenceMs = this.silenceFrames * this.frameMs;
    let over = truncated;
    if (!over && this.silenceFrames > 0) over = o.endDecision ? await o.endDecision(silenceMs) : this.silenceFrames >= endFrames;
    if (this.closed) return;
    if (over) {
      if (this.speechFrames < minSpeechFrames) this.events.speechDiscarded();
      else
        this.events.speechEnd({
          speechMs: this.speechFrames * this.frameMs,
          durationMs: this.utteranceFrames * this.frameMs,
          truncated,
          silenceMs,
        });
      this.toSilence();
      if (o.resetDetectorAfterUtterance) {
        this.vad.reset();
        this.detectorReset = true;
      }
    }
  }

  private confirmOnset(): void {
    const parts = [...this.ring.slice(0, -1), ...this.onsetFrames];
    const total = parts.reduce((n, p) => n + p.length, 0);
    const preRoll = new Int16Array(total);
    let at = 0;
    for (const p of parts) {
      preRoll.set(p, at);
      at += p.length;
    }
    this.state = 'speech';
    this.utteranceFrames = this.onsetFrames.length;
    this.onsetFrames = [];
    this.ring = [];
    this.events.speechStart(preRoll);
  }

  private toSilence(keepRing = false): void {
    this.state = 'silence';
    this.onsetFrames = [];
    if (!keepRing) this.ring = [];
    this.speechFrames = 0;
    this.silenceFrames = 0;
    this.utteranceFrames = 0;
  }
}

