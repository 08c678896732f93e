import type { Database } from '../store/db.js';

export interface KpiWindow {
  from: Date;
  to: Date;
  queue?: string | null;
}

export interface QueueKpis {
  from: string;
  to: string;
  queue: string | null;
  /** Entries that joined the queue in the window. */
  entered: number;
  answered: number;
  abandoned: number;
  /** Callers who chose a call-back instead of waiting. */
  callbacks: number;
  transferred: number;
  /** Still in the line (waiting, ringing or awaiting call-back). */
  pending: number;
  /** Mean seconds from joining the queue to an agent's accept. */
  averageSpeedOfAnswerSeconds: number | null;
  /** abandoned / (answered + abandoned): callers who gave up out of those whose wait ended. */
  abandonRate: number | null;
  serviceLevelSeconds: number;
  /** Answered within serviceLevelSeconds / (answered + abandoned); abandons count against it. */
  serviceLevel: number | null;
  handle: {
    count: number;
    averageTalkSeconds: number | null;
    averageAfterCallWorkSeconds: number | null;
    /** Talk + after-call work. */
    averageHandleSeconds: number | null;
    maxHandleSeconds: number | null;
  };
  offers: { made: number; declined: number; ringNoAnswer: number };
  byReason: { reason: string; entered: number; answered: number; abandoned: number }[];
  byQueue: { queue: string; entered: number; answered: number; abandoned: number }[];
}

const num = (v: unknown) => (v == null ? null : Number(v));
const round = (v: number | null, digits = 2) => (v == null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** Queue KPIs computed from the stored entries and offers (the database is the record). */
export async function queueKpis(database: Database, window: KpiWindow, serviceLevelSeconds: number): Promise<QueueKpis> {
  const scope = `enqueued_at >= $1 and enqueued_at < $2 and ($3::text is null or queue = $3)`;
  const params = [window.from, window.to, window.queue ?? null];
  const [totals] = await database.query(
    `select count(*) as entered,
       count(*) filter (where answered_at is not null) as answered,
       count(*) filter (where state = 'abandoned') as abandoned,
       count(*) filter (where callback_number is not null) as callbacks,
       count(*) filter (where state = 'transferred') as transferred,
       count(*) filter (where state in ('waiting', 'offered', 'callback')) as pending,
       avg(extract(epoch from answered_at - enqueued_at)) as asa,
       count(*) filter (where answered_at is not null and answered_at - enqueued_at <= make_interval(secs => $4)) as within_sl,
       count(*) filter (where ended_at is not null and answered_at is not null) as handled,
       avg(extract(epoch from ended_at - answered_at)) filter (where answered_at is not null) as talk,
       avg(extract(epoch from wrapped_up_at - ended_at)) filter (where answered_at is not null) as acw,
       avg(extract(epoch from wrapped_up_at - answered_at)) as aht,
       max(extract(epoch from wrapped_up_at - answered_at)) as max_ht
     from handoff_entries where ${scope}`,
    [...params, serviceLevelSeconds],
  );
  const [offers] = await database.query(
    `select count(*) as made, count(*) filter (where f.outcome = 'declined') as declined,
       count(*) filter (where f.outcome = 'timeout') as rona
     from handoff_offers f join handoff_entries e on e.id = f.entry_id
     where e.enqueued_at >= $1 and e.enqueued_at < $2 and ($3::text is null or e.queue = $3)`,
    params,
  );
  const group = async (column: 'reason' | 'queue') =>
    (
      await database.query(
        `select ${column} as k, count(*) as entered, count(*) filter (where answered_at is not null) as answered,
           count(*) filter (where state = 'abandoned') as abandoned
         from handoff_entries where ${scope} group by ${column} order by count(*) desc, ${column}`,
        params,
      )
    ).map((r: any) => ({ k: String(r.k), entered: Number(r.entered), answered: Number(r.answered), abandoned: Number(r.abandoned) }));

  const answered = Number(totals.answered);
  const abandoned = Number(totals.abandoned);
  const ended = answered + abandoned;
  return {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    queue: window.queue ?? null,
    entered: Number(totals.entered),
    answered,
    abandoned,
    callbacks: Number(totals.callbacks),
    transferred: Number(totals.transferred),
    pending: Number(totals.pending),
    averageSpeedOfAnswerSeconds: round(num(totals.asa)),
    abandonRate: ended ? round(abandoned / ended, 4) : null,
    serviceLevelSeconds,
    serviceLevel: ended ? round(Number(totals.within_sl) / ended, 4) : null,
    handle: {
      count: Number(totals.handled),
      averageTalkSeconds: round(num(totals.talk)),
      averageAfterCallWorkSeconds: round(num(totals.acw)),
      averageHandleSeconds: round(num(totals.aht)),
      maxHandleSeconds: round(num(totals.max_ht)),
    },
    offers: { made: Number(offers.made), declined: Number(offers.declined), ringNoAnswer: Number(offers.rona) },
    byReason: (await group('reason')).map(({ k, ...v }) => ({ reason: k, ...v })),
    byQueue: (await group('queue')).map(({ k, ...v }) => ({ queue: k, ...v })),
  };
}
