-- SLA Radar warehouse, version 1. Applied once to an empty database (PRAGMA user_version = 0 → 1).
-- Later changes go in sql/migrations/NNN_name.sql (NNN = the user_version they move to).
-- Timestamps are ISO-8601 UTC text 'YYYY-MM-DDTHH:MM:SSZ' (they sort and compare as text).
-- local_* columns are derived at ingest from the queue's IANA time zone (sla_policy.time_zone or RADAR_TZ).

CREATE TABLE IF NOT EXISTS sla_policy (
  queue             TEXT PRIMARY KEY,
  sl_target_pct     REAL NOT NULL CHECK (sl_target_pct > 0 AND sl_target_pct <= 100),
  sl_target_seconds REAL NOT NULL CHECK (sl_target_seconds >= 0),
  interval_seconds  INTEGER NOT NULL DEFAULT 1800 CHECK (interval_seconds IN (300, 600, 900, 1800, 3600)),
  time_zone         TEXT NOT NULL DEFAULT 'UTC',
  display_name      TEXT
) STRICT;

CREATE TABLE IF NOT EXISTS interval_inputs (
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
  -- Keyed by local day so a queue's day range and the daily GROUP BY follow the key (no sort, no scan);
  -- (queue, interval_start) stays unique and is the upsert target, so a changed time zone moves a row.
  PRIMARY KEY (queue, local_date, interval_start),
  UNIQUE (queue, interval_start)
) STRICT, WITHOUT ROWID;

-- One row per queue seen in interval_inputs, maintained by ingest: listing queues must not scan a year
-- of intervals on every command.
CREATE TABLE IF NOT EXISTS queue_catalog (
  queue             TEXT PRIMARY KEY,
  first_interval    TEXT NOT NULL,
  last_interval     TEXT NOT NULL,
  sl_target_pct     REAL NOT NULL,
  sl_target_seconds REAL NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS customers (
  customer_id TEXT PRIMARY KEY,
  name        TEXT,
  tier        TEXT NOT NULL CHECK (tier IN ('standard', 'premium', 'enterprise')),
  region      TEXT,
  created_at  TEXT
) STRICT;

CREATE TABLE IF NOT EXISTS agents (
  agent_id   TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  queue      TEXT,
  team       TEXT,
  hired_at   TEXT,            -- date the agent started; experience is derived from it
  level      TEXT CHECK (level IS NULL OR level IN ('junior', 'mid', 'senior', 'lead'))
) STRICT;

CREATE TABLE IF NOT EXISTS tickets (
  ticket_id         TEXT PRIMARY KEY,
  created_at        TEXT NOT NULL,
  first_response_at TEXT,
  resolved_at       TEXT,
  status            TEXT NOT NULL CHECK (status IN ('open', 'pending', 'solved', 'closed')),
  priority          TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  channel           TEXT NOT NULL CHECK (channel IN ('email', 'chat', 'phone', 'web', 'social')),
  queue             TEXT NOT NULL,
  customer_id       TEXT,
  agent_id          TEXT,
  subject           TEXT NOT NULL,
  body              TEXT NOT NULL DEFAULT '',
  category          TEXT,            -- optional topic/category tag
  csat              INTEGER CHECK (csat IS NULL OR csat BETWEEN 1 AND 5),
  reopen_count      INTEGER NOT NULL DEFAULT 0 CHECK (reopen_count >= 0),
  escalated         INTEGER CHECK (escalated IS NULL OR escalated IN (0, 1)),
  sla_breached      INTEGER CHECK (sla_breached IS NULL OR sla_breached IN (0, 1)),
  due_at            TEXT             -- resolution due time under the SLA, if known
) STRICT;
CREATE INDEX IF NOT EXISTS ix_tickets_created ON tickets (created_at);
CREATE INDEX IF NOT EXISTS ix_tickets_queue_created ON tickets (queue, created_at);
CREATE INDEX IF NOT EXISTS ix_tickets_status ON tickets (status);

CREATE TABLE IF NOT EXISTS ticket_events (
  event_id    TEXT PRIMARY KEY,
  ticket_id   TEXT NOT NULL,
  at          TEXT NOT NULL,
  type        TEXT NOT NULL CHECK (type IN ('created', 'comment', 'transfer', 'reassign', 'status', 'escalated', 'resolved', 'reopened')),
  author_type TEXT CHECK (author_type IS NULL OR author_type IN ('customer', 'agent', 'system')),
  agent_id    TEXT,
  from_queue  TEXT,
  to_queue    TEXT,
  status      TEXT,
  body        TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS ix_events_ticket_at ON ticket_events (ticket_id, at);

CREATE TABLE IF NOT EXISTS etl_runs (
  run_id       INTEGER PRIMARY KEY,
  started_at   TEXT NOT NULL,
  finished_at  TEXT,
  status       TEXT NOT NULL CHECK (status IN ('ok', 'rejected', 'dry_run', 'failed')),
  files        TEXT NOT NULL,     -- JSON array of paths
  rows_by_table TEXT NOT NULL,    -- JSON object table → rows upserted
  rejected_rows INTEGER NOT NULL DEFAULT 0,
  warnings     TEXT,              -- JSON array
  message      TEXT
) STRICT;

-- Slack retries and duplicate deliveries: an event id seen within the TTL is answered once.
CREATE TABLE IF NOT EXISTS event_dedupe (
  event_id TEXT PRIMARY KEY,
  seen_at  INTEGER NOT NULL       -- epoch ms
) STRICT;
