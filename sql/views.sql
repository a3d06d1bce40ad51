-- Views: the only thing downstream code reads. v_interval_metrics and v_queue_daily hold realised intervals
-- only (has_outcome = 1); plan rows are in v_interval_plan. Recreated on every open (DROP + CREATE), so editing
-- this file needs no migration.

DROP VIEW IF EXISTS v_interval_metrics;
CREATE VIEW v_interval_metrics AS
SELECT
  i.queue,
  i.interval_start,
  i.interval_seconds,
  i.local_date,
  i.local_minute,
  i.local_dow,
  i.offered,
  i.handled,
  i.abandoned,
  i.answered_within_target,
  -- Realised SL counts abandoned calls against the target: answered within target / offered.
  CASE WHEN i.offered > 0 THEN CAST(i.answered_within_target AS REAL) / i.offered END AS sl,
  CASE WHEN i.offered > 0 THEN CAST(i.abandoned AS REAL) / i.offered END AS abandon_rate,
  i.aht_seconds,
  i.acw_seconds,
  CASE WHEN i.aht_seconds IS NOT NULL THEN i.aht_seconds - COALESCE(i.acw_seconds, 0) END AS talk_seconds,
  i.agents_staffed,
  -- Offered load in Erlangs: arrivals × AHT / interval length.
  CASE WHEN i.aht_seconds IS NOT NULL THEN i.offered * i.aht_seconds / i.interval_seconds ELSE 0 END AS traffic_erlangs,
  -- Occupancy estimate: handled work / staffed agent time, capped at 1.
  CASE WHEN i.agents_staffed > 0 AND i.aht_seconds IS NOT NULL
       THEN MIN(1.0, i.handled * i.aht_seconds / (i.agents_staffed * i.interval_seconds)) END AS occupancy,
  i.sl_target_pct,
  i.sl_target_seconds,
  i.forecast_offered,
  i.forecast_aht_seconds,
  i.answered_wait_seconds,
  i.abandoned_wait_seconds
FROM interval_inputs i
-- Realised intervals only: a plan row (has_outcome = 0) has no outcome; plans are read through v_interval_plan.
WHERE i.has_outcome = 1;

-- Plan rows: intervals that have not happened, with their forecast volume and AHT and planned agents.
DROP VIEW IF EXISTS v_interval_plan;
CREATE VIEW v_interval_plan AS
SELECT
  i.queue,
  i.interval_start,
  i.interval_seconds,
  i.local_date,
  i.local_minute,
  i.local_dow,
  i.forecast_offered,
  i.forecast_aht_seconds,
  i.agents_staffed,
  i.sl_target_pct,
  i.sl_target_seconds
FROM interval_inputs i
WHERE i.has_outcome = 0;

DROP VIEW IF EXISTS v_queue_daily;
CREATE VIEW v_queue_daily AS
SELECT
  i.queue,
  i.local_date,
  COUNT(*) AS intervals,
  SUM(i.offered) AS offered,
  SUM(i.handled) AS handled,
  SUM(i.abandoned) AS abandoned,
  SUM(i.answered_within_target) AS answered_within_target,
  -- Volume-weighted: ratios of sums, never averages of per-interval ratios.
  CASE WHEN SUM(i.offered) > 0 THEN CAST(SUM(i.answered_within_target) AS REAL) / SUM(i.offered) END AS sl,
  CASE WHEN SUM(i.offered) > 0 THEN CAST(SUM(i.abandoned) AS REAL) / SUM(i.offered) END AS abandon_rate,
  CASE WHEN SUM(CASE WHEN i.aht_seconds IS NOT NULL THEN i.handled END) > 0
       THEN SUM(i.handled * i.aht_seconds) / SUM(CASE WHEN i.aht_seconds IS NOT NULL THEN i.handled END) END AS aht_seconds,
  CASE WHEN SUM(CASE WHEN i.acw_seconds IS NOT NULL THEN i.handled END) > 0
       THEN SUM(i.handled * i.acw_seconds) / SUM(CASE WHEN i.acw_seconds IS NOT NULL THEN i.handled END) END AS acw_seconds,
  SUM(i.agents_staffed * i.interval_seconds) / 3600.0 AS agent_hours,
  -- Average agents over intervals that had anyone staffed or any calls.
  AVG(CASE WHEN i.agents_staffed > 0 OR i.offered > 0 THEN i.agents_staffed END) AS avg_agents,
  MAX(i.sl_target_pct) AS sl_target_pct,
  MAX(i.sl_target_seconds) AS sl_target_seconds,
  SUM(CASE WHEN i.offered > 0 AND CAST(i.answered_within_target AS REAL) / i.offered * 100 < i.sl_target_pct THEN 1 ELSE 0 END)
    AS intervals_below_target,
  SUM(i.forecast_offered) AS forecast_offered,
  MIN(i.local_dow) AS local_dow
FROM interval_inputs i
WHERE i.has_outcome = 1
GROUP BY i.queue, i.local_date;

DROP VIEW IF EXISTS v_ticket_facts;
CREATE VIEW v_ticket_facts AS
SELECT
  t.ticket_id,
  t.created_at,
  t.first_response_at,
  t.resolved_at,
  t.status,
  t.priority,
  t.channel,
  t.queue,
  t.customer_id,
  c.tier AS customer_tier,
  t.agent_id,
  a.level AS agent_level,
  a.hired_at AS agent_hired_at,
  t.subject,
  t.body,
  t.category,
  t.csat,
  t.reopen_count,
  t.escalated,
  t.sla_breached,
  t.due_at,
  t.attributes,
  CASE WHEN t.first_response_at IS NOT NULL
       THEN (unixepoch(t.first_response_at) - unixepoch(t.created_at)) END AS first_response_seconds,
  CASE WHEN t.resolved_at IS NOT NULL
       THEN (unixepoch(t.resolved_at) - unixepoch(t.created_at)) END AS resolution_seconds,
  (SELECT COUNT(*) FROM ticket_events e
    WHERE e.ticket_id = t.ticket_id AND e.type IN ('transfer', 'reassign')) AS transfers,
  (SELECT COUNT(*) FROM ticket_events e
    WHERE e.ticket_id = t.ticket_id AND e.type = 'comment'
      AND unixepoch(e.at) <= unixepoch(t.created_at) + 7200) AS messages_first_2h,
  (SELECT COUNT(*) FROM ticket_events e
    WHERE e.ticket_id = t.ticket_id AND e.type = 'comment' AND e.author_type = 'customer') AS customer_messages
FROM tickets t
LEFT JOIN customers c ON c.customer_id = t.customer_id
LEFT JOIN agents a ON a.agent_id = t.agent_id;

-- One row per ticket attribute (tickets.attributes, from attr_<name> columns): name without the prefix,
-- value as written (text). Numeric attributes: every value of the name parses as a number.
DROP VIEW IF EXISTS v_ticket_attributes;
CREATE VIEW v_ticket_attributes AS
SELECT t.ticket_id, j.key AS name, CAST(j.value AS TEXT) AS value
FROM tickets t, json_each(t.attributes) j
WHERE t.attributes IS NOT NULL;

DROP VIEW IF EXISTS v_ticket_events;
CREATE VIEW v_ticket_events AS
SELECT e.event_id, e.ticket_id, e.at, e.type, e.author_type, e.agent_id, e.from_queue, e.to_queue, e.status, e.body
FROM ticket_events e;

DROP VIEW IF EXISTS v_queues;
CREATE VIEW v_queues AS
SELECT q.queue,
       COALESCE(p.sl_target_pct, q.sl_target_pct) AS sl_target_pct,
       COALESCE(p.sl_target_seconds, q.sl_target_seconds) AS sl_target_seconds,
       COALESCE(p.interval_seconds, 1800) AS interval_seconds,
       p.time_zone,
       COALESCE(p.display_name, q.queue) AS display_name,
       q.first_interval, q.last_interval
FROM (SELECT queue, sl_target_pct, sl_target_seconds, first_interval, last_interval FROM queue_catalog
      UNION ALL
      SELECT p2.queue, p2.sl_target_pct, p2.sl_target_seconds, NULL, NULL FROM sla_policy p2
      WHERE p2.queue NOT IN (SELECT queue FROM queue_catalog)) q
LEFT JOIN sla_policy p ON p.queue = q.queue;

-- Per queue and local day sums of realised intervals (table interval_day_totals, kept by ingest): what `why`
-- needs to compare one driver across every queue without reading their intervals.
DROP VIEW IF EXISTS v_interval_day_totals;
CREATE VIEW v_interval_day_totals AS
SELECT queue, local_date, offered, talk_handled, acw_handled, handled_timed, agents_open, open_intervals
FROM interval_day_totals;
