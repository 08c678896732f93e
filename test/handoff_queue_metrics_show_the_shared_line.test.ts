import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { registerQueueMetrics } from '../src/handoff/metrics.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { freshPglite, type TestDatabase } from './helpers/databases.js';
import { request } from './helpers/handoff_caller_double.js';

describe('queue metrics', () => {
  let db: TestDatabase;
  let svc: HandoffRuntime;
  afterEach(async () => {
    await svc?.close();
    await db?.drop();
  });

  it('report entries by queue and state, the oldest wait and agents by presence at scrape time', async () => {
    db = await freshPglite();
    svc = createHandoffService({ database: db.database, config: loadConfig({}, {}), route: false });
    await svc.ready();
    const registry = new Registry();
    registerQueueMetrics(registry, svc);
    await svc.agents.upsert({ id: 'x', name: 'x', pin: '1111' });
    await svc.agents.upsert({ id: 'y', name: 'y', pin: '1111' });
    await svc.agents.setPresence('y', 'after-call-work');
    const a = await svc.queue.enqueue(request('m1'), 'test');
    await svc.queue.enqueue(request('m2', { queue: 'billing' }), 'test');
    await svc.queue.enqueue(request('m3', { queue: 'billing' }), 'test');
    await svc.queue.requestCallback(a.id, '09121234567');
    await new Promise((r) => setTimeout(r, 1100));

    const text = await registry.metrics();
    expect(text).toContain('pasokh_queue_entries{queue="general",state="callback"} 1');
    expect(text).toContain('pasokh_queue_entries{queue="billing",state="waiting"} 2');
    expect(text).toContain('pasokh_agents{presence="offline"} 1');
    expect(text).toContain('pasokh_agents{presence="after-call-work"} 1');
    expect(text).toContain('pasokh_agents{presence="available"} 0');
    const oldest = Number(/pasokh_queue_oldest_wait_seconds\{queue="billing"\} ([\d.]+)/.exec(text)?.[1]);
    expect(oldest).toBeGreaterThanOrEqual(1);
    expect(oldest).toBeLessThan(30);
    // The call-back entry is not "waiting on the line": no oldest-wait series for its queue.
    expect(text).not.toContain('pasokh_queue_oldest_wait_seconds{queue="general"}');
  });
});
