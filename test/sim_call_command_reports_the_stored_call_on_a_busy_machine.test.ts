import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { startService, type RunningService } from '../src/service.js';

/**
 * `npm run call` used to print `"turns":0,"stored":false` when the machine was busy, for a call the
 * service had in fact stored with its answered turn: it gave up reading the record after 8 s. Here
 * the command runs as its own process beside processes that keep every core busy.
 */
const ADMIN = 'busy-admin-key-0123456789';
const TOKEN = 'busy-media-token-0123456789';
let service: RunningService;
const hogs: ChildProcess[] = [];

beforeAll(async () => {
  service = await startService(
    loadConfig({}, {
      port: 0,
      host: '127.0.0.1',
      dataDir: mkdtempSync(join(tmpdir(), 'pasokh-busy-')),
      logLevel: 'silent',
      security: { adminKeys: [ADMIN], mediaTokens: [TOKEN] },
    }),
  );
}, 180_000);

afterAll(async () => {
  for (const hog of hogs) hog.kill('SIGKILL');
  await service?.stop();
});

function runCallCommand(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/pasokh.js', 'call', ...args], {
      env: { ...process.env, PASOKH_DATA_DIR: mkdtempSync(join(tmpdir(), 'pasokh-busy-cli-')), PASOKH_LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run call on a busy machine', () => {
  it('reports the call as the service stored it, with its answered turn', async () => {
    // One spinning process per core for as long as the call lasts (bounded: they stop by themselves).
    // The caller waits up to 90 s for each answer: with every core taken (and, in CI, other test
    // files beside this one) an answer took over the default 15 s and the caller hung up first.
    for (let i = 0; i < 2; i++) hogs.push(spawn(process.execPath, ['-e', 'const end = Date.now() + 150000; while (Date.now() < end) {}'], { stdio: 'ignore' }));
    const { code, stdout, stderr } = await runCallCommand(['--url', service.url, '--token', TOKEN, '--admin-key', ADMIN, '--wav', 'fixtures/audio/outage.wav', '--answer-timeout', '90']);
    for (const hog of hogs) hog.kill('SIGKILL');
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = lines[lines.length - 1];
    expect(summary, stderr).toMatchObject({ stored: true, storedAsEnded: true });
    expect(summary.turns, stdout).toBeGreaterThanOrEqual(1);
    expect(lines.slice(0, -1).some((t) => t.intent === 'internet_outage' && t.action === 'answer'), stdout).toBe(true);
    expect(code).toBe(0);
  }, 180_000);
});
