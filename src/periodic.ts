/**
 * A job run every `intervalMs` and on demand, with at most one run in flight: a timer tick or a
 * nudge that comes during a run joins it rather than running the job twice at once (two routing
 * passes or heartbeats of one instance racing each other over the same rows). Failures go to
 * `onError` and the next tick tries again. The queue's routing loop (handoff/worker.ts) and the
 * instance heartbeat (store/instances.ts) both run on it.
 */
export class PeriodicJob {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly job: () => Promise<void>,
    private readonly options: {
      intervalMs: number;
      onError: (err: unknown) => void;
      /**
       * A request during a run has the job run once more after it (while started): what changed
       * meanwhile, an enqueue or an agent coming free, is not left waiting for the next tick.
       */
      rerunWhenAsked?: boolean;
    },
  ) {}

  get started(): boolean {
    return this.timer !== null;
  }

  /** Starts the timer (the first run is the caller's to ask for); a second start does nothing. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.run(), this.options.intervalMs);
    this.timer.unref?.();
  }

  /** Runs the job now, or joins the run in flight; resolves when that run (and any rerun) is over. */
  run(): Promise<void> {
    if (this.running) {
      if (this.options.rerunWhenAsked) this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.job();
        } catch (err) {
          this.options.onError(err);
        }
      } while (this.again && this.timer);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the timer and waits for the run in flight, if any. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
