/**
 * `why` on one queue must not cost more because other, unrelated queues exist (issue 16). The same command
 * line — `why billing <day>` — run in process on read-only connections, as a worker runs it, warm (a few runs
 * first), interleaved so the shared machine's load falls on all alike, median of many runs each, on:
 * - 20 queues from the sample generator;
 * - the same 20 plus 80 unrelated queues (one day's intervals repeated on every day, so none of their drivers
 *   ever moves): the answer must be the same (checked), and the time within 1.1× of the 20-queue time;
 * - 100 queues from the generator (the first 20 are the same): other queues now also show drivers moving, so
 *   up to six of them get the exact attribution (the shortlist's bound); within 1.5×.
 */
import { join } from 'node:path';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { BenchContext, BenchRow } from './types.js';
import { summarize } from './types.js';
import { buildLoadWarehouse } from './workers/slack-warehouse.js';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { addDays } from '../src/time.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';

const END = '2026-11-20';
const LINE = 'why billing 2026-11-19';
const UNRELATED = 80;

/** The 20-queue warehouse plus UNRELATED queues whose every day is the same day (built once, reused). */
async function withUnrelatedQueues(base: string, dir: string, days: number): Promise<string> {
  const path = join(dir, 'warehouse.db');
  const marker = join(dir, 'spec.json');
  const want = JSON.stringify({ base, days, unrelated: UNRELATED, v: 1 });
  if (existsSync(path) && existsSync(marker) && readFileSync(marker, 'utf8') === want) return path;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const src = openWarehouse(base, { readonly: true });
  src.prepare('VACUUM INTO ?').run(path);
  const day = src
    .prepare(
      `SELECT substr(interval_start, 11) AS at, offered, handled, abandoned, answered_within_target, aht_seconds, acw_seconds, agents_staffed, sl_target_pct, sl_target_seconds
       FROM v_interval_metrics WHERE queue = (SELECT MIN(queue) FROM v_interval_metrics WHERE queue <> 'billing') AND local_date = ? ORDER BY interval_start`,
    )
    .all(addDays(END, -7)) as Record<string, string | number | null>[];
  src.close();
  const lines = ['interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds'];
  for (let k = 1; k <= UNRELATED; k++) {
    for (let d = days - 1; d >= 0; d--) {
      const date = addDays(END, -d);
      for (const r of day) lines.push([`${date}${r.at}`, `unrelated_${k}`, r.offered, r.handled, r.abandoned, r.answered_within_target, r.aht_seconds ?? '', r.acw_seconds ?? '', r.agents_staffed, r.sl_target_pct, r.sl_target_seconds].join(','));
    }
  }
  const csv = join(dir, 'unrelated_intervals.csv');
  writeFileSync(csv, `${lines.join('\n')}\n`);
  const db = openWarehouse(path);
  try {
    const report = await ingestFiles(db, [csv]);
    if (!report.ok) throw new Error(`unrelated queues rejected: ${JSON.stringify(report.problems.slice(0, 3))}`);
  } finally {
    db.close();
  }
  rmSync(csv);
  writeFileSync(marker, want);
  return path;
}

export default async function whyBench(ctx: BenchContext): Promise<BenchRow[]> {
  const days = ctx.quick ? 30 : 60;
  const runs = ctx.quick ? 8 : 25;
  const registry = buildRegistry();
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const now = new Date(`${END}T15:00:00Z`);
  const log = (s: string) => process.stderr.write(s);
  const spec = (queues: number) => ({ days, queues, tickets: 200, end: END, riskModel: false });
  const base = await buildLoadWarehouse(join(ctx.outDir, `why-${days}x20`), spec(20), log);
  const paths = [base, await withUnrelatedQueues(base, join(ctx.outDir, `why-${days}x20+${UNRELATED}`), days), await buildLoadWarehouse(join(ctx.outDir, `why-${days}x100`), spec(100), log)];
  const labels = ['20 queues', `20 + ${UNRELATED} unrelated queues`, '100 queues'];
  const dbs: Db[] = paths.map((p) => openWarehouse(p, { readonly: true }));
  const answers: string[] = [];
  const times: number[][] = dbs.map(() => []);
  const run = async (i: number) => {
    const t0 = performance.now();
    const e = await execute(registry, LINE, { db: dbs[i], now, config, surface: 'slack' });
    if (!e.ok) throw new Error(`${LINE} on ${labels[i]}: ${e.message}`);
    const ms = performance.now() - t0;
    answers[i] = JSON.stringify(e.result);
    return ms;
  };
  for (let k = 0; k < 3; k++) for (let i = 0; i < dbs.length; i++) await run(i);
  for (let k = 0; k < runs; k++) for (let i = 0; i < dbs.length; i++) times[i].push(await run(i));
  for (const db of dbs) db.close();
  const load = execFileSync('uptime', { encoding: 'utf8' }).trim();
  const s = times.map((t) => summarize(t));
  const same = answers[1] === answers[0];
  const unrelated = s[1].p50 / s[0].p50;
  const wider = s[2].p50 / s[0].p50;
  return [
    ...labels.map((l, i): BenchRow => ({ group: 'why', name: `${LINE}, ${days} d × ${l}: p50`, value: s[i].p50, unit: 'ms', note: `p95 ${s[i].p95.toFixed(0)} ms over ${runs} warm runs, interleaved; ${load}` })),
    { group: 'why', name: `${LINE}: with ${UNRELATED} unrelated queues / without (p50)`, value: unrelated, unit: '×', target: '≤ 1.1× and the same answer', verdict: unrelated <= 1.1 && same ? 'pass' : 'fail', note: same ? 'same answer with and without them' : 'the answers DIFFER' },
    { group: 'why', name: `${LINE}: 100 queues / 20 queues (p50)`, value: wider, unit: '×', target: '≤ 1.5×', verdict: wider <= 1.5 ? 'pass' : 'fail', note: 'same days per queue; queues 21–100 have drivers moving too, so the shortlist of other queues given the exact attribution fills (≤ 6)' },
  ];
}
