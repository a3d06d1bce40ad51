-- 006: alert cooldowns count watched time. Watched, present, healthy time (ms) since a rule × scope's last
-- resolve: the cooldown has elapsed when it reaches the rule's cooldown (src/alerts/machine.ts).
ALTER TABLE alert_state ADD COLUMN watched_ms INTEGER NOT NULL DEFAULT 0;
