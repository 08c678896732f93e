/**
 * One service process for `handoff_queue_two_processes_share_one_postgres.test.ts`: it runs the hand-off
 * service (and so the routing loop) against DATABASE_URL and puts the calls named in CALLS into
 * the queue, each with a patient caller who just waits. One JSON line per event on stdout.
 */
import { loadConfig } from '../../src/config/load.js';
import { createHandoffService } from '../../src/handoff/service.js';
import { openDatabase } from '../../src/store/db.js';
import { request, ScriptedCaller } from './handoff_caller_double.js';

const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

const database = await openDatabase({ url: process.env.DATABASE_URL! });
const config = loadConfig({}, {
  handoff: { routeIntervalMs: 20, offerTimeoutSeconds: 10, waitUpdateSeconds: 2, callbackOffer: false },
});
const svc = createHandoffService({ database, config, instanceId: process.env.INSTANCE_ID, pollMs: 30 });
await svc.ready();
out({ event: 'ready', instance: svc.instanceId });

for (const callId of (process.env.CALLS ?? '').split(',').filter(Boolean)) {
  const caller = new ScriptedCaller(callId, null, 5, 20);
  const origNote = caller.note.bind(caller);
  caller.note = (type, data) => {
    origNote(type, data);
    if (type === 'handoff.enqueued') out({ event: 'enqueued', callId, entryId: data?.entryId });
  };
  void svc.handle(request(callId, { callerNumber: null }), caller).then((outcome) => out({ event: 'outcome', callId, outcome }));
  await new Promise((r) => setTimeout(r, 15));
}

process.on('SIGTERM', async () => {
  await svc.close();
  await database.close();
  process.exit(0);
});
setInterval(() => {}, 1000);
