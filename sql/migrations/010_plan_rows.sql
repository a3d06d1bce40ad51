-- 010: plan rows and queue-wait totals on interval_inputs.
-- has_outcome = 0 marks a PLAN: an interval that has not happened yet, loaded with forecast_offered,
-- forecast_aht_seconds and agents_staffed (planned) and every outcome column empty. Its outcome columns are
-- stored as 0 / NULL (they stay NOT NULL) and mean nothing: every realised view filters has_outcome = 1, and
-- plans are read through v_interval_plan. Ingest replaces a plan when the interval's outcome arrives; a plan
-- never replaces a row that has an outcome (that row is kept and the run warns).
-- answered_wait_seconds / abandoned_wait_seconds: optional totals of the queue waits of the interval's
-- answered / abandoned contacts, in seconds (patience estimation: abandons ÷ total time waited).
ALTER TABLE interval_inputs ADD COLUMN has_outcome INTEGER NOT NULL DEFAULT 1 CHECK (has_outcome IN (0, 1));
ALTER TABLE interval_inputs ADD COLUMN answered_wait_seconds REAL CHECK (answered_wait_seconds IS NULL OR answered_wait_seconds >= 0);
ALTER TABLE interval_inputs ADD COLUMN abandoned_wait_seconds REAL CHECK (abandoned_wait_seconds IS NULL OR abandoned_wait_seconds >= 0);
