import type { Server } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { loadConfig } from '../../src/config/load.js';
import { createOpsConsole, type OpsConsole } from '../../src/console/index.js';
import { createNluProvider } from '../../src/engines/nlu/provider.js';
import { createNluRoutes } from '../../src/engines/nlu/routes.js';
import { createEspeakTts } from '../../src/engines/tts/espeak/engine.js';
import { createAnswerCache } from '../../src/engines/tts/cache.js';
import { createAudioRoutes } from '../../src/engines/tts/routes.js';
import { createAgentRoutes, createHandoffService, createQueueRoutes, queueKpis, type HandoffRuntime } from '../../src/handoff/index.js';
import { createApp } from '../../src/http/app.js';
import { createCallRoutes } from '../../src/http/routes/calls.js';
import { createKpiRoutes } from '../../src/http/routes/kpis.js';
import { createFaqRoutes } from '../../src/knowledge/routes.js';
import { createKnowledgeBase, type KnowledgeService } from '../../src/knowledge/service.js';
import type { Database } from '../../src/store/db.js';
import { decodeWav } from '../../src/audio/wav.js';
import { RecordingStore } from '../../src/store/recordings/store.js';

export const CONSOLE_ADMIN_KEY = 'console-browser-admin-key-0123456789';

/**
 * The HTTP surface the ops console uses, wired as src/service.ts wires it (FAQs with the sample
 * catalogue, NLU, calls, KPIs, queue, agents, the console) without the speech engines, on a real port.
 */
export async function startConsoleServer(database: Database) {
  const config = loadConfig({}, {});
  const kb: KnowledgeService = await createKnowledgeBase(database, { pollMs: 0 });
  const nlu = createNluProvider(kb);
  const handoff: HandoffRuntime = createHandoffService({ database, config: { ...config, security: { ...config.security, adminKeys: [CONSOLE_ADMIN_KEY] } } });
  await handoff.ready();
  // Recorded answers (upload and listen); nothing is synthesised unless asked for.
  const tts = await createAnswerCache({ database, inner: await createEspeakTts({ outputRate: 8000 }), outputRate: 8000, recordingRefreshMs: 0 });
  const ops: OpsConsole = createOpsConsole({ database, adminKeys: () => [CONSOLE_ADMIN_KEY], timezone: config.timezone });
  // The caller's audio of one turn (call-handoff, turn 2) is kept, as the call path keeps it.
  const recordings = await RecordingStore.open({ dir: join(mkdtempSync(join(tmpdir(), 'pasokh-console-rec-')), 'recordings'), retentionDays: 30, maxTotalBytes: 1e8 });
  const clip = decodeWav(readFileSync('fixtures/asr/heldout/f4_05.wav'));
  recordings.saveTurn('call-handoff', 2, clip.pcm, clip.sampleRate);
  await recordings.idle();
  const app = createApp({
    adminKeys: () => [CONSOLE_ADMIN_KEY],
    apiAuth: ops.apiAuth,
    api: [
      { path: '/calls', app: createCallRoutes({ database, recordings }) },
      { path: '/faqs', app: createFaqRoutes({ kb, nlu }) },
      { path: '/nlu', app: createNluRoutes({ nlu }) },
      {
        path: '/kpis',
        app: createKpiRoutes({
          database,
          timezone: config.timezone,
          queueKpis: (r) => queueKpis(database, { from: r.since, to: r.until }, config.handoff.serviceLevelSeconds),
        }),
      },
      { path: '/queue', app: createQueueRoutes({ handoff, adminKeys: () => [CONSOLE_ADMIN_KEY] }) },
      { path: '/agents', app: createAgentRoutes({ handoff, adminKeys: () => [CONSOLE_ADMIN_KEY] }) },
      { path: '/', app: createAudioRoutes({ cache: tts, knowledgeBase: kb, prompts: () => ({}) }) },
      ...ops.api,
    ],
    pages: [ops.page],
    readiness: [],
    renderMetrics: async () => '',
  });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(base + path, { ...init, headers: { authorization: `Bearer ${CONSOLE_ADMIN_KEY}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  return {
    base,
    kb,
    nlu,
    handoff,
    console: ops,
    admin,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
      await handoff.close();
      await tts.close();
      nlu.close();
      kb.close();
    },
  };
}

/** Calls as the recorder stores them: today's answered, handed-off and refused calls, and one in progress. */
export async function seedCalls(database: Database, now = new Date()) {
  const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
  const calls: [string, string, number, number | null, string | null, string | null][] = [
    ['call-answered', '09121234567', 50, 48, 'completed', null],
    ['call-handoff', '+989351112233', 40, 37, 'handoff', 'no-match'],
    ['call-unanswered-2', '09127654321', 30, 29, 'completed', null],
    ['call-live', '09190001122', 2, null, null, null],
  ];
  for (const [id, from, start, end, outcome, reason] of calls) {
    await database.query(
      `insert into calls (id, protocol, from_number, to_number, started_at, ended_at, outcome, handoff_reason, handoff_queue) values ($1, 'twilio', $2, '02191000000', $3, $4, $5, $6, $7)`,
      [id, from, at(start), end == null ? null : at(end), outcome, reason, reason ? 'general' : null],
    );
  }
  const turn = (callId: string, seq: number, minutesAgo: number, heard: string | null, intent: string | null, confidence: number | null, action: string, bot: string) =>
    database.query(
      `insert into turns (call_id, seq, at, input, heard_text, intent, confidence, action, bot_text, endpoint_ms, asr_ms, nlu_ms, tts_first_audio_ms, total_ms)
       values ($1, $2, $3, 'speech', $4, $5, $6, $7, $8, 510, 180, 4, 60, 754)`,
      [callId, seq, at(minutesAgo), heard, intent, confidence, action, bot],
    );
  await turn('call-answered', 1, 49.5, 'اینترنتم قطع شده چیکار کنم', 'internet_outage', 0.93, 'answer', 'لطفاً مودم را خاموش و روشن کنید.');
  await turn('call-answered', 2, 49, 'نه ممنون', null, null, 'end', 'روز خوبی داشته باشید.');
  await turn('call-handoff', 1, 39, 'کارت هدیه‌ام کار نمی‌کنه', null, 0.2, 'reprompt', 'ببخشید، متوجه نشدم.');
  await turn('call-handoff', 2, 38, 'کارت هديه ام کار نميکنه', null, 0.18, 'handoff', 'شما را به همکارم وصل می‌کنم.');
  await turn('call-unanswered-2', 1, 29.5, 'کارت هدیه ام کار نمی کنه', null, 0.1, 'reprompt', 'ببخشید، متوجه نشدم.');
  await turn('call-unanswered-2', 2, 29, 'قبضمو چطوری بدم', 'pay_bill', 0.41, 'clarify', 'منظورتان پرداخت قبض است؟');
  await turn('call-live', 1, 1, 'سرعت اینترنتم پایینه', 'internet_slow', 0.88, 'answer', 'سرعت را بررسی می‌کنم.');
  await database.query(`insert into call_events (id, call_id, at, type, data) values ('ev-1', 'call-handoff', $1, 'handoff', '{"reason":"no-match","queue":"general"}')`, [at(37.5)]);
}
