-- Views of the risk area (applied after views.sql on every open).

-- Registry listing without the large JSON columns.
DROP VIEW IF EXISTS v_models;
CREATE VIEW v_models AS
SELECT id, label, version, trained_at, horizon_seconds, threshold, active, metrics
FROM models;

-- Agents as the risk features need them (level and hire date of whoever held a ticket at the cut-off).
DROP VIEW IF EXISTS v_risk_agents;
CREATE VIEW v_risk_agents AS
SELECT agent_id, level, hired_at FROM agents;
