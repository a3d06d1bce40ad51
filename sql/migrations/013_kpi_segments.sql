-- 013: KPI partials per segment, for `kpi … by channel|priority|category|tier|team|agent|attr_<name>`.
-- Derived data like kpi_daily (008/009), one mergeable partial per dimension, queue, local creation date and
-- segment value, with the same columns. Built for one dimension on the first `by` of it after tickets change
-- (kpi_meta key 'seg:<dim>' holds the facts signature it was built from) and emptied when the facts are
-- rebuilt, so a `by` read is per-day partials like the plain `kpi`, never a scan of the period's tickets.
CREATE TABLE IF NOT EXISTS kpi_segment_daily (
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
  first_response  BLOB NOT NULL,
  resolution      BLOB NOT NULL,
  open_due        BLOB NOT NULL,
  closed          BLOB NOT NULL,
  last_closed_ms  REAL,
  open_created    BLOB NOT NULL,
  PRIMARY KEY (dim, queue, local_date, segment)
) STRICT, WITHOUT ROWID;
