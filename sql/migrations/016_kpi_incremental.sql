-- 016: KPI facts maintained incrementally (src/warehouse/kpi.ts applyKpiChanges).
-- kpi_ticket_facts becomes the snapshot of what each ticket contributed to the KPI cells (kpi_daily, and
-- kpi_segment_daily per built dimension): its cell (queue, local creation date), the KPI facts, the FCR flag
-- and its segment values. A change of tickets then removes what the old snapshot contributed and adds what
-- the ticket contributes now, in the cells it touches only; the FCR of the other tickets of the same
-- customer and category (old and new) is recomputed, since a new or moved ticket can make them repeats.
-- Triggers log the tickets (and customers, agents: tier, team, name are segments) that changed since the
-- last build, only once facts exist; a full build (first read, time zones changed, or most tickets changed)
-- clears the log. Derived data: dropped and rebuilt on the next read.
DROP TABLE IF EXISTS kpi_ticket_facts;
CREATE TABLE kpi_ticket_facts (
  ticket_id        TEXT PRIMARY KEY,
  queue            TEXT NOT NULL,
  local_date       TEXT NOT NULL,
  created_ms       INTEGER NOT NULL,
  first_response_s INTEGER,
  resolution_s     INTEGER,
  resolved_ms      INTEGER,
  due_ms           INTEGER,
  csat             INTEGER,
  reopened         INTEGER NOT NULL CHECK (reopened IN (0, 1)),
  escalated        INTEGER,
  fcr              INTEGER NOT NULL CHECK (fcr IN (0, 1)),
  customer_id      TEXT,
  category         TEXT,
  channel          TEXT NOT NULL,
  priority         TEXT NOT NULL,
  tier             TEXT NOT NULL,
  team             TEXT NOT NULL,
  agent_id         TEXT,
  agent            TEXT NOT NULL,
  attributes       TEXT
) STRICT;
CREATE INDEX ix_kpi_ticket_facts_day ON kpi_ticket_facts (queue, local_date);
CREATE INDEX ix_kpi_ticket_facts_repeat ON kpi_ticket_facts (customer_id, category) WHERE customer_id IS NOT NULL;
CREATE INDEX ix_kpi_ticket_facts_agent ON kpi_ticket_facts (agent_id) WHERE agent_id IS NOT NULL;
DELETE FROM kpi_daily;
DELETE FROM kpi_segment_daily;
DELETE FROM kpi_meta;

-- Tickets changed since the last build, and customers / agents whose segment values changed. (The triggers
-- test NOT EXISTS instead of INSERT OR IGNORE: an outer upsert's conflict policy overrides the trigger's.)
CREATE TABLE kpi_dirty (ticket_id TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE kpi_dirty_people (kind TEXT NOT NULL CHECK (kind IN ('customer', 'agent')), id TEXT NOT NULL, PRIMARY KEY (kind, id)) STRICT, WITHOUT ROWID;

CREATE TRIGGER kpi_log_ticket_insert AFTER INSERT ON tickets
WHEN EXISTS (SELECT 1 FROM kpi_meta WHERE key = 'signature')
BEGIN INSERT INTO kpi_dirty (ticket_id) SELECT NEW.ticket_id WHERE NOT EXISTS (SELECT 1 FROM kpi_dirty WHERE ticket_id = NEW.ticket_id); END;

CREATE TRIGGER kpi_log_ticket_update AFTER UPDATE ON tickets
WHEN EXISTS (SELECT 1 FROM kpi_meta WHERE key = 'signature') AND (
  OLD.ticket_id IS NOT NEW.ticket_id OR OLD.queue IS NOT NEW.queue OR OLD.created_at IS NOT NEW.created_at
  OR OLD.first_response_at IS NOT NEW.first_response_at OR OLD.resolved_at IS NOT NEW.resolved_at OR OLD.due_at IS NOT NEW.due_at
  OR OLD.csat IS NOT NEW.csat OR OLD.reopen_count IS NOT NEW.reopen_count OR OLD.escalated IS NOT NEW.escalated
  OR OLD.customer_id IS NOT NEW.customer_id OR OLD.category IS NOT NEW.category OR OLD.channel IS NOT NEW.channel
  OR OLD.priority IS NOT NEW.priority OR OLD.agent_id IS NOT NEW.agent_id OR OLD.attributes IS NOT NEW.attributes)
BEGIN
  INSERT INTO kpi_dirty (ticket_id) SELECT OLD.ticket_id WHERE NOT EXISTS (SELECT 1 FROM kpi_dirty WHERE ticket_id = OLD.ticket_id);
  INSERT INTO kpi_dirty (ticket_id) SELECT NEW.ticket_id WHERE NOT EXISTS (SELECT 1 FROM kpi_dirty WHERE ticket_id = NEW.ticket_id);
END;

CREATE TRIGGER kpi_log_ticket_delete AFTER DELETE ON tickets
WHEN EXISTS (SELECT 1 FROM kpi_meta WHERE key = 'signature')
BEGIN INSERT INTO kpi_dirty (ticket_id) SELECT OLD.ticket_id WHERE NOT EXISTS (SELECT 1 FROM kpi_dirty WHERE ticket_id = OLD.ticket_id); END;

CREATE TRIGGER kpi_log_customer_insert AFTER INSERT ON customers
WHEN EXISTS (SELECT 1 FROM kpi_meta WHERE key = 'signature')
BEGIN INSERT INTO kpi_dirty_people (kind, id) SELECT 'customer', NEW.customer_id WHERE NOT EXISTS (SELECT 1 FROM kpi_dirty_people WHERE kind = 'customer' AND id = NEW.customer_id); END;

CREATE TRIGGER kpi_log_customer_update AFTER UPDATE ON customers
WHEN EXISTS (SELECT 1 FROM kpi_meta WHERE key = 'signature') AND (OLD.tier IS NOT NEW.tier OR OLD.customer_id IS NOT NEW.customer_id)
BEGIN
  INSERT INTO kpi_dirty_people (kind, id) SELECT 'customer', OLD.customer_id WHERE NOT EXISTS (SELECT 1 FROM kpi_dirty_people WHERE kind = 'customer' AND id = OLD.customer_id);
  INSERT INTO kpi_dirty_people (kind, id) SELECT 'customer', NEW.customer_id WHERE NOT EXISTS (SELECT 1 FROM kpi_dirty_people WHERE kind = 'customer' AND id = NEW.customer_id);
END;

CREATE TRIGGER kpi_log_customer_delete AFTER DELETE ON customers
WHEN EXISTS (SELECT 1 FROM kpi_meta WHERE key = 'signature')
BEGIN INSERT INTO kpi_dirty_people (kind, id) SELECT 'customer', OLD.customer_id WHERE NOT EXISTS (SELECT 1 FROM kpi_dirty_people WHERE kind = 'customer' AND id = OLD.customer_id); END;

CREATE TRIGGER kpi_log_agent_insert AFTER INSERT ON agents
WHEN EXISTS (SELECT 1 FROM kpi_meta WHERE key = 'signature')
BEGIN INSERT INTO kpi_dirty_people (kind, id) SELECT 'agent', NEW.agent_id WHERE NOT EXISTS (SELECT 1 FROM kpi_dirty_people WHERE kind = 'agent' AND id = NEW.agent_id); END;

CREATE TRIGGER kpi_log_agent_update AFTER UPDATE ON agents
WHEN EXISTS (SELECT 1 FROM kpi_meta WHERE key = 'signature') AND (OLD.name IS NOT NEW.name OR OLD.team IS NOT NEW.team OR OLD.agent_id IS NOT NEW.agent_id)
BEGIN
  INSERT INTO kpi_dirty_people (kind, id) SELECT 'agent', OLD.agent_id WHERE NOT EXISTS (SELECT 1 FROM kpi_dirty_people WHERE kind = 'agent' AND id = OLD.agent_id);
  INSERT INTO kpi_dirty_people (kind, id) SELECT 'agent', NEW.agent_id WHERE NOT EXISTS (SELECT 1 FROM kpi_dirty_people WHERE kind = 'agent' AND id = NEW.agent_id);
END;

CREATE TRIGGER kpi_log_agent_delete AFTER DELETE ON agents
WHEN EXISTS (SELECT 1 FROM kpi_meta WHERE key = 'signature')
BEGIN INSERT INTO kpi_dirty_people (kind, id) SELECT 'agent', OLD.agent_id WHERE NOT EXISTS (SELECT 1 FROM kpi_dirty_people WHERE kind = 'agent' AND id = OLD.agent_id); END;
