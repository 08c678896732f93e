/**
 * Stand-alone entry of the engine server (`tsx src/engines/grpc/main.ts --port 0`), used by the
 * tests to run it as a real separate process; `npm run engine-server` goes through src/cli.ts.
 */
import { runEngineServer } from './cli.js';

runEngineServer(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
