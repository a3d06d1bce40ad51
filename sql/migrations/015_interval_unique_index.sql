-- 015: interval_inputs' UNIQUE (queue, interval_start) becomes the named index interval_inputs_queue_start.
-- A table constraint's index cannot be dropped; a named one can: ingest drops it while it bulk-loads into an
-- empty interval_inputs (rows then go in by plain INSERT, the file's own duplicate check guaranteeing the key)
-- and builds it once afterwards, which costs about a third less than keeping it up to date row by row.
-- The table is rebuilt with the same columns in the same order; the old one is renamed first so that the
-- views (recreated after every migration) never point at a missing table.
ALTER TABLE interval_inputs RENAME TO interval_inputs_014;
CREATE TABLE interval_inputs (
  queue                  TEXT NOT NULL,
  interval_start         TEXT NOT NULL,            -- UTC, aligned to interval_seconds
  interval_seconds       INTEGER NOT NULL DEFAULT 1800,
  local_date             TEXT NOT NULL,            -- YYYY-MM-DD in the queue's time zone
  local_minute           INTEGER NOT NULL,         -- minutes since local midnight
  local_dow              INTEGER NOT NULL,         -- 0 = Sunday … 6 = Saturday, local
  offered                INTEGER NOT NULL CHECK (offered >= 0),
  handled                INTEGER NOT NULL CHECK (handled >= 0),
  abandoned              INTEGER NOT NULL CHECK (abandoned >= 0),
  answered_within_target INTEGER NOT NULL CHECK (answered_within_target >= 0),
  aht_seconds            REAL CHECK (aht_seconds IS NULL OR aht_seconds >= 0),   -- talk + hold + ACW
  acw_seconds            REAL CHECK (acw_seconds IS NULL OR acw_seconds >= 0),   -- the ACW part of AHT
  agents_staffed         REAL NOT NULL CHECK (agents_staffed >= 0),               -- average agents logged in
  sl_target_pct          REAL NOT NULL,
  sl_target_seconds      REAL NOT NULL,
  forecast_offered       REAL,
  forecast_aht_seconds   REAL,
  has_outcome            INTEGER NOT NULL DEFAULT 1 CHECK (has_outcome IN (0, 1)),   -- 0 = a plan (010)
  answered_wait_seconds  REAL CHECK (answered_wait_seconds IS NULL OR answered_wait_seconds >= 0),
  abandoned_wait_seconds REAL CHECK (abandoned_wait_seconds IS NULL OR abandoned_wait_seconds >= 0),
  -- Keyed by local day so a queue's day range and the daily GROUP BY follow the key (no sort, no scan).
  PRIMARY KEY (queue, local_date, interval_start)
) STRICT, WITHOUT ROWID;
INSERT INTO interval_inputs SELECT * FROM interval_inputs_014;
DROP TABLE interval_inputs_014;
-- (queue, interval_start) stays unique and is the upsert target, so a changed time zone moves a row.
CREATE UNIQUE INDEX interval_inputs_queue_start ON interval_inputs (queue, interval_start);
