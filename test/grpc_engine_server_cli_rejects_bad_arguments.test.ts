import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs the engine-server entry as its own process and returns how it ended. */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/engines/grpc/main.ts', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

describe('npm run engine-server refuses bad arguments with a clear message', () => {
  it('a port out of range', async () => {
    const r = await run(['--port', '70000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port must be 0–65535/);
    expect(r.stderr).toMatch(/Usage: npm run engine-server/);
  });

  it('an unknown engine name', async () => {
    const r = await run(['--engines', 'asr,nlu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--engines takes asr, tts or asr,tts/);
  });

  it('an unknown option', async () => {
    const r = await run(['--prot', '50051']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--prot/);
  });

  it('a model folder that does not exist: exit 1 and the reason in the log', async () => {
    const r = await run(['--port', '0', '--engines', 'asr', '--asr-model', 'fixtures/no-such-model']);
    expect(r.code).toBe(1);
    const line = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'engine server could not load its engines');
    expect(line).toBeDefined();
    expect(JSON.stringify(line.err)).toMatch(/no-such-model/);
  });
});
