/**
 * npm run bench:calls -- [--concurrency N] [--calls M] [--url http://host:port] [--workers auto|N] [--callers thread|inline]
 * (runs node with --max-semi-space-size=64, as `npm start` does; the JSON line says which it ran with)
 * Starts a local service on a free port (or targets --url), runs M scripted simulated calls N at
 * a time over the real WebSocket, and prints turn latency (end of caller speech → first bot
 * audio frame), underruns, CPU seconds per call-minute and the endpoint silence in force.
 * --workers sets engines.workers of the local service (0: recognition and VAD on the main thread,
 * as before issue 17; otherwise with the VAD worker too); CPU includes the engine worker processes.
 * --callers: where the simulated callers run. `thread` (default): a worker thread of this process,
 * so the service's event loop does only what it does on a site, where the PBX is another machine;
 * they still take their share of the same cores. `inline`: on the service's own event loop, as
 * every figure before 2026-12-06 was measured (then their JSON, μ-law and playout clocks are paid
 * inside the latency they measure).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { loadConfig } from '../src/config/load.js';
import { createTtsEngine } from '../src/engines/factory.js';
import { startService, type RunningService } from '../src/service.js';
import { speechFor } from '../src/sim/cli.js';
import { runCallers, type CallersOutcome, type CallersPlan } from './lib/bench-callers.js';
import { runMain } from './lib/main.js';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '1' },
    calls: { type: 'string', default: '4' },
    url: { type: 'string' },
    token: { type: 'string' },
    workers: { type: 'string' },
    callers: { type: 'string', default: 'thread' },
  },
});
if (values.callers !== 'thread' && values.callers !== 'inline') throw new Error(`--callers must be thread or inline, not ${values.callers}`);
const callersWhere = values.callers;
const workers = values.workers === undefined ? undefined : values.workers === 'auto' ? 'auto' : Number(values.workers);

/** CPU seconds (user + system) used so far by this process's children: the engine workers. */
function childCpuSeconds(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      // Fields after the command's closing parenthesis: state ppid … utime(14) stime(15).
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === process.pid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}
/** The young generation this process runs with (`npm run bench:calls` passes what `npm start` does); null = V8's default (16 MB). */
function semiSpaceMb(): number | null {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].join(' ');
  const m = /--max-semi-space-size[= ](\d+)/.exec(flags);
  return m ? Number(m[1]) : null;
}
const concurrency = Number(values.concurrency);
const totalCalls = Number(values.calls);

const questions = ['اینترنتم قطع شده چیکار کنم', 'سرعت اینترنتم خیلی پایینه', 'قبضم رو چطوری پرداخت کنم'];

const percentile = (xs: number[], p: number) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]);
};

async function main() {
  const engines = workers === undefined ? undefined : workers === 0 ? { workers: 0, vadWorker: false } : { workers, vadWorker: true };
  const config = loadConfig(process.env, { port: 0, logLevel: 'warn', dataDir: values.url ? undefined : mkdtempSync(join(tmpdir(), 'pasokh-bench-')), ...(engines ? { engines } : {}) });
  let service: RunningService | null = null;
  let url = values.url;
  let token = values.token ?? process.env.PASOKH_MEDIA_TOKEN ?? '';
  if (!url) {
    service = await startService(config);
    await service.warmed();
    url = service.url;
    token = service.mediaToken;
  }
  const tts = await createTtsEngine(config);
  const speech = await Promise.all(questions.map((q) => speechFor(tts, q)));
  await tts.close();

  const cpuStart = process.cpuUsage();
  const childCpuStart = childCpuSeconds();
  const wallStart = performance.now();
  const plan: CallersPlan = { url: `${url!.replace(/^http/, 'ws')}/media/twilio`, token, speech, labels: questions, concurrency, totalCalls };
  const outcome = callersWhere === 'inline' ? await runCallers(plan) : await runCallersOnThread(plan);
  const { latencies, clears, underruns, callSeconds, failed } = outcome;
  for (const e of outcome.errors) console.error(e);
  const cpu = process.cpuUsage(cpuStart);
  const childCpu = childCpuSeconds() - childCpuStart;
  const wall = (performance.now() - wallStart) / 1000;
  await service?.stop();

  const figures = {
    bench: 'calls',
    concurrency,
    calls: totalCalls,
    failed,
    endpointSilenceMs: config.audio.endSilenceMs,
    engineWorkers: service ? { asr: config.engines.workers, vadWorker: config.engines.vadWorker } : null,
    // smart: the turn ends ~200 ms after a complete request (src/dialog/turn_end.ts); overEndpointMs is then against endSilenceMs all the same.
    turnEnd: config.audio.turnEnd,
    turnLatencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
    overEndpointMs: { p50: (percentile(latencies, 50) ?? 0) - config.audio.endSilenceMs, p95: (percentile(latencies, 95) ?? 0) - config.audio.endSilenceMs },
    bargeInClearMs: { n: clears.length, p50: percentile(clears, 50), max: clears.length ? Math.round(Math.max(...clears)) : null },
    underruns,
    callers: callersWhere,
    // Service and simulated callers share this process (and, inline, its event loop) when no --url is given: an upper bound.
    cpuSecondsPerCallMinute: service ? Number((((cpu.user + cpu.system) / 1e6 + childCpu) / (callSeconds / 60)).toFixed(3)) : null,
    // Of which in the engine worker processes (and eSpeak, had it to synthesise: it runs in a thread of this process).
    workerCpuSecondsPerCallMinute: service ? Number((childCpu / (callSeconds / 60)).toFixed(3)) : null,
    wallSeconds: Number(wall.toFixed(1)),
    semiSpaceMb: semiSpaceMb(),
  };
  console.log(`turn latency p50 ${figures.turnLatencyMs.p50} ms, p95 ${figures.turnLatencyMs.p95} ms, p99 ${figures.turnLatencyMs.p99} ms (endpoint silence ${figures.endpointSilenceMs} ms)`);
  console.log(`barge-in: speech onset → clear p50 ${figures.bargeInClearMs.p50} ms, max ${figures.bargeInClearMs.max} ms over ${clears.length} calls`);
  console.log(`underruns ${underruns}, failed calls ${failed}, CPU s per call-minute ${figures.cpuSecondsPerCallMinute}`);
  console.log(JSON.stringify(figures));
}

/** The callers on a worker thread of this process (its CPU still counts in process.cpuUsage). */
function runCallersOnThread(plan: CallersPlan): Promise<CallersOutcome> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(new URL('./lib/bench-callers-thread.mjs', import.meta.url), { workerData: plan });
    thread.once('message', (outcome: CallersOutcome) => {
      resolve(outcome);
      void thread.terminate();
    });
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`the callers' thread exited (${code}) before reporting`)));
  });
}

runMain(main);
