/**
 * Chart render speed, warm (compiled shape and label outlines cached, as in a running server): each chart
 * from a real command result on the committed sample, rendered to PNG 30 times after 3 warm-ups; p95 per
 * chart. Target (issue 19): every chart p95 < 200 ms warm.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchRow } from './types.js';
import { summarize } from './types.js';
import { openWarehouse } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import { chartPng } from '../src/charts/index.js';

const G = 'charts';
const NOW = new Date('2026-11-20T15:00:00Z');
const LINES = ['sla billing 2026-11-01..2026-11-20', 'why billing 2026-11-19', 'whatif billing 2026-11-19 +2 agents 9-12 aht -10%', 'drift last 14 days', 'forecast billing 2026-11-21..2026-11-27'];

export default async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(ctx.outDir, 'charts-'));
  const db = openWarehouse(join(dir, 'w.db'));
  try {
    const report = await ingestFiles(db, ['data/sample'], { now: NOW });
    if (!report.ok) throw new Error('sample ingest failed');
    const registry = buildRegistry();
    const rows: BenchRow[] = [];
    const n = ctx.quick ? 10 : 30;
    const extra: { name: string; render: () => Promise<Buffer | null> }[] = [];
    try {
      const { snapshotPng, dueSnapshotPng } = await import('../src/charts/snapshot.js');
      extra.push({ name: 'alert snapshot', render: () => snapshotPng(db, { queue: 'billing', metric: 'sl', threshold: 75, firedAt: Date.parse('2026-11-19T15:00:00Z'), until: Date.parse('2026-11-19T19:00:00Z'), title: 'SL (interval) < 75 %' }, { defaultTz: 'UTC' }) });
      extra.push({ name: 'tickets_due snapshot', render: () => dueSnapshotPng(db, { queue: 'tech_support', withinMinutes: 3000, asOf: Date.parse('2026-11-21T09:00:00Z') }) });
    } catch {
      /* snapshot chart not in this build */
    }
    const cases: { name: string; render: () => Promise<Buffer | null> }[] = [];
    for (const line of LINES) {
      const e = await execute(registry, line, { db, now: NOW, config: loadConfig({}), surface: 'cli' });
      if (!e.ok) throw new Error(`${line}: ${e.message}`);
      cases.push({ name: e.command.name, render: () => chartPng(e.command.name, e.result) });
    }
    for (const c of [...cases, ...extra]) {
      const samples: number[] = [];
      // CPU time too: on a shared, oversubscribed machine wall time mostly measures the queue for a core.
      const cpu: number[] = [];
      let bytes = 0;
      for (let i = 0; i < n + 3; i++) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const png = await c.render();
        const ms = performance.now() - t0;
        const used = process.cpuUsage(c0);
        bytes = png?.length ?? 0;
        if (i >= 3) {
          samples.push(ms);
          cpu.push((used.user + used.system) / 1000);
        }
      }
      const s = summarize(samples);
      const u = summarize(cpu);
      rows.push({ group: G, name: `${c.name} chart render p95 (warm, ${n} runs, PNG ${Math.round(bytes / 1024)} kB)`, value: s.p95, unit: 'ms', target: '< 200 ms', verdict: s.p95 < 200 ? 'pass' : 'fail', note: `p50 ${s.p50.toFixed(1)} ms; CPU time p50 ${u.p50.toFixed(1)} ms, p95 ${u.p95.toFixed(1)} ms` });
    }
    return rows;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
