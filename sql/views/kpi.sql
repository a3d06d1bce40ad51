-- KPI views: tickets with the facts KPIs, CSAT drivers and exports segment by. Recreated on every open.

DROP VIEW IF EXISTS v_kpi_tickets;
CREATE VIEW v_kpi_tickets AS
SELECT
  t.ticket_id,
  f.queue,             -- from the facts: (queue, local_date) is their index
  f.local_date,
  t.created_at,
  t.first_response_at,
  t.resolved_at,
  t.due_at,
  t.status,
  t.priority,
  t.channel,
  t.category,
  t.customer_id,
  COALESCE(c.tier, 'unknown') AS tier,
  t.agent_id,
  a.name AS agent_name,
  COALESCE(a.team, 'unassigned') AS team,
  t.csat,
  t.reopen_count,
  t.escalated,
  COALESCE(f.fcr, 0) AS fcr,
  t.attributes
FROM tickets t
JOIN kpi_ticket_facts f ON f.ticket_id = t.ticket_id
LEFT JOIN customers c ON c.customer_id = t.customer_id
LEFT JOIN agents a ON a.agent_id = t.agent_id;
