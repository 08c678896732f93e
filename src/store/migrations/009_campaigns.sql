-- Outbound campaigns (src/campaigns): notification calls and surveys, their contacts, every dial
-- attempt, and the do-not-call list. Attempts live here so that any instance can place them and
-- none places one twice: a contact is claimed with `for update skip locked`, and (contact_id, seq)
-- is unique, so a second insert of the same attempt fails instead of dialling again.
create table if not exists campaigns (
  id text primary key,
  name text not null,
  kind text not null,
  status text not null default 'draft',
  script jsonb not null,
  dialer jsonb not null,
  schedule jsonb not null,
  pacing jsonb not null,
  retry jsonb not null,
  options jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);

create table if not exists campaign_contacts (
  id bigserial primary key,
  campaign_id text not null references campaigns(id) on delete cascade,
  phone text not null,
  name text,
  vars jsonb not null default '{}'::jsonb,
  source_line integer,
  duplicates integer not null default 0,
  status text not null default 'pending',
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  final_outcome text,
  confirmed boolean,
  answers jsonb,
  updated_at timestamptz not null default now(),
  unique (campaign_id, phone)
);
create index if not exists campaign_contacts_due_idx on campaign_contacts (campaign_id, status, next_attempt_at);

create table if not exists campaign_attempts (
  id text primary key,
  campaign_id text not null references campaigns(id) on delete cascade,
  contact_id bigint not null references campaign_contacts(id) on delete cascade,
  seq integer not null,
  instance text not null,
  status text not null default 'dialing',
  outcome text,
  provider_call_id text,
  call_id text,
  placed_at timestamptz not null,
  answered_at timestamptz,
  first_audio_ms integer,
  ended_at timestamptz,
  duration_seconds integer,
  detail text,
  unique (contact_id, seq)
);
create index if not exists campaign_attempts_campaign_idx on campaign_attempts (campaign_id, status, placed_at);
create index if not exists campaign_attempts_provider_idx on campaign_attempts (provider_call_id);

create table if not exists dnc_numbers (
  phone text primary key,
  reason text,
  source text not null default 'api',
  campaign_id text,
  created_at timestamptz not null default now()
);

