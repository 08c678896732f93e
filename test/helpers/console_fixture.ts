import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Database } from '../../src/store/db.js';
import { launchChromium } from './console_browser.js';
import { freshPglite, type TestDatabase } from './databases.js';
import { startConsoleServer } from './console_server.js';

export type ConsoleServer = Awaited<ReturnType<typeof startConsoleServer>>;

/** Where the console tests leave their screenshots. */
export const CONSOLE_SHOTS = join(process.cwd(), 'test-output', 'console');

export interface ConsoleInBrowserOptions {
  /** Rows the test needs before the browser opens (calls, events, queue entries…). */
  seed?: (database: Database, http: ConsoleServer) => Promise<void>;
  /** Console users to create, each with the password `<username>-secret-1`. */
  users?: ReadonlyArray<readonly [username: string, role: 'ops' | 'viewer' | 'admin']>;
}

/**
 * The set-up every console-in-Chromium test file shares: a fresh PGlite, the console's HTTP surface
 * on it, the file's seed rows and users, then Chromium; all closed after the file's tests. The
 * getters are for use inside tests and hooks (they are empty until the file's beforeAll has run).
 */
export function consoleInBrowser(options: ConsoleInBrowserOptions = {}) {
  let db: TestDatabase | undefined;
  let http: ConsoleServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    mkdirSync(CONSOLE_SHOTS, { recursive: true });
    db = await freshPglite();
    http = await startConsoleServer(db.database);
    await options.seed?.(db.database, http);
    for (const [username, role] of options.users ?? []) {
      const res = await http.admin('/api/users', { method: 'POST', body: JSON.stringify({ username, password: `${username}-secret-1`, role }) });
      expect(res.status, `creating console user ${username}`).toBe(201);
    }
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await db?.drop();
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the console fixture's ${what} is used before its beforeAll ran`);
    return value;
  };
  return {
    get db() {
      return ready(db, 'database');
    },
    get http() {
      return ready(http, 'server');
    },
    get browser() {
      return ready(browser, 'browser');
    },
  };
}
