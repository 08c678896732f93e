/**
 * Entry of an engine worker process (src/engines/pool/pool.ts). Pasokh runs its TypeScript sources
 * through tsx's loader (README, "Production install"), registered in-process by bin/pasokh.js, so
 * a forked worker registers its own before loading the worker's code.
 */
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
await import('./worker.ts');
