/**
 * npm run bench:campaign -- [--contacts 500] [--concurrency 30] [--cpm 600] [--mix answer:1]
 *
 * Runs a notification campaign end to end on a local service (real engines, embedded database)
 * with the simulator dialer: every contact is rung, answers over the real WebSocket, hears the
 * greeting by name and the bill amount, and presses 1 to confirm (or follows --mix, a comma-list
 * of simulator callee scripts given round-robin, e.g. "answer:1,answer:1,busy,no-answer").
 * Prints one JSON line: calls per minute achieved vs configured, answer → first bot audio heard
 * by the callee (p50/p95 ms), double dials (contacts dialled more often than the retry policy
 * allows, and attempts sharing a contact and sequence: both must be 0), outcomes, CPU.
 */
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SimulatorDialer } from '../src/campaigns/dialers/simulator.js';
import { loadConfig } from '../src/config/load.js';
import { startService } from '../src/service.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '30' },
    cpm: { type: 'string', default: '120' },
    mix: { type: 'string', default: 'answer:1' },
    timeout: { type: 'string', default: '1800' },
  },
});
const contacts = Number(values.contacts);
const concurrency = Number(values.concurrency);
const cpm = Number(values.cpm);
const mix = values.mix!.split(',').map((s) => s.trim()).filter(Boolean);
const NAMES = ['علی', 'مریم', 'رضا', 'زهرا', 'حسین', 'فاطمه', 'محمد', 'سارا', 'مهدی', 'نرگس'];

const percentile = (xs: number[], p: number) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]);
};

async function main() {
  const config = loadConfig(process.env, {
    port: 0,
    host: '127.0.0.1',
    logLevel: 'warn',
    dataDir: mkdtempSync(join(tmpdir(), 'pasokh-bench-campaign-')),
    campaigns: { tickMs: 250 },
  });
  const service = await startService(config);
  await service.warmed();
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${service.url}${path}`, { method, headers: { authorization: `Bearer ${service.adminKey}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await res.json()) as any;
  };
  const created = await api('POST', '/api/campaigns', {
    name: 'bench',
    kind: 'notify',
    dialer: { kind: 'simulator', ringMs: 300 },
    schedule: { windows: [{ days: ['sat', 'sun', 'mon', 'tue', 'wed', 'thu', 'fri'], from: '00:00', to: '24:00' }] },
    pacing: { maxConcurrent: concurrency, callsPerMinute: cpm },
    retry: { maxAttempts: 2, delayMinutes: 0, on: ['busy', 'no-answer'] },
    machineDetection: { enabled: false },
    script: { message: 'قبض این ماه شما {amount} تومان است و تا پایان هفته مهلت پرداخت دارد.' },
  });
  const list = Array.from({ length: contacts }, (_, i) => ({
    phone: `0912${String(5000000 + i)}`,
    name: NAMES[i % NAMES.length],
    vars: { amount: String(10_000 * (1 + (i % 50))), sim: mix[i % mix.length] },
  }));
  await api('POST', `/api/campaigns/${created.id}/contacts`, { contacts: list });

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await api('POST', `/api/campaigns/${created.id}/start`);
  let status = 'running';
  let peakInFlight = 0;
  // The simulator dialer keeps the callees' figures; the service lets it go once the campaign ends.
  let dialer: SimulatorDialer | null = null;
  const deadline = t0 + Number(values.timeout) * 1000;
  while (status !== 'completed' && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const c = await api('GET', `/api/campaigns/${created.id}`);
    status = c.status;
    dialer = (service.campaigns.dialerOf(created.id) as SimulatorDialer | null) ?? dialer;
    peakInFlight = Math.max(peakInFlight, c.counts.inFlight);
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const db = (service as unknown as { campaigns: { store: { database: { query<T>(s: string, p?: unknown[]): Promise<T[]> } } } }).campaigns.store.database;
  const [dups] = await db.query<{ over: string; same_seq: string }>(
    `select (select count(*) from (select contact_id from campaign_attempts where campaign_id = $1 group by contact_id having count(*) > 2) x) as over,
            (select count(*) from (select contact_id, seq from campaign_attempts where campaign_id = $1 group by contact_id, seq having count(*) > 1) y) as same_seq`,
    [created.id],
  );
  const [placed] = await db.query<{ n: string; first: Date; last: Date }>('select count(*) as n, min(placed_at) as first, max(placed_at) as last from campaign_attempts where campaign_id = $1', [created.id]);
  // The pacing limit is a sliding minute: the most calls placed in any 60 s must not exceed it.
  const [peak] = await db.query<{ n: string }>(
    `select coalesce(max(n), 0) as n from (select (select count(*) from campaign_attempts b where b.campaign_id = a.campaign_id and b.placed_at >= a.placed_at and b.placed_at < a.placed_at + interval '60 seconds') as n
       from campaign_attempts a where a.campaign_id = $1) w`,
    [created.id],
  );
  const final = await api('GET', `/api/campaigns/${created.id}`);
  const firstAudio = dialer?.firstAudio ?? [];
  const spanMin = (new Date(placed.last).getTime() - new Date(placed.first).getTime()) / 60_000;
  const result = {
    bench: 'campaign',
    contacts,
    concurrency,
    status,
    wall_s: Number((wallMs / 1000).toFixed(1)),
    attempts: Number(placed.n),
    calls_per_minute_configured: cpm,
    calls_per_minute_achieved: Number((Number(placed.n) / Math.max(spanMin, 1 / 60)).toFixed(1)),
    calls_per_minute_over_run: Number((Number(placed.n) / (wallMs / 60_000)).toFixed(1)),
    most_calls_in_any_60s: Number(peak.n),
    peak_in_flight: peakInFlight,
    answer_to_first_audio_ms: { p50: percentile(firstAudio, 50), p95: percentile(firstAudio, 95), n: firstAudio.length },
    double_dials: Number(dups.over) + Number(dups.same_seq),
    outcomes: final.counts,
    cpu_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
    cpu_share_of_one_core: Number(((cpu.user + cpu.system) / 1000 / wallMs).toFixed(2)),
    cores: cpus().length,
    loadavg_1m: Number(loadavg()[0].toFixed(2)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await service.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
