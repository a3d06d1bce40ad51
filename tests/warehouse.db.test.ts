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
