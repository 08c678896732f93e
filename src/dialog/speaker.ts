import type { PcmChunk } from '../audio/types.js';
import type { EngineFallbackEvent } from '../engines/errors.js';
import type { TtsEngine } from '../engines/tts/types.js';
import type { CallChannel, PlaybackOutcome } from '../telephony/types.js';
import { engineDeadline } from '../engines/deadline.js';
import { firstAudioBoundMs } from '../engines/tts/fallback.js';

export interface Utterance {
  /** 'played' | 'cleared' | 'hangup' once the far end is done with it. */
  done: Promise<PlaybackOutcome>;
  /** Wall-clock ms from speak() to the first audio handed to the channel; rejects if TTS failed. */
  firstAudio: Promise<number>;
  /** Stops synthesis and drops queued audio (barge-in). */
  interrupt(): void;
}

/** Streams synthesised speech into the channel, chunk by chunk, with a time limit on the engine. */
export class Speaker {
  private current: Utterance | null = null;
  /** Past this without a first chunk the turn is an engine error; the fallback voice's deadline lies inside it. */
  private readonly firstAudioMs: number;

  constructor(
    private readonly channel: CallChannel,
    private readonly tts: TtsEngine,
    /** `tts.timeoutMs`, the one first-audio deadline (the fallback wrapper gives up on a remote voice after it). */
    ttsTimeoutMs: number,
    /** A remote voice failed and the local one carried on (recorded on the call). */
    private readonly onFallback?: (event: EngineFallbackEvent) => void,
  ) {
    this.firstAudioMs = firstAudioBoundMs(ttsTimeoutMs);
  }

  get speaking(): boolean {
    return this.current !== null;
  }

  /**
   * Speaks `parts` one after another as one utterance. Parts are synthesised separately so that
   * an FAQ answer and the fixed prompt after it each come from the answer cache.
   */
  speak(parts: string | readonly string[]): Utterance {
    const started = performance.now();
    const abort = new AbortController();
    const playback = this.channel.startPlayback();
    let resolveFirst!: (ms: number) => void;
    let rejectFirst!: (err: Error) => void;
    const firstAudio = new Promise<number>((res, rej) => {
      resolveFirst = res;
      rejectFirst = rej;
    });
    firstAudio.catch(() => {});

    const pump = async () => {
      let first = true;
      const texts = typeof parts === 'string' ? [parts] : parts;
      const iterator = this.synthesizeAll(texts, abort.signal)[Symbol.asyncIterator]();
      try {
        while (!abort.signal.aborted) {
          const next = first ? await this.firstChunk(iterator) : await iterator.next();
          if (next.done) break;
          if (abort.signal.aborted) break;
          playback.write(next.value);
          if (first) {
            first = false;
            resolveFirst(performance.now() - started);
          }
        }
        if (first) rejectFirst(new Error('TTS produced no audio'));
      } catch (err) {
        rejectFirst(err as Error);
      } finally {
        playback.end();
        if (abort.signal.aborted) await iterator.return?.().catch(() => {});
      }
    };
    void pump();

    const utterance: Utterance = {
      done: playback.done.finally(() => {
        if (this.current === utterance) this.current = null;
      }),
      firstAudio,
      interrupt: () => {
        abort.abort();
        this.channel.clear();
      },
    };
    this.current = utterance;
    return utterance;
  }

  private async *synthesizeAll(texts: readonly string[], signal: AbortSignal): AsyncIterable<PcmChunk> {
    for (const text of texts) {
      if (signal.aborted) return;
      yield* this.tts.synthesize(text, { signal, onFallback: this.onFallback });
    }
  }

  /** Interrupts whatever is playing (barge-in). */
  interrupt(): void {
    this.current?.interrupt();
  }

  private firstChunk<T>(iterator: AsyncIterator<T>): Promise<IteratorResult<T>> {
    return engineDeadline(iterator.next(), this.firstAudioMs, 'tts');
  }

}
