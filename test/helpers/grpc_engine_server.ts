import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface EngineServerProcess {
  port: number;
  url: string;
  child: ChildProcess;
  /** Every JSON log line the server printed so far. */
  logs: Array<Record<string, unknown>>;
  /** Resolves with the first log line (already printed or future) that matches. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGKILL: the process dies without closing anything, like a crashed machine's process. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `src/engines/grpc/main.ts` as a real separate process (the same code `npm run
 * engine-server` runs) on a free port and waits until it says it is listening.
 */
export async function spawnEngineServer(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<EngineServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/engines/grpc/main.ts', '--port', '0', '--host', '127.0.0.1', ...args], {
    cwd: ROOT,
    env: { ...process.env, PASOKH_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const waiters = new Set<{ match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }>();
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    logs.push(line);
    for (const w of waiters) {
      if (w.match(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLog = (match: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000) => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const waiter = { match, resolve: (l: Record<string, unknown>) => (clearTimeout(timer), resolve(l)) };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`engine server log line not seen within ${timeoutMs} ms; stderr:\n${stderr}`));
      }, timeoutMs);
      waiters.add(waiter);
      exited.then((code) => {
        if (!waiters.has(waiter)) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`engine server exited (${code}) before the expected log line; stderr:\n${stderr}`));
      });
    });
  };

  const ready = await waitForLog((l) => l.msg === 'engine server listening', 90_000);
  const port = Number(ready.port);
  return {
    port,
    url: `127.0.0.1:${port}`,
    child,
    logs,
    waitForLog,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
