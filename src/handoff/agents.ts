import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { and, asc, eq, getTableColumns, gt, lt, ne, sql } from 'drizzle-orm';
import type { Database } from '../store/db.js';
import { handoffAgents, handoffSessions } from '../store/schema/handoff.js';
import type { Presence, QueueStore } from './store.js';
import { QueueConflict } from './store.js';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;

export interface Agent {
  id: string;
  name: string;
  skills: string[];
  extension: string | null;
  presence: Presence;
  presenceSince: Date;
  idleSince: Date;
  currentEntryId: string | null;
}

export interface NewAgent {
  id: string;
  name: string;
  pin: string;
  skills?: string[];
  extension?: string | null;
}

const SESSION_HOURS = 12;

type AgentRow = typeof handoffAgents.$inferSelect;

function agentFromRow(r: AgentRow): Agent {
  return {
    id: r.id,
    name: r.name,
    skills: r.skills ?? [],
    extension: r.extension,
    presence: r.presence,
    presenceSince: r.presenceSince,
    idleSince: r.idleSince,
    currentEntryId: r.currentEntryId,
  };
}

/** An agent as the admin API shows them (`/api/agents`); the desk shows the agent less the idle clock. */
export const agentJson = (a: Agent) => ({
  id: a.id,
  name: a.name,
  skills: a.skills,
  extension: a.extension,
  presence: a.presence,
  presenceSince: a.presenceSince.toISOString(),
  idleSince: a.idleSince.toISOString(),
  currentEntryId: a.currentEntryId,
});

async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(pin, salt, 32);
  return `${salt.toString('hex')}$${hash.toString('hex')}`;
}

async function pinMatches(pin: string, stored: string): Promise<boolean> {
  const [saltHex, hashHex] = stored.split('$');
  if (!saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  const actual = await scrypt(pin, Buffer.from(saltHex, 'hex'), expected.length);
  return timingSafeEqual(actual, expected);
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Agents, their PINs (scrypt-hashed) and desk sessions (only a hash of the token is stored). */
export class AgentStore {
  constructor(
    private readonly database: Database,
    /** Lets a presence change decline the call ringing on the desk. */
    private readonly queue?: QueueStore,
  ) {}

  private get db() {
    return this.database.db;
  }

  /** Creates the agent, or replaces name, PIN, skills and extension of an existing one. */
  async upsert(agent: NewAgent): Promise<Agent> {
    const [row] = await this.db
      .insert(handoffAgents)
      .values({ id: agent.id, name: agent.name, pinHash: await hashPin(agent.pin), skills: agent.skills ?? [], extension: agent.extension ?? null })
      .onConflictDoUpdate({
        target: handoffAgents.id,
        set: { name: sql`excluded.name`, pinHash: sql`excluded.pin_hash`, skills: sql`excluded.skills`, extension: sql`excluded.extension` },
      })
      .returning();
    return agentFromRow(row);
  }

  private async row(id: string): Promise<AgentRow | undefined> {
    const [row] = await this.db.select().from(handoffAgents).where(eq(handoffAgents.id, id));
    return row;
  }

  async get(id: string): Promise<Agent | null> {
    const row = await this.row(id);
    return row ? agentFromRow(row) : null;
  }

  async list(): Promise<Agent[]> {
    return (await this.db.select().from(handoffAgents).orderBy(asc(handoffAgents.id))).map(agentFromRow);
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db.delete(handoffAgents).where(eq(handoffAgents.id, id)).returning({ id: handoffAgents.id })).length > 0;
  }

  /** Checks the PIN and opens a desk session; null when the agent or the PIN is wrong. */
  async signIn(id: string, pin: string): Promise<{ token: string; agent: Agent } | null> {
    const row = await this.row(id);
    // Hash anyway when the agent is unknown so a wrong id costs as long as a wrong PIN.
    const ok = await pinMatches(pin, row?.pinHash ?? `${'0'.repeat(32)}$${'0'.repeat(64)}`);
    if (!row || !ok) return null;
    const token = randomBytes(24).toString('base64url');
    await this.db
      .insert(handoffSessions)
      .values({ tokenHash: tokenHash(token), agentId: id, expiresAt: sql`now() + make_interval(hours => ${SESSION_HOURS})` });
    await this.db.delete(handoffSessions).where(lt(handoffSessions.expiresAt, sql`now()`));
    return { token, agent: agentFromRow(row) };
  }

  async agentForToken(token: string | null | undefined): Promise<Agent | null> {
    if (!token) return null;
    const [row] = await this.db
      .select(getTableColumns(handoffAgents))
      .from(handoffSessions)
      .innerJoin(handoffAgents, eq(handoffAgents.id, handoffSessions.agentId))
      .where(and(eq(handoffSessions.tokenHash, tokenHash(token)), gt(handoffSessions.expiresAt, sql`now()`)));
    return row ? agentFromRow(row) : null;
  }

  async signOut(token: string): Promise<void> {
    await this.db.delete(handoffSessions).where(eq(handoffSessions.tokenHash, tokenHash(token)));
  }

  /**
   * Presence the agent may choose (busy is the queue's to set). A ringing offer is declined by
   * going offline or into after-call work; an agent on a call must end it and wrap up first.
   */
  async setPresence(id: string, presence: Exclude<Presence, 'busy'>): Promise<Agent> {
    let agent = await this.get(id);
    if (!agent) throw new QueueConflict('Unknown agent');
    if (agent.presence === 'busy' && agent.currentEntryId && presence !== 'available' && this.queue) {
      const entry = await this.queue.get(agent.currentEntryId);
      if (entry?.state === 'offered' && entry.offeredTo === id) {
        await this.queue.decline(entry.id, id).catch(() => {});
        agent = (await this.get(id))!;
      }
    }
    if (agent.presence === 'busy' || (agent.currentEntryId && agent.presence === 'after-call-work')) {
      throw new QueueConflict('Finish the current call (and its wrap-up) first');
    }
    const [row] = await this.db
      .update(handoffAgents)
      .set({
        presence,
        presenceSince: sql`now()`,
        // The idle clock restarts only when the agent becomes available from something else.
        ...(presence === 'available'
          ? { idleSince: sql`case when ${handoffAgents.presence} <> 'available' then now() else ${handoffAgents.idleSince} end` }
          : {}),
      })
      .where(and(eq(handoffAgents.id, id), ne(handoffAgents.presence, 'busy')))
      .returning();
    if (!row) throw new QueueConflict('Presence changed meanwhile; try again');
    return agentFromRow(row);
  }
}
