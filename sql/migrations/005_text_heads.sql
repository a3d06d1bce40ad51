-- 005: risk text heads. A ticket's subject + body signals for the risk features (token count, AFINN sum,
-- phrase hits, hashed-token buckets), stored at the ticket's first scoring so later scorings scan only the
-- customer's comments.
-- signals: little-endian int32 array in the layout of src/engines/risk/text.ts textHead(); version =
-- TEXT_HEAD_VERSION (rows of another version are ignored and recomputed). Derived data: a changed subject
-- or body drops the row (trigger), and the next scoring recomputes it.

CREATE TABLE IF NOT EXISTS ticket_text_heads (
  ticket_id TEXT PRIMARY KEY REFERENCES tickets (ticket_id) ON DELETE CASCADE,
  version   INTEGER NOT NULL,
  signals   BLOB NOT NULL
) STRICT;

CREATE TRIGGER IF NOT EXISTS tr_tickets_text_heads AFTER UPDATE OF subject, body ON tickets
BEGIN
  DELETE FROM ticket_text_heads WHERE ticket_id = NEW.ticket_id;
END;
