-- 002: retrieval (full-text index over ticket text, optional embeddings) and the LLM surface's state
-- (answer feedback, follow-up context per Slack thread).
--
-- Full text: two FTS5 tables with EXTERNAL content (the text lives once, in tickets / ticket_events),
-- kept in sync by triggers, so every writer — ingest, tests, a future API — keeps the index right.
--   tickets_fts          subject, body of each ticket           (content = tickets, rowid = tickets.rowid)
--   ticket_comments_fts  body of each event (comments; other    (content = ticket_events, rowid = its rowid)
--                        events have no body and index nothing)
-- Why two tables rather than a comments column on one: an event is indexed once when it arrives; a single
-- document per ticket would re-tokenise subject + body + all comments on every new comment. Ranking sums
-- the per-field BM25 scores (see src/engines/retrieval/search.ts).
-- Tokeniser: porter stemming over unicode61 without diacritics ("refunds" finds "refund", "café" = "cafe").
-- External-content rule: a 'delete' must pass exactly the values that were indexed, hence the old.* values.

CREATE VIRTUAL TABLE IF NOT EXISTS tickets_fts USING fts5(
  subject, body,
  content = 'tickets', content_rowid = 'rowid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER IF NOT EXISTS tickets_fts_ai AFTER INSERT ON tickets BEGIN
  INSERT INTO tickets_fts (rowid, subject, body) VALUES (new.rowid, new.subject, new.body);
END;
CREATE TRIGGER IF NOT EXISTS tickets_fts_ad AFTER DELETE ON tickets BEGIN
  INSERT INTO tickets_fts (tickets_fts, rowid, subject, body) VALUES ('delete', old.rowid, old.subject, old.body);
END;
-- Ingest upserts every column of every row; re-tokenise only when the text really changed.
CREATE TRIGGER IF NOT EXISTS tickets_fts_au AFTER UPDATE OF subject, body ON tickets
WHEN old.subject IS NOT new.subject OR old.body IS NOT new.body BEGIN
  INSERT INTO tickets_fts (tickets_fts, rowid, subject, body) VALUES ('delete', old.rowid, old.subject, old.body);
  INSERT INTO tickets_fts (rowid, subject, body) VALUES (new.rowid, new.subject, new.body);
END;

CREATE VIRTUAL TABLE IF NOT EXISTS ticket_comments_fts USING fts5(
  body,
  content = 'ticket_events', content_rowid = 'rowid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER IF NOT EXISTS ticket_comments_fts_ai AFTER INSERT ON ticket_events BEGIN
  INSERT INTO ticket_comments_fts (rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER IF NOT EXISTS ticket_comments_fts_ad AFTER DELETE ON ticket_events BEGIN
  INSERT INTO ticket_comments_fts (ticket_comments_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
END;
CREATE TRIGGER IF NOT EXISTS ticket_comments_fts_au AFTER UPDATE OF body ON ticket_events
WHEN old.body IS NOT new.body BEGIN
  INSERT INTO ticket_comments_fts (ticket_comments_fts, rowid, body) VALUES ('delete', old.rowid, old.body);
  INSERT INTO ticket_comments_fts (rowid, body) VALUES (new.rowid, new.body);
END;

-- Index whatever was loaded before this migration.
INSERT INTO tickets_fts (tickets_fts) VALUES ('rebuild');
INSERT INTO ticket_comments_fts (ticket_comments_fts) VALUES ('rebuild');

-- Embeddings (optional): one float32 vector per ticket and model, little-endian blob of dim × 4 bytes,
-- L2-normalised at write time (cosine = dot product). text_hash detects tickets whose text changed, so a
-- rebuild only embeds what is new or different. Deleting a ticket deletes its vectors.
CREATE TABLE IF NOT EXISTS ticket_embeddings (
  ticket_id  TEXT NOT NULL REFERENCES tickets (ticket_id) ON DELETE CASCADE,
  model      TEXT NOT NULL,
  dim        INTEGER NOT NULL CHECK (dim > 0),
  text_hash  TEXT NOT NULL,
  vector     BLOB NOT NULL CHECK (length(vector) = dim * 4),
  created_at TEXT NOT NULL,
  PRIMARY KEY (ticket_id, model)
) STRICT;
CREATE INDEX IF NOT EXISTS ix_ticket_embeddings_model ON ticket_embeddings (model);

-- 👍 / 👎 on an answer, with what was asked and how it was answered (for prompt and router tuning).
CREATE TABLE IF NOT EXISTS llm_feedback (
  feedback_id INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  channel_id  TEXT,
  thread_ts   TEXT,
  user_id     TEXT,
  question    TEXT,
  command     TEXT,
  args        TEXT,                       -- JSON
  source      TEXT CHECK (source IS NULL OR source IN ('llm', 'narrator')),
  rating      INTEGER NOT NULL CHECK (rating IN (-1, 1)),
  comment     TEXT
) STRICT;

-- The last routed command per Slack thread, so "and tech support?" or "what about last week?" inherit
-- the rest of the question. One row per thread, replaced on each answer.
CREATE TABLE IF NOT EXISTS thread_context (
  channel_id TEXT NOT NULL,
  thread_ts  TEXT NOT NULL,
  command    TEXT NOT NULL,
  slots      TEXT NOT NULL,               -- JSON: the router's slots (queue, range, levers, …)
  question   TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (channel_id, thread_ts)
) STRICT;
