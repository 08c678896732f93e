/**
 * Entry of the melody thread (melody-reader.ts): registers tsx's loader in this thread, as the
 * engine workers do (src/engines/pool/worker-entry.mjs), then serves readings.
 */
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
await import('./melody-thread.ts');
