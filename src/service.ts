import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import pino from 'pino';
import { EnergyDetector, SileroModel, type VoiceActivityDetector } from './audio/vad.js';
import type { Config } from './config/schema.js';
import { resolveSecrets } from './config/secrets.js';
import { fixedPrompts } from './dialog/prompts.js';
import { CallSession, type SessionMetrics } from './dialog/session.js';
import { createAsrEngine, createEngines } from './engines/factory.js';
import { LiveAsr, readLiveModel } from './engines/asr/live.js';
import { createAnswerCache } from './engines/tts/cache.js';
import { createApp } from './http/app.js';
import { AuthThrottle } from './http/auth-throttle.js';
import { askReadiness, type EngineReadiness } from './engines/readiness.js';
import { createPooledVad, type PooledSileroModel } from './engines/pool/index.js';
import { createOpsConsole } from './console/index.js';
import { createCallRoutes } from './http/routes/calls.js';
import { createAsrRoutes } from './http/routes/asr.js';
import { openRecordings, tapCall } from './store/recordings/index.js';
import { createCallRecorder } from './store/recorder.js';
import { openDatabase } from './store/db.js';
import { linkInstances } from './store/cluster.js';
import { InstanceRegistry } from './store/instances.js';
import { shareAuthFailures, type AuthFailureSharing } from './store/auth-failures.js';
import { attachMediaEndpoints, startAudioSocketServer } from './telephony/index.js';
import { CallDrain } from './service-drain.js';
import type { CallChannel } from './telephony/types.js';
import { createKnowledgeBase } from './knowledge/service.js';
import { createNluProvider, nluOptionsFromConfig } from './engines/nlu/provider.js';
import { createNluRoutes } from './engines/nlu/routes.js';
import { createFaqRoutes } from './knowledge/routes.js';
import { createMetrics } from './analytics/metrics.js';
import { createKpiRoutes } from './http/routes/kpis.js';
import { createAudioRoutes } from './engines/tts/routes.js';
import { askCsat, createCampaigns, type CampaignService } from './campaigns/index.js';
import { speechFor } from './sim/cli.js';
import { attachDeskSocket, createAgentRoutes, createDeskRoutes, createHandoffService, createQueueRoutes, queueKpis, registerQueueMetrics } from './handoff/index.js';
import { sharedMelodyReader } from './dialog/melody-reader.js';

export interface RunningService {
  readonly config: Config;
  readonly port: number;
  readonly url: string;
  readonly adminKey: string;
  readonly mediaToken: string;
  readonly server: Server;
  /** The AudioSocket TCP port (telephony.audioSocketPort, resolved when 0), or null when off. */
  readonly audioSocketPort: number | null;
  /** Outbound campaigns: the scheduler and its store (tests and the benchmark drive it). */
  readonly campaigns: CampaignService;
  /** Calls in progress on this instance. */
  activeCalls(): number;
  /**
   * SIGTERM's first step: no new calls (readiness 503 "draining", media refused), live calls run to
   * their end for at most shutdown.drainSeconds, then are ended. `stop()` afterwards.
   */
  drain(): Promise<{ finished: number; cut: number }>;
  /** Resolves once every FAQ answer and fixed prompt is in the answer cache (benchmarks wait for it). */
  warmed(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The composition root: config → database → knowledge base + NLU → engines (+ answer cache) →
 * recorder, metrics, hand-off → HTTP app, media endpoints. Nothing else wires modules together.
 */
export async function startService(config: Config): Promise<RunningService> {
  const logger = pino({ level: config.logLevel, base: { service: 'pasokh' } });
  const secrets = resolveSecrets(config);
  const effective: Config = { ...config, security: { ...config.security, adminKeys: secrets.adminKeys, mediaTokens: secrets.mediaTokens } };
  if (secrets.generatedFile) logger.info({ file: secrets.generatedFile }, 'admin key and media token are in this file (set PASOKH_ADMIN_KEY / PASOKH_MEDIA_TOKEN to choose your own)');

  const metrics = createMetrics();
  // Engines first: a missing model folder refuses the start, naming it, before anything is opened.
  // A model promoted through POST /api/asr/models stays live across restarts (dataDir/asr-live-model.json).
  const promoted = readLiveModel(config.dataDir);
  const engineConfig: Config = promoted ? { ...config, asr: { ...config.asr, modelDir: promoted.dir } } : config;
  const engineDeps = { logger, ttsOutputRate: 8000, onFallback: (e: { engine: string }) => metrics.engineError(e.engine) };
  const engines = await createEngines(engineConfig, engineDeps);
  const asr = new LiveAsr(engines.asr, engineConfig.asr.modelDir);
  // Several instances may share one PostgreSQL: each names itself on its connections and in the queue.
  const instanceId = config.instanceId ?? `${hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 50)}-${process.pid}`;
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.databaseUrl ? undefined : join(config.dataDir, 'db'), instanceId });
  const instances = database.kind === 'postgres' ? new InstanceRegistry(database, { instanceId, ...config.cluster, logger }) : null;
  await instances?.start();
  const kb = await createKnowledgeBase(database, { seed: config.knowledge.seedSample ? undefined : false, onError: (err) => logger.warn({ err: String(err) }, 'knowledge base refresh failed') });
  const nlu = createNluProvider(kb, nluOptionsFromConfig(config));

  // From here on the answer cache owns the TTS engine: closing the cache closes it.
  const tts = await createAnswerCache({ database, inner: engines.tts, outputRate: 8000, memoryBytes: config.tts.cacheMemoryMb * 1024 * 1024, logger });
  tts.attachKnowledgeBase(kb);
  const promptTexts = () => fixedPrompts({ companyName: config.dialog.companyName, botName: config.dialog.botName });
  void tts.warm(Object.values(promptTexts()));

  const recorder = createCallRecorder({ database, dataDir: config.dataDir, maskNumbers: config.privacy.maskNumbers, logger });
  metrics.watchRecorder(() => recorder.stats());
  const vad = await loadVad(config, logger);
  // The melody thread loads in the background now rather than at the first caller's pause.
  if (config.audio.turnEnd === 'smart' && config.audio.turnEndFallSemitones !== null) sharedMelodyReader().warm();
  const handoff = createHandoffService({ database, config: effective, logger, instanceId });
  const unlinkInstances = await linkInstances(database, { instanceId, handoff, knowledge: kb, onError: (err) => logger.warn({ err: String(err) }, 'cluster notification failed') });
  registerQueueMetrics(metrics.registry, handoff);

  let ownUrl = '';
  const campaigns = createCampaigns({ database, settings: config.campaigns, companyName: config.dialog.companyName, defaultQueue: config.handoff.defaultQueue, mediaToken: secrets.mediaTokens[0], localUrl: () => ownUrl, speech: (text) => speechFor(tts, text), logger });

  const recordings = await openRecordings(config, logger);
  const drain = new CallDrain({ drainSeconds: config.shutdown.drainSeconds, logger, registry: metrics.registry });
  const onCall = (channel: CallChannel) => {
    if (!drain.admit(channel)) return;
    const tapped = tapCall(recordings, config, channel, { asr, recorder });
    const session = new CallSession(tapped.channel, {
      config: effective,
      asr: tapped.asr,
      tts,
      nlu,
      kb,
      createVad: vad.create,
      recorder: tapped.recorder,
      handoff,
      metrics,
      logger,
      takeover: campaigns.service.takeover,
      postCall: config.campaigns.postCallCsat ? (io) => askCsat(io).then(() => {}) : undefined,
    });
    const done = session.run().finally(() => tapped.ended());
    drain.track({ channel: tapped.channel, note: (type, data) => session.note(type, data), done });
  };

  const opsConsole = createOpsConsole({
    database,
    adminKeys: () => secrets.adminKeys,
    timezone: config.timezone,
    campaignsEnabled: true,
    authThrottle: config.security.authThrottle,
    onAuditError: (err) => logger.warn({ err: String(err) }, 'audit log write failed'),
  });
  // One failure budget per address for each door (admin API, media, desk): a PBX with a stale
  // token does not use up the budget of an operator behind the same address, and vice versa.
  const throttleSettings = config.security.authThrottle;
  const trustedProxies = () => throttleSettings.trustedProxies;
  // Behind a load balancer each door's budget is shared by the instances on one PostgreSQL.
  const sharedFailures: AuthFailureSharing[] = [];
  const throttle = async (door: string) => {
    const sharing = database.kind === 'postgres' ? shareAuthFailures(database, { door, instanceId, windowSeconds: throttleSettings.windowSeconds, onError: (err) => logger.warn({ err: String(err), door }, 'sharing an authentication failure failed') }) : null;
    const t = new AuthThrottle({ ...throttleSettings, onFailure: sharing?.onFailure });
    if (sharing) {
      await sharing.attach(t);
      sharedFailures.push(sharing);
    }
    return { throttle: t, trustedProxies };
  };

  const app = createApp({
    logger,
    adminKeys: () => secrets.adminKeys,
    apiAuth: opsConsole.apiAuth,
    api: [
      { path: '/calls', app: createCallRoutes({ database, recordings }) },
      {
        path: '/asr',
        app: createAsrRoutes({
          database,
          live: asr,
          recordings,
          loadEngine: (dir) => createAsrEngine({ ...config, asr: { ...config.asr, modelDir: dir } }, engineDeps),
          hotwords: () => nlu.current().vocabulary(),
          dataDir: config.dataDir,
        }),
      },
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
      { path: '/queue', app: createQueueRoutes({ handoff, adminKeys: () => secrets.adminKeys }) },
      { path: '/agents', app: createAgentRoutes({ handoff, adminKeys: () => secrets.adminKeys }) },
      { path: '/campaigns', app: campaigns.routes },
      { path: '/dnc', app: campaigns.dnc },
      { path: '/', app: createAudioRoutes({ cache: tts, knowledgeBase: kb, prompts: promptTexts, logger }) },
      ...opsConsole.api,
    ],
    pages: [{ path: '/desk', app: createDeskRoutes({ handoff, authThrottle: await throttle('desk') }) }, opsConsole.page, { path: '/webhooks/twilio', app: campaigns.webhooks }],
    readiness: [
      { name: 'database', check: () => database.ping() },
      { name: 'asr', check: () => askReadiness(asr) },
      { name: 'tts', check: () => askReadiness(tts) },
      { name: 'nlu', check: () => nlu.readiness() },
      { name: 'vad', check: () => vad.readiness() },
    ],
    authThrottle: await throttle('api'),
    draining: () => drain.readinessDetail(),
    renderMetrics: () => metrics.render(),
  });

  const server = createServer(getRequestListener(app.fetch));
  const media = attachMediaEndpoints(drain.gateUpgrades(server), { config: effective, onCall, logger, metrics: metrics.telephony, authThrottle: await throttle('media') });
  const desk = attachDeskSocket(server, { handoff });
  const audioSocket =
    config.telephony.audioSocketPort !== null
      ? await startAudioSocketServer({
          port: config.telephony.audioSocketPort,
          host: config.host,
          allow: config.security.audioSocketAllow,
          onCall,
          logger,
          metrics: metrics.telephony,
          maxFrameBytes: config.telephony.maxFrameBytes,
          leadFrames: config.telephony.paceLeadFrames ?? undefined,
          mediaGapMs: config.telephony.mediaGapMs,
          keepaliveMs: config.telephony.keepaliveMs,
        })
      : null;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://127.0.0.1:${port}`;
  ownUrl = url;
  if (config.campaigns.scheduler) campaigns.service.start();
  logger.info({ url, audioSocketPort: audioSocket?.port ?? null, database: database.kind }, 'Pasokh is answering');

  return {
    config: effective,
    port,
    url,
    adminKey: secrets.adminKeys[0],
    mediaToken: secrets.mediaTokens[0],
    server,
    campaigns: campaigns.service,
    audioSocketPort: audioSocket?.port ?? null,
    activeCalls: () => drain.liveCalls,
    warmed: () => tts.idle(),
    async drain() {
      // An instance on its way out places no more outbound calls.
      await campaigns.service.stop();
      return drain.drain();
    },
    async stop() {
      await campaigns.service.stop();
      await media.close();
      await desk.close();
      await audioSocket?.close();
      // The sessions just hung up record their end before the recorder closes.
      await drain.settle(3000);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await unlinkInstances();
      for (const sharing of sharedFailures) await sharing.close();
      await handoff.close();
      await recorder.close();
      await recordings.close();
      nlu.close();
      await kb.close();
      await tts.close(); // and the TTS engine it owns: engines.close() would close that a second time
      await asr.close();
      await vad.close();
      await instances?.stop();
      await database.close();
    },
  };
}

/**
 * Silero when it loads; the energy detector otherwise, so a missing model never makes calls deaf.
 * Readiness runs one frame of silence through a fresh detector, as each call's first frame does.
 */
async function loadVad(config: Config, logger: pino.Logger): Promise<{ create: (rate: number) => VoiceActivityDetector; readiness(): Promise<EngineReadiness>; close(): Promise<void> }> {
  let create: (rate: number) => VoiceActivityDetector = (rate) => new EnergyDetector(rate);
  let pooled: PooledSileroModel | null = null;
  let name = 'energy detector';
  if (config.audio.vad === 'silero') {
    try {
      // engines.vadWorker: the model runs in a worker process (src/engines/pool), off the loop that paces audio.
      const model = config.engines.vadWorker ? (pooled = await createPooledVad(config.engines, { logger })) : await SileroModel.load();
      create = (rate) => (rate === 8000 || rate === 16000 ? model.createDetector(rate) : new EnergyDetector(rate));
      name = config.engines.vadWorker ? 'Silero VAD (worker process)' : 'Silero VAD';
    } catch (err) {
      logger.warn({ err: String(err) }, 'Silero VAD unavailable; using the energy detector');
      name = 'energy detector (Silero VAD did not load)';
    }
  }
  return {
    create,
    close: async () => pooled?.close(),
    async readiness() {
      const detector = create(8000);
      const p = await detector.process(new Float32Array(detector.frameSize));
      return Number.isFinite(p) ? { ready: true, detail: `${name} answers` } : { ready: false, detail: `${name} gave ${p} for silence` };
    },
  };
}
