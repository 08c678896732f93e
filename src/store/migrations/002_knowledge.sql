-- Knowledge base (FAQ) versions. Every import, edit, delete or rollback writes a complete new
-- version; the live pointer moves in the same transaction, so a reader sees one whole version or
-- the next, never a mixture. Old versions stay for rollback and audit.
create table if not exists kb_versions (
  version integer primary key,
  created_at timestamptz not null default now(),
  -- import | edit | delete | rollback | seed
  source text not null,
  note text,
  -- For a rollback: the version whose content was restored.
  based_on integer,
  faq_count integer not null
);

create table if not exists kb_faqs (
  version integer not null references kb_versions(version) on delete cascade,
  position integer not null,
  id text not null,
  question text not null,
  answer text not null,
  action text not null check (action in ('answer', 'handoff', 'end')),
  queue text,
  examples jsonb not null default '[]'::jsonb,
  tags jsonb not null default '[]'::jsonb,
  enabled boolean not null default true,
  primary key (version, id)
);

-- Exactly one row: the version every instance serves.
create table if not exists kb_live (
  singleton boolean primary key default true check (singleton),
  version integer not null references kb_versions(version)
);
