import { readFileSync } from 'node:fs';
import { migrateDeprecatedKeys, warnOnce } from './deprecated.js';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const list = (v: string | undefined) =>
  v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
const int = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
const bool = (v: string | undefined) => (v === undefined || v === '' ? undefined : !/^(0|false|no|off)$/i.test(v.trim()));

/**
 * Defaults ← JSON file (`PASOKH_CONFIG`) ← environment ← `overrides` (tests, CLI flags). A
 * deprecated key is read as its replacement and `warn`ed about (default: a Node deprecation
 * warning on stderr, once per process).
 */
export function loadConfig(env: Env = process.env, overrides: Record<string, unknown> = {}, options: { warn?: (message: string) => void } = {}): Config {
  let file: Record<string, unknown> = {};
  if (env.PASOKH_CONFIG) {
    try {
      file = JSON.parse(readFileSync(env.PASOKH_CONFIG, 'utf8'));
    } catch (err) {
      throw new ConfigError(`Cannot read config file ${env.PASOKH_CONFIG}: ${(err as Error).message}`);
    }
  }
  const fromEnv: Record<string, any> = {
    port: int(env.PORT),
    host: env.HOST,
    dataDir: env.PASOKH_DATA_DIR,
    databaseUrl: env.DATABASE_URL || undefined,
    logLevel: env.PASOKH_LOG_LEVEL,
    instanceId: env.PASOKH_INSTANCE_ID || undefined,
    security: { adminKeys: list(env.PASOKH_ADMIN_KEY), mediaTokens: list(env.PASOKH_MEDIA_TOKEN) },
    telephony: { audioSocketPort: int(env.PASOKH_AUDIOSOCKET_PORT) },
    asr: {
      backend: env.PASOKH_ASR_BACKEND,
      modelDir: env.PASOKH_ASR_MODEL,
      grpcUrl: env.PASOKH_ASR_GRPC_URL,
      // A site's own recogniser is set where the rest of the deployment is: in the environment.
      voskUrl: env.PASOKH_ASR_VOSK_URL || undefined,
      whisperUrl: env.PASOKH_ASR_WHISPER_URL || undefined,
      whisperModel: env.PASOKH_ASR_WHISPER_MODEL || undefined,
      whisperApiKey: env.PASOKH_ASR_WHISPER_API_KEY || undefined,
    },
    tts: { backend: env.PASOKH_TTS_BACKEND, voice: env.PASOKH_TTS_VOICE, grpcUrl: env.PASOKH_TTS_GRPC_URL },
    knowledge: { seedSample: bool(env.PASOKH_SEED_SAMPLE_FAQ) },
  };
  const merged = migrateDeprecatedKeys(deepMerge(deepMerge(file, fromEnv), overrides), options.warn ?? warnOnce);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

function deepMerge(base: Record<string, any>, over: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const merged = deepMerge(out[k] ?? {}, v);
      if (Object.keys(merged).length > 0) out[k] = merged;
    } else out[k] = v;
  }
  return out;
}
