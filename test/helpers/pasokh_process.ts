import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

/** Fixed credentials for every instance of a test cluster (≥ 16 characters, as the config demands). */
export const CLUSTER_ADMIN_KEY = 'cluster-admin-key-0123456789';
export const CLUSTER_MEDIA_TOKEN = 'cluster-media-token-0123456789';

export interface PasokhProcess {
  readonly instanceId: string;
  readonly proc: ChildProcess;
  /** http://127.0.0.1:port, once it answers. */
  readonly url: string;
  /** stdout and stderr so far (pino JSON lines). */
  output(): string;
  /** `fetch` against the instance with the admin key. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  /** SIGKILL (a crash: nothing is cleaned up) or SIGTERM; resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * `bin/pasokh.js serve` as a separate process on a free port, on the given PostgreSQL, with its
 * own data folder: one instance of a multi-instance site, as an operator would run it.
 */
export async function startPasokh(options: { databaseUrl: string; instanceId: string; config?: Record<string, unknown>; timeoutMs?: number }): Promise<PasokhProcess> {
  const dir = mkdtempSync(join(tmpdir(), `pasokh-${options.instanceId}-`));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(options.config ?? {}));
  const proc = spawn(process.execPath, [join(REPO, 'bin/pasokh.js'), 'serve'], {
    cwd: REPO,
    detached: true,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: options.databaseUrl,
      PASOKH_INSTANCE_ID: options.instanceId,
      PASOKH_DATA_DIR: join(dir, 'data'),
      PASOKH_CONFIG: configFile,
      PASOKH_ADMIN_KEY: CLUSTER_ADMIN_KEY,
      PASOKH_MEDIA_TOKEN: CLUSTER_MEDIA_TOKEN,
      PASOKH_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((done) => proc.once('exit', () => done()));
  void exited.then(() => rmSync(dir, { recursive: true, force: true }));
  const url = await new Promise<string>((done, fail) => {
    const timer = setInterval(() => {
      const line = output.split('\n').find((l) => l.includes('Pasokh is answering'));
      if (line) {
        clearInterval(timer);
        clearTimeout(giveUp);
        done(JSON.parse(line).url);
      }
    }, 50);
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      proc.kill('SIGKILL');
      fail(new Error(`${options.instanceId} did not start:\n${output}`));
    }, options.timeoutMs ?? 120_000);
    void exited.then(() => {
      clearInterval(timer);
      clearTimeout(giveUp);
      fail(new Error(`${options.instanceId} exited before answering:\n${output}`));
    });
  });
  return {
    instanceId: options.instanceId,
    proc,
    url,
    output: () => output,
    admin: (path, init) =>
      fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${CLUSTER_ADMIN_KEY}`, 'content-type': 'application/json', ...(init?.headers ?? {}) } }),
    async kill(signal = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) {
        try {
          process.kill(-proc.pid!, signal); // its process group: tsx's loader runs in the same process, but be thorough
        } catch {
          proc.kill(signal);
        }
      }
      await exited;
    },
  };
}

/** Polls `check` every `everyMs` until it returns something other than undefined/false. */
export async function eventually<T>(check: () => Promise<T | undefined | false | null>, what: string, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false && value !== null) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
