/**
 * CLI start-up: wall time of `radar help` and `radar sla billing 2026-11-19` (the installed bin, bin/radar.js,
 * running the compiled build) beside `node -e ''` — the floor of any Node program on this machine — in the
 * same run, interleaved (node, help, sla, node, help, sla, …) so machine load hits all three alike.
 * Targets (issue 16): help ≤ 5× and sla ≤ 10× the median start-up of `node -e ''`.
 * The build is made first (`npm run build`), so the figures are for the compiled CLI, as installed by npm ci.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchRow } from './types.js';
import { summarize } from './types.js';

const GROUP = 'startup';

function wallMs(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export default async function startupBench(ctx: BenchContext): Promise<BenchRow[]> {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
  const db = join(ctx.outDir, 'startup.db');
  const env = { ...process.env, RADAR_DB: db, RADAR_NOW: '2026-11-21T15:00:00Z', RADAR_FROM_SOURCE: '' };
  if (!existsSync(db)) wallMs(['bin/radar.js', 'ingest', 'data/sample'], env);
  const runs = ctx.quick ? 8 : 25;
  const cases = [
    { name: "node -e ''", args: ['-e', ''] },
    { name: 'radar help', args: ['bin/radar.js', 'help'] },
    { name: 'radar sla billing 2026-11-19', args: ['bin/radar.js', 'sla', 'billing', '2026-11-19'] },
  ];
  const samples = cases.map(() => [] as number[]);
  for (let i = 0; i < 2; i++) for (const c of cases) wallMs(c.args, env); // warm the file cache
  for (let i = 0; i < runs; i++) cases.forEach((c, k) => samples[k].push(wallMs(c.args, env)));
  const med = samples.map((s) => summarize(s).p50);
  const rows: BenchRow[] = cases.map((c, k) => ({ group: GROUP, name: `${c.name}: median wall time over ${runs} runs (p95 ${summarize(samples[k]).p95.toFixed(0)} ms)`, value: med[k], unit: 'ms' }));
  const limits = [null, 5, 10];
  cases.forEach((c, k) => {
    const limit = limits[k];
    if (limit === null) return;
    const ratio = med[k] / med[0];
    rows.push({ group: GROUP, name: `${c.name} / node -e ''`, value: ratio, unit: '×', target: `≤ ${limit}×`, verdict: ratio <= limit ? 'pass' : 'fail' });
  });
  return rows;
}
