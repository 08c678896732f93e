import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { asc, eq, lt, or } from 'drizzle-orm';
import type { Database } from '../store/db.js';
import { consoleSessions, consoleUsers } from '../store/schema/console.js';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;

export type Role = 'admin' | 'ops' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'ops', 'viewer'];

export interface ConsoleUser {
  username: string;
  role: Role;
  createdAt: string;
  createdBy: string | null;
}

export interface ConsoleSession {
  username: string;
  role: Role;
  csrfToken: string;
  expiresAt: Date;
}

export interface SessionPolicy {
  /** A session ends this long after sign-in, however busy. Default 12 h. */
  absoluteMs: number;
  /** …and this long after its last request. Default 2 h. */
  idleMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { absoluteMs: 12 * 3600_000, idleMs: 2 * 3600_000 };

/** Same scrypt style as agent PINs: `salt$hash` in hex. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32);
  return `${salt.toString('hex')}$${hash.toString('hex')}`;
}

export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [saltHex, hashHex] = stored.split('$');
  if (!saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  const actual = await scrypt(password, Buffer.from(saltHex, 'hex'), expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

// Compared against when the user does not exist, so a wrong name costs as long as a wrong password.
const DUMMY_HASH = `${'00'.repeat(16)}$${'00'.repeat(32)}`;

type UserRow = typeof consoleUsers.$inferSelect;

const userFromRow = (r: UserRow): ConsoleUser => ({
  username: r.username,
  role: r.role,
  createdAt: r.createdAt.toISOString(),
  createdBy: r.createdBy ?? null,
});

/** Console users (scrypt-hashed passwords) and their sessions (only a hash of the cookie token is stored). */
export class UserStore {
  constructor(
    private readonly database: Database,
    readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get db() {
    return this.database.db;
  }

  private async row(username: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(consoleUsers).where(eq(consoleUsers.username, username));
    return row;
  }

  /** Creates the user, or replaces the password and role of an existing one (their sessions end). */
  async upsert(input: { username: string; password: string; role: Role }, createdBy: string | null): Promise<{ user: ConsoleUser; created: boolean }> {
    const existed = (await this.row(input.username)) !== undefined;
    const passwordHash = await hashPassword(input.password);
    const [row] = await this.db
      .insert(consoleUsers)
      .values({ username: input.username, passwordHash, role: input.role, createdBy })
      .onConflictDoUpdate({ target: consoleUsers.username, set: { passwordHash, role: input.role } })
      .returning();
    if (existed) await this.db.delete(consoleSessions).where(eq(consoleSessions.username, input.username));
    return { user: userFromRow(row), created: !existed };
  }

  async list(): Promise<ConsoleUser[]> {
    return (await this.db.select().from(consoleUsers).orderBy(asc(consoleUsers.username))).map(userFromRow);
  }

  async get(username: string): Promise<ConsoleUser | null> {
    const row = await this.row(username);
    return row ? userFromRow(row) : null;
  }

  /** Removes the user and every session they hold. */
  async remove(username: string): Promise<boolean> {
    const rows = await this.db.delete(consoleUsers).where(eq(consoleUsers.username, username)).returning({ username: consoleUsers.username });
    return rows.length > 0;
  }

  /** The user when the password is right; null otherwise (same work either way). */
  async verify(username: string, password: string): Promise<ConsoleUser | null> {
    const row = await this.row(username);
    const ok = await passwordMatches(password, row?.passwordHash ?? DUMMY_HASH);
    return row && ok ? userFromRow(row) : null;
  }

  /** A new session: the cookie token (returned once, stored hashed) and its CSRF token. */
  async startSession(username: string): Promise<{ token: string; session: ConsoleSession }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.policy.absoluteMs);
    await this.db
      .delete(consoleSessions)
      .where(or(lt(consoleSessions.expiresAt, now), lt(consoleSessions.lastSeenAt, new Date(now.getTime() - this.policy.idleMs))));
    await this.db
      .insert(consoleSessions)
      .values({ tokenHash: tokenHash(token), username, csrfToken, createdAt: now, lastSeenAt: now, expiresAt });
    const user = await this.get(username);
    return { token, session: { username, role: user!.role, csrfToken, expiresAt } };
  }

  /** The live session for a cookie token (its idle clock restarted); null when unknown or expired. */
  async session(token: string | null | undefined): Promise<ConsoleSession | null> {
    if (!token || token.length > 200) return null;
    const now = this.now();
    const hash = tokenHash(token);
    const [row] = await this.db
      .select({ username: consoleSessions.username, role: consoleUsers.role, csrfToken: consoleSessions.csrfToken, lastSeenAt: consoleSessions.lastSeenAt, expiresAt: consoleSessions.expiresAt })
      .from(consoleSessions)
      .innerJoin(consoleUsers, eq(consoleUsers.username, consoleSessions.username))
      .where(eq(consoleSessions.tokenHash, hash));
    if (!row) return null;
    const expired = row.expiresAt <= now || row.lastSeenAt.getTime() + this.policy.idleMs <= now.getTime();
    if (expired) {
      await this.db.delete(consoleSessions).where(eq(consoleSessions.tokenHash, hash));
      return null;
    }
    // One write a minute at most keeps the idle clock honest without a write per request.
    if (now.getTime() - row.lastSeenAt.getTime() > 60_000) {
      await this.db.update(consoleSessions).set({ lastSeenAt: now }).where(eq(consoleSessions.tokenHash, hash));
    }
    return { username: row.username, role: row.role, csrfToken: row.csrfToken, expiresAt: row.expiresAt };
  }

  async endSession(token: string): Promise<void> {
    await this.db.delete(consoleSessions).where(eq(consoleSessions.tokenHash, tokenHash(token)));
  }
}
