-- 011: per-queue queue-model calibrations (commands/queueModel.ts). One row per queue and last fitted day:
-- a day D is only ever predicted by a fit whose fit_through < D, and a fit is reused only while its
-- data_fingerprint (a hash of the history rows it was fitted on, and of the engine version) still matches.
CREATE TABLE IF NOT EXISTS queue_calibrations (
  queue            TEXT NOT NULL,
  fit_through      TEXT NOT NULL,            -- last local day of the history fitted (YYYY-MM-DD)
  fit_from         TEXT NOT NULL,            -- first local day of the history fitted
  fitted_at        TEXT NOT NULL,            -- UTC ISO instant the fit was computed
  data_fingerprint TEXT NOT NULL,
  model            TEXT NOT NULL CHECK (model IN ('erlang_c', 'erlang_a')),
  days             INTEGER NOT NULL CHECK (days >= 0),
  intervals        INTEGER NOT NULL CHECK (intervals >= 0),
  inputs           TEXT NOT NULL,            -- JSON: the inputs' range and window (for the out-of-range warning)
  fit              TEXT NOT NULL,            -- JSON: the QueueCalibration
  PRIMARY KEY (queue, fit_through)
) STRICT;
