import { hostname } from 'node:os';
import { and, eq, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Database } from './db.js';
import { callEvents, calls } from './schema/calls.js';
import { pasokhInstances } from './schema/instances.js';
import type { Logger } from '../logger.js';
import { PeriodicJob } from '../periodic.js';

export type InstanceLogger = Pick<Logger, 'info' | 'warn'>;

export interface InstanceRegistryOptions {
  instanceId: string;
  /** How often this instance writes its heartbeat and looks for instances that stopped writing theirs. */
  heartbeatMs: number;
  /** A heartbeat older than this means the instance is gone. */
  goneAfterMs: number;
  logger?: InstanceLogger;
  /** Told of each instance found gone, with its calls now recorded as lost. */
  onGone?: (gone: { instanceId: string; lostCalls: string[] }) => void;
}

/** The reason written on a call whose instance died under it. */
export const LOST_REASON = 'instance gone';

/**
 * The instances sharing one database, by heartbeat. Each one writes `pasokh_instances.heartbeat_at`
 * every `heartbeatMs`, and at the same time looks for instances whose heartbeat is older than
 * `goneAfterMs`: such an instance died (killed, its machine lost) and its calls died with it, so
 * every call of it that has no end yet is ended as `lost` at its last heartbeat, with a `lost`
 * event saying why. Its hand-off entries need nothing: they live in the queue, which every
 * instance routes.
 *
 * Only an instance that has itself been heartbeating without a gap for `goneAfterMs` judges the
 * others: after a database outage every heartbeat is stale, and the first instance back must not
 * declare the others dead before they had the chance to write theirs. Two survivors judging at
 * once cannot both win: the update is conditional on `gone_at is null`, under its row lock.
 */
export class InstanceRegistry {
  private readonly heartbeat: PeriodicJob;
  /** Database time of the first heartbeat after the last failed one (null: the last one failed). */
  private healthySince: Date | null = null;

  constructor(
    private readonly database: Database,
    private readonly options: InstanceRegistryOptions,
  ) {
    this.heartbeat = new PeriodicJob(() => this.beat(), {
      intervalMs: options.heartbeatMs,
      onError: (err) => {
        this.healthySince = null;
        this.options.logger?.warn({ err: (err as Error).message }, 'instance heartbeat failed');
      },
    });
  }

  get instanceId(): string {
    return this.options.instanceId;
  }

  /** Registers this instance (a restart under the same id clears its old marks) and starts the heartbeat. */
  async start(): Promise<void> {
    await this.register();
    this.heartbeat.start();
  }

  private async register(): Promise<void> {
    await this.database.db
      .insert(pasokhInstances)
      .values({ id: this.instanceId, host: hostname(), pid: process.pid })
      .onConflictDoUpdate({
        target: pasokhInstances.id,
        set: { host: hostname(), pid: process.pid, startedAt: sql`now()`, heartbeatAt: sql`now()`, goneAt: null, stoppedAt: null },
      });
  }

  /** One heartbeat and one look for gone instances (the timer calls it; a test may call it itself). */
  tick(): Promise<void> {
    return this.heartbeat.run();
  }

  /** A clean stop: this instance's calls ended with it, so nobody marks them lost. */
  async stop(): Promise<void> {
    await this.heartbeat.stop();
    await this.database.db
      .update(pasokhInstances)
      .set({ stoppedAt: sql`now()` })
      .where(eq(pasokhInstances.id, this.instanceId))
      .catch((err) => this.options.logger?.warn({ err: (err as Error).message }, 'could not record this instance as stopped'));
  }

  private async beat(): Promise<void> {
    const [me] = await this.database.db
      .update(pasokhInstances)
      .set({ heartbeatAt: sql`now()`, goneAt: null })
      .where(eq(pasokhInstances.id, this.instanceId))
      .returning({ at: pasokhInstances.heartbeatAt });
    if (!me) {
      // The row went (a database restored from before this instance started): register again.
      await this.register();
      return;
    }
    this.healthySince ??= me.at;
    if (me.at.getTime() - this.healthySince.getTime() < this.options.goneAfterMs) return;
    for (const gone of await this.sweep()) {
      this.options.logger?.warn({ instance: gone.instanceId, lostCalls: gone.lostCalls.length }, 'instance gone: its unfinished calls are recorded as lost');
      this.options.onGone?.(gone);
    }
  }

  /** Marks instances with a stale heartbeat gone and ends their open calls as lost, in one transaction. */
  private async sweep(): Promise<{ instanceId: string; lostCalls: string[] }[]> {
    return this.database.transaction(async ({ db }) => {
      const gone = await db
        .update(pasokhInstances)
        .set({ goneAt: sql`now()` })
        .where(
          and(
            isNull(pasokhInstances.goneAt),
            isNull(pasokhInstances.stoppedAt),
            ne(pasokhInstances.id, this.instanceId),
            lt(pasokhInstances.heartbeatAt, sql`now() - make_interval(secs => ${this.options.goneAfterMs / 1000})`),
          ),
        )
        .returning({ id: pasokhInstances.id, lastSeen: pasokhInstances.heartbeatAt });
      const found: { instanceId: string; lostCalls: string[] }[] = [];
      for (const instance of gone) {
        // The call ended, as far as anyone can know, when its instance was last seen alive.
        const lost = await db
          .update(calls)
          .set({ endedAt: sql`greatest(${calls.startedAt}, ${instance.lastSeen.toISOString()}::timestamptz)`, outcome: 'lost' })
          .where(and(eq(calls.instanceId, instance.id), isNull(calls.endedAt)))
          .returning({ id: calls.id, endedAt: calls.endedAt });
        if (lost.length) {
          await db
            .insert(callEvents)
            .values(lost.map((c) => ({ id: `lost-${c.id}`, callId: c.id, at: c.endedAt!, type: 'lost', data: { reason: LOST_REASON, instance: instance.id } })))
            .onConflictDoNothing();
        }
        found.push({ instanceId: instance.id, lostCalls: lost.map((c) => c.id) });
      }
      return found;
    });
  }
}
