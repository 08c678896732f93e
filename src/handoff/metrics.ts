import { count, inArray, sql } from 'drizzle-orm';
import { Gauge, type Registry } from 'prom-client';
import { handoffAgents, handoffEntries } from '../store/schema/handoff.js';
import type { HandoffRuntime } from './service.js';

/**
 * Queue gauges read from the database at scrape time, so every instance reports the same shared
 * queue (sum nothing across instances: take any one, or max).
 */
export function registerQueueMetrics(registry: Registry, handoff: HandoffRuntime, prefix = 'pasokh_'): void {
  const registers = [registry];
  new Gauge({
    name: `${prefix}queue_entries`,
    help: 'Calls in the human queue, by queue and state (waiting, offered, callback)',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      this.reset();
      const rows = await handoff.database.db
        .select({ queue: handoffEntries.queue, state: handoffEntries.state, n: count() })
        .from(handoffEntries)
        .where(inArray(handoffEntries.state, ['waiting', 'offered', 'callback']))
        .groupBy(handoffEntries.queue, handoffEntries.state);
      for (const r of rows) this.set({ queue: r.queue, state: r.state }, r.n);
    },
  });
  new Gauge({
    name: `${prefix}queue_oldest_wait_seconds`,
    help: 'Longest current wait in the human queue, by queue',
    labelNames: ['queue'],
    registers,
    async collect() {
      this.reset();
      const rows = await handoff.database.db
        .select({ queue: handoffEntries.queue, s: sql<number>`extract(epoch from now() - min(${handoffEntries.enqueuedAt}))`.mapWith(Number) })
        .from(handoffEntries)
        .where(inArray(handoffEntries.state, ['waiting', 'offered']))
        .groupBy(handoffEntries.queue);
      for (const r of rows) this.set({ queue: r.queue }, r.s);
    },
  });
  new Gauge({
    name: `${prefix}agents`,
    help: 'Desk agents by presence (available, busy, after-call-work, offline)',
    labelNames: ['presence'],
    registers,
    async collect() {
      this.reset();
      const rows = await handoff.database.db
        .select({ presence: handoffAgents.presence, n: count() })
        .from(handoffAgents)
        .groupBy(handoffAgents.presence);
      for (const p of ['available', 'busy', 'after-call-work', 'offline']) this.set({ presence: p }, 0);
      for (const r of rows) this.set({ presence: r.presence }, r.n);
    },
  });
}
