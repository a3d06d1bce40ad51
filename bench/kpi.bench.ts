/**
 * `kpi` speed over 1 M tickets created in one month (all queues, four queues in three time zones), with
 * half a million more in the previous month (the comparison period) and ~2 % still open. Tickets are
 * written straight into the tickets table (ingest has its own bench); the KPI facts are then built once
 * (the first `kpi` after tickets change pays this) and `kpi` (no `by`: one row per queue plus `all`,
 * with the previous period and backlog) is timed warm; so is `kpi … by channel` (per-segment day partials, built
 * once per dimension on its first use after tickets change: that first call is timed apart).
 * Target (issue 17): kpi over 1 M tickets p95 < 300 ms; by-segment in the same league.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchRow } from './types.js';
import { summarize } from './types.js';
import { openWarehouse } from '../src/warehouse/db.js';
import { refreshKpiFacts } from '../src/warehouse/kpi.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import { createRng } from '../src/engines/shared/rng.js';

const G = 'kpi';

export default async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const n = ctx.quick ? 100_000 : 1_000_000;
  const dir = mkdtempSync(join(ctx.outDir, 'kpi-'));
  const db = openWarehouse(join(dir, 'w.db'));
  const queues: [string, string][] = [['billing', 'America/New_York'], ['tech_support', 'Europe/Berlin'], ['accounts', 'UTC'], ['shipping', 'America/New_York']];
  const pol = db.prepare('INSERT INTO sla_policy (queue, sl_target_pct, sl_target_seconds, interval_seconds, time_zone) VALUES (?, 80, 20, 1800, ?)');
  for (const [q, tz] of queues) pol.run(q, tz);
  const r = createRng(17);
  const rng = () => r.next();
  const channels = ['email', 'chat', 'phone', 'web', 'social'];
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';
  const ins = db.prepare(`INSERT INTO tickets (ticket_id, created_at, first_response_at, resolved_at, status, priority, channel, queue, customer_id, subject, body, category, csat, reopen_count, escalated, due_at)
    VALUES (?, ?, ?, ?, ?, 'normal', ?, ?, ?, 'subject', '', ?, ?, ?, ?, ?)`);
  const month = Date.parse('2026-11-01T05:00:00Z');
  const prevMonth = Date.parse('2026-10-01T04:00:00Z');
  const day = 86_400_000;
  const now = Date.parse('2026-12-01T12:00:00Z');
  const t0 = process.hrtime.bigint();
  db.transaction(() => {
    const total = n + n / 2;
    for (let i = 0; i < total; i++) {
      const created = i < n ? month + rng() * 30 * day : prevMonth + rng() * 31 * day;
      const frt = created + Math.floor(-Math.log(1 - rng()) * 3600_000);
      const open = rng() < 0.02;
      const resolved = open ? null : frt + Math.floor(-Math.log(1 - rng()) * 8 * 3600_000);
      const csat = rng() < 0.3 ? 1 + Math.floor(rng() * 5) : null;
      ins.run(`T-${i}`, iso(created), iso(Math.min(frt, now)), resolved === null || resolved > now ? null : iso(resolved), resolved === null || resolved > now ? 'open' : 'solved',
        channels[i % 5], queues[i % 4][0], `C-${Math.floor(rng() * n / 3)}`, `cat${i % 12}`, csat, rng() < 0.05 ? 1 : 0, rng() < 0.1 ? 1 : 0, iso(created + 24 * 3600_000));
    }
  })();
  const loadS = Number(process.hrtime.bigint() - t0) / 1e9;
  const config = loadConfig({});
  const r0 = process.hrtime.bigint();
  refreshKpiFacts(db, 'UTC');
  const refreshS = Number(process.hrtime.bigint() - r0) / 1e9;
  const registry = buildRegistry();
  const c = { db, now: new Date(now), config, surface: 'cli' as const };
  const time = async (line: string, runs: number) => {
    const first = await execute(registry, line, c);
    if (!first.ok) throw new Error(first.message);
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = process.hrtime.bigint();
      const e = await execute(registry, line, c);
      if (!e.ok) throw new Error(e.message);
      samples.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    return { s: summarize(samples), result: first.result as { rows: { segment: string; tickets: number }[] } };
  };
  const main = await time('kpi 2026-11-01..2026-11-30', ctx.quick ? 5 : 20);
  const allRow = main.result.rows.find((r) => r.segment === 'all')!;
  const b0 = process.hrtime.bigint();
  const firstBy = await execute(registry, 'kpi 2026-11-01..2026-11-30 by channel', c);
  const firstByS = Number(process.hrtime.bigint() - b0) / 1e9;
  if (!firstBy.ok) throw new Error(firstBy.message);
  const byChannel = await time('kpi 2026-11-01..2026-11-30 by channel', ctx.quick ? 5 : 20);
  const byCat = await time('kpi 2026-11-01..2026-11-30 by category', ctx.quick ? 3 : 10);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  const label = `${(n / 1e6).toFixed(n >= 1e6 ? 0 : 1)} M tickets in the month`;
  return [
    { group: G, name: `kpi (all queues + all, vs previous month) p95, ${label}`, value: main.s.p95, unit: 'ms', target: ctx.quick ? undefined : '< 300 ms', verdict: ctx.quick ? undefined : main.s.p95 < 300 ? 'pass' : 'fail', note: `p50 ${main.s.p50.toFixed(1)} ms; the all row counted ${allRow.tickets} tickets` },
    { group: G, name: `kpi … by channel (5 segments) p95, ${label}`, value: byChannel.s.p95, unit: 'ms', target: ctx.quick ? undefined : '< 300 ms', verdict: ctx.quick ? undefined : byChannel.s.p95 < 300 ? 'pass' : 'fail', note: `p50 ${byChannel.s.p50.toFixed(1)} ms; was 43 s at 1 M (read the tickets)` },
    { group: G, name: `kpi … by category (12 segments) p95, ${label}`, value: byCat.s.p95, unit: 'ms', note: `p50 ${byCat.s.p50.toFixed(1)} ms` },
    { group: G, name: 'by-segment partials build (first kpi … by channel after tickets change)', value: firstByS, unit: 's' },
    { group: G, name: `KPI facts build (once after tickets change), ${(n * 1.5 / 1e6).toFixed(2)} M tickets`, value: refreshS, unit: 's' },
    { group: G, name: 'bench data load (direct inserts)', value: loadS, unit: 's' },
  ];
}
