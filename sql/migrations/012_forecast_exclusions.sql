-- 012: days the demand forecast leaves out of fitting and backtests (holidays, outages, one-off spikes),
-- per queue or for every queue (queue = '*'). Managed with `radar forecast exclude|include`.
CREATE TABLE IF NOT EXISTS forecast_exclusions (
  queue      TEXT NOT NULL DEFAULT '*',
  local_date TEXT NOT NULL CHECK (local_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  reason     TEXT,
  created_by TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (queue, local_date)
) STRICT, WITHOUT ROWID;
