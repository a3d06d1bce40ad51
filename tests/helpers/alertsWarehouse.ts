/** Temp warehouses for the alert tests: intervals written as CSV and loaded through the real ingest. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../../src/warehouse/db.js';
import { ingestFiles } from '../../src/warehouse/ingest.js';

export interface IntervalSpec {
  /** ISO UTC, aligned to 30 minutes. */
  start: string;
  queue: string;
  offered: number;
  /** Answered within target. */
  awt: number;
  handled?: number;
  abandoned?: number;
  aht?: number;
  acw?: number;
  agents?: number;
  target?: number;
  targetSeconds?: number;
  forecast?: number | null;
}

export interface PolicySpec {
  queue: string;
  tz?: string;
  target?: number;
  targetSeconds?: number;
}

export async function warehouseWith(intervals: IntervalSpec[], policies: PolicySpec[], dir = mkdtempSync(join(tmpdir(), 'radar-alerts-'))): Promise<{ db: Db; path: string; dir: string }> {
  const pol = ['queue,sl_target_pct,sl_target_seconds,interval_seconds,time_zone,display_name'];
  for (const p of policies) pol.push(`${p.queue},${p.target ?? 80},${p.targetSeconds ?? 20},1800,${p.tz ?? 'UTC'},${p.queue[0].toUpperCase()}${p.queue.slice(1)}`);
  const rows = ['interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds,forecast_offered'];
  for (const i of intervals) {
    const handled = i.handled ?? Math.max(i.awt, i.offered - (i.abandoned ?? 0));
    const abandoned = i.abandoned ?? i.offered - handled;
    const aht = handled > 0 ? (i.aht ?? 300) : '';
    const acw = handled > 0 ? (i.acw ?? 60) : '';
    rows.push([i.start, i.queue, i.offered, handled, abandoned, i.awt, aht, acw, i.agents ?? 10, i.target ?? 80, i.targetSeconds ?? 20, i.forecast ?? ''].join(','));
  }
  writeFileSync(join(dir, 'sla_policy.csv'), pol.join('\n') + '\n');
  writeFileSync(join(dir, 'intervals.csv'), rows.join('\n') + '\n');
  const path = join(dir, 'w.db');
  const db = openWarehouse(path);
  const report = await ingestFiles(db, [join(dir, 'sla_policy.csv'), join(dir, 'intervals.csv')], { defaultTz: 'UTC' });
  if (!report.ok) throw new Error(`fixture ingest failed: ${JSON.stringify(report.problems.slice(0, 3))}`);
  return { db, path, dir };
}

/** ISO of `base` + k × 30 minutes. */
export function slot(base: string, k: number): string {
  return new Date(Date.parse(base) + k * 1_800_000).toISOString().slice(0, 19) + 'Z';
}
