/**
 * `ingest` into the Postgres warehouse (src/warehouse/pg/ingest.ts, COPY through a staging table) against
 * the SQLite ingest as the reference: the same files give the same rows in every table and the same view
 * answers (v_queue_daily is what `sla` reads); a rejected file changes nothing; re-ingesting changes
 * nothing; COPY's escaping survives text with tabs, newlines, backslashes and quotes.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { openPgWarehouse, type PgPool } from '../src/warehouse/pg/db.js';
import { ingestFilesPg } from '../src/warehouse/pg/ingest.js';
import { describePg, freshDatabase, type FreshDatabase } from './helpers/pg.js';

const TABLES: Record<string, string> = {
  sla_policy: 'queue',
  interval_inputs: 'queue, interval_start',
  queue_catalog: 'queue',
  customers: 'customer_id',
  agents: 'agent_id',
  tickets: 'ticket_id',
  ticket_events: 'event_id',
  // Derived by 017's triggers on Postgres, by the paused-trigger rebuild in the SQLite ingest.
  ticket_comment_text: 'ticket_id',
};
const VIEWS: Record<string, string> = {
  v_queue_daily: 'queue, local_date',
  v_interval_metrics: 'queue, interval_start',
  v_queues: 'queue',
  v_ticket_facts: 'ticket_id',
  v_ticket_attributes: 'ticket_id, name',
};

/** Rows with numbers compared to 12 significant digits (float sums may differ in the last bits). */
function normal(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.endsWith('_fts') && k !== 'rowid').map(([k, v]) => [k, typeof v === 'number' ? Number(v.toPrecision(12)) : v])));
}

async function pgRows(pool: PgPool, name: string, order: string) {
  return normal((await pool.query(`SELECT * FROM ${name} ORDER BY ${order}`)).rows);
}
function liteRows(db: Db, name: string, order: string) {
  return normal(db.prepare(`SELECT * FROM ${name} ORDER BY ${order}`).all() as Record<string, unknown>[]);
}
async function snapshot(pool: PgPool) {
  const out: Record<string, unknown[]> = {};
  for (const [t, order] of Object.entries(TABLES)) out[t] = await pgRows(pool, t, order);
  return out;
}

describePg('ingest into postgres', () => {
  let fresh: FreshDatabase;
  let pool: PgPool;
  let dir: string;
  let lite: Db;
  beforeAll(async () => {
    fresh = await freshDatabase();
    pool = await openPgWarehouse(fresh.url);
    dir = mkdtempSync(join(tmpdir(), 'radar-pg-ingest-'));
    lite = openWarehouse(join(dir, 'w.db'));
  });
  afterAll(async () => {
    await pool?.end();
    await fresh?.drop();
    lite?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the sample loads into the same rows and the same view answers as in SQLite', async () => {
    const now = new Date('2026-11-20T15:00:00Z');
    const a = await ingestFiles(lite, ['data/sample'], { now });
    const b = await ingestFilesPg(pool, ['data/sample'], { now });
    expect(a.ok).toBe(true);
    expect(b.ok).toBe(true);
    expect(b.rows).toEqual(a.rows);
    expect(b.warnings).toEqual(a.warnings);
    expect(b.rows.intervals).toBeGreaterThan(10_000);
    for (const [t, order] of Object.entries(TABLES)) expect(await pgRows(pool, t, order), t).toEqual(liteRows(lite, t, order));
    for (const [v, order] of Object.entries(VIEWS)) expect(await pgRows(pool, v, order), v).toEqual(liteRows(lite, v, order));
    const run = (await pool.query(`SELECT status, rejected_rows FROM etl_runs WHERE run_id = $1`, [b.runId])).rows[0];
    expect(run).toEqual({ status: 'ok', rejected_rows: 0 });
  });

  it('re-ingesting the same files changes nothing', async () => {
    const before = await snapshot(pool);
    const r = await ingestFilesPg(pool, ['data/sample']);
    expect(r.ok).toBe(true);
    expect(await snapshot(pool)).toEqual(before);
  });

  it('a run with one bad row in its second file is rejected whole: nothing changes, the row is named', async () => {
    const before = await snapshot(pool);
    const good = join(dir, 'a_policy.csv');
    writeFileSync(good, 'queue,sl_target_pct,sl_target_seconds,interval_seconds,time_zone,display_name\nnew_queue,90,30,1800,UTC,New\n');
    const lines = readFileSync('data/sample/intervals.csv', 'utf8').trimEnd().split('\n');
    const header = lines[0].split(',');
    const bad = lines.slice(0, 400);
    const row = bad[250].split(',');
    row[header.indexOf('offered')] = '-3';
    bad[250] = row.join(',');
    const shifted = bad.map((l, i) => (i === 0 ? l : l.replace(/^(\d{4})/, '2030')));
    const badFile = join(dir, 'b_intervals.csv');
    writeFileSync(badFile, shifted.join('\n') + '\n');
    const r = await ingestFilesPg(pool, [good, badFile]);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ file: badFile, line: 251, column: 'offered', value: '-3' });
    expect(await snapshot(pool)).toEqual(before);
    const ref = await ingestFiles(lite, [good, badFile]);
    expect(r.problems).toEqual(ref.problems);
    const run = (await pool.query(`SELECT status, rejected_rows FROM etl_runs WHERE run_id = $1`, [r.runId])).rows[0];
    expect(run).toEqual({ status: 'rejected', rejected_rows: 1 });
    // Events pointing at a ticket nowhere: rejected at the end of the run, also changing nothing.
    const orphan = join(dir, 'events.csv');
    writeFileSync(orphan, 'event_id,ticket_id,at,type,author_type,agent_id,from_queue,to_queue,status,body\nE-x1,T-nowhere,2026-11-20T10:00:00Z,comment,customer,,,,,hello\n');
    const o = await ingestFilesPg(pool, [orphan]);
    expect(o.problems).toEqual((await ingestFiles(lite, [orphan])).problems);
    expect(o.ok).toBe(false);
    expect(await snapshot(pool)).toEqual(before);
  });

  it('text with tabs, newlines, backslashes, quotes and non-ASCII survives COPY exactly', async () => {
    const f = join(dir, 'tickets_odd.csv');
    const subject = 'Tab\there \\N not null, back\\slash';
    const body = 'line one\nline two\r\n"quoted" — café ✓ \\t';
    const csv = (s: string) => `"${s.replace(/"/g, '""')}"`;
    writeFileSync(f, `ticket_id,created_at,status,priority,channel,queue,subject,body,attr_region\nT-odd,2026-11-20T10:00:00Z,open,high,email,billing,${csv(subject)},${csv(body)},EMEA\n`);
    const r = await ingestFilesPg(pool, [f]);
    expect(r.ok, JSON.stringify(r.problems)).toBe(true);
    expect((await ingestFiles(lite, [f])).ok).toBe(true);
    const got = (await pool.query(`SELECT subject, body, attributes FROM tickets WHERE ticket_id = 'T-odd'`)).rows[0];
    expect(got).toEqual(lite.prepare(`SELECT subject, body, attributes FROM tickets WHERE ticket_id = 'T-odd'`).get());
    expect(got.subject).toBe(subject);
  });
});

/**
 * Into an empty table the rows are copied straight into it and its indexes are built once after the file
 * (no staging, no upsert); large files are validated in the SQLite ingest's worker thread (forced here for
 * every file with workerMinBytes: 0). The same rows and answers as SQLite, the same indexes and constraints
 * as the migrated schema afterwards, and a rejected first load leaves the empty warehouse as it was,
 * indexes included.
 */
describePg('ingest into an empty postgres warehouse (straight COPY, worker validation)', () => {
  let fresh: FreshDatabase;
  let pool: PgPool;
  let dir: string;
  let lite: Db;
  const indexes = async () => ({
    indexes: (await pool.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`)).rows,
    constraints: (await pool.query(`SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`)).rows,
  });
  beforeAll(async () => {
    fresh = await freshDatabase();
    pool = await openPgWarehouse(fresh.url);
    dir = mkdtempSync(join(tmpdir(), 'radar-pg-empty-'));
    lite = openWarehouse(join(dir, 'w.db'));
  });
  afterAll(async () => {
    await pool?.end();
    await fresh?.drop();
    lite?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a rejected first load changes nothing, indexes included, and names the row as SQLite does', async () => {
    const schema = await indexes();
    expect(schema.indexes.some((r) => r.indexname === 'interval_inputs_queue_start')).toBe(true);
    const before = await snapshot(pool);
    const lines = readFileSync('data/sample/intervals.csv', 'utf8').trimEnd().split('\n');
    const offered = lines[0].split(',').indexOf('offered');
    const row = lines[9000].split(',');
    row[offered] = 'lots';
    lines[9000] = row.join(',');
    const bad = join(dir, 'intervals.csv');
    writeFileSync(bad, lines.join('\n') + '\n');
    const r = await ingestFilesPg(pool, ['data/sample/sla_policy.csv', bad], { workerMinBytes: 0 });
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ file: bad, line: 9001, column: 'offered', value: 'lots' });
    expect(r.problems).toEqual((await ingestFiles(lite, ['data/sample/sla_policy.csv', bad])).problems);
    expect(await snapshot(pool)).toEqual(before);
    expect(await indexes()).toEqual(schema);
  });

  it('loads the sample into the same rows and answers as SQLite, with the schema indexes rebuilt; re-ingest (upsert) changes nothing', async () => {
    const schema = await indexes();
    const now = new Date('2026-11-20T15:00:00Z');
    const a = await ingestFiles(lite, ['data/sample'], { now });
    const b = await ingestFilesPg(pool, ['data/sample'], { now, workerMinBytes: 0 });
    expect(a.ok).toBe(true);
    expect(b.ok, JSON.stringify(b.problems)).toBe(true);
    expect(b.rows).toEqual(a.rows);
    expect(b.warnings).toEqual(a.warnings);
    for (const [t, order] of Object.entries(TABLES)) expect(await pgRows(pool, t, order), t).toEqual(liteRows(lite, t, order));
    for (const [v, order] of Object.entries(VIEWS)) expect(await pgRows(pool, v, order), v).toEqual(liteRows(lite, v, order));
    expect(await pgRows(pool, 'interval_day_totals', 'queue, local_date')).toEqual(liteRows(lite, 'interval_day_totals', 'queue, local_date'));
    expect(await indexes()).toEqual(schema);
    const loaded = await snapshot(pool);
    const again = await ingestFilesPg(pool, ['data/sample'], { workerMinBytes: 0 });
    expect(again.ok).toBe(true);
    expect(await snapshot(pool)).toEqual(loaded);
  });
});
