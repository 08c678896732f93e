// Worker-thread entry of bench:calls' callers. A worker does not inherit the parent's `--import tsx`
// hooks, so it registers them before loading the TypeScript.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runCallers } = await import('./bench-callers.ts');
parentPort.postMessage(await runCallers(workerData));
