-- 014: the Slack outbox. An answer whose post still fails with a retryable error (5xx, 429, network) after the
-- in-process retries is kept here as the rest of its delivery — a JSON list of steps (response_url, postMessage
-- with thread links, ephemeral, chart upload) and the messages already posted (refs) — and sent when Slack
-- recovers by the server's outbox tick (and at start-up). A sender claims an entry with a lease (lease_until) so
-- one process sends it, once; `next_step` moves after each step that Slack accepted.
-- Delivered and given-up entries are pruned after a week.
CREATE TABLE IF NOT EXISTS slack_outbox (
  outbox_id    INTEGER PRIMARY KEY,
  what         TEXT NOT NULL,
  -- Entries of one chain (replies in one thread: "channel/thread_ts") are sent in id order.
  chain        TEXT,
  steps        TEXT NOT NULL,
  next_step    INTEGER NOT NULL DEFAULT 0,
  refs         TEXT NOT NULL DEFAULT '{}',
  status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  next_at      INTEGER NOT NULL,
  lease_owner  TEXT,
  lease_until  INTEGER,
  finished_at  INTEGER,
  last_error   TEXT
);
CREATE INDEX IF NOT EXISTS slack_outbox_due ON slack_outbox (status, next_at);
