import type { Database } from '../store/db.js';

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
    await this.database.query(
      `insert into console_audit (actor, role, action, target, status, ip, details) values ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
      [
        entry.actor,
        entry.role ?? null,
        entry.action,
        entry.target ?? null,
        entry.status ?? null,
        entry.ip ?? null,
        JSON.stringify(entry.details ?? {}),
      ],
    );
  }

  async list(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.before) {
      params.push(query.before);
      where.push(`id < $${params.length}`);
    }
    if (query.actor) {
      params.push(query.actor);
      where.push(`actor = $${params.length}`);
    }
    params.push(Math.min(Math.max(query.limit ?? 100, 1), 500));
    const rows = await this.database.query<Record<string, any>>(
      `select * from console_audit ${where.length ? `where ${where.join(' and ')}` : ''} order by id desc limit $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      at: new Date(r.at).toISOString(),
      actor: r.actor,
      role: r.role,
      action: r.action,
      target: r.target,
      status: r.status == null ? null : Number(r.status),
      ip: r.ip,
      details: typeof r.details === 'string' ? JSON.parse(r.details) : (r.details ?? {}),
    }));
  }
}
