import { Resampler } from '../../audio/resample.js';
import type { PcmChunk } from '../../audio/types.js';
import type { AudioListener, CallChannel, Playback } from '../../telephony/types.js';
import type { CallAudioWriter, RecordingStore } from './store.js';

/**
 * The whole call as one two-channel WAV at the line rate: left = the caller as the line delivered
 * them, right = the bot as it was played to the caller.
 *
 * Two channels rather than a mix: the caller's side stays exactly what the recogniser could hear
 * (it can be listened to, cut and exported on its own, even where caller and bot overlap at a
 * barge-in), a mix cannot be taken apart again, and every player plays the two channels together,
 * so a listener still hears the call as the caller did.
 *
 * Time is the call's wall clock: one left sample per sample the line delivered (silence the media
 * clock filled in for a pause included), and where the caller's audio falls behind the wall clock
 * by more than LAG_MS (a far end, or a busy process reading it, that delivers slower than real
 * time) silence is added on the left, so the bot — paced on the wall clock — still fits. The bot's audio is
 * laid on that clock as the channel plays it: playbacks one after another in the order they were
 * started, each from the moment its audio is there (a voice that falls behind leaves silence, as
 * the pacer does), and audio dropped by a barge-in `clear()` or the hang-up is not in the file —
 * the caller never heard it. What the bot sent is recorded at the line rate before the line codec
 * (μ-law quantisation is the only difference from the caller's earpiece).
 */
export function recordWholeCall(
  store: RecordingStore,
  channel: CallChannel,
  /** Milliseconds on a monotonic clock (tests move it by hand). */
  now: () => number = () => performance.now(),
): { channel: CallChannel; end(): void } {
  const rate = channel.sampleRate;
  const writer = store.openCall(channel.info.callId, rate, 2);
  const bot = new BotLine(rate);
  const started = now();
  const lag = Math.round((LAG_MS / 1000) * rate);
  let written = 0;
  let ended = false;
  const write = (caller: Int16Array) => {
    writer.push(interleave(caller, bot.take(caller.length)));
    written += caller.length;
  };
  /** Silence on the caller's side up to `ahead` samples before the wall clock, if it is behind by more. */
  const keepUp = (ahead: number) => {
    const behind = Math.round(((now() - started) / 1000) * rate) - ahead - written;
    if (behind > lag) write(new Int16Array(behind));
  };
  const end = () => {
    if (ended) return;
    ended = true;
    keepUp(0); // what the bot played up to the hang-up
    bot.clear();
    writer.end();
  };
  channel.onAudio((pcm) => {
    if (ended) return;
    keepUp(pcm.length); // this audio ends now: the time before it is what was missing
    write(pcm);
  });
  channel.onEnd(end);
  const tapped: CallChannel = {
    get info() {
      return channel.info;
    },
    get sampleRate() {
      return channel.sampleRate;
    },
    onAudio: (listener: AudioListener) => channel.onAudio(listener),
    onDtmf: (listener) => channel.onDtmf(listener),
    onEnd: (listener) => channel.onEnd(listener),
    startPlayback: () => bot.tap(channel.startPlayback()),
    clear: () => {
      bot.clear();
      channel.clear();
    },
    hangup: (reason) => channel.hangup(reason),
  };
  return { channel: tapped, end };
}

export type { CallAudioWriter };

/** Caller audio this far behind the wall clock is filled with silence (more than network jitter). */
const LAG_MS = 300;

/** Longest stretch of bot audio held waiting to be played (a runaway voice must not hold memory). */
const MAX_PENDING_SECONDS = 300;

interface Queued {
  chunks: Int16Array[];
  head: number;
  ended: boolean;
}

/** The bot's side of the line: playbacks queued in order, drained at the caller's pace. */
class BotLine {
  private queue: Queued[] = [];
  private pending = 0;

  constructor(private readonly rate: number) {}

  tap(inner: Playback): Playback {
    const entry: Queued = { chunks: [], head: 0, ended: false };
    this.queue.push(entry);
    let resampler: Resampler | null = null;
    const add = (pcm: Int16Array) => {
      // A playback cleared by barge-in has left the queue: whatever it still gets was never played.
      if (!pcm.length || !this.queue.includes(entry)) return;
      if (this.pending + pcm.length > MAX_PENDING_SECONDS * this.rate) return;
      entry.chunks.push(pcm);
      this.pending += pcm.length;
    };
    // Cleared or hung up in the channel by any path: what was still queued was never played.
    void inner.done.then((outcome) => {
      if (outcome !== 'played') this.drop(entry);
    });
    return {
      write: (chunk: PcmChunk) => {
        inner.write(chunk);
        if (!resampler || resampler.from !== chunk.sampleRate) {
          if (resampler) add(resampler.flush());
          resampler = new Resampler(chunk.sampleRate, this.rate);
        }
        add(resampler.push(chunk.pcm));
      },
      end: () => {
        inner.end();
        if (resampler) add(resampler.flush());
        entry.ended = true;
      },
      get done() {
        return inner.done;
      },
    };
  }

  /** The next `n` samples of bot audio on the line (silence where the bot is quiet). */
  take(n: number): Int16Array {
    const out = new Int16Array(n);
    let filled = 0;
    while (filled < n && this.queue.length) {
      const q = this.queue[0];
      if (!q.chunks.length) {
        if (!q.ended) break; // the voice is behind: the line is quiet until it catches up
        this.queue.shift();
        continue;
      }
      const chunk = q.chunks[0];
      const count = Math.min(n - filled, chunk.length - q.head);
      out.set(chunk.subarray(q.head, q.head + count), filled);
      filled += count;
      q.head += count;
      this.pending -= count;
      if (q.head >= chunk.length) {
        q.chunks.shift();
        q.head = 0;
      }
    }
    return out;
  }

  /** Barge-in or hang-up: everything queued and not yet played is gone. */
  clear(): void {
    for (const q of this.queue.splice(0)) this.forget(q);
  }

  /**
   * A playback the channel cleared or hung up. (One played to the end is left to drain: its `done`
   * can come before the caller's clock has reached its last samples.)
   */
  private drop(q: Queued): void {
    const i = this.queue.indexOf(q);
    if (i >= 0) this.forget(this.queue.splice(i, 1)[0]);
  }

  private forget(q: Queued): void {
    let left = 0;
    for (const c of q.chunks) left += c.length;
    this.pending -= left - q.head;
    q.chunks = [];
    q.head = 0;
  }
}

function interleave(left: Int16Array, right: Int16Array): Int16Array {
  const out = new Int16Array(left.length * 2);
  for (let i = 0; i < left.length; i++) {
    out[2 * i] = left[i];
    out[2 * i + 1] = right[i];
  }
  return out;
}
