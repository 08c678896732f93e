-- Several Pasokh instances on one database: each one's heartbeat, and which instance a call is on.
-- An instance that stops heartbeating is marked gone by a survivor, and its calls that never
-- ended are recorded as lost (src/store/instances.ts): those callers were cut off with it.

create table if not exists pasokh_instances (
  id           text primary key,
  host         text,
  pid          integer,
  started_at   timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  -- Set by the survivor that found the heartbeat stale; cleared if the instance comes back.
  gone_at      timestamptz,
  -- A clean shutdown: its calls ended with it, nothing to recover.
  stopped_at   timestamptz
);

-- The instance whose connections wrote the row: each instance's pool sets pasokh.instance_id at
-- connect, so the recorder (which does not know about instances) tags its calls for free. Null on
-- the embedded database (one instance) and for rows written before this migration.
alter table calls add column if not exists instance_id text default nullif(current_setting('pasokh.instance_id', true), '');
create index if not exists calls_open_instance_idx on calls (instance_id) where ended_at is null;

-- Failed authentications per door and address, shared by the instances (src/store/auth-failures.ts):
-- behind a load balancer one address's guesses reach every instance, and the budget is one.
-- Rows older than the throttle's window are pruned by the instances as they write.
create table if not exists auth_failures (
  door        text not null,
  address     text not null,
  at          timestamptz not null,
  instance_id text
);
create index if not exists auth_failures_door_at_idx on auth_failures (door, at);
