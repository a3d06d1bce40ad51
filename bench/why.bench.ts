/**
 * `why` on one queue must not cost more because other, unrelated queues exist (issue 16). The same command
 * line — `why billing <day>` — on two warehouses from the sample generator with the same days per queue: 20
 * queues and 100 queues (the generator's per-queue data does not depend on how many queues there are). Run in
 * process on a read-only connection, as a worker runs it, warm (a few runs first), median of many runs each,
 * interleaved so the shared machine's load falls on both alike. Target: the 100-queue time within 1.5× of the
 * 20-queue time.
 */
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { BenchContext, BenchRow } from './types.js';
import { summarize } from './types.js';
import { buildLoadWarehouse } from './workers/slack-warehouse.js';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';

const END = '2026-11-20';
const LINE = 'why billing 2026-11-19';

export default async function whyBench(ctx: BenchContext): Promise<BenchRow[]> {
  const days = ctx.quick ? 30 : 60;
  const runs = ctx.quick ? 8 : 25;
  const sizes = [20, 100];
  const registry = buildRegistry();
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const now = new Date(`${END}T15:00:00Z`);
  const dbs: Db[] = [];
  for (const queues of sizes) {
    const path = await buildLoadWarehouse(join(ctx.outDir, `why-${days}x${queues}`), { days, queues, tickets: 200, end: END, riskModel: false }, (s) => process.stderr.write(s));
    dbs.push(openWarehouse(path, { readonly: true }));
  }
  const times: number[][] = sizes.map(() => []);
  const run = async (i: number) => {
    const t0 = performance.now();
    const e = await execute(registry, LINE, { db: dbs[i], now, config, surface: 'slack' });
    if (!e.ok) throw new Error(`${LINE} on ${sizes[i]} queues: ${e.message}`);
    return performance.now() - t0;
  };
  for (let k = 0; k < 3; k++) for (let i = 0; i < sizes.length; i++) await run(i);
  for (let k = 0; k < runs; k++) for (let i = 0; i < sizes.length; i++) times[i].push(await run(i));
  for (const db of dbs) db.close();
  const load = execFileSync('uptime', { encoding: 'utf8' }).trim();
  const [a, b] = times.map((t) => summarize(t));
  const ratio = b.p50 / a.p50;
  return [
    ...sizes.map((q, i): BenchRow => ({ group: 'why', name: `${LINE}, ${days} d × ${q} queues: p50`, value: [a, b][i].p50, unit: 'ms', note: `p95 ${[a, b][i].p95.toFixed(0)} ms over ${runs} warm runs, interleaved; ${load}` })),
    { group: 'why', name: `${LINE}: 100 queues / 20 queues (p50)`, value: ratio, unit: '×', target: '≤ 1.5×', verdict: ratio <= 1.5 ? 'pass' : 'fail', note: 'same days per queue; the other queues are unrelated to billing' },
  ];
}
