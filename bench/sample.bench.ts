/**
 * Sample generator speed and memory at the bench sizes: 365 days × 60 queues (≈ 1 M interval rows, every call
 * simulated) and 1,000,000 tickets with their events. Each size runs in a child process so its peak RSS is its
 * own. `--quick`: 30 days × 20 queues and 50,000 tickets.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchRow } from './types.js';

interface ChildResult {
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  files: { file: string; rows: number; bytes: number }[];
}

const CHILD_FLAG = '--sample-bench-child';

if (process.argv.includes(CHILD_FLAG)) {
  const { writeSample } = await import('../src/sample/generate.js');
  const [dir, json] = process.argv.slice(process.argv.indexOf(CHILD_FLAG) + 1);
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const r = await writeSample(dir, JSON.parse(json));
  const c = process.cpuUsage(c0);
  const out: ChildResult = {
    wallMs: Number(process.hrtime.bigint() - t0) / 1e6,
    cpuMs: (c.user + c.system) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    files: r.files,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

function runChild(dir: string, opts: object): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const p = spawnSync(process.execPath, ['--import', 'tsx', self, CHILD_FLAG, dir, JSON.stringify(opts)], {
    encoding: 'utf8', maxBuffer: 1 << 24,
  });
  if (p.status !== 0) throw new Error(`sample bench child failed: ${p.stderr}`);
  return JSON.parse(p.stdout.trim().split('\n').pop()!) as ChildResult;
}

export default async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const g = 'sample';
  const fmtMb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;

  const iv = ctx.quick ? { days: 30, queues: 20, tickets: 0 } : { days: 365, queues: 60, tickets: 0 };
  const dirI = join(ctx.outDir, 'sample-intervals');
  const a = runChild(dirI, iv);
  rmSync(dirI, { recursive: true, force: true });
  const ivRows = a.files.find((f) => f.file === 'intervals.csv')!;
  const label = `${iv.days} d × ${iv.queues} queues = ${ivRows.rows.toLocaleString('en-US')} rows`;
  rows.push({ group: g, name: `intervals generated+written/s, ${label}`, value: ivRows.rows / (a.wallMs / 1000), unit: 'rows/s', note: `intervals.csv ${fmtMb(ivRows.bytes)}, wall ${(a.wallMs / 1000).toFixed(1)} s` });
  const cpuPerMillion = (a.cpuMs / 1000) * (1e6 / ivRows.rows);
  rows.push({
    group: g, name: `CPU per 1 M interval rows (call-by-call), ${label}`, value: cpuPerMillion, unit: 's', target: '< 60 s CPU',
    verdict: cpuPerMillion < 60 ? 'pass' : 'fail',
  });
  rows.push({ group: g, name: `peak RSS, ${label}`, value: a.maxRssMb, unit: 'MB' });

  const tk = ctx.quick ? { days: 90, queues: 4, tickets: 50_000 } : { days: 90, queues: 4, tickets: 1_000_000 };
  const dirT = join(ctx.outDir, 'sample-tickets');
  const b = runChild(dirT, tk);
  rmSync(dirT, { recursive: true, force: true });
  const ev = b.files.find((f) => f.file === 'ticket_events.csv')!;
  const tf = b.files.find((f) => f.file === 'tickets.csv')!;
  const tl = `${tk.tickets.toLocaleString('en-US')} tickets`;
  rows.push({
    group: g, name: `tickets generated+written/s, ${tl}`, value: tk.tickets / (b.wallMs / 1000), unit: 'tickets/s',
    note: `${ev.rows.toLocaleString('en-US')} events; tickets.csv ${fmtMb(tf.bytes)}, ticket_events.csv ${fmtMb(ev.bytes)}; wall ${(b.wallMs / 1000).toFixed(1)} s, CPU ${(b.cpuMs / 1000).toFixed(1)} s`,
  });
  rows.push({ group: g, name: `peak RSS, ${tl}`, value: b.maxRssMb, unit: 'MB' });
  return rows;
}
