import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createLocalTts } from '../src/engines/factory.js';
import { startService, type RunningService } from '../src/service.js';
import { fetchStoredCall, speechFor } from '../src/sim/cli.js';
import { simulateTwilioCall } from '../src/sim/twilio-caller.js';

// The whole product with recognition and VAD in engine worker processes (src/engines/pool). Before
// the caller speaks, the recognition worker is frozen (SIGSTOP: a hung inference) and the VAD
// worker is killed (a crash). The call must hear, understand and answer the caller all the same,
// and its record must say that recognition fell back to the main thread and why.
const ADMIN = 'pool-admin-key-0123456789';
const TOKEN = 'pool-media-token-0123456789';
let service: RunningService;
let question: Int16Array;

/** Engine worker processes of this process, by lane (the lane's name is the worker's argument). */
function workerPid(lane: 'asr' | 'vad'): number {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => a.endsWith('worker-entry.mjs')) && args.includes(lane)) return Number(pid);
    } catch {
      // Ended meanwhile.
    }
  }
  throw new Error(`no ${lane} worker process`);
}

beforeAll(async () => {
  const config = loadConfig({}, {
    port: 0,
    host: '127.0.0.1',
    dataDir: mkdtempSync(join(tmpdir(), 'pasokh-pool-call-')),
    logLevel: 'silent',
    security: { adminKeys: [ADMIN], mediaTokens: [TOKEN] },
    audio: { turnEnd: 'silence' },
    engines: { workers: 1, vadWorker: true, timeoutMs: 800, vadTimeoutMs: 250 },
  });
  service = await startService(config);
  const voice = await createLocalTts(config);
  question = await speechFor(voice, 'اینترنتم قطع شده چیکار کنم');
  await voice.close();
}, 180_000);

afterAll(async () => {
  await service?.stop();
});

describe('a call whose engine workers hang and die', () => {
  it('is heard, understood and answered, and its record says recognition fell back to the main thread', async () => {
    const asrWorker = workerPid('asr');
    process.kill(asrWorker, 'SIGSTOP');
    process.kill(workerPid('vad'), 'SIGKILL');
    try {
      const result = await simulateTwilioCall({
        url: `${service.url.replace('http', 'ws')}/media/twilio`,
        token: TOKEN,
        steps: [{ kind: 'speech', pcm: question, label: 'outage question' }],
      });
      expect(result.steps[0].latencyMs).not.toBeNull();
      const stored = await fetchStoredCall(service.url, ADMIN, result.callSid);
      const turn = stored!.turns.find((t) => t.input === 'speech');
      expect(turn?.heardText?.length ?? 0).toBeGreaterThan(5);
      expect(turn?.botText?.length ?? 0).toBeGreaterThan(0);
      expect(stored!.handoffReason).toBeNull();

      const full = (await (await fetch(`${service.url}/api/calls/${encodeURIComponent(result.callSid)}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
        events: Array<{ type: string; data: { engine?: string; cause?: string; to?: string } }>;
      };
      const fallbacks = full.events.filter((e) => e.type === 'engine-fallback' && e.data.engine === 'asr');
      expect(fallbacks.length).toBeGreaterThanOrEqual(1);
      // Late (the frozen worker), or gone once the pool has killed it for hanging (slow machines get there first).
      expect(['timeout', 'unavailable']).toContain(fallbacks[0].data.cause);
      expect(fallbacks[0].data.to).toMatch(/main thread/);
    } finally {
      // The pool kills a worker hung past its deadline; make sure of it whatever happened above.
      try {
        process.kill(asrWorker, 'SIGKILL');
      } catch {
        // Already replaced.
      }
    }
  }, 180_000);
});
