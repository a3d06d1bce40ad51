-- 019: per queue and local day sums of realised intervals (has_outcome = 1), the driver totals `why` reads to
-- shortlist the other queues where the same driver moved: 5 rows per queue instead of 5 × 48 intervals, so
-- `why` on one queue costs the same whatever the number of unrelated queues. Derived data, kept by ingest (the
-- days each run wrote, src/warehouse/ingest.ts refreshDayTotals); read through v_interval_day_totals.
CREATE TABLE interval_day_totals (
  queue          TEXT NOT NULL,
  local_date     TEXT NOT NULL,
  offered        INTEGER NOT NULL,
  talk_handled   REAL,             -- SUM(talk seconds × handled) over intervals with an AHT
  acw_handled    REAL,             -- SUM(ACW seconds × handled)
  handled_timed  INTEGER,          -- SUM(handled) over intervals with an AHT
  agents_open    REAL,             -- SUM(agents staffed) over intervals with offered > 0
  open_intervals INTEGER NOT NULL, -- intervals with offered > 0
  PRIMARY KEY (queue, local_date)
) STRICT, WITHOUT ROWID;
INSERT INTO interval_day_totals
SELECT queue, local_date, SUM(offered),
       SUM(CASE WHEN aht_seconds IS NOT NULL THEN (aht_seconds - COALESCE(acw_seconds, 0)) * handled END),
       SUM(acw_seconds * handled),
       SUM(CASE WHEN aht_seconds IS NOT NULL THEN handled END),
       SUM(CASE WHEN offered > 0 THEN agents_staffed END),
       COUNT(CASE WHEN offered > 0 THEN 1 END)
FROM interval_inputs WHERE has_outcome = 1
GROUP BY queue, local_date;
