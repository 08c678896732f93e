import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Database } from '../store/db.js';
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

function agentFromRow(r: Record<string, any>): Agent {
  return {
    id: r.id,
    name: r.name,
    skills: r.skills ?? [],
    extension: r.extension,
    presence: r.presence,
    presenceSince: new Date(r.presence_since),
    idleSince: new Date(r.idle_since),
    currentEntryId: r.current_entry_id,
  };
}

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

  private q<T = Record<string, any>>(text: string, params?: unknown[]) {
    return this.database.query<T>(text, params);
  }

  /** Creates the agent, or replaces name, PIN, skills and extension of an existing one. */
  async upsert(agent: NewAgent): Promise<Agent> {
    const rows = await this.q(
      `insert into handoff_agents (id, name, pin_hash, skills, extension) values ($1, $2, $3, $4::text[], $5)
       on conflict (id) do update set name = excluded.name, pin_hash = excluded.pin_hash,
         skills = excluded.skills, extension = excluded.extension
       returning *`,
      [agent.id, agent.name, await hashPin(agent.pin), agent.skills ?? [], agent.extension ?? null],
    );
    return agentFromRow(rows[0]);
  }

  async get(id: string): Promise<Agent | null> {
    const rows = await this.q('select * from handoff_agents where id = $1', [id]);
    return rows[0] ? agentFromRow(rows[0]) : null;
  }

  async list(): Promise<Agent[]> {
    return (await this.q('select * from handoff_agents order by id')).map(agentFromRow);
  }

  async remove(id: string): Promise<boolean> {
    return (await this.q('delete from handoff_agents where id = $1 returning id', [id])).length > 0;
  }

  /** Checks the PIN and opens a desk session; null when the agent or the PIN is wrong. */
  async signIn(id: string, pin: string): Promise<{ token: string; agent: Agent } | null> {
    const rows = await this.q('select * from handoff_agents where id = $1', [id]);
    // Hash anyway when the agent is unknown so a wrong id costs as long as a wrong PIN.
    const ok = await pinMatches(pin, rows[0]?.pin_hash ?? `${'0'.repeat(32)}$${'0'.repeat(64)}`);
    if (!rows[0] || !ok) return null;
    const token = randomBytes(24).toString('base64url');
    await this.q(
      `insert into handoff_sessions (token_hash, agent_id, expires_at) values ($1, $2, now() + make_interval(hours => $3))`,
      [tokenHash(token), id, SESSION_HOURS],
    );
    await this.q(`delete from handoff_sessions where expires_at < now()`);
    return { token, agent: agentFromRow(rows[0]) };
  }

  async agentForToken(token: string | null | undefined): Promise<Agent | null> {
    if (!token) return null;
    const rows = await this.q(
      `select a.* from handoff_sessions s join handoff_agents a on a.id = s.agent_id
       where s.token_hash = $1 and s.expires_at > now()`,
      [tokenHash(token)],
    );
    return rows[0] ? agentFromRow(rows[0]) : null;
  }

  async signOut(token: string): Promise<void> {
    await this.q('delete from handoff_sessions where token_hash = $1', [tokenHash(token)]);
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
    const rows = await this.q(
      `update handoff_agents set presence = $2, presence_since = now(),
         idle_since = case when presence <> 'available' and $2 = 'available' then now() else idle_since end
       where id = $1 and presence <> 'busy' returning *`,
      [id, presence],
    );
    if (!rows[0]) throw new QueueConflict('Presence changed meanwhile; try again');
    return agentFromRow(rows[0]);
  }
}
