-- Calls, their turns and their events: everything the call path records.
-- Every table has a natural or client-generated key so that the buffered recorder can retry a
-- batch after an ambiguous failure (commit sent, connection lost) with `on conflict do nothing`.

create table if not exists calls (
  id             text primary key,
  protocol       text not null,
  from_number    text,
  to_number      text,
  started_at     timestamptz not null,
  ended_at       timestamptz,
  outcome        text,
  handoff_reason text,
  handoff_queue  text,
  params         jsonb not null default '{}'::jsonb
);
-- Listing newest first, and one caller's history (agent screen pop, repeat-caller KPI).
create index if not exists calls_started_at_idx on calls (started_at desc, id desc);
create index if not exists calls_from_number_idx on calls (from_number, started_at desc);

create table if not exists turns (
  call_id            text not null references calls (id) on delete cascade,
  seq                integer not null,
  at                 timestamptz not null,
  input              text not null,
  heard_text         text,
  partials_count     integer not null default 0,
  intent             text,
  confidence         double precision,
  action             text not null,
  bot_text           text,
  endpoint_ms        integer,
  asr_ms             integer,
  nlu_ms             integer,
  tts_first_audio_ms integer,
  total_ms           integer,
  primary key (call_id, seq)
);
create index if not exists turns_at_idx on turns (at);

-- Events have no natural key, so the recorder gives each one an id when it is queued;
-- `n` keeps the order in which they were written for events that share a timestamp.
create table if not exists call_events (
  id      text primary key,
  n       bigserial not null,
  call_id text not null references calls (id) on delete cascade,
  at      timestamptz not null,
  type    text not null,
  data    jsonb not null default '{}'::jsonb
);
create index if not exists call_events_call_idx on call_events (call_id, at, n);
create index if not exists call_events_type_at_idx on call_events (type, at);
