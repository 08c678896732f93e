import { randomUUID } from 'node:crypto';
import { and, asc, count, desc, eq, gt, inArray, isNotNull, isNull, ne, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database, Query } from '../store/db.js';
import { handoffAgents, handoffEntries, handoffOffers, handoffQueues } from '../store/schema/handoff.js';
import type { QueueConfig } from './config.js';
import type { HandoffRequest, TranscriptLine } from './types.js';

export type EntryState = 'waiting' | 'offered' | 'connected' | 'callback' | 'abandoned' | 'transferred';
export type Presence = 'available' | 'busy' | 'after-call-work' | 'offline';

export interface QueueEntry {
  id: string;
  callId: string;
  protocol: string;
  providerCallId: string | null;
  callerNumber: string | null;
  callerName: string | null;
  queue: string;
  priority: number;
  reason: string;
  intent: string | null;
  transcript: TranscriptLine[];
  enqueuedAt: Date;
  state: EntryState;
  callbackNumber: string | null;
  offeredTo: string | null;
  offeredAt: Date | null;
  offerExpiresAt: Date | null;
  declinedBy: string[];
  answeredBy: string | null;
  answeredAt: Date | null;
  endedAt: Date | null;
  wrappedUpAt: Date | null;
  wrapCode: string | null;
  notes: string | null;
  transferTarget: string | null;
  transferError: string | null;
  instanceId: string | null;
}

export interface Offer {
  entryId: string;
  agentId: string;
}

/** Refused agent action (offer gone, call not theirs …): the desk shows it, nothing changes. */
export class QueueConflict extends Error {}

/** A `handoff_entries` row as drizzle reads it (`src/store/schema/handoff.ts`). */
export type EntryRow = typeof handoffEntries.$inferSelect;

export function entryFromRow(r: EntryRow): QueueEntry {
  return {
    ...r,
    // jsonb: drizzle parses it; the column's type says only `unknown`.
    transcript: (r.transcript ?? []) as TranscriptLine[],
  };
}

/** An entry whose state returns to the line after an offer falls through keeps its kind. */
const backToLine = `case when callback_number is null then 'waiting' else 'callback' end`;
const backToLineSql = sql.raw(backToLine) as unknown as EntryState;
const now = sql`now()` as unknown as Date;
const clock = sql`clock_timestamp()` as unknown as Date;
/** The agent may take the queue's calls (a queue with no skill, or one the agent has), with handoff_queues joined. */
const hasSkill = () => or(isNull(handoffQueues.skill), sql`${handoffQueues.skill} = any(${handoffAgents.skills})`);

/**
 * The queue's state transitions, each one conditional on the state it starts from, so that two
 * processes (or two clicks) racing on the same entry or agent cannot both win.
 */
export class QueueStore {
  constructor(
    readonly database: Database,
    /** Seconds before an agent who declined / let an entry ring out may be offered it again. */
    private readonly reofferAfterSeconds = 60,
  ) {}

  private get db() {
    return this.database.db;
  }

  private q<T = Record<string, any>>(text: string, params?: unknown[]) {
    return this.database.query<T>(text, params);
  }

  /** Writes the configured queues to the database so that every instance routes alike. */
  async syncQueues(queues: Record<string, QueueConfig>, defaultQueue: string): Promise<void> {
    const all: Record<string, QueueConfig> = { [defaultQueue]: { priority: 0, skill: null }, ...queues };
    for (const [name, qc] of Object.entries(all)) {
      const row = { name, label: qc.label ?? null, priority: qc.priority ?? 0, skill: qc.skill ?? null, updatedAt: now };
      await this.db
        .insert(handoffQueues)
        .values(row)
        .onConflictDoUpdate({
          target: handoffQueues.name,
          set: { label: sql`excluded.label`, priority: sql`excluded.priority`, skill: sql`excluded.skill`, updatedAt: now },
        });
    }
  }

  async listQueues(): Promise<{ name: string; label: string | null; priority: number; skill: string | null }[]> {
    return this.db
      .select({ name: handoffQueues.name, label: handoffQueues.label, priority: handoffQueues.priority, skill: handoffQueues.skill })
      .from(handoffQueues)
      .orderBy(desc(handoffQueues.priority), asc(handoffQueues.name));
  }

  async enqueue(request: HandoffRequest, instanceId: string): Promise<QueueEntry> {
    // An unknown queue name still queues (as a queue with no skill) rather than losing the caller.
    await this.db.insert(handoffQueues).values({ name: request.queue }).onConflictDoNothing();
    const [row] = await this.db
      .insert(handoffEntries)
      .values({
        id: randomUUID(),
        callId: request.callId,
        protocol: request.protocol,
        providerCallId: request.providerCallId,
        callerNumber: request.callerNumber,
        callerName: request.callerName ?? null,
        queue: request.queue,
        priority: sql`(select ${handoffQueues.priority} from ${handoffQueues} where ${handoffQueues.name} = ${request.queue})` as unknown as number,
        reason: request.reason,
        intent: request.intent,
        transcript: request.transcript,
        instanceId,
      })
      .returning();
    return entryFromRow(row);
  }

  async get(entryId: string): Promise<QueueEntry | null> {
    const [row] = await this.db.select().from(handoffEntries).where(eq(handoffEntries.id, entryId));
    return row ? entryFromRow(row) : null;
  }

  /** Entries still in the line (waiting, call-back, ringing), in service order. */
  async live(): Promise<QueueEntry[]> {
    const rows = await this.db
      .select()
      .from(handoffEntries)
      .where(inArray(handoffEntries.state, ['waiting', 'callback', 'offered']))
      .orderBy(desc(handoffEntries.priority), asc(handoffEntries.enqueuedAt));
    return rows.map(entryFromRow);
  }

  /** 1-based place among the entries of the same queue that will be served before this one. */
  async position(entryId: string): Promise<number | null> {
    const other = alias(handoffEntries, 'o');
    const me = alias(handoffEntries, 'me');
    const [{ n }] = await this.db
      .select({ n: count() })
      .from(other)
      .innerJoin(me, and(eq(me.id, entryId), eq(other.queue, me.queue)))
      .where(
        and(
          inArray(other.state, ['waiting', 'callback']),
          or(gt(other.priority, me.priority), and(eq(other.priority, me.priority), sql`(${other.enqueuedAt}, ${other.id}) <= (${me.enqueuedAt}, ${me.id})`)),
        ),
      );
    return n > 0 ? n : null;
  }

  /**
   * Mean handle time (talk + wrap-up) of the queue's last 20 finished calls, or of any queue's when
   * this one has none yet; null when nothing has been handled.
   */
  async recentHandleSeconds(queue: string): Promise<number | null> {
    for (const scoped of [true, false]) {
      const recent = this.db
        .select({ handled: sql`coalesce(${handoffEntries.wrappedUpAt}, ${handoffEntries.endedAt}) - ${handoffEntries.answeredAt}`.as('handled') })
        .from(handoffEntries)
        .where(and(isNotNull(handoffEntries.answeredAt), isNotNull(handoffEntries.endedAt), scoped ? eq(handoffEntries.queue, queue) : undefined))
        .orderBy(desc(handoffEntries.endedAt))
        .limit(20)
        .as('recent');
      const [{ s }] = await this.db.select({ s: sql<number | null>`avg(extract(epoch from ${recent.handled}))`.mapWith(Number) }).from(recent);
      if (s != null) return s;
    }
    return null;
  }

  /** Agents signed in (not offline) who can take the queue's calls. */
  async agentsOnDuty(queue: string): Promise<number> {
    const [{ n }] = await this.db
      .select({ n: count() })
      .from(handoffAgents)
      .leftJoin(handoffQueues, eq(handoffQueues.name, queue))
      .where(and(ne(handoffAgents.presence, 'offline'), hasSkill()));
    return n;
  }

  /**
   * Offers waiting entries to free agents, longest-idle first, one offer per transaction.
   * Raw SQL on purpose: the same statements through drizzle's builder made a routing pass about
   * twice as slow (measured on PostgreSQL, 4 waiting callers: median 48 → 66–96 ms per pass).
   * `for update skip locked` keeps two routing processes off the same rows, and every update is
   * conditional on the state it expects, so an entry never rings on two desks at once.
   */
  async route(instanceId: string, offerTimeoutSeconds: number, maxOffers = 50): Promise<Offer[]> {
    const made: Offer[] = [];
    for (let i = 0; i < maxOffers; i++) {
      const offer = await this.database.transaction(async ({ query: q }) => {
        const candidates = await q<{ id: string }>(
          `select id from handoff_entries where state in ('waiting', 'callback')
           order by priority desc, enqueued_at, id limit 20 for update skip locked`,
        );
        const skipped: string[] = [];
        for (const c of candidates) {
          const agentId = await this.lockAgentFor(q, c.id);
          if (!agentId) {
            skipped.push(c.id);
            continue;
          }
          // Each statement sees a newer snapshot: an agent who became free while earlier callers
          // were being looked at goes to the earliest of them they can serve, not to this one.
          let entryId = c.id;
          for (const earlier of skipped) {
            if (await this.canServe(q, earlier, agentId)) {
              entryId = earlier;
              break;
            }
          }
          const took = await q(
            `update handoff_agents set presence = 'busy', presence_since = now(), current_entry_id = $1
             where id = $2 and presence = 'available' and current_entry_id is null returning id`,
            [entryId, agentId],
          );
          if (!took[0]) continue;
          const offered = await q(
            `update handoff_entries set state = 'offered', offered_to = $2, offered_at = clock_timestamp(),
               offer_expires_at = clock_timestamp() + make_interval(secs => $3)
             where id = $1 and state in ('waiting', 'callback') returning id`,
            [entryId, agentId, offerTimeoutSeconds],
          );
          if (!offered[0]) throw new Error('entry changed under its row lock');
          await q(`insert into handoff_offers (entry_id, agent_id, instance_id, offered_at) values ($1, $2, $3, clock_timestamp())`, [
            entryId,
            agentId,
            instanceId,
          ]);
          return { entryId, agentId };
        }
        return null;
      });
      if (!offer) break;
      made.push(offer);
    }
    return made;
  }

  /**
   * Locks the longest-idle free agent who may take the entry. The lock waits (rather than skips)
   * so that an agent whose row is briefly held — presence just changed, another router offering —
   * is seen as they are once it is released; skipping would hand the agent to a later caller.
   * When the locked re-check finds the agent taken (FOR UPDATE … LIMIT 1 then returns nothing),
   * a fresh statement looks again.
   */
  private async lockAgentFor(q: Query, entryId: string): Promise<string | null> {
    const eligible = `from handoff_agents a
         join handoff_entries e on e.id = $1
         left join handoff_queues qu on qu.name = e.queue
       where a.presence = 'available' and a.current_entry_id is null
         and (qu.skill is null or qu.skill = any(a.skills))
         and not exists (select 1 from handoff_offers f where f.entry_id = e.id and f.agent_id = a.id
                         and f.responded_at > now() - make_interval(secs => $2))`;
    const params = [entryId, this.reofferAfterSeconds];
    for (let attempt = 0; attempt < 3; attempt++) {
      const locked = await q<{ id: string }>(
        `select a.id ${eligible}
         order by (select count(*) from handoff_offers f where f.entry_id = e.id and f.agent_id = a.id), a.idle_since, a.id
         limit 1 for update of a`,
        params,
      );
      if (locked[0]) return locked[0].id;
      const [{ n }] = await q<{ n: string | number }>(`select count(*) as n ${eligible}`, params);
      if (Number(n) === 0) return null;
    }
    return null;
  }

  private async canServe(q: Query, entryId: string, agentId: string): Promise<boolean> {
    const rows = await q(
      `select 1 from handoff_entries e
         join handoff_agents a on a.id = $2
         left join handoff_queues qu on qu.name = e.queue
       where e.id = $1 and (qu.skill is null or qu.skill = any(a.skills))
         and not exists (select 1 from handoff_offers f where f.entry_id = e.id and f.agent_id = a.id
                         and f.responded_at > now() - make_interval(secs => $3))`,
      [entryId, agentId, this.reofferAfterSeconds],
    );
    return rows.length > 0;
  }

  /**
   * Offers that rang out (the agent is away, or their desk's process died) go back to the line;
   * the agent is set offline so the next call does not ring on an empty desk.
   */
  async expireOffers(): Promise<Offer[]> {
    // One statement (a chain of data-modifying CTEs), so raw SQL: drizzle's builder has no UPDATE … FROM a CTE.
    const rows = await this.q<{ id: string; agent_id: string }>(
      `with expired as (
         select id, offered_to from handoff_entries
         where state = 'offered' and offer_expires_at < now() for update skip locked),
       e as (
         update handoff_entries h set state = ${backToLine}, declined_by = array_append(h.declined_by, x.offered_to),
           offered_to = null, offered_at = null, offer_expires_at = null
         from expired x where h.id = x.id returning h.id, x.offered_to as agent_id),
       a as (
         update handoff_agents g set presence = 'offline', presence_since = now(), current_entry_id = null
         from e where g.id = e.agent_id and g.current_entry_id = e.id returning g.id),
       o as (
         update handoff_offers f set outcome = 'timeout', responded_at = clock_timestamp()
         from e where f.entry_id = e.id and f.outcome is null returning f.id)
       select e.id, e.agent_id, (select count(*) from a) as agents, (select count(*) from o) as offers from e`,
    );
    return rows.map((r) => ({ entryId: r.id, agentId: r.agent_id }));
  }

  async accept(entryId: string, agentId: string): Promise<QueueEntry> {
    return this.database.transaction(async ({ db }) => {
      const [row] = await db
        .update(handoffEntries)
        .set({ state: 'connected', answeredBy: agentId, answeredAt: now, offeredTo: null, offerExpiresAt: null })
        .where(and(eq(handoffEntries.id, entryId), eq(handoffEntries.state, 'offered'), eq(handoffEntries.offeredTo, agentId)))
        .returning();
      if (!row) throw new QueueConflict('This call is no longer offered to you');
      await closeOffer(db, entryId, 'accepted');
      return entryFromRow(row);
    });
  }

  /** Declined: back in the line (the agent keeps their idle rank; the next agent gets it first). */
  async decline(entryId: string, agentId: string): Promise<QueueEntry> {
    return this.database.transaction(async ({ db }) => {
      const [row] = await db
        .update(handoffEntries)
        .set({
          state: backToLineSql,
          declinedBy: sql`array_append(${handoffEntries.declinedBy}, ${agentId}::text)` as unknown as string[],
          offeredTo: null,
          offeredAt: null,
          offerExpiresAt: null,
        })
        .where(and(eq(handoffEntries.id, entryId), eq(handoffEntries.state, 'offered'), eq(handoffEntries.offeredTo, agentId)))
        .returning();
      if (!row) throw new QueueConflict('This call is no longer offered to you');
      await closeOffer(db, entryId, 'declined');
      await freeAgent(db, agentId, entryId);
      return entryFromRow(row);
    });
  }

  /** The agent hung up with the caller: after-call work until the wrap-up is saved. */
  async endCall(entryId: string, agentId: string): Promise<QueueEntry> {
    return this.database.transaction(async ({ db }) => {
      const [row] = await db
        .update(handoffEntries)
        .set({ endedAt: now })
        .where(
          and(
            eq(handoffEntries.id, entryId),
            eq(handoffEntries.answeredBy, agentId),
            eq(handoffEntries.state, 'connected'),
            isNull(handoffEntries.endedAt),
          ),
        )
        .returning();
      if (!row) throw new QueueConflict('This call is not in progress on your desk');
      await db
        .update(handoffAgents)
        .set({ presence: 'after-call-work', presenceSince: now })
        .where(and(eq(handoffAgents.id, agentId), eq(handoffAgents.currentEntryId, entryId)));
      return entryFromRow(row);
    });
  }

  /** Wrap-up saved: the agent is free again and starts a new idle period. */
  async wrapUp(entryId: string, agentId: string, code: string, notes: string | null): Promise<QueueEntry> {
    return this.database.transaction(async ({ db }) => {
      const [row] = await db
        .update(handoffEntries)
        .set({ wrapCode: code, notes, wrappedUpAt: now, endedAt: sql`coalesce(${handoffEntries.endedAt}, now())` as unknown as Date })
        .where(
          and(
            eq(handoffEntries.id, entryId),
            eq(handoffEntries.answeredBy, agentId),
            inArray(handoffEntries.state, ['connected', 'transferred']),
            isNull(handoffEntries.wrappedUpAt),
          ),
        )
        .returning();
      if (!row) throw new QueueConflict('Nothing to wrap up for this call');
      await db
        .update(handoffAgents)
        .set({ presence: 'available', presenceSince: now, idleSince: now, currentEntryId: null })
        .where(and(eq(handoffAgents.id, agentId), eq(handoffAgents.currentEntryId, entryId)));
      return entryFromRow(row);
    });
  }

  /** The caller hung up while waiting (or ringing): recorded, and a ringing desk is freed. */
  async abandon(entryId: string): Promise<QueueEntry | null> {
    return this.database.transaction(async ({ db }) => {
      const [before] = await db
        .select({ offeredTo: handoffEntries.offeredTo, state: handoffEntries.state })
        .from(handoffEntries)
        .where(eq(handoffEntries.id, entryId))
        .for('update');
      if (!before || !['waiting', 'offered'].includes(before.state)) return null;
      const [row] = await db
        .update(handoffEntries)
        .set({ state: 'abandoned', endedAt: now, offeredTo: null, offerExpiresAt: null })
        .where(eq(handoffEntries.id, entryId))
        .returning();
      if (before.state === 'offered' && before.offeredTo) {
        await closeOffer(db, entryId, 'withdrawn');
        await freeAgent(db, before.offeredTo, entryId);
      }
      return entryFromRow(row);
    });
  }

  /**
   * The queue was closed and the caller went back to the bot instead of asking for a call-back:
   * the entry never was a wait, so it is removed rather than counted as abandoned. False when an
   * agent has it meanwhile.
   */
  async withdraw(entryId: string): Promise<boolean> {
    const rows = await this.db
      .delete(handoffEntries)
      .where(and(eq(handoffEntries.id, entryId), eq(handoffEntries.state, 'waiting')))
      .returning({ id: handoffEntries.id });
    return rows.length > 0;
  }

  /** The caller chose a call-back: they leave the line but keep their place in it. */
  async requestCallback(entryId: string, number: string): Promise<QueueEntry | null> {
    const [row] = await this.db
      .update(handoffEntries)
      .set({
        callbackNumber: number,
        state: sql`case when ${handoffEntries.state} = 'waiting' then 'callback' else ${handoffEntries.state} end` as unknown as EntryState,
      })
      .where(and(eq(handoffEntries.id, entryId), inArray(handoffEntries.state, ['waiting', 'offered'])))
      .returning();
    return row ? entryFromRow(row) : null;
  }

  async markTransferred(entryId: string, target: string): Promise<void> {
    await this.db
      .update(handoffEntries)
      .set({ state: 'transferred', transferTarget: target, endedAt: now })
      .where(and(eq(handoffEntries.id, entryId), inArray(handoffEntries.state, ['waiting', 'offered', 'callback'])));
  }

  async recordTransfer(entryId: string, target: string, error: string | null): Promise<void> {
    await this.db.update(handoffEntries).set({ transferTarget: target, transferError: error }).where(eq(handoffEntries.id, entryId));
  }

  /**
   * Undoes an accept whose audio bridge failed: the caller goes back to the head of the line and
   * the agent is free again (they could not be connected, through no fault of theirs).
   */
  async revertAccept(entryId: string, agentId: string, error: string): Promise<void> {
    await this.database.transaction(async ({ db }) => {
      await db
        .update(handoffEntries)
        .set({
          state: backToLineSql,
          answeredBy: null,
          answeredAt: null,
          transferError: error,
          declinedBy: sql`array_append(${handoffEntries.declinedBy}, ${agentId}::text)` as unknown as string[],
        })
        .where(and(eq(handoffEntries.id, entryId), eq(handoffEntries.state, 'connected'), eq(handoffEntries.answeredBy, agentId)));
      await freeAgent(db, agentId, entryId);
    });
  }
}

type OfferOutcome = NonNullable<typeof handoffOffers.$inferSelect.outcome>;

/** The entry's open offer (at most one: a partial unique index) gets its answer. */
async function closeOffer(db: Database['db'], entryId: string, outcome: OfferOutcome): Promise<void> {
  await db
    .update(handoffOffers)
    .set({ outcome, respondedAt: clock })
    .where(and(eq(handoffOffers.entryId, entryId), isNull(handoffOffers.outcome)));
}

/** The agent the entry was ringing on / connected to is available again (unless they moved on meanwhile). */
async function freeAgent(db: Database['db'], agentId: string, entryId: string): Promise<void> {
  await db
    .update(handoffAgents)
    .set({ presence: 'available', presenceSince: now, currentEntryId: null })
    .where(and(eq(handoffAgents.id, agentId), eq(handoffAgents.currentEntryId, entryId)));
}
