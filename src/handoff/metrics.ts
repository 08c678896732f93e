import { Gauge, type Registry } from 'prom-client';
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
      const rows = await handoff.database.query<{ queue: string; state: string; n: string | number }>(
        `select queue, state, count(*) as n from handoff_entries
         where state in ('waiting', 'offered', 'callback') group by queue, state`,
      );
      for (const r of rows) this.set({ queue: r.queue, state: r.state }, Number(r.n));
    },
  });
  new Gauge({
    name: `${prefix}queue_oldest_wait_seconds`,
    help: 'Longest current wait in the human queue, by queue',
    labelNames: ['queue'],
    registers,
    async collect() {
      this.reset();
      const rows = await handoff.database.query<{ queue: string; s: string | number }>(
        `select queue, extract(epoch from now() - min(enqueued_at)) as s from handoff_entries
         where state in ('waiting', 'offered') group by queue`,
      );
      for (const r of rows) this.set({ queue: r.queue }, Number(r.s));
    },
  });
  new Gauge({
    name: `${prefix}agents`,
    help: 'Desk agents by presence (available, busy, after-call-work, offline)',
    labelNames: ['presence'],
    registers,
    async collect() {
      this.reset();
      const rows = await handoff.database.query<{ presence: string; n: string | number }>(
        `select presence, count(*) as n from handoff_agents group by presence`,
      );
      for (const p of ['available', 'busy', 'after-call-work', 'offline']) this.set({ presence: p }, 0);
      for (const r of rows) this.set({ presence: r.presence }, Number(r.n));
    },
  });
}
