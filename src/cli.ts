#!/usr/bin/env node
/**
 * pasokh serve | call | faq | engine-server
 * (benchmarks and evaluations are `npm run bench:* / eval:*`, scripts under tools/)
 */
import { loadConfig, ConfigError } from './config/load.js';

const usage = `Usage: pasokh <command> [options]
  serve            run the service (HTTP, WebSocket media, admin API) on the embedded defaults
  call             simulated caller over the real WebSocket: --text "…" | --wav f.wav | --dtmf 0
  faq import FILE  import FAQs (JSON or CSV) into the knowledge base
  engine-server    serve the ASR and TTS engines over gRPC (--port 50051)
Benchmarks and evaluations: npm run bench:calls | bench:tts | eval:nlu | eval:asr`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { startService } = await import('./service.js');
      const service = await startService(loadConfig());
      let stopping: Promise<void> | null = null;
      const stop = () =>
        (stopping ??= service.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            console.error(err);
            process.exit(1);
          },
        ));
      // First signal: drain (no new calls, live ones finish within shutdown.drainSeconds), then stop.
      // A second one (an impatient operator, or the orchestrator's grace period ending) stops now.
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        if (++signals > 1) {
          console.error(`${signal} again: stopping now; calls still live are ended`);
          void stop();
          return;
        }
        void service.drain().then(stop, stop);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      return new Promise<number>(() => {});
    }
    case 'call': {
      const [{ runCallCommand }, { createTtsEngine }] = await Promise.all([import('./sim/cli.js'), import('./engines/factory.js')]);
      return runCallCommand(rest, () => createTtsEngine(loadConfig()));
    }
    case 'faq': {
      const { runFaqCommand } = await import('./knowledge/cli.js');
      return runFaqCommand(rest);
    }
    case 'engine-server': {
      const { runEngineServer } = await import('./engines/grpc/cli.js');
      return runEngineServer(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return command ? 0 : 2;
    default:
      console.error(`Unknown command: ${command}\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    // Configuration mistakes (a bad knob, a missing model folder) are said in one line, not a stack.
    console.error(err instanceof ConfigError || (err as Error)?.name === 'AsrModelError' ? (err as Error).message : err);
    process.exit(1);
  },
);
