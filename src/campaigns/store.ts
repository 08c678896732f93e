import { randomUUID } from 'node:crypto';
import { and, asc, count, desc, eq, exists, gt, inArray, isNull, lt, lte, ne, notExists, or, sql, type SQL } from 'drizzle-orm';
import type { Database, Db } from '../store/db.js';
import { campaignAttempts, campaignContacts, campaigns, dncNumbers } from '../store/schema/campaigns.js';
import type { ContactRow } from './contacts.js';
import { OUTCOMES_RETRYABLE, type AttemptOutcome, type Campaign, type CampaignStatus, type Contact, type CreateCampaign, type SurveyAnswer } from './types.js';

/**
 * Campaigns, contacts, attempts and the do-not-call list in PostgreSQL / PGlite. Everything that
 * must not happen twice happens in one transaction under row locks:
 * - `claimDue` locks the campaign row (`for update skip locked`: another instance scheduling the
 *   same campaign right now is skipped, not waited for), counts calls in flight and calls placed in
 *   the last minute across all instances (pacing), then locks due contacts (`skip locked` again)
 *   and inserts one attempt per contact, whose (contact_id, seq) is unique;
 * - `finishAttempt` ends an attempt once (the first report wins) and decides the contact's next
 *   step from the retry policy.
 */

export interface Attempt {
  id: string;
  campaignId: string;
  contactId: number;
  seq: number;
  status: 'dialing' | 'answered' | 'ended';
  outcome: AttemptOutcome | null;
  providerCallId: string | null;
  callId: string | null;
  placedAt: Date;
  answeredAt: Date | null;
  firstAudioMs: number | null;
  endedAt: Date | null;
  durationSeconds: number | null;
  detail: string | null;
}

export interface Claimed {
  attempt: Attempt;
  contact: Contact;
}

export interface ImportSummary {
  received: number;
  added: number;
  /** Rows whose number was already in this campaign (in the file or from earlier uploads): merged. */
  duplicates: number;
  /** Numbers on the do-not-call list: kept out. */
  doNotCall: number;
}

export interface FinishReport {
  outcome: AttemptOutcome;
  at: Date;
  durationSeconds?: number | null;
  detail?: string | null;
  confirmed?: boolean | null;
  answers?: Record<string, SurveyAnswer> | null;
}

/** Rows as drizzle reads them (`src/store/schema/campaigns.ts`): jsonb parsed, timestamps as Dates, bigints as numbers. */
type CampaignRow = typeof campaigns.$inferSelect;
type ContactDbRow = typeof campaignContacts.$inferSelect;
export type AttemptRow = typeof campaignAttempts.$inferSelect;

function campaignOf(r: CampaignRow): Campaign {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    status: r.status,
    script: r.script,
    dialer: r.dialer,
    schedule: r.schedule,
    pacing: r.pacing,
    retry: r.retry,
    options: r.options,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}

function contactOf(r: ContactDbRow): Contact {
  return {
    id: r.id,
    campaignId: r.campaignId,
    phone: r.phone,
    name: r.name,
    vars: r.vars,
    status: r.status,
    attempts: r.attempts,
    finalOutcome: r.finalOutcome,
    confirmed: r.confirmed,
    answers: r.answers,
  };
}

export function attemptOf(r: AttemptRow): Attempt {
  return {
    id: r.id,
    campaignId: r.campaignId,
    contactId: r.contactId,
    seq: r.seq,
    status: r.status,
    outcome: r.outcome,
    providerCallId: r.providerCallId,
    callId: r.callId,
    placedAt: r.placedAt,
    answeredAt: r.answeredAt,
    firstAudioMs: r.firstAudioMs,
    endedAt: r.endedAt,
    durationSeconds: r.durationSeconds,
    detail: r.detail,
  };
}

/** Contacts per insert statement when importing (7 parameters each). */
const CONTACTS_PER_INSERT = 1000;

/** A Date inside a `sql` fragment, sent as drizzle sends any timestamptz column's value (ISO text), whichever driver runs it. */
const at = (value: Date) => sql.param(value, campaigns.updatedAt);

/** Allowed status changes: action → [from…] → to. */
export const TRANSITIONS: Record<'start' | 'pause' | 'resume' | 'cancel', { from: CampaignStatus[]; to: CampaignStatus }> = {
  start: { from: ['draft'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['draft', 'running', 'paused'], to: 'cancelled' },
};

export class CampaignStore {
  constructor(readonly database: Database) {}

  private get db(): Db {
    return this.database.db;
  }

  async create(input: CreateCampaign, now: Date): Promise<Campaign> {
    const id = `cmp_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const options = { callerId: input.callerId, queue: input.queue, machineDetection: input.machineDetection };
    const [row] = await this.db
      .insert(campaigns)
      .values({
        id,
        name: input.name,
        kind: input.kind,
        status: 'draft',
        script: input.script,
        dialer: input.dialer,
        schedule: input.schedule,
        pacing: input.pacing,
        retry: input.retry,
        options,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return campaignOf(row);
  }

  async get(id: string): Promise<Campaign | null> {
    const [row] = await this.db.select().from(campaigns).where(eq(campaigns.id, id));
    return row ? campaignOf(row) : null;
  }

  async list(): Promise<Campaign[]> {
    return (await this.db.select().from(campaigns).orderBy(desc(campaigns.createdAt), asc(campaigns.id))).map(campaignOf);
  }

  async running(): Promise<Campaign[]> {
    return (await this.db.select().from(campaigns).where(eq(campaigns.status, 'running')).orderBy(asc(campaigns.createdAt), asc(campaigns.id))).map(campaignOf);
  }

  /** Moves a campaign along; null when the campaign is not in a state the action applies to. */
  async transition(id: string, action: keyof typeof TRANSITIONS, now: Date): Promise<Campaign | null> {
    const t = TRANSITIONS[action];
    return this.database.transaction(async ({ db }) => {
      const [row] = await db
        .update(campaigns)
        .set({
          status: t.to,
          updatedAt: now,
          // The first start is the campaign's start; a resume keeps it.
          ...(t.to === 'running' ? { startedAt: sql`coalesce(${campaigns.startedAt}, ${at(now)})` } : {}),
          ...(t.to === 'cancelled' ? { finishedAt: now } : {}),
        })
        .where(and(eq(campaigns.id, id), inArray(campaigns.status, t.from)))
        .returning();
      if (!row) return null;
      // A cancelled campaign calls no one else; calls in progress finish on their own.
      if (t.to === 'cancelled') {
        await db
          .update(campaignContacts)
          .set({ status: 'done', finalOutcome: 'cancelled', updatedAt: now })
          .where(and(eq(campaignContacts.campaignId, id), eq(campaignContacts.status, 'pending')));
      }
      return campaignOf(row);
    });
  }

  /** Adds contacts: duplicates (within the file and with earlier uploads) merged and counted, DNC numbers kept out. */
  async addContacts(campaignId: string, rows: ContactRow[], now: Date): Promise<ImportSummary> {
    const summary: ImportSummary = { received: rows.length, added: 0, duplicates: 0, doNotCall: 0 };
    if (!rows.length) return summary;
    const dnc = new Set(
      (await this.db.select({ phone: dncNumbers.phone }).from(dncNumbers).where(inArray(dncNumbers.phone, [...new Set(rows.map((r) => r.phone))]))).map((r) => r.phone),
    );
    const unique = new Map<string, ContactRow & { dup: number }>();
    for (const r of rows) {
      if (dnc.has(r.phone)) {
        summary.doNotCall++;
        continue;
      }
      const seen = unique.get(r.phone);
      if (seen) {
        // The first row wins; later rows only fill in what it lacked.
        seen.dup++;
        seen.name ??= r.name;
        seen.vars = { ...r.vars, ...seen.vars };
        summary.duplicates++;
      } else unique.set(r.phone, { ...r, dup: 0 });
    }
    const batch = [...unique.values()].map((r) => ({ campaignId, phone: r.phone, name: r.name, vars: r.vars, sourceLine: r.line, duplicates: r.dup, updatedAt: now }));
    await this.database.transaction(async ({ db }) => {
      // Phones are unique within `batch`, so no statement meets the same row twice; chunks keep under PostgreSQL's 65535 parameters.
      for (let i = 0; i < batch.length; i += CONTACTS_PER_INSERT) {
        const rows = await db
          .insert(campaignContacts)
          .values(batch.slice(i, i + CONTACTS_PER_INSERT))
          .onConflictDoUpdate({
            target: [campaignContacts.campaignId, campaignContacts.phone],
            set: { duplicates: sql`${campaignContacts.duplicates} + excluded.duplicates + 1`, updatedAt: sql`excluded.updated_at` },
          })
          // xmax is 0 only on a row this statement inserted (an updated row carries the updating transaction's id).
          .returning({ inserted: sql<boolean>`(xmax = 0)` });
        for (const row of rows) {
          if (row.inserted) summary.added++;
          else summary.duplicates++;
        }
      }
    });
    return summary;
  }

  /**
   * Claims the contacts this instance may dial now for one campaign, within its pacing, and
   * creates their attempts. Returns nothing when another instance holds the campaign this instant.
   */
  async claimDue(campaign: Campaign, now: Date, instance: string, limit = Infinity): Promise<Claimed[]> {
    return this.database.transaction(async ({ db }) => {
      const [locked] = await db
        .select({ id: campaigns.id })
        .from(campaigns)
        .where(and(eq(campaigns.id, campaign.id), eq(campaigns.status, 'running')))
        .for('update', { skipLocked: true });
      if (!locked) return [];
      const minuteAgo = new Date(now.getTime() - 60_000);
      const [counts] = await db
        .select({
          inFlight: sql<number>`count(*) filter (where ${campaignAttempts.status} <> 'ended')`.mapWith(Number),
          lastMinute: sql<number>`count(*) filter (where ${campaignAttempts.placedAt} > ${at(minuteAgo)})`.mapWith(Number),
        })
        .from(campaignAttempts)
        .where(and(eq(campaignAttempts.campaignId, campaign.id), or(ne(campaignAttempts.status, 'ended'), gt(campaignAttempts.placedAt, minuteAgo))));
      const room = Math.min(campaign.pacing.maxConcurrent - counts.inFlight, campaign.pacing.callsPerMinute - counts.lastMinute, limit);
      if (room <= 0) return [];
      // Numbers put on the do-not-call list after the upload are never dialled either.
      await db
        .update(campaignContacts)
        .set({ status: 'done', finalOutcome: 'dnc', updatedAt: now })
        .from(dncNumbers)
        .where(and(eq(campaignContacts.campaignId, campaign.id), eq(campaignContacts.status, 'pending'), eq(dncNumbers.phone, campaignContacts.phone)));
      const due = await db
        .select()
        .from(campaignContacts)
        .where(
          and(
            eq(campaignContacts.campaignId, campaign.id),
            eq(campaignContacts.status, 'pending'),
            or(isNull(campaignContacts.nextAttemptAt), lte(campaignContacts.nextAttemptAt, now)),
          ),
        )
        .orderBy(sql`${campaignContacts.nextAttemptAt} nulls first`, asc(campaignContacts.id))
        .limit(room)
        .for('update', { skipLocked: true });
      if (!due.length) return [];
      // One insert and one update for the whole batch: the contacts are locked, so `attempts + 1` is each one's next seq.
      const values = due.map((row) => ({
        id: `att_${randomUUID().replace(/-/g, '')}`,
        campaignId: campaign.id,
        contactId: row.id,
        seq: row.attempts + 1,
        instance,
        status: 'dialing' as const,
        placedAt: now,
      }));
      const inserted = new Map((await db.insert(campaignAttempts).values(values).returning()).map((row) => [row.id, row]));
      await db
        .update(campaignContacts)
        .set({ status: 'dialing', attempts: sql`${campaignContacts.attempts} + 1`, updatedAt: now })
        .where(inArray(campaignContacts.id, due.map((row) => row.id)));
      return due.map((row, i): Claimed => {
        const attempt = inserted.get(values[i].id)!;
        return { attempt: attemptOf(attempt), contact: { ...contactOf(row), status: 'dialing', attempts: attempt.seq } };
      });
    });
  }

  async attempt(id: string): Promise<Attempt | null> {
    const [row] = await this.db.select().from(campaignAttempts).where(eq(campaignAttempts.id, id));
    return row ? attemptOf(row) : null;
  }

  async attemptByProviderId(providerCallId: string): Promise<Attempt | null> {
    const [row] = await this.db.select().from(campaignAttempts).where(eq(campaignAttempts.providerCallId, providerCallId)).orderBy(desc(campaignAttempts.placedAt)).limit(1);
    return row ? attemptOf(row) : null;
  }

  async contact(id: number): Promise<Contact | null> {
    const [row] = await this.db.select().from(campaignContacts).where(eq(campaignContacts.id, id));
    return row ? contactOf(row) : null;
  }

  async setProviderCallId(attemptId: string, providerCallId: string): Promise<void> {
    await this.db.update(campaignAttempts).set({ providerCallId }).where(eq(campaignAttempts.id, attemptId));
  }

  /** The callee's media stream reached a call session: the attempt is answered. False when it had already ended. */
  async markAnswered(attemptId: string, callId: string, answeredAt: Date): Promise<boolean> {
    const rows = await this.db
      .update(campaignAttempts)
      .set({ status: 'answered', answeredAt: sql`coalesce(${campaignAttempts.answeredAt}, ${at(answeredAt)})`, callId })
      .where(and(eq(campaignAttempts.id, attemptId), ne(campaignAttempts.status, 'ended')))
      .returning({ id: campaignAttempts.id });
    return rows.length > 0;
  }

  /** Adds the provider's figure for how long the call lasted (Twilio's CallDuration). */
  async setDuration(attemptId: string, seconds: number): Promise<void> {
    await this.db.update(campaignAttempts).set({ durationSeconds: Math.round(seconds) }).where(eq(campaignAttempts.id, attemptId));
  }

  /**
   * Ends an attempt (once: a second report only fills in a missing duration) and moves its contact
   * on: a retryable outcome with attempts left → pending again after the delay; otherwise done.
   */
  async finishAttempt(attemptId: string, report: FinishReport): Promise<{ ended: boolean; retryAt: Date | null }> {
    return this.database.transaction(async ({ db }) => {
      const [row] = await db
        .select({
          contactId: campaignAttempts.contactId,
          status: campaignAttempts.status,
          answeredAt: campaignAttempts.answeredAt,
          durationSeconds: campaignAttempts.durationSeconds,
          retry: campaigns.retry,
          campaignStatus: campaigns.status,
        })
        .from(campaignAttempts)
        .innerJoin(campaigns, eq(campaigns.id, campaignAttempts.campaignId))
        .where(eq(campaignAttempts.id, attemptId))
        .for('update', { of: campaignAttempts });
      if (!row) return { ended: false, retryAt: null };
      if (row.status === 'ended') {
        if (report.durationSeconds != null && row.durationSeconds == null)
          await db.update(campaignAttempts).set({ durationSeconds: Math.round(report.durationSeconds) }).where(eq(campaignAttempts.id, attemptId));
        return { ended: false, retryAt: null };
      }
      const answeredAt = row.answeredAt;
      const duration = report.durationSeconds ?? row.durationSeconds ?? (answeredAt ? Math.max(0, Math.round((report.at.getTime() - answeredAt.getTime()) / 1000)) : null);
      await db
        .update(campaignAttempts)
        .set({ status: 'ended', outcome: report.outcome, endedAt: report.at, durationSeconds: duration, detail: report.detail ?? null })
        .where(eq(campaignAttempts.id, attemptId));
      const retry = row.retry;
      const [contact] = await db.select({ attempts: campaignContacts.attempts }).from(campaignContacts).where(eq(campaignContacts.id, row.contactId)).for('update');
      const retryable = (OUTCOMES_RETRYABLE as readonly string[]).includes(report.outcome) && retry.on.includes(report.outcome as never);
      const again = retryable && contact.attempts < retry.maxAttempts && row.campaignStatus !== 'cancelled';
      const retryAt = again ? new Date(report.at.getTime() + retry.delayMinutes * 60_000) : null;
      await db
        .update(campaignContacts)
        .set({
          status: again ? 'pending' : 'done',
          nextAttemptAt: retryAt,
          finalOutcome: again ? null : report.outcome,
          updatedAt: report.at,
          // A report without them keeps what an earlier one recorded.
          ...(report.confirmed != null ? { confirmed: report.confirmed } : {}),
          ...(report.answers ? { answers: report.answers } : {}),
        })
        .where(eq(campaignContacts.id, row.contactId));
      return { ended: true, retryAt };
    });
  }

  /** Attempts nobody will report on any more (the instance that placed them stopped): ended as `lost`. */
  async staleAttempts(now: Date, dialingSeconds: number, answeredSeconds: number): Promise<Attempt[]> {
    const rows = await this.db
      .select()
      .from(campaignAttempts)
      .where(
        or(
          and(eq(campaignAttempts.status, 'dialing'), lt(campaignAttempts.placedAt, new Date(now.getTime() - dialingSeconds * 1000))),
          and(eq(campaignAttempts.status, 'answered'), lt(campaignAttempts.answeredAt, new Date(now.getTime() - answeredSeconds * 1000))),
        ),
      );
    return rows.map(attemptOf);
  }

  /** Running campaigns with nothing left to dial or in flight become completed. */
  async completeFinished(now: Date): Promise<string[]> {
    const contactsOf = (...where: SQL[]) =>
      this.db.select({ one: sql`1` }).from(campaignContacts).where(and(eq(campaignContacts.campaignId, campaigns.id), ...where));
    const rows = await this.db
      .update(campaigns)
      .set({ status: 'completed', finishedAt: now, updatedAt: now })
      .where(
        and(
          eq(campaigns.status, 'running'),
          notExists(contactsOf(ne(campaignContacts.status, 'done'))),
          notExists(
            this.db
              .select({ one: sql`1` })
              .from(campaignAttempts)
              .where(and(eq(campaignAttempts.campaignId, campaigns.id), ne(campaignAttempts.status, 'ended'))),
          ),
          exists(contactsOf()),
        ),
      )
      .returning({ id: campaigns.id });
    return rows.map((r) => r.id);
  }

  async counts(campaignId: string): Promise<Record<string, number>> {
    // A finished contact counts under its outcome; one still in play under its status.
    const key = sql<string>`case when ${campaignContacts.status} = 'done' then coalesce(${campaignContacts.finalOutcome}, 'done') else ${campaignContacts.status} end`;
    const rows = await this.db
      .select({ key, n: count(), duplicates: sql<number>`coalesce(sum(${campaignContacts.duplicates}), 0)`.mapWith(Number) })
      .from(campaignContacts)
      .where(eq(campaignContacts.campaignId, campaignId))
      .groupBy(key);
    const [attempts] = await this.db
      .select({ all: count(), inFlight: sql<number>`count(*) filter (where ${campaignAttempts.status} <> 'ended')`.mapWith(Number) })
      .from(campaignAttempts)
      .where(eq(campaignAttempts.campaignId, campaignId));
    const sum = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((total, r) => total + pick(r), 0);
    const out: Record<string, number> = { contacts: sum((r) => r.n), attempts: attempts.all, inFlight: attempts.inFlight, duplicatesMerged: sum((r) => r.duplicates) };
    for (const r of rows) out[r.key] = r.n;
    return out;
  }

  async contacts(campaignId: string): Promise<Contact[]> {
    return (await this.db.select().from(campaignContacts).where(eq(campaignContacts.campaignId, campaignId)).orderBy(asc(campaignContacts.id))).map(contactOf);
  }

  async attemptsOf(campaignId: string): Promise<Attempt[]> {
    return (
      await this.db.select().from(campaignAttempts).where(eq(campaignAttempts.campaignId, campaignId)).orderBy(asc(campaignAttempts.contactId), asc(campaignAttempts.seq))
    ).map(attemptOf);
  }

  // ---- do-not-call ----

  async addDnc(phones: string[], reason: string | null, source: string, campaignId: string | null = null): Promise<number> {
    let added = 0;
    for (const phone of phones) {
      const rows = await this.db.insert(dncNumbers).values({ phone, reason, source, campaignId }).onConflictDoNothing({ target: dncNumbers.phone }).returning({ phone: dncNumbers.phone });
      added += rows.length;
    }
    return added;
  }

  async listDnc(phone?: string): Promise<{ phone: string; reason: string | null; source: string; campaignId: string | null; createdAt: Date }[]> {
    const columns = { phone: dncNumbers.phone, reason: dncNumbers.reason, source: dncNumbers.source, campaignId: dncNumbers.campaignId, createdAt: dncNumbers.createdAt };
    return phone
      ? this.db.select(columns).from(dncNumbers).where(eq(dncNumbers.phone, phone))
      : this.db.select(columns).from(dncNumbers).orderBy(desc(dncNumbers.createdAt), asc(dncNumbers.phone)).limit(10000);
  }

  async removeDnc(phone: string): Promise<boolean> {
    return (await this.db.delete(dncNumbers).where(eq(dncNumbers.phone, phone)).returning({ phone: dncNumbers.phone })).length > 0;
  }
}
