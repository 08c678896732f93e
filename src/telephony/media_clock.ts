/**
 * The caller's audio on the wall clock. Real PBXs do not stream while the caller is quiet: Asterisk
 * sends no frames during `Wait()`, on Local channels, or from phones and trunks with silence
 * suppression. Everything downstream (endpointing, barge-in, the no-input timer) counts audio time,
 * so a gap must reach it as the silence it was, or a question is never finalised.
 *
 * `coveredUntil` is the wall time up to which caller audio (real or filled) has been delivered.
 * A frame that arrives late re-anchors it at its arrival; frames that arrive in a burst push it
 * ahead of the wall clock, so the burst is not followed by silence that never happened. Only a gap
 * longer than the jitter allowance is filled, so ordinary network jitter adds no silence.
 */
export class MediaClock {
  private coveredUntil: number;
  /** Silence filled since the last real frame: it may stand in for frames the far end then says it lost. */
  private filledSinceReal = 0;
  /** Inside a pause already judged to be one: fill every tick, not only past the jitter allowance. */
  private paused = false;

  constructor(
    private readonly jitterMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    // A caller who says nothing from the first moment is silent from the start of the call.
    this.coveredUntil = now();
  }

  /** Real caller audio lasting `ms` has just arrived. */
  real(ms: number): void {
    const t = this.now();
    this.coveredUntil = this.coveredUntil < t - ms ? t : this.coveredUntil + ms;
    this.filledSinceReal = 0;
    this.paused = false;
  }

  /** Milliseconds of silence to deliver now (0 while within the jitter allowance). */
  due(): number {
    const t = this.now();
    const gap = t - this.coveredUntil;
    if (gap <= 0 || (!this.paused && gap <= this.jitterMs)) return 0;
    this.paused = true;
    this.coveredUntil = t;
    this.filledSinceReal += gap;
    return gap;
  }

  /**
   * The far end's sequence numbers say `ms` of audio was lost before the frame now arriving. The
   * numbers are the caller's own clock, so the loss is silence whenever it arrives; only what the
   * gap filler already gave since the last real frame is not given twice.
   */
  conceal(ms: number): number {
    const fill = Math.max(0, ms - this.filledSinceReal);
    this.filledSinceReal = 0;
    this.coveredUntil += fill;
    return fill;
  }
}

type Tick = () => void;

const TICK_MS = 20;
/** A tick this late means the event loop was blocked: socket data may be waiting behind it. */
const STALL_MS = 3 * TICK_MS;

/**
 * One timer for every call on the process instead of one per call. After a stall the tick is
 * skipped once, so frames queued in the socket are read before any gap is judged to exist.
 */
class GapTicker {
  private readonly ticks = new Set<Tick>();
  private timer: NodeJS.Timeout | null = null;
  private last = 0;

  add(tick: Tick): () => void {
    this.ticks.add(tick);
    if (!this.timer) {
      this.last = performance.now();
      this.timer = setInterval(() => this.run(), TICK_MS);
      this.timer.unref?.();
    }
    return () => {
      this.ticks.delete(tick);
      if (this.ticks.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  private run(): void {
    const t = performance.now();
    const late = t - this.last;
    this.last = t;
    if (late > STALL_MS) return;
    for (const tick of [...this.ticks]) tick();
  }
}

export const gapTicker = new GapTicker();
