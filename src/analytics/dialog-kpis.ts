import type { Database } from '../store/db.js';

/**
 * How the dialog copes with callers it does not understand, from the call events the session
 * records (src/dialog/policy.ts notes, src/dialog/deescalate.ts):
 * - keypad menu: calls offered it (`menu.offered`), calls where a key led to an answer
 *   (`menu.selected` naming an FAQ), how those calls ended, and the FAQs reached by key;
 * - confirmations: per FAQ, how often callers confirmed or rejected the bot's guess (`confirm.answered`);
 * - de-escalation: calls where the bot acknowledged frustration (`deescalation`) and what set it off.
 * `inRange` is the calls filter of computeKpis over `$1` / `$2`.
 */
export interface DialogKpis {
  menu: {
    calls: number;
    callsAnsweredByKey: number;
    outcomes: { outcome: string; count: number }[];
    answers: { intent: string; count: number }[];
  };
  confirmations: { intent: string; confirmed: number; rejected: number }[];
  deescalation: { calls: number; cues: { cue: string; count: number }[] };
}

const n = (v: unknown): number => (v == null ? 0 : Number(v));

export async function computeDialogKpis(database: Database, inRange: string, range: string[]): Promise<DialogKpis> {
  const events = (types: string) => `select e.* from call_events e join calls c on c.id = e.call_id where ${inRange} and e.type in (${types})`;
  const [menu] = await database.query(
    `select count(distinct call_id) filter (where type = 'menu.offered')::int as calls,
       count(distinct call_id) filter (where type = 'menu.selected' and data ? 'faqId')::int as answered
     from (${events(`'menu.offered', 'menu.selected'`)}) m`,
    range,
  );
  const outcomes = await database.query(
    `select coalesce(c.outcome, 'in-progress') as outcome, count(*)::int as count from calls c
     where ${inRange} and exists (select 1 from call_events e where e.call_id = c.id and e.type = 'menu.offered')
     group by 1 order by 2 desc, 1`,
    range,
  );
  const answers = await database.query(
    `select data->>'faqId' as intent, count(*)::int as count from (${events(`'menu.selected'`)}) m
     where data ? 'faqId' group by 1 order by 2 desc, 1`,
    range,
  );
  const confirmations = await database.query(
    `select data->>'intent' as intent,
       count(*) filter (where (data->>'confirmed')::boolean)::int as confirmed,
       count(*) filter (where not (data->>'confirmed')::boolean)::int as rejected
     from (${events(`'confirm.answered'`)}) x group by 1 order by count(*) desc, 1`,
    range,
  );
  const [calm] = await database.query(`select count(distinct call_id)::int as calls from (${events(`'deescalation'`)}) d`, range);
  const cues = await database.query(
    `select coalesce(data->>'cue', 'unknown') as cue, count(*)::int as count from (${events(`'deescalation'`)}) d group by 1 order by 2 desc, 1`,
    range,
  );
  return {
    menu: {
      calls: n(menu.calls),
      callsAnsweredByKey: n(menu.answered),
      outcomes: outcomes.map((r) => ({ outcome: String(r.outcome), count: n(r.count) })),
      answers: answers.map((r) => ({ intent: String(r.intent), count: n(r.count) })),
    },
    confirmations: confirmations.map((r) => ({ intent: String(r.intent), confirmed: n(r.confirmed), rejected: n(r.rejected) })),
    deescalation: { calls: n(calm.calls), cues: cues.map((r) => ({ cue: String(r.cue), count: n(r.count) })) },
  };
}
