import type { QueueStore, Offer } from './store.js';
import type { Logger } from './service.js';

/**
 * The routing loop each instance runs. It holds no state of its own: every tick reads the queue
 * from the database, so any number of instances may run it side by side, and one dying loses
 * nothing (its offers ring out and return to the line through any survivor's tick).
 */
export class QueueWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly store: QueueStore,
    private readonly options: {
      instanceId: string;
      intervalMs: number;
      offerTimeoutSeconds: number;
      logger?: Logger;
      onChange?: (what: { offers: Offer[]; expired: Offer[] }) => void;
    },
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref?.();
    void this.tick();
  }

  /** Routes now (after an enqueue or an agent becoming free) instead of waiting for the timer. */
  tick(): Promise<void> {
    // A process that does not route (route: false) never offers calls, even on a nudge.
    if (!this.timer) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const expired = await this.store.expireOffers();
          const offers = await this.store.route(this.options.instanceId, this.options.offerTimeoutSeconds);
          if (offers.length || expired.length) this.options.onChange?.({ offers, expired });
        } catch (err) {
          this.options.logger?.warn({ err: (err as Error).message }, 'queue routing tick failed');
        }
      } while (this.again && this.timer);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
