-- 003: risk model registry. One row per trained model; at most one active model per label.
-- model, card, features and metrics are JSON text (src/engines/risk/model.ts defines the model format and
-- parses it on load). Versions count up per label.

CREATE TABLE IF NOT EXISTS models (
  id              INTEGER PRIMARY KEY,
  label           TEXT NOT NULL CHECK (label IN ('escalated', 'sla_breached')),
  version         INTEGER NOT NULL CHECK (version >= 1),
  trained_at      TEXT NOT NULL,          -- ISO-8601 UTC
  horizon_seconds REAL NOT NULL CHECK (horizon_seconds > 0),
  features        TEXT NOT NULL,          -- JSON array of feature names, in vector order
  metrics         TEXT NOT NULL,          -- JSON: test-slice metrics of the model card
  threshold       REAL,                   -- calibrated probability at which a ticket is flagged
  model           TEXT NOT NULL,          -- JSON: the whole model (trees, calibration, feature schema)
  card            TEXT NOT NULL,          -- JSON: the model card
  active          INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
  UNIQUE (label, version)
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS ux_models_active ON models (label) WHERE active = 1;
