import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder Pasokh is installed in (the one holding package.json, src/, models/). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A path from the configuration that may name a file shipped with Pasokh (the default
 * `models/asr-fa`). Relative paths mean the working directory first, as operators expect; when
 * nothing is there, the same path inside the installation, so `pasokh serve` started from any
 * folder (a service unit, `npx pasokh`, an installed package) still finds the bundled model.
 */
export function resolveShipped(path: string, cwd: string = process.cwd()): string {
  if (isAbsolute(path)) return path;
  const fromCwd = resolve(cwd, path);
  if (existsSync(fromCwd)) return fromCwd;
  const shipped = resolve(PACKAGE_ROOT, path);
  return existsSync(shipped) ? shipped : fromCwd;
}
