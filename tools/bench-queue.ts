/**
 * Hand-off queue benchmark: several service instances route one PostgreSQL queue to simulated
 * agents. Reports enqueue→offer latency, throughput and the double-offer count (must be 0).
 *
 *   npx tsx tools/bench-queue.ts [--instances 2] [--calls 200] [--agents 8] [--handle-ms 50] [--arrival-ms 2] [--pg postgres://…/test]
 *
 * With arrivals slower than the agents' capacity, enqueue→offer is the routing delay itself;
 * with faster arrivals it is mostly time spent waiting for a free agent (a throughput test).
 *
 * Ends with one JSON line of the figures.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config/load.js';
import type { CallIO, CallerReply } from '../src/dialog/types.js';
import { createHandoffService, type HandoffRuntime } from '../src/handoff/service.js';
import { openDatabase, type Database } from '../src/store/db.js';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '2' },
    calls: { type: 'string', default: '200' },
    agents: { type: 'string', default: '8' },
    'handle-ms': { type: 'string', default: '50' },
    'arrival-ms': { type: 'string', default: '2' },
    pg: { type: 'string', default: process.env.PASOKH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const instances = Number(values.instances);
const calls = Number(values.calls);
const agentCount = Number(values.agents);
const handleMs = Number(values['handle-ms']);
const arrivalMs = Number(values['arrival-ms']);

/** A caller who waits quietly (the bench measures the queue, not speech). */
class PatientCaller implements CallIO {
  ended = false;
  constructor(readonly callId: string, readonly callerNumber: string | null = null) {}
  async say() {
    return 'played' as const;
  }
  async ask(): Promise<CallerReply> {
    await new Promise((r) => setTimeout(r, 50));
    return { kind: 'no-input' };
  }
  note() {}
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

async function main() {
  const name = `pasokh_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: values.pg });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = values.pg!.replace(/\/[^/]*$/, `/${name}`);
  const databases: Database[] = [];
  const services: HandoffRuntime[] = [];
  try {
    const config = loadConfig({}, {
      handoff: { routeIntervalMs: 100, offerTimeoutSeconds: 30, waitUpdateSeconds: 30, callbackOffer: false },
    });
    for (let i = 0; i < instances; i++) {
      const database = await openDatabase({ url });
      databases.push(database);
      services.push(createHandoffService({ database, config, instanceId: `bench-${i}`, pollMs: 100 }));
    }
    await Promise.all(services.map((s) => s.ready()));
    const desk = services[0];
    for (let i = 0; i < agentCount; i++) await desk.agents.upsert({ id: `ag${i}`, name: `Agent ${i}`, pin: '0000' });

    let stop = false;
    const agentLoop = async (agentId: string, svc: HandoffRuntime) => {
      await svc.agents.setPresence(agentId, 'available');
      while (!stop) {
        const agent = await svc.agents.get(agentId);
        const entry = agent?.currentEntryId ? await svc.queue.get(agent.currentEntryId) : null;
        if (entry?.state === 'offered' && entry.offeredTo === agentId) {
          await svc.accept(entry.id, agentId);
          await sleep(handleMs);
          await svc.endCall(entry.id, agentId);
          await svc.wrapUp(entry.id, agentId, 'resolved', null);
        } else await sleep(10);
      }
    };
    const loops = Array.from({ length: agentCount }, (_, i) => agentLoop(`ag${i}`, services[i % instances]));

    const t0 = performance.now();
    const outcomes: Promise<unknown>[] = [];
    for (let i = 0; i < calls; i++) {
      const svc = services[i % instances];
      outcomes.push(
        svc.handle(
          { callId: `bench-${i}`, protocol: 'twilio', callerNumber: null, providerCallId: null, queue: 'general', reason: 'caller-request', intent: null, transcript: [] },
          new PatientCaller(`bench-${i}`),
        ),
      );
      await sleep(arrivalMs);
    }
    await Promise.all(outcomes);
    const wallS = (performance.now() - t0) / 1000;
    stop = true;
    await Promise.all(loops);

    const db = databases[0];
    const rows = await db.query<any>(
      `select extract(epoch from (o.offered_at - e.enqueued_at)) * 1000 as wait_ms, e.id
       from handoff_offers o join handoff_entries e on e.id = o.entry_id`,
    );
    const [{ doubles }] = await db.query<any>(
      `select count(*) as doubles from (
         select a.id from handoff_offers a join handoff_offers b
           on a.agent_id = b.agent_id and a.id < b.id and b.offered_at < coalesce(a.responded_at, 'infinity')) x`,
    );
    const perEntry = await db.query<any>(`select entry_id, count(*) as n from handoff_offers group by entry_id having count(*) > 1`);
    const byInstance = await db.query<any>(`select instance_id, count(*) as n from handoff_offers group by instance_id order by instance_id`);
    const waits = rows.map((r) => Number(r.wait_ms));
    const result = {
      bench: 'queue',
      instances,
      calls,
      agents: agentCount,
      handleMs,
      arrivalMs,
      wallS: Number(wallS.toFixed(2)),
      callsPerSecond: Number((calls / wallS).toFixed(1)),
      offers: rows.length,
      enqueueToOfferMs: { p50: Math.round(pct(waits, 50)), p95: Math.round(pct(waits, 95)), min: Math.round(Math.min(...waits)) },
      agentDoubleOffers: Number(doubles),
      entriesOfferedTwice: perEntry.length,
      offersByInstance: Object.fromEntries(byInstance.map((r) => [r.instance_id, Number(r.n)])),
    };
    console.log(`instances ${instances}, calls ${calls} (one every ${arrivalMs} ms), agents ${agentCount}, handle ${handleMs} ms`);
    console.log(`served all in ${result.wallS} s (${result.callsPerSecond} calls/s)`);
    console.log(`enqueue→offer p50 ${result.enqueueToOfferMs.p50} ms, p95 ${result.enqueueToOfferMs.p95} ms, min ${result.enqueueToOfferMs.min} ms`);
    console.log(`double offers: agent ${result.agentDoubleOffers}, entry ${result.entriesOfferedTwice}; offers by instance ${JSON.stringify(result.offersByInstance)}`);
    console.log(JSON.stringify(result));
  } finally {
    for (const s of services) await s.close();
    for (const d of databases) await d.close();
    const again = new pg.Client({ connectionString: values.pg });
    await again.connect();
    await again.query(`drop database if exists ${name} with (force)`);
    await again.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
