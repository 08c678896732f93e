import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Database } from '../store/db.js';

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

const userFromRow = (r: Record<string, any>): ConsoleUser => ({
  username: r.username,
  role: r.role,
  createdAt: new Date(r.created_at).toISOString(),
  createdBy: r.created_by ?? null,
});

/** Console users (scrypt-hashed passwords) and their sessions (only a hash of the cookie token is stored). */
export class UserStore {
  constructor(
    private readonly database: Database,
    readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private q<T = Record<string, any>>(text: string, params?: unknown[]) {
    return this.database.query<T>(text, params);
  }

  /** Creates the user, or replaces the password and role of an existing one (their sessions end). */
  async upsert(input: { username: string; password: string; role: Role }, createdBy: string | null): Promise<{ user: ConsoleUser; created: boolean }> {
    const existed = (await this.q(`select 1 from console_users where username = $1`, [input.username])).length > 0;
    const rows = await this.q(
      `insert into console_users (username, password_hash, role, created_by) values ($1, $2, $3, $4)
       on conflict (username) do update set password_hash = excluded.password_hash, role = excluded.role
       returning *`,
      [input.username, await hashPassword(input.password), input.role, createdBy],
    );
    if (existed) await this.q(`delete from console_sessions where username = $1`, [input.username]);
    return { user: userFromRow(rows[0]), created: !existed };
  }

  async list(): Promise<ConsoleUser[]> {
    return (await this.q(`select * from console_users order by username`)).map(userFromRow);
  }

  async get(username: string): Promise<ConsoleUser | null> {
    const [row] = await this.q(`select * from console_users where username = $1`, [username]);
    return row ? userFromRow(row) : null;
  }

  /** Removes the user and every session they hold. */
  async remove(username: string): Promise<boolean> {
    const rows = await this.q(`delete from console_users where username = $1 returning username`, [username]);
    return rows.length > 0;
  }

  /** The user when the password is right; null otherwise (same work either way). */
  async verify(username: string, password: string): Promise<ConsoleUser | null> {
    const [row] = await this.q(`select * from console_users where username = $1`, [username]);
    const ok = await passwordMatches(password, row?.password_hash ?? DUMMY_HASH);
    return row && ok ? userFromRow(row) : null;
  }

  /** A new session: the cookie token (returned once, stored hashed) and its CSRF token. */
  async startSession(username: string): Promise<{ token: string; session: ConsoleSession }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.policy.absoluteMs);
    await this.q(`delete from console_sessions where expires_at < $1 or last_seen_at < $2`, [now.toISOString(), new Date(now.getTime() - this.policy.idleMs).toISOString()]);
    await this.q(
      `insert into console_sessions (token_hash, username, csrf_token, created_at, last_seen_at, expires_at) values ($1, $2, $3, $4, $4, $5)`,
      [tokenHash(token), username, csrfToken, now.toISOString(), expiresAt.toISOString()],
    );
    const user = await this.get(username);
    return { token, session: { username, role: user!.role, csrfToken, expiresAt } };
  }

  /** The live session for a cookie token (its idle clock restarted); null when unknown or expired. */
  async session(token: string | null | undefined): Promise<ConsoleSession | null> {
    if (!token || token.length > 200) return null;
    const now = this.now();
    const [row] = await this.q(
      `select s.*, u.role from console_sessions s join console_users u on u.username = s.username where s.token_hash = $1`,
      [tokenHash(token)],
    );
    if (!row) return null;
    const expired = new Date(row.expires_at) <= now || new Date(row.last_seen_at).getTime() + this.policy.idleMs <= now.getTime();
    if (expired) {
      await this.q(`delete from console_sessions where token_hash = $1`, [tokenHash(token)]);
      return null;
    }
    // One write a minute at most keeps the idle clock honest without a write per request.
    if (now.getTime() - new Date(row.last_seen_at).getTime() > 60_000) {
      await this.q(`update console_sessions set last_seen_at = $2 where token_hash = $1`, [tokenHash(token), now.toISOString()]);
    }
    return { username: row.username, role: row.role, csrfToken: row.csrf_token, expiresAt: new Date(row.expires_at) };
  }

  async endSession(token: string): Promise<void> {
    await this.q(`delete from console_sessions where token_hash = $1`, [tokenHash(token)]);
  }
}
