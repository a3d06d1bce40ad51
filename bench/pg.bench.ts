/**
 * The Postgres warehouse: `radar ingest` (full validation, COPY straight into the empty table, indexes built after) of a year of
 * intervals × 20 queues vs a plain `COPY … FROM STDIN (FORMAT csv)` of the same file into a table of the
 * CSV's shape with the same key and index (the physical floor), in the same run on the same cluster; and the
 * view reads behind `sla` (a queue's 30 daily rows and one day's intervals) on both backends, p95.
 * Then `radar sla` p95 through the command on both backends (Postgres through the synchronous facade), 20 runs
 * after 3 warm-ups per line, interleaved so both see the same machine load.
 * Target (issue 20): ingest ≥ 0.5× COPY. Postgres: RADAR_TEST_PG_URL if set, else a throwaway cluster
 * started here with .ci/pg.sh (Debian's postgresql package) and stopped at the end.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { loadavg, cpus } from 'node:os';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { BenchContext, BenchRow } from './types.js';
import { summarize } from './types.js';
import { writeSample } from '../src/sample/generate.js';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import { loadConfig } from '../src/config.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { openPgWarehouse } from '../src/warehouse/pg/db.js';
import { ingestFilesPg } from '../src/warehouse/pg/ingest.js';

function startCluster(): { url: string; stop: () => void } {
  const r = spawnSync('bash', ['-c', 'source .ci/pg.sh && pg_start >&2 && echo "$RADAR_TEST_PG_URL $PG_TMP"'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not start PostgreSQL (.ci/pg.sh): ${r.stderr}`);
  const [url, dir] = r.stdout.trim().split(' ');
  return { url, stop: () => void spawnSync('bash', ['-c', `source .ci/pg.sh && pg_stop_dir ${dir}`]) };
}

async function withDatabase<T>(admin: string, name: string, fn: (url: string) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return fn(u.toString());
}

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

export default async function pgBench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const given = process.env.RADAR_TEST_PG_URL?.trim();
  const cluster = given ? null : startCluster();
  const admin = given ?? cluster!.url;
  try {
    // The same year as the SQLite `sla` bench (ingest.bench.ts).
    const yearDir = join(ctx.outDir, ctx.quick ? 'sla-quick' : 'sla-year');
    const yearSpec = ctx.quick ? { days: 60, queues: 20, tickets: 0 } : { days: 365, queues: 20, tickets: 0 };
    if (!existsSync(join(yearDir, 'intervals.csv'))) await writeSample(yearDir, { ...yearSpec, seed: 11, end: '2026-11-20' });
    const files = [join(yearDir, 'sla_policy.csv'), join(yearDir, 'intervals.csv')];

    const ours = await withDatabase(admin, 'radar_bench_ingest', async (url) => {
      const pool = await openPgWarehouse(url, { max: 2 });
      const t0 = process.hrtime.bigint();
      const r = await ingestFilesPg(pool, files);
      const s = seconds(t0);
      if (!r.ok) throw new Error(`bench data rejected: ${JSON.stringify(r.problems)}`);
      // The same files again: the table has rows now, so staging + upsert (every row replaces itself).
      const t1 = process.hrtime.bigint();
      const again = await ingestFilesPg(pool, files);
      const s2 = seconds(t1);
      if (!again.ok) throw new Error('bench re-ingest rejected');
      return { pool, url, n: r.rows.intervals, s, again: s2 };
    });

    const header = readFileSync(files[1], 'utf8').slice(0, 4096).split(/\r?\n/)[0].split(',');
    const copySeconds = await withDatabase(admin, 'radar_bench_copy', async (url) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const type = (h: string) => (h === 'interval_start' || h === 'queue' ? 'text NOT NULL' : 'double precision');
      await c.query(`CREATE TABLE t (${header.map((h) => `${h} ${type(h)}`).join(', ')}, PRIMARY KEY (queue, interval_start))`);
      await c.query('CREATE INDEX ix_t ON t (interval_start, queue)');
      const t0 = process.hrtime.bigint();
      await pipeline(createReadStream(files[1]), c.query(copyFrom(`COPY t FROM STDIN (FORMAT csv, HEADER true)`)));
      const s = seconds(t0);
      const n = Number((await c.query('SELECT count(*) AS n FROM t')).rows[0].n);
      await c.end();
      if (n !== ours.n) throw new Error(`COPY loaded ${n} rows, radar ingest ${ours.n}`);
      return s;
    });
    const rate = ours.n / ours.s;
    const peer = ours.n / copySeconds;
    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    rows.push({ group: 'pg', name: `intervals into Postgres: radar ingest, ${ours.n.toLocaleString('en-US')} rows (${yearSpec.queues} queues × ${yearSpec.days} days) into an empty warehouse, full validation (worker thread) + COPY + index build + derived tables`, value: rate, unit: 'rows/s' });
    rows.push({ group: 'pg', name: 'intervals: plain COPY of the same CSV (same key + index)', value: peer, unit: 'rows/s' });
    rows.push({ group: 'pg', name: 'intervals: radar ingest / plain COPY (wall clock)', value: rate / peer, unit: '×', target: '≥ 0.5×', verdict: rate / peer >= 0.5 ? 'pass' : 'fail', note: `load average ${load} on ${cpus().length} cores` });
    rows.push({ group: 'pg', name: 'intervals: re-ingest of the same files (staging + upsert), radar ingest / plain COPY', value: ours.n / ours.again / peer, unit: '×', note: `${Math.round(ours.n / ours.again).toLocaleString('en-US')} rows/s; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}` });

    // The view reads behind `sla` on both backends: 30 daily rows of a queue, one day's intervals.
    const dbPath = join(ctx.outDir, ctx.quick ? 'sla-quick-pg-peer.db' : 'sla-year.db');
    if (!existsSync(dbPath)) {
      const db0 = openWarehouse(dbPath);
      const r = await ingestFiles(db0, files);
      db0.close();
      if (!r.ok) throw new Error('sla warehouse rejected');
    }
    const lite = openWarehouse(dbPath, { readonly: true });
    const queues = (lite.prepare('SELECT queue FROM v_queues ORDER BY queue').pluck().all() as string[]).slice(0, 20);
    const last = lite.prepare('SELECT MAX(local_date) FROM v_queue_daily').pluck().get() as string;
    const from = new Date(Date.parse(`${last}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    const daily = 'SELECT * FROM v_queue_daily WHERE queue = $1 AND local_date BETWEEN $2 AND $3 ORDER BY local_date';
    const day = 'SELECT * FROM v_interval_metrics WHERE queue = $1 AND local_date = $2 ORDER BY interval_start';
    const liteDaily = lite.prepare(daily.replace(/\$\d/g, '?'));
    const liteDay = lite.prepare(day.replace(/\$\d/g, '?'));
    const reps = ctx.quick ? 20 : 100;
    const sLite: number[] = [];
    const sPg: number[] = [];
    for (let i = 0; i < reps + 5; i++) {
      const q = queues[i % queues.length];
      let t0 = process.hrtime.bigint();
      liteDaily.all(q, from, last);
      liteDay.all(q, last);
      if (i >= 5) sLite.push(seconds(t0) * 1000);
      t0 = process.hrtime.bigint();
      await ours.pool.query(daily, [q, from, last]);
      await ours.pool.query(day, [q, last]);
      if (i >= 5) sPg.push(seconds(t0) * 1000);
    }
    lite.close();
    await ours.pool.end();

    // `radar sla` through the command (parse, warehouse reads, engines, text) on both backends, the same lines
    // as the SQLite bench (ingest.bench.ts); Postgres through the synchronous facade the CLI and workers use.
    const registry = buildRegistry();
    const config = loadConfig({});
    const now = new Date('2026-11-21T15:00:00Z');
    const backends: [string, Db][] = [['SQLite', openWarehouse(dbPath)], ['Postgres', openWarehouse(ours.url)]];
    try {
      for (const line of ['sla yesterday', 'sla billing last 7 days', 'sla 2026-10-01..2026-10-31']) {
        const samples = backends.map((): number[] => []);
        for (let i = 0; i < 23; i++) {
          for (const [b, [, db]] of backends.entries()) {
            const t0 = process.hrtime.bigint();
            const e = await execute(registry, line, { db, now, config, surface: 'cli' });
            if (!e.ok) throw new Error(`${line}: ${e.message}`);
            e.command.text(e.result);
            if (i >= 3) samples[b].push(seconds(t0) * 1000);
          }
        }
        const [a, b] = samples.map((x) => summarize(x).p95);
        const note = `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
        rows.push({ group: 'pg', name: `radar ${line} on SQLite (${yearSpec.queues} queues × ${yearSpec.days} days), p95`, value: a, unit: 'ms' });
        rows.push({ group: 'pg', name: `radar ${line} on Postgres (sync facade, loopback), p95`, value: b, unit: 'ms', note: `${(b / a).toFixed(1)}× SQLite; ${note}` });
      }
    } finally {
      for (const [, db] of backends) db.close();
    }
    rows.push({ group: 'pg', name: `sla's view reads (30 days of v_queue_daily + a day of v_interval_metrics), SQLite, p95`, value: summarize(sLite).p95, unit: 'ms' });
    rows.push({ group: 'pg', name: `the same reads on Postgres (loopback, one pool connection), p95`, value: summarize(sPg).p95, unit: 'ms', note: `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}` });
  } finally {
    cluster?.stop();
  }
  return rows;
}
