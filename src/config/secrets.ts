import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Config } from './schema.js';

const stored = z.object({ adminKey: z.string().min(16), mediaToken: z.string().min(16) });

export interface Secrets {
  adminKeys: string[];
  mediaTokens: string[];
  /** Where generated secrets live, when any were generated. */
  generatedFile: string | null;
}

/**
 * Configured keys win. With none configured, keys are generated once into the data dir (0600) so
 * a fresh install is never open, and the operator is told where to find them.
 */
export function resolveSecrets(config: Config): Secrets {
  if (config.security.adminKeys.length && config.security.mediaTokens.length) {
    return { adminKeys: config.security.adminKeys, mediaTokens: config.security.mediaTokens, generatedFile: null };
  }
  const file = join(config.dataDir, 'secrets.json');
  let secrets: z.infer<typeof stored>;
  if (existsSync(file)) {
    secrets = stored.parse(JSON.parse(readFileSync(file, 'utf8')));
  } else {
    mkdirSync(config.dataDir, { recursive: true });
    secrets = { adminKey: randomBytes(24).toString('base64url'), mediaToken: randomBytes(24).toString('base64url') };
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return {
    adminKeys: config.security.adminKeys.length ? config.security.adminKeys : [secrets.adminKey],
    mediaTokens: config.security.mediaTokens.length ? config.security.mediaTokens : [secrets.mediaToken],
    generatedFile: file,
  };
}
