import type { Hono, MiddlewareHandler } from 'hono';
import { AuthThrottle, type AuthThrottleOptions } from '../http/auth-throttle.js';
import type { Database } from '../store/db.js';
import { createAuditRoutes, createConsoleDataRoutes, createUserRoutes } from './api.js';
import { AuditLog } from './audit.js';
import { apiAuth } from './guard.js';
import { createConsoleRoutes } from './routes.js';
import { DEFAULT_SESSION_POLICY, UserStore, type SessionPolicy } from './users.js';

export { AuditLog } from './audit.js';
export { apiAuth, roleAllows, isChange, SESSION_COOKIE, CSRF_HEADER } from './guard.js';
export { UserStore, hashPassword, passwordMatches, type Role, type ConsoleUser } from './users.js';

export interface ConsoleOptions {
  database: Database;
  adminKeys: () => readonly string[];
  timezone: string;
  session?: Partial<SessionPolicy>;
  campaignsEnabled?: boolean;
  /** Wrong passwords per client address (config.security.authThrottle); over the limit, sign-ins are refused unchecked. */
  authThrottle?: AuthThrottleOptions & { trustedProxies: readonly string[] };
  now?: () => Date;
  onAuditError?: (err: unknown) => void;
}

export interface OpsConsole {
  users: UserStore;
  audit: AuditLog;
  /** The /api guard: admin key or a console session with its role; audits every change. */
  apiAuth: MiddlewareHandler;
  /** Sub-apps to mount under /api. */
  api: { path: string; app: Hono }[];
  /** The page app to mount at /console. */
  page: { path: string; app: Hono };
}

/** The ops console: users, sessions, the /api guard, the audit log and the pages at /console. */
export function createOpsConsole(options: ConsoleOptions): OpsConsole {
  const users = new UserStore(options.database, { ...DEFAULT_SESSION_POLICY, ...options.session }, options.now);
  const audit = new AuditLog(options.database);
  const throttle = options.authThrottle
    ? { throttle: new AuthThrottle(options.authThrottle), trustedProxies: () => options.authThrottle!.trustedProxies }
    : undefined;
  return {
    users,
    audit,
    apiAuth: apiAuth({ adminKeys: options.adminKeys, users, audit, onAuditError: options.onAuditError }),
    api: [
      { path: '/users', app: createUserRoutes({ users }) },
      { path: '/audit', app: createAuditRoutes({ audit }) },
      { path: '/console', app: createConsoleDataRoutes({ database: options.database, timezone: options.timezone, now: options.now }) },
    ],
    page: {
      path: '/console',
      app: createConsoleRoutes({ users, audit, timezone: options.timezone, campaignsEnabled: options.campaignsEnabled, authThrottle: throttle }),
    },
  };
}
