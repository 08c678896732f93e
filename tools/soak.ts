/**
 * npm run soak -- [--minutes 30] [--concurrency 20] [--database-url postgres://…] [--json-only]
 *
 * Keeps `concurrency` simulated callers on the line for `minutes` against one service started
 * here (embedded PGlite in a temp folder, or the PostgreSQL given), each call asking one of the
 * sample questions over the real Twilio WebSocket, one call after another per caller. Then it
 * checks every call the callers made against the service's own records (GET /api/calls/:id: a
 * call with no record, or no end, is a lost record) and prints one JSON line:
 *
 *   RSS growth and p95 turn-latency drift between the start and the end of the run (the first
 *   tenth is warm-up; see tools/lib/soak-stats.ts), records lost (must be 0), underruns heard by
 *   the callers, failed calls, and the load average of the machine while it ran.
 *
 * Service and callers share this process (as in bench:calls): RSS is theirs together, and the
 * callers' part of it is constant (no state is kept per finished call beyond two numbers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../src/config/load.js';
import { createTtsEngine } from '../src/engines/factory.js';
import { startService } from '../src/service.js';
import { speechFor } from '../src/sim/cli.js';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';
import { callerScript } from './lib/bench-callers.js';
import { summariseSoak, type SoakSample, type SoakTurn } from './lib/soak-stats.js';
import { runMain } from './lib/main.js';

const args = z
  .object({
    minutes: z.coerce.number().positive().max(24 * 60),
    concurrency: z.coerce.number().int().min(1).max(500),
    'database-url': z.string().url().optional(),
    'json-only': z.boolean().optional(),
  })
  .parse(
    parseArgs({
      options: {
        minutes: { type: 'string', default: '30' },
        concurrency: { type: 'string', default: '20' },
        'database-url': { type: 'string' },
        'json-only': { type: 'boolean' },
      },
    }).values,
  );

const questions = ['اینترنتم قطع شده چیکار کنم', 'سرعت اینترنتم خیلی پایینه', 'قبضم رو چطوری پرداخت کنم'];
const log = (line: string) => {
  if (!args['json-only']) console.error(line);
};

const callRecord = z.object({ id: z.string(), endedAt: z.string().nullable(), outcome: z.string().nullable() });

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'pasokh-soak-'));
  const config = loadConfig(process.env, { port: 0, logLevel: 'warn', dataDir, databaseUrl: args['database-url'] });
  const service = await startService(config);
  await service.warmed();
  const tts = await createTtsEngine(config);
  const speech = await Promise.all(questions.map((q) => speechFor(tts, q)));
  await tts.close();

  const durationSeconds = args.minutes * 60;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const samples: SoakSample[] = [];
  const turns: SoakTurn[] = [];
  const loads: number[] = [];
  const sampler = setInterval(() => {
    samples.push({ at: elapsed(), rssBytes: process.memoryUsage().rss });
    loads.push(loadavg()[0]);
  }, 5_000);
  const progress = setInterval(() => log(`soak: ${Math.round(elapsed())} s, ${calls.length} calls, ${failed} failed, ${underruns} underruns, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`), 60_000);

  const calls: string[] = [];
  let failed = 0;
  let underruns = 0;
  let n = 0;
  const caller = async () => {
    while (elapsed() < durationSeconds) {
      const i = n++;
      // The callers of bench:calls, barge-ins included.
      const steps = callerScript(i, speech, questions);
      try {
        const result = await simulateTwilioCall({ url: `${service.url.replace(/^http/, 'ws')}/media/twilio`, token: service.mediaToken, steps, hangUpAtEnd: true });
        calls.push(result.callSid);
        underruns += result.underruns;
        const at = elapsed();
        for (const s of result.steps) if (s.latencyMs !== null) turns.push({ at, latencyMs: s.latencyMs });
      } catch (err) {
        failed++;
        log(`call ${i} failed: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, caller));
  clearInterval(sampler);
  clearInterval(progress);
  const wallSeconds = elapsed();

  // Every call the callers made must be on record, ended. The recorder writes in batches: give it
  // a little while before a missing record counts as lost.
  const missing = new Set(calls);
  const deadline = Date.now() + 30_000;
  while (missing.size && Date.now() < deadline) {
    for (const id of [...missing]) {
      const res = await fetch(`${service.url}/api/calls/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${service.adminKey}` } });
      if (res.status !== 200) continue;
      const record = callRecord.safeParse(await res.json());
      if (record.success && record.data.endedAt) missing.delete(id);
    }
    if (missing.size) await new Promise((r) => setTimeout(r, 1_000));
  }
  await service.stop();
  rmSync(dataDir, { recursive: true, force: true });

  const figures = {
    soak: 'calls',
    minutes: args.minutes,
    concurrency: args.concurrency,
    database: args['database-url'] ? 'postgres' : 'pglite',
    calls: calls.length,
    failed,
    turns: turns.length,
    ...summariseSoak(samples, turns, wallSeconds),
    recordsLost: missing.size,
    underruns,
    endpointSilenceMs: config.audio.endSilenceMs,
    loadAverage: { mean: Number((loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)).toFixed(2)), max: Number(Math.max(0, ...loads).toFixed(2)) },
    wallSeconds: Math.round(wallSeconds),
  };
  console.log(JSON.stringify(figures));
}

runMain(main);
