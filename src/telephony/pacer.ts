import { performance } from 'node:perf_hooks';

/**
 * Real-time pacing of bot audio on a monotonic clock.
 *
 * Frames are due at absolute times `anchor + k·frameMs` (kept as a running `nextDue`), never at
 * "now + 20 ms", so timer lateness does not accumulate into drift. The pacer runs `leadFrames` ahead
 * of real time to cover timer jitter at the far end's jitter buffer. A late timer sends what is due;
 * if the event loop stalls for more than a couple of frames beyond the lead, the pacer does not burst
 * the backlog: it re-anchors (the far end has already heard the gap).
 *
 * The pacer pulls: `next()` sends whatever is due (a frame, or a zero-length event such as a mark)
 * and returns the air time it consumed in ms, or null when nothing is queued.
 */
export interface PacerOptions {
  frameMs: number;
  leadFrames: number;
  next: () => number | null;
  now?: () => number;
}

export class FramePacer {
  private readonly frameMs: number;
  private readonly lead: number;
  private readonly next: () => number | null;
  readonly now: () => number;
  private nextDue = -Infinity;
  /** Lateness tolerated before the schedule is re-anchored rather than caught up. */
  private readonly maxBehindMs: number;
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  private stopped = false;
  private pumping = false;

  constructor(opts: PacerOptions) {
    this.frameMs = opts.frameMs;
    this.lead = Math.max(0, opts.leadFrames);
    this.next = opts.next;
    this.now = opts.now ?? (() => performance.now());
    this.maxBehindMs = (this.lead + 2) * this.frameMs;
  }

  /** When the far end will have played everything sent so far (monotonic ms). */
  get playoutEndsAt(): number {
    return Math.max(this.nextDue + this.lead * this.frameMs, this.now());
  }

  /** New audio may be available. */
  kick(): void {
    if (this.timer || this.paused || this.stopped || this.pumping) return;
    this.pump();
  }

  /** Far end asked us to stop sending (flow control); audio stays queued. */
  pause(): void {
    this.paused = true;
    this.cancelTimer();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.kick();
  }

  /** Forget the schedule: the far end's buffer was flushed, so the next frame starts a new burst. */
  reset(): void {
    this.cancelTimer();
    this.nextDue = -Infinity;
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private pump = (): void => {
    this.timer = null;
    if (this.paused || this.stopped) return;
    this.pumping = true;
    try {
      const now = this.now();
      // A timer that fires a little late just sends what is due (the schedule stays absolute).
      // After idling or a real stall, re-anchor instead of bursting out the whole backlog:
      // at most `lead` frames go out at once.
      if (now - this.nextDue > this.maxBehindMs) this.nextDue = now - this.lead * this.frameMs;
      while (!this.paused && !this.stopped && this.nextDue <= now + 0.5) {
        const airtime = this.next();
        if (airtime === null) return; // idle until kicked
        this.nextDue += airtime;
      }
      if (!this.paused && !this.stopped) {
        this.timer = setTimeout(this.pump, Math.max(0, this.nextDue - this.now()));
      }
    } finally {
      this.pumping = false;
    }
  };
}
