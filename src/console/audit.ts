import { and, count, desc, eq, gt, lt, max, sql } from 'drizzle-orm';
import type { Database } from '../store/db.js';
import { consoleAudit } from '../store/schema/console.js';

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  role: string | null;
  action: string;
  target: string | null;
  status: number | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export interface AuditRecord {
  actor: string;
  role?: string | null;
  action: string;
  target?: string | null;
  status?: number | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditQuery {
  limit?: number;
  /** Entries with an id below this one (the previous page's last id). */
  before?: number;
  actor?: string;
}

/** Who changed what, when: one row per change made through the admin API or the console. */
export class AuditLog {
  constructor(private readonly database: Database) {}

  async record(entry: AuditRecord): Promise<void> {
    await this.database.db.insert(consoleAudit).values({
      actor: entry.actor,
      role: entry.role ?? null,
      action: entry.action,
      target: entry.target ?? null,
      status: entry.status ?? null,
      ip: entry.ip ?? null,
      details: entry.details ?? {},
    });
  }

  async list(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const rows = await this.database.db
      .select()
      .from(consoleAudit)
      .where(and(query.before ? lt(consoleAudit.id, query.before) : undefined, query.actor ? eq(consoleAudit.actor, query.actor) : undefined))
      .orderBy(desc(consoleAudit.id))
      .limit(Math.min(Math.max(query.limit ?? 100, 1), 500));
    return rows.map((r) => ({
      id: Number(r.id),
      at: new Date(r.at).toISOString(),
      actor: r.actor,
      role: r.role,
      action: r.action,
      target: r.target,
      status: r.status == null ? null : Number(r.status),
      ip: r.ip,
      details: typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : (r.details ?? {}),
    }));
  }

  /**
   * Wrong passwords given for `username` in the last `windowMs` and after its last successful
   * sign-in, whichever instance took them: the login lockout is read from here, so instances behind
   * one load balancer share it. Times are the database's, so instances' clocks need not agree.
   */
  async recentLoginFailures(username: string, windowMs: number): Promise<number> {
    const lastLogin = this.database.db
      .select({ at: max(consoleAudit.at) })
      .from(consoleAudit)
      .where(and(eq(consoleAudit.actor, username), eq(consoleAudit.action, 'login')));
    const [row] = await this.database.db
      .select({ failures: count() })
      .from(consoleAudit)
      .where(
        and(
          eq(consoleAudit.actor, username),
          eq(consoleAudit.action, 'login-failed'),
          gt(consoleAudit.at, sql`now() - make_interval(secs => ${windowMs / 1000})`),
          gt(consoleAudit.at, sql`coalesce((${lastLogin}), '-infinity'::timestamptz)`),
        ),
      );
    return Number(row?.failures ?? 0);
  }
}
