-- The keypad menu a caller falls back to when speech fails (src/dialog/menu.ts) is built from the
-- FAQ: «topic» or «topic / option wording» per FAQ, «-» keeps it out; null = from its tags.
alter table kb_faqs add column if not exists menu text;
