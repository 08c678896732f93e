#!/usr/bin/env node
/**
 * The `pasokh` command (package.json `bin`, and what `npm start` runs).
 *
 * Pasokh ships its TypeScript sources and runs them through tsx's loader, which is therefore a
 * runtime dependency (README, "Production install"): the service reads files beside its sources
 * (grammars, migrations, the eSpeak worker, the desk page, the gRPC proto, the sample FAQ), so
 * running the sources themselves needs no build step and no second copy that can go stale, and a
 * `npm ci --omit=dev` install (no TypeScript compiler) runs exactly what the tests ran.
 *
 * The loader is registered in this process (no child process as the `tsx` command spawns), so
 * signals reach the service directly. It reads Pasokh's own tsconfig.json, not the one of whatever
 * folder the command is started from.
 */
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli.ts');
