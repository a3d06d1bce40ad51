-- 017: one full-text document per ticket (subject, body, and all its comments as a third column), so search
-- ranks inside FTS5 — `rank MATCH 'bm25(wSubject, wBody, wComments)' ORDER BY rank LIMIT k` — before any
-- join. It replaces 002's tickets_fts and ticket_comments_fts, whose two scores had to be joined and summed
-- over every matching ticket and comment before the top k were known (7× a plain FTS5 query on 200k tickets).
--   ticket_comment_text   a ticket's comment bodies in event order, joined by newlines (the third column's
--                         text, kept so the index can be told exactly what it indexed when a comment changes)
--   v_ticket_search_text  the indexed document: tickets + ticket_comment_text (the FTS5 content, read back
--                         for snippets and highlights)
--   ticket_search_fts     FTS5 over that view, rowid = tickets.rowid, porter stemming as in 002
-- Triggers keep it exact for every writer: a ticket's document is deleted (with the values indexed) and
-- re-inserted when its subject, body or any of its comments changes. Ingest pauses them inside its transaction
-- (a row in ticket_search_paused; src/warehouse/ingest.ts): 'all' for a load into an empty warehouse, which
-- builds text and index once at the end; 'comments' for any other load of events, during which the comment
-- triggers only note the ticket in ticket_search_stale, and its text and document are recomputed once at the end. (Row by row, every comment re-tokenises its whole
-- ticket.) The index always holds each ticket's current subject and body with its ticket_comment_text row.

DROP TRIGGER IF EXISTS tickets_fts_ai;
DROP TRIGGER IF EXISTS tickets_fts_ad;
DROP TRIGGER IF EXISTS tickets_fts_au;
DROP TRIGGER IF EXISTS ticket_comments_fts_ai;
DROP TRIGGER IF EXISTS ticket_comments_fts_ad;
DROP TRIGGER IF EXISTS ticket_comments_fts_au;
DROP TABLE IF EXISTS tickets_fts;
DROP TABLE IF EXISTS ticket_comments_fts;

CREATE TABLE ticket_search_paused (scope TEXT PRIMARY KEY CHECK (scope IN ('all', 'comments'))) STRICT;

CREATE TABLE ticket_search_stale (ticket_id TEXT PRIMARY KEY) STRICT;

CREATE TABLE ticket_comment_text (
  ticket_id TEXT PRIMARY KEY,
  comments  TEXT NOT NULL
) STRICT;
INSERT INTO ticket_comment_text (ticket_id, comments)
  SELECT ticket_id, group_concat(body, char(10) ORDER BY rowid) FROM ticket_events WHERE body IS NOT NULL GROUP BY ticket_id;

CREATE VIEW v_ticket_search_text AS
  SELECT t.rowid AS rid, t.subject, t.body, c.comments
  FROM tickets t LEFT JOIN ticket_comment_text c ON c.ticket_id = t.ticket_id;

CREATE VIRTUAL TABLE ticket_search_fts USING fts5(
  subject, body, comments,
  content = 'v_ticket_search_text', content_rowid = 'rid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO ticket_search_fts (ticket_search_fts) VALUES ('rebuild');

-- Tickets. Ingest upserts every column of every row; re-index only when the text really changed.
CREATE TRIGGER ticket_search_ai AFTER INSERT ON tickets WHEN NOT EXISTS (SELECT 1 FROM ticket_search_paused WHERE scope = 'all') BEGIN
  INSERT INTO ticket_search_fts (rowid, subject, body, comments)
    VALUES (new.rowid, new.subject, new.body, (SELECT comments FROM ticket_comment_text WHERE ticket_id = new.ticket_id));
END;
CREATE TRIGGER ticket_search_ad AFTER DELETE ON tickets WHEN NOT EXISTS (SELECT 1 FROM ticket_search_paused WHERE scope = 'all') BEGIN
  INSERT INTO ticket_search_fts (ticket_search_fts, rowid, subject, body, comments)
    VALUES ('delete', old.rowid, old.subject, old.body, (SELECT comments FROM ticket_comment_text WHERE ticket_id = old.ticket_id));
END;
CREATE TRIGGER ticket_search_au AFTER UPDATE OF subject, body ON tickets
WHEN (old.subject IS NOT new.subject OR old.body IS NOT new.body) AND NOT EXISTS (SELECT 1 FROM ticket_search_paused WHERE scope = 'all') BEGIN
  INSERT INTO ticket_search_fts (ticket_search_fts, rowid, subject, body, comments)
    VALUES ('delete', old.rowid, old.subject, old.body, (SELECT comments FROM ticket_comment_text WHERE ticket_id = old.ticket_id));
  INSERT INTO ticket_search_fts (rowid, subject, body, comments)
    VALUES (new.rowid, new.subject, new.body, (SELECT comments FROM ticket_comment_text WHERE ticket_id = new.ticket_id));
END;

-- Comments. A new comment is appended (events arrive in rowid order, as the rebuild above orders them); a
-- changed or deleted one recomputes the ticket's text. Either way: delete the indexed document, change the
-- text, insert the document again (nothing to do in the index while the ticket itself is not loaded).
CREATE TRIGGER ticket_search_event_ai AFTER INSERT ON ticket_events WHEN new.body IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ticket_search_paused) BEGIN
  INSERT INTO ticket_search_fts (ticket_search_fts, rowid, subject, body, comments)
    SELECT 'delete', rid, subject, body, comments FROM v_ticket_search_text
    WHERE rid = (SELECT rowid FROM tickets WHERE ticket_id = new.ticket_id);
  INSERT INTO ticket_comment_text (ticket_id, comments) VALUES (new.ticket_id, new.body)
    ON CONFLICT (ticket_id) DO UPDATE SET comments = comments || char(10) || excluded.comments;
  INSERT INTO ticket_search_fts (rowid, subject, body, comments)
    SELECT rid, subject, body, comments FROM v_ticket_search_text
    WHERE rid = (SELECT rowid FROM tickets WHERE ticket_id = new.ticket_id);
END;
CREATE TRIGGER ticket_search_event_au AFTER UPDATE OF body, ticket_id ON ticket_events
WHEN (old.body IS NOT new.body OR old.ticket_id IS NOT new.ticket_id) AND NOT EXISTS (SELECT 1 FROM ticket_search_paused) BEGIN
  INSERT INTO ticket_search_fts (ticket_search_fts, rowid, subject, body, comments)
    SELECT 'delete', rid, subject, body, comments FROM v_ticket_search_text
    WHERE rid IN (SELECT rowid FROM tickets WHERE ticket_id IN (old.ticket_id, new.ticket_id));
  DELETE FROM ticket_comment_text WHERE ticket_id IN (old.ticket_id, new.ticket_id);
  INSERT INTO ticket_comment_text (ticket_id, comments)
    SELECT ticket_id, group_concat(body, char(10) ORDER BY rowid) FROM ticket_events
    WHERE ticket_id IN (old.ticket_id, new.ticket_id) AND body IS NOT NULL GROUP BY ticket_id;
  INSERT INTO ticket_search_fts (rowid, subject, body, comments)
    SELECT rid, subject, body, comments FROM v_ticket_search_text
    WHERE rid IN (SELECT rowid FROM tickets WHERE ticket_id IN (old.ticket_id, new.ticket_id));
END;
CREATE TRIGGER ticket_search_event_ad AFTER DELETE ON ticket_events WHEN old.body IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ticket_search_paused) BEGIN
  INSERT INTO ticket_search_fts (ticket_search_fts, rowid, subject, body, comments)
    SELECT 'delete', rid, subject, body, comments FROM v_ticket_search_text
    WHERE rid = (SELECT rowid FROM tickets WHERE ticket_id = old.ticket_id);
  DELETE FROM ticket_comment_text WHERE ticket_id = old.ticket_id;
  INSERT INTO ticket_comment_text (ticket_id, comments)
    SELECT ticket_id, group_concat(body, char(10) ORDER BY rowid) FROM ticket_events
    WHERE ticket_id = old.ticket_id AND body IS NOT NULL GROUP BY ticket_id;
  INSERT INTO ticket_search_fts (rowid, subject, body, comments)
    SELECT rid, subject, body, comments FROM v_ticket_search_text
    WHERE rid = (SELECT rowid FROM tickets WHERE ticket_id = old.ticket_id);
END;

-- While ingest pauses the comment triggers ('comments'): note which tickets' comments changed. (Not INSERT OR
-- IGNORE: the conflict clause of the statement that fires a trigger overrides the trigger's own.)
CREATE TRIGGER ticket_search_event_ai_paused AFTER INSERT ON ticket_events
WHEN new.body IS NOT NULL AND EXISTS (SELECT 1 FROM ticket_search_paused WHERE scope = 'comments') BEGIN
  INSERT INTO ticket_search_stale (ticket_id) SELECT new.ticket_id WHERE NOT EXISTS (SELECT 1 FROM ticket_search_stale WHERE ticket_id = new.ticket_id);
END;
CREATE TRIGGER ticket_search_event_au_paused AFTER UPDATE OF body, ticket_id ON ticket_events
WHEN (old.body IS NOT new.body OR old.ticket_id IS NOT new.ticket_id) AND EXISTS (SELECT 1 FROM ticket_search_paused WHERE scope = 'comments') BEGIN
  INSERT INTO ticket_search_stale (ticket_id) SELECT old.ticket_id WHERE NOT EXISTS (SELECT 1 FROM ticket_search_stale WHERE ticket_id = old.ticket_id);
  INSERT INTO ticket_search_stale (ticket_id) SELECT new.ticket_id WHERE NOT EXISTS (SELECT 1 FROM ticket_search_stale WHERE ticket_id = new.ticket_id);
END;
CREATE TRIGGER ticket_search_event_ad_paused AFTER DELETE ON ticket_events
WHEN old.body IS NOT NULL AND EXISTS (SELECT 1 FROM ticket_search_paused WHERE scope = 'comments') BEGIN
  INSERT INTO ticket_search_stale (ticket_id) SELECT old.ticket_id WHERE NOT EXISTS (SELECT 1 FROM ticket_search_stale WHERE ticket_id = old.ticket_id);
END;
