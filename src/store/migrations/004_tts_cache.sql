-- Synthesised answers and uploaded recordings, as PCM at the rate they are played at.
-- Synthesised rows: key = sha256(voice, rate, spoken text); a changed text or voice is a new key,
-- so nothing is ever invalidated in place and a rollback finds its audio still there. Call-time
-- misses (dynamic texts) are pruned after a retention period; warmed answers and prompts are kept.
-- Recording rows: key = sha256('recording', owner, rate); `owner` is what ops uploaded it for
-- ('faq:<id>' or 'prompt:<key>'), and `text_hash` (sha256 of rate + spoken text) is how a call finds
-- it: a recording plays for exactly the text it was recorded for, and takes precedence over synthesis.
create table if not exists tts_audio (
  key          text primary key,
  text         text not null,
  text_hash    text not null,
  voice        text not null,
  sample_rate  integer not null check (sample_rate > 0),
  pcm          bytea not null,
  source       text not null check (source in ('tts', 'recording')),
  owner        text,
  created_at   timestamptz not null default now(),
  check ((source = 'recording') = (owner is not null))
);
-- One recording per owner; replacing it is one statement (delete + insert), never a gap.
create unique index if not exists tts_audio_owner_idx on tts_audio (owner) where source = 'recording';
create index if not exists tts_audio_recording_text_idx on tts_audio (text_hash, created_at desc) where source = 'recording';
