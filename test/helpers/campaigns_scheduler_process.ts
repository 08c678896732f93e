/**
 * One scheduler process for `campaigns_two_processes_never_dial_a_contact_twice.test.ts`: it ticks
 * the campaign service against DATABASE_URL as fast as it can with a dialer that answers every call
 * "busy" at once, and prints one JSON line per placed call.
 */
import { campaignsConfigSchema } from '../../src/campaigns/config.js';
import { CampaignService } from '../../src/campaigns/service.js';
import type { Dialer } from '../../src/campaigns/dialers/types.js';
import { openDatabase } from '../../src/store/db.js';

const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
const database = await openDatabase({ url: process.env.DATABASE_URL! });
const settings = campaignsConfigSchema.parse({ scheduler: false, instanceId: process.env.INSTANCE_ID });
let service!: CampaignService;
const dialer: Dialer = {
  kind: 'busy',
  async place(request, onEvent) {
    out({ event: 'placed', instance: process.env.INSTANCE_ID, to: request.to, attempt: request.attemptId });
    setTimeout(() => onEvent({ kind: 'ended', outcome: 'busy' }), 5);
    return { providerCallId: null };
  },
  async close() {},
};
service = new CampaignService({ database, settings, companyName: 'نت‌آسا', defaultQueue: 'general', mediaToken: 'x'.repeat(20), localUrl: () => '', now: () => new Date('2026-12-05T07:00:00Z'), createDialer: () => dialer });
out({ event: 'ready' });
// Wait for the test's "go" on stdin, sent once both processes are ready: otherwise the one that
// started first on a busy machine can place every call before the other has begun.
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
process.stdin.pause();
const deadline = Date.now() + Number(process.env.RUN_MS ?? 6000);
while (Date.now() < deadline) {
  await service.tick();
  await new Promise((r) => setTimeout(r, 2));
}
await service.idle();
out({ event: 'done' });
await service.stop();
await database.close();
