import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What `npm ci --omit=dev` leaves, without the network: the files package.json ships ("files"),
// and a node_modules holding only the production closure of package-lock.json (each package a
// link to the full install, its bin commands linked as npm links them). Our sources resolve their
// imports from that node_modules, so a runtime import of a devDependency (tsx, typescript,
// vitest…) fails here as it would on a production host. The environment is emptied too: no PATH
// entry of the full install (npm test puts node_modules/.bin there), no NODE_OPTIONS.
const REPO = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; optional?: boolean; bin?: Record<string, string> }>;
};

let root: string;
let install: string;
let elsewhere: string;

function prodInstall(into: string): void {
  for (const entry of pkg.files) cpSync(join(REPO, entry), join(into, entry), { recursive: true });
  cpSync(join(REPO, 'package.json'), join(into, 'package.json'));
  const modules = join(into, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  for (const [key, meta] of Object.entries(lock.packages)) {
    // Top-level packages only: nested ones travel inside their parent's folder.
    if (!key.startsWith('node_modules/') || key.slice(13).includes('node_modules/') || meta.dev) continue;
    const source = join(REPO, key);
    if (!existsSync(source)) {
      if (meta.optional) continue; // another platform's binary
      throw new Error(`${key} is a production dependency but is not installed`);
    }
    mkdirSync(dirname(join(into, key)), { recursive: true });
    symlinkSync(source, join(into, key), 'dir');
    for (const [name, target] of Object.entries(meta.bin ?? {})) symlinkSync(join(source, target), join(modules, '.bin', name));
  }
}

/** The environment of a production host: this install's commands and node, nothing of the full install. */
function prodEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: [join(install, 'node_modules', '.bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    HOME: root,
    TMPDIR: root,
    ...extra,
  };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pasokh-prod-'));
  install = join(root, 'pasokh');
  elsewhere = join(root, 'elsewhere');
  mkdirSync(install);
  mkdirSync(elsewhere);
  prodInstall(install);
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a production install (npm ci --omit=dev)', () => {
  it('keeps every runner and compiler the service needs out of devDependencies', () => {
    expect(existsSync(join(install, 'node_modules', 'tsx'))).toBe(true);
    for (const dev of ['typescript', 'vitest', 'msw']) expect(existsSync(join(install, 'node_modules', dev)), dev).toBe(false);
  });

  it('has the bin entry, and it answers --help from another folder', () => {
    const bin = join(install, pkg.bin.pasokh);
    expect(existsSync(bin)).toBe(true);
    const run = spawnSync(process.execPath, [bin, '--help'], { cwd: elsewhere, env: prodEnv({}), encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/pasokh <command>/);
    for (const command of ['serve', 'call', 'faq', 'engine-server']) expect(run.stdout).toContain(command);
  });

  it('refuses to start without its recogniser, naming the missing model folder', () => {
    const run = spawnSync(process.execPath, [join(install, pkg.bin.pasokh), 'serve'], {
      cwd: elsewhere,
      env: prodEnv({ PORT: '0', HOST: '127.0.0.1', PASOKH_DATA_DIR: join(root, 'data-missing'), PASOKH_ASR_MODEL: 'models/asr-gone' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`ASR model folder ${join(elsewhere, 'models/asr-gone')} does not exist`);
  });

  it('starts with `npm start`\'s command and answers /healthz and /readyz', async () => {
    expect(pkg.scripts.start).not.toMatch(/\btsx\b/);
    // As npm runs it (sh -c), with exec so that the signal and the exit status are the service's own.
    const child = spawn('/bin/sh', ['-c', `exec ${pkg.scripts.start}`], {
      cwd: install,
      detached: true, // its own process group, ended below whatever happens
      env: prodEnv({ PORT: '0', HOST: '127.0.0.1', PASOKH_DATA_DIR: join(root, 'data'), PASOKH_LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      const url = await new Promise<string>((done, fail) => {
        const timer = setInterval(() => {
          const line = output.split('\n').find((l) => l.includes('Pasokh is answering'));
          if (line) {
            clearInterval(timer);
            done(JSON.parse(line).url);
          }
        }, 100);
        void exited.then((code) => {
          clearInterval(timer);
          fail(new Error(`the service exited (${code}) before answering:\n${output}`));
        });
      });
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${url}/readyz`);
      const body = (await ready.json()) as { status: string; checks: Record<string, boolean> };
      expect(ready.status, JSON.stringify(body)).toBe(200);
      expect(body.status).toBe('ready');
      expect(Object.keys(body.checks)).toEqual(expect.arrayContaining(['database', 'asr', 'tts', 'nlu', 'vad']));
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    }
    expect(await exited, output).toBe(0); // SIGTERM is a clean stop
  }, 120_000);
});
