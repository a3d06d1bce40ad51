-- 007: ticket attributes. Any tickets column named attr_<name> is kept in `attributes`, a JSON object
-- {"<name>": "<value as written>", …} (empty cells left out; NULL when the file had no attr_ column or the
-- row no value). Read them through the view v_ticket_attributes (ticket_id, name, value). An attribute is
-- numeric when every stored value of that name parses as a decimal number; text otherwise (categorical).
-- Also drops the risk text heads of 005: risk scoring scans subject and body itself again (issue 13 retired
-- that speed work), so the warehouse stores and no longer computes.

ALTER TABLE tickets ADD COLUMN attributes TEXT CHECK (attributes IS NULL OR (json_valid(attributes) AND json_type(attributes) = 'object'));

DROP TRIGGER IF EXISTS tr_tickets_text_heads;
DROP TABLE IF EXISTS ticket_text_heads;
