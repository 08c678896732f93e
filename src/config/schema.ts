import { z } from 'zod';
import { campaignsConfigSchema, campaignsDefaults } from '../campaigns/config.js';
import { queueConfigSchema, transferTargetSchema } from '../handoff/config.js';
import { recordingsConfigSchema, recordingsDefaults } from '../store/recordings/config.js';
import { businessHoursSchema, jalaliDateSchema } from '../handoff/hours.js';

const authThrottleDefaults = { maxFailures: 10, windowSeconds: 60, maxAddresses: 10_000, trustedProxies: [] };
const authThrottleSchema = z.object({
  maxFailures: z
    .number()
    .int()
    .min(1)
    .default(10)
    .describe('Wrong admin keys, media tokens or agent PINs from one address within the window; past it they are answered 429 with Retry-After (a right admin key or media token still gets in)'),
  windowSeconds: z.number().int().min(1).default(60).describe("Sliding window (seconds) over which an address's failures are counted"),
  maxAddresses: z.number().int().min(1).default(10_000).describe('Addresses remembered at once (bounded memory; the least recent is forgotten)'),
  trustedProxies: z
    .array(z.string())
    .default([])
    .describe('Reverse proxies whose X-Forwarded-For names the client; empty = the socket address is the client'),
});

/**
 * Every knob Pasokh has, with its default. Values come from (lowest first) these defaults, an
 * optional JSON file (`PASOKH_CONFIG`), then environment variables (see `load.ts`).
 * Each engine/domain owns its section; keep the `describe()` text current: README lists it.
 */
export const configSchema = z.object({
  port: z.number().int().min(0).max(65535).default(8080).describe('HTTP + WebSocket port (env PORT)'),
  host: z.string().default('0.0.0.0').describe('Listen address (env HOST)'),
  dataDir: z.string().default('./data').describe('Embedded database, caches, generated keys (env PASOKH_DATA_DIR)'),
  databaseUrl: z.string().optional().describe('PostgreSQL URL; unset = embedded PGlite in dataDir (env DATABASE_URL)'),
  timezone: z.string().default('Asia/Tehran').describe('Time zone for greetings and calling windows'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level (env PASOKH_LOG_LEVEL)'),
  instanceId: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .optional()
    .describe('Names this instance among those sharing one PostgreSQL (letters, digits, . _ -); unset = host name and process id (env PASOKH_INSTANCE_ID)'),
  cluster: z
    .object({
      heartbeatMs: z.number().int().min(100).default(5000).describe('How often each instance writes its heartbeat and looks for instances that stopped writing theirs'),
      goneAfterMs: z.number().int().min(300).default(20000).describe('An instance silent this long is gone: its unfinished calls are recorded as lost (outcome lost, event «instance gone»)'),
    })
    .prefault({}),
  shutdown: z
    .object({
      drainSeconds: z
        .number()
        .int()
        .min(0)
        .max(3600)
        .default(30)
        .describe('On SIGTERM: /readyz answers 503 draining and new calls are refused at once; live calls run on at most this long, then are ended (event shutdown). Kubernetes terminationGracePeriodSeconds must exceed it. A second signal stops at once'),
    })
    .prefault({}),

  security: z
    .object({
      adminKeys: z.array(z.string().min(16)).default([]).describe('Bearer keys for /api (env PASOKH_ADMIN_KEY, comma-separated)'),
      mediaTokens: z.array(z.string().min(16)).default([]).describe('Tokens accepted on media streams (env PASOKH_MEDIA_TOKEN, comma-separated)'),
      audioSocketAllow: z.array(z.string()).default(['127.0.0.1', '::1', '::ffff:127.0.0.1']).describe('Source addresses allowed on the AudioSocket TCP port'),
      authThrottle: authThrottleSchema.default(authThrottleDefaults).describe('Failed authentication per client address (src/http/auth-throttle.ts)'),
    })
    .prefault({}),

  privacy: z
    .object({
      maskNumbers: z.boolean().default(true).describe('Mask phone, national-ID and card numbers in stored transcripts and logs'),
    })
    .prefault({}),

  recordings: recordingsConfigSchema.default(recordingsDefaults).describe("The caller's audio of each speech turn (and optionally the whole call): retention, size cap (src/store/recordings/)"),

  telephony: z
    .object({
      audioSocketPort: z.number().int().min(0).max(65535).nullable().default(null).describe('TCP port for Asterisk AudioSocket; null = off (env PASOKH_AUDIOSOCKET_PORT)'),
      maxFrameBytes: z.number().int().positive().default(64 * 1024).describe('Largest accepted WebSocket/TCP frame'),
      paceLeadFrames: z
        .number()
        .int()
        .min(0)
        .max(50)
        .nullable()
        .default(null)
        .describe("Bot audio frames sent ahead of real time, in the call's own frame size (20 ms unless the far end asks for another); null = the protocol's own, set in time: 300 ms where the far end queues audio and barge-in empties its queue (Twilio, Asterisk chan_websocket: 15 frames of 20 ms, 5 of 60 ms), 40 ms where it plays frames as they arrive (AudioSocket, raw)"),
      mediaGapMs: z
        .number()
        .int()
        .min(40)
        .max(450)
        .default(120)
        .describe('A pause in caller media longer than this counts as silence on the wall clock (PBXs send no frames while the caller is quiet); shorter ones are network jitter'),
      keepaliveMs: z
        .number()
        .int()
        .min(200)
        .max(60_000)
        .default(4000)
        .describe('WebSocket ping interval; a peer that has not answered the previous ping by the next one is gone (AudioSocket: TCP keep-alive delay)'),
    })
    .prefault({}),

  audio: z
    .object({
      vad: z.enum(['silero', 'energy']).default('silero').describe('Voice activity detector; energy is the fallback when Silero cannot load'),
      vadThreshold: z.number().min(0).max(1).default(0.5).describe('Speech probability above which a 32 ms frame counts as speech'),
      endSilenceMs: z.number().int().min(100).max(3000).default(500).describe('Silence that ends an utterance'),
      minSpeechMs: z.number().int().min(0).default(200).describe('Shorter bursts are ignored (clicks, coughs)'),
      maxUtteranceMs: z.number().int().min(1000).default(15_000).describe('Longer utterances are cut and recognised as they are'),
      noInputTimeoutMs: z.number().int().min(1000).default(7_000).describe('Silence after a prompt before the caller is reprompted'),
      bargeIn: z.boolean().default(true).describe('Caller speech or a key press stops the bot and listens'),
      turnEnd: z.enum(['smart', 'silence']).default('smart').describe('smart = the caller has finished when the words so far make a complete request (confident FAQ match or a final verb, nothing dangling, the reading settled) after turnEndCompleteMs of silence, else after turnEndMaxMs; silence = after endSilenceMs, whatever was said'),
      turnEndCompleteMs: z.number().int().min(64).max(3000).default(200).describe('Silence after a complete request before the bot answers (smart turnEnd)'),
      turnEndLikelyMs: z.number().int().min(64).max(5000).default(850).describe('Silence after a likely complete request (a confident FAQ match, no verb heard) before the bot answers (smart turnEnd)'),
      turnEndLikelyFallMs: z.number().int().min(64).max(5000).nullable().default(400).describe("Silence after a likely complete request said with a sentence's falling end (turnEndFallSemitones) before the bot answers: the recogniser often drops a colloquial copula («… خیلی پایین(ه)») that the voice still ends on (smart turnEnd); null = such requests wait turnEndLikelyMs"),
      turnEndMaxMs: z.number().int().min(200).max(5000).default(1200).describe('Longest silence the bot waits for the rest of an incomplete request (smart turnEnd)'),
      turnEndFallSemitones: z.number().min(0).max(12).nullable().default(2).describe("A complete request is answered after turnEndCompleteMs only when the caller's voice fell at least this many semitones at its end (a sentence's end); otherwise after turnEndLikelyMs (smart turnEnd; fitted with tools/fit-turn-end-melody.ts); null = the melody is not read"),
    })
    .prefault({}),

  asr: z
    .object({
      backend: z
        .enum(['onnx', 'grpc', 'vosk', 'whisper-http'])
        .default('onnx')
        .describe('onnx = in-process model; grpc = remote engine-server; vosk = a Vosk/Kaldi WebSocket server (asr.voskUrl); whisper-http = an OpenAI-style POST /v1/audio/transcriptions server (asr.whisperUrl). Remote backends fall back to the local model (env PASOKH_ASR_BACKEND)'),
      modelDir: z.string().default('models/asr-fa').describe('Model folder with manifest.json (onnx backend)'),
      grpcUrl: z.string().optional().describe('host:port of an engine-server (grpc backend) (env PASOKH_ASR_GRPC_URL)'),
      voskUrl: z.string().optional().describe('ws://host:port of a Vosk server (vosk backend), e.g. ws://10.0.0.7:2700 (env PASOKH_ASR_VOSK_URL)'),
      whisperUrl: z.string().optional().describe('http://host:port of a faster-whisper / whisper.cpp server (whisper-http backend) (env PASOKH_ASR_WHISPER_URL)'),
      whisperModel: z.string().default('whisper-1').describe('model form field sent to the whisper-http server (env PASOKH_ASR_WHISPER_MODEL)'),
      whisperApiKey: z.string().optional().describe('Bearer key for the whisper-http server, if it wants one (env PASOKH_ASR_WHISPER_API_KEY)'),
      language: z.string().default('fa').describe('Language sent to remote recognisers that take one (whisper-http)'),
      timeoutMs: z.number().int().positive().default(3000).describe('Finalisation deadline; past it the utterance counts as an engine error'),
      beamWidth: z.number().int().min(1).default(16).describe('CTC beam width (1 = greedy)'),
      hotwordBoost: z.number().min(0).default(2).describe('Log-score bonus for FAQ / grammar words in the beam search'),
      languageModel: z.boolean().default(true).describe("Fuse the model folder's character language model (manifest.lm) into the beam search"),
    })
    .prefault({}),

  engines: z
    .object({
      workers: z
        .union([z.literal('auto'), z.number().int().min(0).max(64)])
        .default(0)
        .describe('Worker processes for speech recognition (features, acoustic model, beam search with LM fusion), off the event loop that paces audio (src/engines/pool); auto = cores − 1 (at least 1), 0 = on the main thread (the default until the pool is measured faster on a quiet machine: docs/BENCHMARKS.md, issue 17)'),
      vadWorker: z.boolean().default(false).describe('Silero VAD in a worker process of its own (false = on the main thread, the default for now: docs/BENCHMARKS.md, issue 17)'),
      timeoutMs: z.number().int().positive().default(1500).describe('A recognition a worker has not answered within this is done on the main thread (recorded as an engine fallback); keep it below asr.timeoutMs'),
      vadTimeoutMs: z.number().int().positive().default(250).describe('A VAD frame the worker has not answered within this is scored on the main thread'),
    })
    .prefault({}),

  tts: z
    .object({
      backend: z.enum(['espeak', 'onnx', 'grpc']).default('espeak').describe('espeak (eSpeak NG WASM), onnx (Piper/VITS voice), grpc (remote, local fallback) (env PASOKH_TTS_BACKEND)'),
      voice: z.string().default('fa').describe('eSpeak NG voice, or path to a Piper voice .onnx.json (onnx backend)'),
      rate: z.number().int().min(80).max(450).default(165).describe('Words per minute (espeak)'),
      pitch: z.number().int().min(0).max(99).default(50).describe('Voice pitch 0–99 (espeak)'),
      lengthScale: z.number().positive().max(4).optional().describe('Speaking-rate override for Piper voices (>1 slower; onnx backend)'),
      cacheMemoryMb: z.number().int().min(1).default(64).describe('Answer-cache audio held in memory; the database keeps all of it'),
      grpcUrl: z.string().optional().describe('host:port of an engine-server (grpc backend) (env PASOKH_TTS_GRPC_URL)'),
      timeoutMs: z
        .number()
        .int()
        .positive()
        .default(3000)
        .describe('The one deadline for the first audio of an uncached text (and between chunks): past it a remote voice (grpc) gives way to the local one, which has 1 s more before the turn counts as an engine error (replaces dialog.engineTimeoutMs)'),
      lexicon: z.record(z.string(), z.string()).default({}).describe('Brand names and terms → how to say them in Persian'),
    })
    .prefault({}),

  knowledge: z
    .object({
      seedSample: z
        .boolean()
        .default(true)
        .describe('Load the sample ISP FAQ (models/nlu-fa/sample-faq.json) into an empty knowledge base at start; false for a site that uploads its own (env PASOKH_SEED_SAMPLE_FAQ=0)'),
    })
    .prefault({}),

  nlu: z
    .object({
      threshold: z.number().min(0).max(1).optional().describe('Override of the accept threshold chosen on held-out data'),
      maxChoices: z.number().int().min(2).max(4).default(3).describe('Choices offered when clarifying (≤ 4)'),
    })
    .prefault({}),

  dialog: z
    .object({
      botName: z.string().default('پاسخ').describe('How the bot introduces itself'),
      companyName: z.string().default('نت‌آسا').describe('Company named in the greeting'),
      maxReprompts: z.number().int().min(0).default(2).describe('No-match / no-input reprompts before hand-off'),
      lowConfidenceTurns: z.number().int().min(1).default(2).describe('Consecutive low-confidence turns before hand-off'),
      menuFallback: z.boolean().default(true).describe('After menuAfterFailures turns in a row not understood, offer a keypad menu built from the FAQ (its menu column or tags)'),
      menuAfterFailures: z.number().int().min(1).default(2).describe('Turns in a row not understood before the keypad menu is offered'),
      confirmFloor: z.number().min(0).max(1).nullable().default(0.3).describe('A best guess between this confidence and the accept threshold is confirmed with a yes/no question; null = never confirm'),
      asrConfidenceFloor: z
        .number()
        .min(0)
        .max(1)
        .nullable()
        .default(0.75)
        .describe("Recogniser confidence below which a reading is not trusted: an FAQ accepted from it is confirmed first, nothing accepted is a failure toward the keypad menu (reason 'unclear'); null = ignore. 0.75 fits the bundled model (docs/BENCHMARKS.md)"),
    })
    .prefault({}),

  campaigns: campaignsConfigSchema.default(campaignsDefaults).describe('Outbound campaigns: scheduler and post-call CSAT (src/campaigns/config.ts)'),

  handoff: z
    .object({
      defaultQueue: z.string().default('general').describe('Queue for hand-offs whose FAQ names none'),
      serviceLevelSeconds: z.number().int().positive().default(20).describe('Service level = share of queued calls answered within this many seconds'),
      waitUpdateSeconds: z.number().int().positive().default(30).describe('How often a waiting caller hears their position and wait'),
      offerTimeoutSeconds: z.number().positive().default(20).describe('Ring time on an agent desk before the call goes back to the queue'),
      routeIntervalMs: z.number().int().positive().default(500).describe('How often each instance routes waiting calls'),
      defaultHandleSeconds: z.number().int().positive().default(180).describe('Handle time assumed for wait estimates until calls have been answered'),
      callbackOffer: z.boolean().default(true).describe('Offer waiting callers a call-back (key 1 or «بله»)'),
      holdMessages: z.array(z.string().min(1)).default([]).describe('Short texts played between wait updates; empty = built-in'),
      queues: z.record(z.string(), queueConfigSchema).default({}).describe('Named queues: priority, skill, transfer target'),
      transfer: transferTargetSchema.default({ kind: 'desk' }).describe('Default transfer target (desk, twilio REST, ami redirect on an Asterisk PBX, pbx HTTP)'),
      hours: businessHoursSchema.nullable().default(null).describe('Business hours of the queues in timezone: {days: ["sat",…], open: "08:00", close: "17:00", byDay: {thu: {open, close}}}; null = always open. Outside them a caller asking for a human is told so and offered a call-back or a message'),
      holidays: z.array(jalaliDateSchema).default([]).describe('Jalali holidays when queues are closed: "1405-01-13", or "01-01" for every year'),
      maxWaitSeconds: z.number().int().positive().nullable().default(null).describe('Past this wait the caller is told so and offered a call-back or a message (once); null = no limit'),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
