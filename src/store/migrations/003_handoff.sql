-- The human queue (ACD): queues, agents with presence, queue entries, offers and desk sessions.
-- Everything the queue knows lives here, not in a process: any instance can route any entry, and
-- an instance that dies loses nothing (its offers time out and the entries go back to waiting).

create table if not exists handoff_queues (
  name       text primary key,
  label      text,
  -- Higher first: a billing caller waits behind no one from a lower-priority queue.
  priority   integer not null default 0,
  -- Agents need this skill to be offered the queue's calls; null = any agent.
  skill      text,
  updated_at timestamptz not null default now()
);

create table if not exists handoff_agents (
  id               text primary key,
  name             text not null,
  -- scrypt: salt$hash (hex); the PIN itself is never stored.
  pin_hash         text not null,
  skills           text[] not null default '{}',
  -- Phone number or PBX extension the agent's handset answers on, for transfers to this agent.
  extension        text,
  presence         text not null default 'offline'
                   check (presence in ('available', 'busy', 'after-call-work', 'offline')),
  presence_since   timestamptz not null default now(),
  -- Longest-idle routing: when the agent last became free (sign-in or end of wrap-up).
  idle_since       timestamptz not null default now(),
  -- The entry the agent is being offered or is serving (busy / after-call work).
  current_entry_id text,
  created_at       timestamptz not null default now()
);
create index if not exists handoff_agents_available_idx on handoff_agents (presence, idle_since);

create table if not exists handoff_entries (
  id                text primary key,
  call_id           text not null,
  protocol          text not null,
  provider_call_id  text,
  caller_number     text,
  caller_name       text,
  queue             text not null,
  priority          integer not null default 0,
  reason            text not null,
  intent            text,
  transcript        jsonb not null default '[]'::jsonb,
  enqueued_at       timestamptz not null default now(),
  -- waiting: caller on hold; callback: caller hung up and keeps their place for a call back;
  -- offered: ringing on one agent's desk; connected: an agent took it; abandoned; transferred.
  state             text not null default 'waiting'
                    check (state in ('waiting', 'offered', 'connected', 'callback', 'abandoned', 'transferred')),
  callback_number   text,
  offered_to        text,
  offered_at        timestamptz,
  offer_expires_at  timestamptz,
  -- Agents who declined or let it ring out: they are not offered this entry again.
  declined_by       text[] not null default '{}',
  answered_by       text,
  answered_at       timestamptz,
  ended_at          timestamptz,
  wrapped_up_at     timestamptz,
  wrap_code         text,
  notes             text,
  transfer_target   text,
  transfer_error    text,
  -- Instance that took the call in (diagnostics; routing never depends on it).
  instance_id       text
);
create index if not exists handoff_entries_routing_idx on handoff_entries (state, priority desc, enqueued_at);
create index if not exists handoff_entries_enqueued_idx on handoff_entries (enqueued_at);
create index if not exists handoff_entries_call_idx on handoff_entries (call_id);

-- Every offer ever made: the audit trail that proves no entry rang on two desks at once.
create table if not exists handoff_offers (
  id           bigserial primary key,
  entry_id     text not null references handoff_entries (id) on delete cascade,
  agent_id     text not null,
  instance_id  text,
  offered_at   timestamptz not null default now(),
  outcome      text check (outcome in ('accepted', 'declined', 'timeout', 'withdrawn')),
  responded_at timestamptz
);
create index if not exists handoff_offers_entry_idx on handoff_offers (entry_id, offered_at);
-- At most one open offer per entry, whatever the number of routing processes.
create unique index if not exists handoff_offers_one_open_idx on handoff_offers (entry_id) where outcome is null;

create table if not exists handoff_sessions (
  token_hash text primary key,
  agent_id   text not null references handoff_agents (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
