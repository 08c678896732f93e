import { randomUUID } from 'node:crypto';
import type { Database } from '../store/db.js';
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

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const d = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));
const j = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

function campaignOf(r: Record<string, any>): Campaign {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    status: r.status,
    script: j(r.script),
    dialer: j(r.dialer),
    schedule: j(r.schedule),
    pacing: j(r.pacing),
    retry: j(r.retry),
    options: j(r.options),
    createdAt: d(r.created_at)!,
    updatedAt: d(r.updated_at)!,
    startedAt: d(r.started_at),
    finishedAt: d(r.finished_at),
  };
}

function contactOf(r: Record<string, any>): Contact {
  return {
    id: Number(r.id),
    campaignId: r.campaign_id,
    phone: r.phone,
    name: r.name,
    vars: j(r.vars) ?? {},
    status: r.status,
    attempts: Number(r.attempts),
    finalOutcome: r.final_outcome,
    confirmed: r.confirmed,
    answers: j(r.answers),
  };
}

export function attemptOf(r: Record<string, any>): Attempt {
  return {
    id: r.id,
    campaignId: r.campaign_id,
    contactId: Number(r.contact_id),
    seq: Number(r.seq),
    status: r.status,
    outcome: r.outcome,
    providerCallId: r.provider_call_id,
    callId: r.call_id,
    placedAt: d(r.placed_at)!,
    answeredAt: d(r.answered_at),
    firstAudioMs: n(r.first_audio_ms),
    endedAt: d(r.ended_at),
    durationSeconds: n(r.duration_seconds),
    detail: r.detail,
  };
}

/** Allowed status changes: action → [from…] → to. */
export const TRANSITIONS: Record<'start' | 'pause' | 'resume' | 'cancel', { from: CampaignStatus[]; to: CampaignStatus }> = {
  start: { from: ['draft'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['draft', 'running', 'paused'], to: 'cancelled' },
};

export class CampaignStore {
  constructor(readonly database: Database) {}

  async create(input: CreateCampaign, now: Date): Promise<Campaign> {
    const id = `cmp_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const options = { callerId: input.callerId, queue: input.queue, machineDetection: input.machineDetection };
    const [row] = await this.database.query(
      `insert into campaigns (id, name, kind, status, script, dialer, schedule, pacing, retry, options, created_at, updated_at)
       values ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9, $10, $10) returning *`,
      [id, input.name, input.kind, JSON.stringify(input.script), JSON.stringify(input.dialer), JSON.stringify(input.schedule), JSON.stringify(input.pacing), JSON.stringify(input.retry), JSON.stringify(options), now],
    );
    return campaignOf(row);
  }

  async get(id: string): Promise<Campaign | null> {
    const [row] = await this.database.query('select * from campaigns where id = $1', [id]);
    return row ? campaignOf(row) : null;
  }

  async list(): Promise<Campaign[]> {
    return (await this.database.query('select * from campaigns order by created_at desc, id')).map(campaignOf);
  }

  async running(): Promise<Campaign[]> {
    return (await this.database.query(`select * from campaigns where status = 'running' order by created_at, id`)).map(campaignOf);
  }

  /** Moves a campaign along; null when the campaign is not in a state the action applies to. */
  async transition(id: string, action: keyof typeof TRANSITIONS, now: Date): Promise<Campaign | null> {
    const t = TRANSITIONS[action];
    return this.database.transaction(async ({ query: q }) => {
      const [row] = await q(
        `update campaigns set status = $2, updated_at = $3,
           started_at = case when $2 = 'running' and started_at is null then $3 else started_at end,
           finished_at = case when $2 = 'cancelled' then $3 else finished_at end
         where id = $1 and status = any($4::text[]) returning *`,
        [id, t.to, now, t.from],
      );
      if (!row) return null;
      // A cancelled campaign calls no one else; calls in progress finish on their own.
      if (t.to === 'cancelled') {
        await q(`update campaign_contacts set status = 'done', final_outcome = 'cancelled', updated_at = $2 where campaign_id = $1 and status = 'pending'`, [id, now]);
      }
      return campaignOf(row);
    });
  }

  /** Adds contacts: duplicates (within the file and with earlier uploads) merged and counted, DNC numbers kept out. */
  async addContacts(campaignId: string, rows: ContactRow[], now: Date): Promise<ImportSummary> {
    const summary: ImportSummary = { received: rows.length, added: 0, duplicates: 0, doNotCall: 0 };
    if (!rows.length) return summary;
    const dnc = new Set(
      (await this.database.query<{ phone: string }>('select phone from dnc_numbers where phone = any($1::text[])', [[...new Set(rows.map((r) => r.phone))]])).map((r) => r.phone),
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
    await this.database.transaction(async ({ query: q }) => {
      for (const r of unique.values()) {
        const [row] = await q<{ inserted: boolean }>(
          `insert into campaign_contacts (campaign_id, phone, name, vars, source_line, duplicates, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (campaign_id, phone) do update set duplicates = campaign_contacts.duplicates + excluded.duplicates + 1, updated_at = excluded.updated_at
           returning (xmax = 0) as inserted`,
          [campaignId, r.phone, r.name, JSON.stringify(r.vars), r.line, r.dup, now],
        );
        if (row.inserted) summary.added++;
        else summary.duplicates++;
      }
    });
    return summary;
  }

  /**
   * Claims the contacts this instance may dial now for one campaign, within its pacing, and
   * creates their attempts. Returns nothing when another instance holds the campaign this instant.
   */
  async claimDue(campaign: Campaign, now: Date, instance: string, limit = Infinity): Promise<Claimed[]> {
    return this.database.transaction(async ({ query: q }) => {
      const [locked] = await q(`select id from campaigns where id = $1 and status = 'running' for update skip locked`, [campaign.id]);
      if (!locked) return [];
      const [counts] = await q<{ in_flight: string; last_minute: string }>(
        `select count(*) filter (where status <> 'ended') as in_flight,
                count(*) filter (where placed_at > $2) as last_minute
           from campaign_attempts where campaign_id = $1 and (status <> 'ended' or placed_at > $2)`,
        [campaign.id, new Date(now.getTime() - 60_000)],
      );
      const room = Math.min(campaign.pacing.maxConcurrent - Number(counts.in_flight), campaign.pacing.callsPerMinute - Number(counts.last_minute), limit);
      if (room <= 0) return [];
      // Numbers put on the do-not-call list after the upload are never dialled either.
      await q(
        `update campaign_contacts c set status = 'done', final_outcome = 'dnc', updated_at = $2
           from dnc_numbers d where c.campaign_id = $1 and c.status = 'pending' and d.phone = c.phone`,
        [campaign.id, now],
      );
      const due = await q(
        `select * from campaign_contacts
          where campaign_id = $1 and status = 'pending' and (next_attempt_at is null or next_attempt_at <= $2)
          order by next_attempt_at nulls first, id limit $3 for update skip locked`,
        [campaign.id, now, room],
      );
      const claimed: Claimed[] = [];
      for (const row of due) {
        const contact = contactOf(row);
        const seq = contact.attempts + 1;
        const id = `att_${randomUUID().replace(/-/g, '')}`;
        const [attempt] = await q(
          `insert into campaign_attempts (id, campaign_id, contact_id, seq, instance, status, placed_at) values ($1, $2, $3, $4, $5, 'dialing', $6) returning *`,
          [id, campaign.id, contact.id, seq, instance, now],
        );
        await q(`update campaign_contacts set status = 'dialing', attempts = $2, updated_at = $3 where id = $1`, [contact.id, seq, now]);
        claimed.push({ attempt: attemptOf(attempt), contact: { ...contact, status: 'dialing', attempts: seq } });
      }
      return claimed;
    });
  }

  async attempt(id: string): Promise<Attempt | null> {
    const [row] = await this.database.query('select * from campaign_attempts where id = $1', [id]);
    return row ? attemptOf(row) : null;
  }

  async attemptByProviderId(providerCallId: string): Promise<Attempt | null> {
    const [row] = await this.database.query('select * from campaign_attempts where provider_call_id = $1 order by placed_at desc limit 1', [providerCallId]);
    return row ? attemptOf(row) : null;
  }

  async contact(id: number): Promise<Contact | null> {
    const [row] = await this.database.query('select * from campaign_contacts where id = $1', [id]);
    return row ? contactOf(row) : null;
  }

  async setProviderCallId(attemptId: string, providerCallId: string): Promise<void> {
    await this.database.query('update campaign_attempts set provider_call_id = $2 where id = $1', [attemptId, providerCallId]);
  }

  /** The callee's media stream reached a call session: the attempt is answered. False when it had already ended. */
  async markAnswered(attemptId: string, callId: string, at: Date): Promise<boolean> {
    const rows = await this.database.query(
      `update campaign_attempts set status = 'answered', answered_at = coalesce(answered_at, $3), call_id = $2 where id = $1 and status <> 'ended' returning id`,
      [attemptId, callId, at],
    );
    return rows.length > 0;
  }

  /** Adds the provider's figure for how long the call lasted (Twilio's CallDuration). */
  async setDuration(attemptId: string, seconds: number): Promise<void> {
    await this.database.query('update campaign_attempts set duration_seconds = $2 where id = $1', [attemptId, Math.round(seconds)]);
  }

  /**
   * Ends an attempt (once: a second report only fills in a missing duration) and moves its contact
   * on: a retryable outcome with attempts left → pending again after the delay; otherwise done.
   */
  async finishAttempt(attemptId: string, report: FinishReport): Promise<{ ended: boolean; retryAt: Date | null }> {
    return this.database.transaction(async ({ query: q }) => {
      const [row] = await q(`select a.*, c.retry, c.status as campaign_status from campaign_attempts a join campaigns c on c.id = a.campaign_id where a.id = $1 for update of a`, [attemptId]);
      if (!row) return { ended: false, retryAt: null };
      if (row.status === 'ended') {
        if (report.durationSeconds != null && row.duration_seconds == null) await q('update campaign_attempts set duration_seconds = $2 where id = $1', [attemptId, Math.round(report.durationSeconds)]);
        return { ended: false, retryAt: null };
      }
      const answeredAt = d(row.answered_at);
      const duration = report.durationSeconds ?? n(row.duration_seconds) ?? (answeredAt ? Math.max(0, Math.round((report.at.getTime() - answeredAt.getTime()) / 1000)) : null);
      await q(`update campaign_attempts set status = 'ended', outcome = $2, ended_at = $3, duration_seconds = $4, detail = $5 where id = $1`, [
        attemptId,
        report.outcome,
        report.at,
        duration,
        report.detail ?? null,
      ]);
      const retry = j<Campaign['retry']>(row.retry);
      const [contact] = await q(`select * from campaign_contacts where id = $1 for update`, [row.contact_id]);
      const retryable = (OUTCOMES_RETRYABLE as readonly string[]).includes(report.outcome) && retry.on.includes(report.outcome as never);
      const again = retryable && Number(contact.attempts) < retry.maxAttempts && row.campaign_status !== 'cancelled';
      const retryAt = again ? new Date(report.at.getTime() + retry.delayMinutes * 60_000) : null;
      await q(
        `update campaign_contacts set status = $2, next_attempt_at = $3, final_outcome = $4, updated_at = $5,
           confirmed = coalesce($6, confirmed), answers = coalesce($7, answers) where id = $1`,
        [
          row.contact_id,
          again ? 'pending' : 'done',
          retryAt,
          again ? null : report.outcome,
          report.at,
          report.confirmed ?? null,
          report.answers ? JSON.stringify(report.answers) : null,
        ],
      );
      return { ended: true, retryAt };
    });
  }

  /** Attempts nobody will report on any more (the instance that placed them stopped): ended as `lost`. */
  async staleAttempts(now: Date, dialingSeconds: number, answeredSeconds: number): Promise<Attempt[]> {
    const rows = await this.database.query(
      `select * from campaign_attempts where (status = 'dialing' and placed_at < $1) or (status = 'answered' and answered_at < $2)`,
      [new Date(now.getTime() - dialingSeconds * 1000), new Date(now.getTime() - answeredSeconds * 1000)],
    );
    return rows.map(attemptOf);
  }

  /** Running campaigns with nothing left to dial or in flight become completed. */
  async completeFinished(now: Date): Promise<string[]> {
    const rows = await this.database.query<{ id: string }>(
      `update campaigns c set status = 'completed', finished_at = $1, updated_at = $1
        where c.status = 'running'
          and not exists (select 1 from campaign_contacts k where k.campaign_id = c.id and k.status <> 'done')
          and not exists (select 1 from campaign_attempts a where a.campaign_id = c.id and a.status <> 'ended')
          and exists (select 1 from campaign_contacts k where k.campaign_id = c.id)
        returning c.id`,
      [now],
    );
    return rows.map((r) => r.id);
  }

  async counts(campaignId: string): Promise<Record<string, number>> {
    const rows = await this.database.query<{ key: string; n: string }>(
      `select case when status = 'done' then coalesce(final_outcome, 'done') else status end as key, count(*) as n
         from campaign_contacts where campaign_id = $1 group by 1`,
      [campaignId],
    );
    const [extra] = await this.database.query<{ contacts: string; duplicates: string; attempts: string; in_flight: string }>(
      `select (select count(*) from campaign_contacts where campaign_id = $1) as contacts,
              (select coalesce(sum(duplicates), 0) from campaign_contacts where campaign_id = $1) as duplicates,
              (select count(*) from campaign_attempts where campaign_id = $1) as attempts,
              (select count(*) from campaign_attempts where campaign_id = $1 and status <> 'ended') as in_flight`,
      [campaignId],
    );
    const out: Record<string, number> = { contacts: Number(extra.contacts), attempts: Number(extra.attempts), inFlight: Number(extra.in_flight), duplicatesMerged: Number(extra.duplicates) };
    for (const r of rows) out[r.key] = Number(r.n);
    return out;
  }

  async contacts(campaignId: string): Promise<Contact[]> {
    return (await this.database.query('select * from campaign_contacts where campaign_id = $1 order by id', [campaignId])).map(contactOf);
  }

  async attemptsOf(campaignId: string): Promise<Attempt[]> {
    return (await this.database.query('select * from campaign_attempts where campaign_id = $1 order by contact_id, seq', [campaignId])).map(attemptOf);
  }

  // ---- do-not-call ----

  async addDnc(phones: string[], reason: string | null, source: string, campaignId: string | null = null): Promise<number> {
    let added = 0;
    for (const phone of phones) {
      const rows = await this.database.query(`insert into dnc_numbers (phone, reason, source, campaign_id) values ($1, $2, $3, $4) on conflict (phone) do nothing returning phone`, [
        phone,
        reason,
        source,
        campaignId,
      ]);
      added += rows.length;
    }
    return added;
  }

  async listDnc(phone?: string): Promise<{ phone: string; reason: string | null; source: string; campaignId: string | null; createdAt: Date }[]> {
    const rows = phone
      ? await this.database.query('select * from dnc_numbers where phone = $1', [phone])
      : await this.database.query('select * from dnc_numbers order by created_at desc, phone limit 10000');
    return rows.map((r: any) => ({ phone: r.phone, reason: r.reason, source: r.source, campaignId: r.campaign_id, createdAt: d(r.created_at)! }));
  }

  async removeDnc(phone: string): Promise<boolean> {
    return (await this.database.query('delete from dnc_numbers where phone = $1 returning phone', [phone])).length > 0;
  }
}
