-- Alerts (issue 8): rules, per rule × scope state, the posting intent log, the evaluator lease,
-- alert history and digest subscriptions. Times are epoch milliseconds (INTEGER) unless named *_date.

-- A rule's full definition is `spec` (JSON, zod-validated by src/alerts/rules.ts on every read); the other
-- columns are what we filter or authorise on.
CREATE TABLE IF NOT EXISTS alert_rules (
  rule_id     INTEGER PRIMARY KEY,
  spec        TEXT NOT NULL CHECK (json_valid(spec)),
  source_text TEXT NOT NULL,                 -- the grammar text it was created/last edited from
  enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  muted_until INTEGER,                       -- NULL = not muted; a far-future value = muted until unmuted
  muted_by    TEXT,
  created_by  TEXT,                          -- Slack user id; NULL = created from the CLI
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;

-- One row per rule × scope (a queue, or a ticket id for ticket-level rules). Survives restarts.
CREATE TABLE IF NOT EXISTS alert_state (
  rule_id           INTEGER NOT NULL REFERENCES alert_rules (rule_id) ON DELETE CASCADE,
  scope             TEXT NOT NULL,
  phase             TEXT NOT NULL CHECK (phase IN ('ok', 'pending', 'firing', 'resolved')),
  breach_since      INTEGER,                 -- start of the current run of breached observations
  fired_at          INTEGER,                 -- start of the current/last episode's firing
  resolved_at       INTEGER,
  last_value        REAL,
  peak              REAL,
  severity          TEXT,
  shown             TEXT NOT NULL DEFAULT 'none' CHECK (shown IN ('none', 'firing', 'resolved')), -- what the Slack message shows
  shown_severity    TEXT,
  last_notified_at  INTEGER,
  episode           INTEGER NOT NULL DEFAULT 0,   -- increments per new alert (intent keys use it)
  reopens           INTEGER NOT NULL DEFAULT 0,
  cursor            INTEGER NOT NULL,             -- observations up to this time have been consumed
  snoozed_until     INTEGER,
  snoozed_by        TEXT,
  acked_by          TEXT,
  acked_at          INTEGER,
  message_channel   TEXT,
  message_ts        TEXT,
  view              TEXT,                         -- JSON: the last rendered alert view (for re-rendering on ack/snooze)
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (rule_id, scope)
) STRICT;

-- Every Slack write the alerting makes is first recorded here with a unique key, in the same transaction as the
-- state change that caused it; the key travels in the message metadata so a restart can find what was posted.
CREATE TABLE IF NOT EXISTS alert_intents (
  intent_id   INTEGER PRIMARY KEY,
  key         TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL CHECK (kind IN ('post', 'update', 'reply')),
  rule_id     INTEGER,
  scope       TEXT,
  channel     TEXT NOT NULL,
  payload     TEXT NOT NULL CHECK (json_valid(payload)),
  status      TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'posted', 'skipped', 'failed')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  not_before  INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  posted_at   INTEGER,
  ts          TEXT,                          -- Slack ts of the message written
  channel_id  TEXT,                          -- channel id Slack answered with
  error       TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS ix_alert_intents_status ON alert_intents (status, intent_id);

-- Exactly one evaluator: the holder of this lease (renewed by heartbeat) runs the ticks.
CREATE TABLE IF NOT EXISTS alert_lease (
  name         TEXT PRIMARY KEY,
  holder       TEXT NOT NULL,
  expires_at   INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  acquired_at  INTEGER NOT NULL
) STRICT;

-- History: fired / resolved / reopened / acked / snoozed / muted …, for the digest, `alerts list` and "Why?".
CREATE TABLE IF NOT EXISTS alert_events (
  event_id INTEGER PRIMARY KEY,
  rule_id  INTEGER NOT NULL,
  scope    TEXT NOT NULL,
  kind     TEXT NOT NULL,
  at       INTEGER NOT NULL,
  value    REAL,
  actor    TEXT,
  detail   TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS ix_alert_events_at ON alert_events (at);

-- Daily digest subscriptions: one per channel.
CREATE TABLE IF NOT EXISTS alert_digests (
  channel        TEXT PRIMARY KEY,
  local_time     TEXT NOT NULL CHECK (local_time GLOB '[0-2][0-9]:[0-5][0-9]'),
  time_zone      TEXT NOT NULL,
  created_by     TEXT,
  created_at     INTEGER NOT NULL,
  last_sent_date TEXT
) STRICT;
