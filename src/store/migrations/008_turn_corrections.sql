-- Corrected transcripts: what an ops user says the caller said in a speech turn, kept beside what
-- the recogniser heard (turns.heard_text is never changed). Clearing a correction deletes its row.
create table if not exists turn_corrections (
  call_id      text not null,
  seq          integer not null,
  text         text not null,
  corrected_by text not null,
  corrected_at timestamptz not null,
  primary key (call_id, seq),
  foreign key (call_id, seq) references turns (call_id, seq) on delete cascade
);
-- Export reads the corrections made since a date.
create index if not exists turn_corrections_at_idx on turn_corrections (corrected_at);
