-- 008: KPI facts. Derived data, rebuilt from tickets by src/warehouse/kpi.ts refreshKpiFacts() whenever the
-- tickets (or the queues' time zones) changed since the last build (signature in kpi_meta).
-- kpi_ticket_facts: per ticket its queue-local creation date and the first-contact-resolution flag (which
--   needs the customer's later tickets, so it cannot be a plain view).
-- kpi_daily: one mergeable KPI partial per queue and local creation date (src/engines/kpi/partial.ts):
--   counts, plus blobs of little-endian ascending arrays — first_response / resolution: int32 seconds;
--   open_due: float64 due instants (ms) of unresolved tickets; closed: float64 [closed ms (Infinity =
--   unresolved) ascending …, created ms of the same tickets …]; last_closed_ms: the largest closed instant,
--   NULL when any ticket of the day is unresolved (days a backlog query must read).

CREATE TABLE IF NOT EXISTS kpi_ticket_facts (
  ticket_id  TEXT PRIMARY KEY,
  queue      TEXT NOT NULL,
  local_date TEXT NOT NULL,
  fcr        INTEGER NOT NULL CHECK (fcr IN (0, 1))
) STRICT;
CREATE INDEX IF NOT EXISTS ix_kpi_ticket_facts_day ON kpi_ticket_facts (queue, local_date);

CREATE TABLE IF NOT EXISTS kpi_daily (
  queue           TEXT NOT NULL,
  local_date      TEXT NOT NULL,
  tickets         INTEGER NOT NULL,
  resolved        INTEGER NOT NULL,
  fcr             INTEGER NOT NULL,
  reopened        INTEGER NOT NULL,
  escalated_known INTEGER NOT NULL,
  escalated       INTEGER NOT NULL,
  csat_n          INTEGER NOT NULL,
  csat_sum        INTEGER NOT NULL,
  csat_top2       INTEGER NOT NULL,
  due_met         INTEGER NOT NULL,
  due_missed      INTEGER NOT NULL,
  first_response  BLOB NOT NULL,
  resolution      BLOB NOT NULL,
  open_due        BLOB NOT NULL,
  closed          BLOB NOT NULL,
  last_closed_ms  REAL,
  PRIMARY KEY (queue, local_date)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS kpi_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- Backlog by segment reads tickets still open at an instant.
CREATE INDEX IF NOT EXISTS ix_tickets_resolved ON tickets (resolved_at);
