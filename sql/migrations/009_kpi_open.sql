-- 009: KPI backlog speed. kpi_daily.closed now holds only the day's resolved tickets ([resolved ms ascending …,
-- created ms …]; last_closed_ms = the latest resolution, NULL when none) and open_created their unresolved
-- tickets' creation instants (ms, float64), so a backlog query reads the few days resolved after its instant
-- plus the small open lists, not every day that has one open ticket. Rebuilt on the next read (signature v2).
ALTER TABLE kpi_daily ADD COLUMN open_created BLOB NOT NULL DEFAULT x'';
DELETE FROM kpi_meta;
