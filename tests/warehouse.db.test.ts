import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, schemaVersion, listMigrations } from '../src/warehouse/db.js';

describe('warehouse open/migrate', () => {
  it('creates tables and views and records the schema version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-db-'));
    const db = openWarehouse(join(dir, 'w.db'));
    const names = (db.prepare(`select name from sqlite_schema where type in ('table','view')`).all() as { name: string }[]).map((r) => r.name);
    for (const t of ['interval_inputs', 'sla_policy', 'tickets', 'ticket_events', 'agents', 'customers', 'etl_runs', 'v_interval_metrics', 'v_queue_daily', 'v_ticket_facts']) {
      expect(names).toContain(t);
    }
    const expected = Math.max(1, ...listMigrations().map((m) => m.version));
    expect(schemaVersion(db)).toBe(expected);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    // Re-opening is a no-op migration.
    const again = openWarehouse(join(dir, 'w.db'));
    expect(schemaVersion(again)).toBe(expected);
    again.close();
  });
});

describe('warehouse open: read-only and view re-creation', () => {
  const views = (db: ReturnType<typeof openWarehouse>) => (db.prepare(`select name from sqlite_schema where type = 'view'`).all() as { name: string }[]).map((r) => r.name);

  it('a read-only open of a missing file creates and migrates it, then gives a connection that cannot write', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'radar-db-')), 'w.db');
    const db = openWarehouse(path, { readonly: true });
    expect(db.readonly).toBe(true);
    expect(schemaVersion(db)).toBe(Math.max(1, ...listMigrations().map((m) => m.version)));
    expect(views(db)).toContain('v_queue_daily');
    expect(() => db.prepare(`insert into sla_policy (queue, sl_target_pct, sl_target_seconds) values ('q', 80, 20)`).run()).toThrow(/readonly/);
    db.close();
  });

  it('views are recreated only when their definitions changed', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'radar-db-')), 'w.db');
    const a = openWarehouse(path);
    a.exec('DROP VIEW v_queues');
    a.close();
    // Same fingerprint stored: the next open leaves the views alone (the dropped one stays dropped).
    const b = openWarehouse(path);
    expect(views(b)).not.toContain('v_queues');
    // A different fingerprint (as after editing sql/views.sql) makes the next open recreate them all.
    b.exec(`DROP VIEW radar_views_version; CREATE VIEW radar_views_version AS SELECT 'older' AS hash`);
    b.close();
    const ro = openWarehouse(path, { readonly: true });
    expect(views(ro)).toContain('v_queues');
    ro.close();
  });
});
