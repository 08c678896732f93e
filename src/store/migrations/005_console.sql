-- The ops console: people who sign in (roles admin / ops / viewer), their sessions and the audit
-- log of every change made through the admin API, whoever made it.

create table if not exists console_users (
  username      text primary key,
  -- scrypt: salt$hash (hex), as for agent PINs; the password itself is never stored.
  password_hash text not null,
  role          text not null check (role in ('admin', 'ops', 'viewer')),
  created_at    timestamptz not null default now(),
  created_by    text
);

create table if not exists console_sessions (
  -- sha-256 of the cookie's token: a leaked table does not sign anyone in.
  token_hash   text primary key,
  username     text not null references console_users(username) on delete cascade,
  -- Sent back in X-CSRF-Token (or the form field _csrf) on every change.
  csrf_token   text not null,
  created_at   timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at   timestamptz not null
);
create index if not exists console_sessions_user_idx on console_sessions (username);

create table if not exists console_audit (
  id       bigserial primary key,
  at       timestamptz not null default now(),
  -- A console user's name, or «admin-key» for Bearer requests.
  actor    text not null,
  role     text,
  -- e.g. «PUT /api/faqs/net-slow», «login», «logout», «login-failed»
  action   text not null,
  target   text,
  status   integer,
  ip       text,
  details  jsonb not null default '{}'::jsonb
);
create index if not exists console_audit_at_idx on console_audit (at desc);
