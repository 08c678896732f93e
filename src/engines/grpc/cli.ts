import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../config/load.js';
import { createLocalAsr, createLocalTts } from '../factory.js';
import type { AsrEngine } from '../asr/types.js';
import type { TtsEngine } from '../tts/types.js';
import { startEngineServer } from './server.js';

const usage = `Usage: npm run engine-server -- [options]
  --port N            listen port (default 50051; 0 = any free port, printed in the log)
  --host ADDR         listen address (default 0.0.0.0)
  --engines LIST      asr,tts (default) | asr | tts
  --asr-model DIR     ASR model folder (default: config asr.modelDir)
  --tts-voice VOICE   eSpeak voice or Piper .onnx.json (default: config tts.voice)
  --tts-rate HZ       resample synthesised audio to this rate (e.g. 8000); default: the voice's own
  --max-streams N     refuse (RESOURCE_EXHAUSTED) more than N streams at once; clients then use
                      their local engines (default 0 = no limit)
Serves the local engines of the configuration (PASOKH_CONFIG, env) until SIGINT/SIGTERM.
The log (JSON lines on stdout) says "engine server listening" with the port once it is ready.`;

const argsSchema = z.object({
  port: z.coerce.number().int('--port must be an integer').min(0).max(65535, '--port must be 0–65535').default(50051),
  host: z.string().min(1).default('0.0.0.0'),
  engines: z
    .string()
    .default('asr,tts')
    .transform((s) => s.split(',').map((e) => e.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['asr', 'tts'], { error: '--engines takes asr, tts or asr,tts' })).min(1, '--engines is empty')),
  'asr-model': z.string().min(1).optional(),
  'tts-voice': z.string().min(1).optional(),
  'tts-rate': z.coerce.number().int('--tts-rate must be an integer').min(8000, '--tts-rate must be 8000–48000').max(48000, '--tts-rate must be 8000–48000').optional(),
  'max-streams': z.coerce.number().int('--max-streams must be an integer').min(0, '--max-streams must be ≥ 0').default(0),
  help: z.boolean().optional(),
});

/** `npm run engine-server`: the inference tier. Resolves with the exit code once stopped. */
export async function runEngineServer(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let raw;
  try {
    raw = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        engines: { type: 'string' },
        'asr-model': { type: 'string' },
        'tts-voice': { type: 'string' },
        'tts-rate': { type: 'string' },
        'max-streams': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  const parsed = argsSchema.safeParse(raw);
  if (!parsed.success) {
    console.error(`${parsed.error.issues.map((i) => i.message).join('\n')}\n${usage}`);
    return 2;
  }
  const args = parsed.data;
  if (args.help) {
    console.log(usage);
    return 0;
  }

  let config;
  try {
    config = loadConfig(env, {
      asr: { modelDir: args['asr-model'] },
      tts: { voice: args['tts-voice'] },
    });
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    return 1;
  }
  const logger = pino({ level: config.logLevel, base: { component: 'engine-server' } });

  let asr: AsrEngine | undefined;
  let tts: TtsEngine | undefined;
  try {
    [asr, tts] = await Promise.all([
      args.engines.includes('asr') ? createLocalAsr(config) : undefined,
      args.engines.includes('tts') ? createLocalTts(config, { outputRate: args['tts-rate'] }) : undefined,
    ]);
  } catch (err) {
    logger.error({ err }, 'engine server could not load its engines');
    await Promise.allSettled([asr?.close(), tts?.close()]);
    return 1;
  }

  let server;
  try {
    server = await startEngineServer({ port: args.port, host: args.host, asr, tts, logger, maxStreams: args['max-streams'] });
  } catch (err) {
    logger.error({ err, port: args.port, host: args.host }, 'engine server could not listen');
    await Promise.allSettled([asr?.close(), tts?.close()]);
    return 1;
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info({ signal }, 'engine server stopping');
  await server.close();
  await Promise.allSettled([asr?.close(), tts?.close()]);
  logger.info({}, 'engine server stopped');
  return 0;
}
