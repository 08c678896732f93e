-- The console's sign-in lockout counts a name's recent «login-failed» rows and finds its last
-- «login» (src/console/audit.ts recentLoginFailures), on every sign-in, on every instance.
create index if not exists console_audit_actor_action_at_idx on console_audit (actor, action, at desc);
