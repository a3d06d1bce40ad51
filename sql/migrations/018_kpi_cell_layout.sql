-- 018: KPI cells stored for fast reads (same columns as 008/009/013, same rows: copied over, nothing rebuilt).
-- kpi_daily and kpi_segment_daily become rowid tables (their rows are tens of KB: a WITHOUT ROWID b-tree
-- pays for large rows on every overflow read) and their columns are ordered by how reads use them: the
-- counts and last_closed_ms first (a backlog read filters on it without reading past them), then the small
-- runs of unresolved tickets (open_due, open_created), then the large runs (first_response, resolution,
-- read by every period), and closed last (read only for days that still had tickets open at a period end).
ALTER TABLE kpi_daily RENAME TO kpi_daily_017;
CREATE TABLE kpi_daily (
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
  last_closed_ms  REAL,
  open_due        BLOB NOT NULL,
  open_created    BLOB NOT NULL,
  first_response  BLOB NOT NULL,
  resolution      BLOB NOT NULL,
  closed          BLOB NOT NULL,
  PRIMARY KEY (queue, local_date)
) STRICT;

ALTER TABLE kpi_segment_daily RENAME TO kpi_segment_daily_017;
CREATE TABLE kpi_segment_daily (
  dim             TEXT NOT NULL,
  queue           TEXT NOT NULL,
  local_date      TEXT NOT NULL,
  segment         TEXT NOT NULL,
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
  last_closed_ms  REAL,
  open_due        BLOB NOT NULL,
  open_created    BLOB NOT NULL,
  first_response  BLOB NOT NULL,
  resolution      BLOB NOT NULL,
  closed          BLOB NOT NULL,
  PRIMARY KEY (dim, queue, local_date, segment)
) STRICT;

INSERT INTO kpi_daily (queue, local_date, tickets, resolved, fcr, reopened, escalated_known, escalated, csat_n, csat_sum, csat_top2, due_met, due_missed,
    last_closed_ms, open_due, open_created, first_response, resolution, closed)
  SELECT queue, local_date, tickets, resolved, fcr, reopened, escalated_known, escalated, csat_n, csat_sum, csat_top2, due_met, due_missed,
    last_closed_ms, open_due, open_created, first_response, resolution, closed FROM kpi_daily_017;
INSERT INTO kpi_segment_daily (dim, queue, local_date, segment, tickets, resolved, fcr, reopened, escalated_known, escalated, csat_n, csat_sum, csat_top2, due_met, due_missed,
    last_closed_ms, open_due, open_created, first_response, resolution, closed)
  SELECT dim, queue, local_date, segment, tickets, resolved, fcr, reopened, escalated_known, escalated, csat_n, csat_sum, csat_top2, due_met, due_missed,
    last_closed_ms, open_due, open_created, first_response, resolution, closed FROM kpi_segment_daily_017;
DROP TABLE kpi_daily_017;
DROP TABLE kpi_segment_daily_017;
