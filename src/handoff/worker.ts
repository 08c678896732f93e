import { PeriodicJob } from '../periodic.js';
import type { QueueStore, Offer } from './store.js';
import type { Logger } from './service.js';

/**
 * The routing loop each instance runs. It holds no state of its own: every tick reads the queue
 * from the database, so any number of instances may run it side by side, and one dying loses
 * nothing (its offers ring out and return to the line through any survivor's tick).
 */
export class QueueWorker {
  private readonly routing: PeriodicJob;

  constructor(
    private readonly store: QueueStore,
    private readonly options: {
      instanceId: string;
      intervalMs: number;
      offerTimeoutSeconds: number;
      logger?: Logger;
      onChange?: (what: { offers: Offer[]; expired: Offer[] }) => void;
    },
  ) {
    this.routing = new PeriodicJob(() => this.route(), {
      intervalMs: options.intervalMs,
      rerunWhenAsked: true,
      onError: (err) => this.options.logger?.warn({ err: (err as Error).message }, 'queue routing tick failed'),
    });
  }

  start(): void {
    if (this.routing.started) return;
    this.routing.start();
    void this.tick();
  }

  /** Routes now (after an enqueue or an agent becoming free) instead of waiting for the timer. */
  tick(): Promise<void> {
    // A process that does not route (route: false) never offers calls, even on a nudge.
    if (!this.routing.started) return Promise.resolve();
    return this.routing.run();
  }

  stop(): Promise<void> {
    return this.routing.stop();
  }

  private async route(): Promise<void> {
    const expired = await this.store.expireOffers();
    const offers = await this.store.route(this.options.instanceId, this.options.offerTimeoutSeconds);
    if (offers.length || expired.length) this.options.onChange?.({ offers, expired });
  }
}
