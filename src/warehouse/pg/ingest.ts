/**
 * All-or-nothing ingest into the Postgres warehouse, with the SQLite ingest's guarantees and reports:
 * the same recognition of files, the same validator (validate.ts: every row checked, problems as
 * file:line, column, value, reason), the same upsert rules (ingest.ts upsertSql: an outcome replaces a plan,
 * a plan never replaces an outcome), the same etl_runs log.
 *
 * Speed comes from COPY: each file's valid rows stream as COPY text while the file is still being parsed
 * (parsing waits when the socket is behind; files ≥ 4 MB are validated in the SQLite ingest's worker
 * thread). Into an empty table they go straight in and its indexes are built once after the file; otherwise
 * into a temporary staging table, then one INSERT … SELECT … ON CONFLICT moves them into the table. One
 * transaction per run: a file with any bad row (or a dry run) rolls back everything, so a rejected run
 * changes nothing but its etl_runs line.
 */
import { once } from 'node:events';
import { statSync } from 'node:fs';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PgPool } from './db.js';
import { TABLES, recognise, type TableSpec } from '../tables.js';
import { expandPaths, peekHeader, upsertSql, validateInWorker, type IngestOptions, type IngestReport } from '../ingest.js';
import { ProblemLog, validateFile, writeColumns, chunkLayout, records, type FileOutcome, type RowChunk, type ValidateEnv, type QueueCal } from '../validate.js';
import { isoSeconds } from '../../time.js';

const DATA_TABLES = ['ticket_events', 'tickets', 'agents', 'customers', 'interval_inputs', 'interval_day_totals', 'queue_catalog', 'sla_policy'];

/** COPY text format: backslash, tab, newline and carriage return escaped; NULL is \N. */
function copyText(v: string): string {
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : v;
}

/** A chunk of validated rows (writeColumns order) as COPY text lines. */
function chunkToCopy(spec: TableSpec, chunk: RowChunk): string {
  const { numeric, slot, numberWidth, textWidth } = chunkLayout(spec);
  const width = numeric.length;
  let out = '';
  for (let r = 0; r < chunk.n; r++) {
    for (let j = 0; j < width; j++) {
      if (j) out += '\t';
      if (numeric[j]) {
        const v = chunk.numbers[r * numberWidth + slot[j]];
        out += Number.isNaN(v) ? '\\N' : String(v);
      } else {
        const t = chunk.texts[r * textWidth + slot[j]];
        out += t === null || t === undefined ? '\\N' : copyText(t);
      }
    }
    out += '\n';
  }
  return out;
}

async function readCalendars(c: PoolClient, defaultTz: string): Promise<ValidateEnv> {
  const calendars: Record<string, QueueCal> = {};
  const rows = (await c.query<{ queue: string; time_zone: string | null; interval_seconds: number }>('SELECT queue, time_zone, interval_seconds FROM sla_policy')).rows;
  for (const r of rows) calendars[r.queue] = { tz: r.time_zone ?? defaultTz, intervalSeconds: r.interval_seconds };
  return { calendars, defaultTz };
}

/**
 * The catalog rows of the queues a run wrote, as the SQLite ingest computes them (outcome span, else plans):
 * ordered LIMIT 1 reads at either end of the (queue, interval_start) index, past the few plan rows, instead
 * of aggregating every interval of the queue.
 */
async function refreshQueueCatalog(c: PoolClient, queues: string[]): Promise<void> {
  const end = (dir: 'ASC' | 'DESC', agg: 'MIN' | 'MAX') =>
    `COALESCE((SELECT interval_start FROM interval_inputs WHERE queue = q.queue AND has_outcome = 1 ORDER BY interval_start ${dir} LIMIT 1),
              (SELECT ${agg}(interval_start) FROM interval_inputs WHERE queue = q.queue))`;
  await c.query(
    `INSERT INTO queue_catalog (queue, first_interval, last_interval, sl_target_pct, sl_target_seconds)
     SELECT q.queue, s.first, s.last, i.sl_target_pct, i.sl_target_seconds
     FROM unnest($1::text[]) AS q (queue)
     CROSS JOIN LATERAL (SELECT ${end('ASC', 'MIN')} AS first, ${end('DESC', 'MAX')} AS last) s
     JOIN interval_inputs i ON i.queue = q.queue AND i.interval_start = s.last
     ON CONFLICT (queue) DO UPDATE SET first_interval = excluded.first_interval, last_interval = excluded.last_interval,
       sl_target_pct = excluded.sl_target_pct, sl_target_seconds = excluded.sl_target_seconds`,
    [queues],
  );
}

/** interval_day_totals (migration 019) of the queues a run wrote, recomputed whole, as the SQLite ingest computes its days. */
async function refreshDayTotals(c: PoolClient, queues: string[]): Promise<void> {
  await c.query('DELETE FROM interval_day_totals WHERE queue = ANY($1)', [queues]);
  await c.query(
    `INSERT INTO interval_day_totals
     SELECT queue, local_date, SUM(offered),
            SUM(CASE WHEN aht_seconds IS NOT NULL THEN (aht_seconds - COALESCE(acw_seconds, 0)) * handled END),
            SUM(acw_seconds * handled),
            SUM(CASE WHEN aht_seconds IS NOT NULL THEN handled END),
            SUM(CASE WHEN offered > 0 THEN agents_staffed END),
            COUNT(CASE WHEN offered > 0 THEN 1 END)
     FROM interval_inputs WHERE queue = ANY($1) AND has_outcome = 1
     GROUP BY queue, local_date`,
    [queues],
  );
}

/**
 * A load into an empty table builds its indexes once after the COPY instead of row by row (as the SQLite
 * ingest does since migration 015): about half the server's time on a year of intervals. Only for a table
 * without triggers (a trigger may look rows up through an index) and for indexes no foreign key depends on.
 * Inside the run's transaction, so a rejected run rolls the drop back with everything else; the drop holds
 * the table's ACCESS EXCLUSIVE lock until the commit (readers of that table, empty until then, wait for the
 * load, as they do for --reset's TRUNCATE). Returns what rebuilds them.
 */
async function dropIndexes(c: PoolClient, table: string): Promise<() => Promise<void>> {
  const triggers = await c.query('SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal LIMIT 1', [table]);
  if (triggers.rowCount) return async () => undefined;
  const indexes = (
    await c.query<{ name: string; def: string; conname: string | null; condef: string | null }>(
      `SELECT x.relname AS name, pg_get_indexdef(i.indexrelid) AS def, con.conname, pg_get_constraintdef(con.oid) AS condef
       FROM pg_index i
       JOIN pg_class x ON x.oid = i.indexrelid
       LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u')
       WHERE i.indrelid = $1::regclass
         AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
       ORDER BY x.relname`,
      [table],
    )
  ).rows;
  for (const ix of indexes) await c.query(ix.conname ? `ALTER TABLE ${table} DROP CONSTRAINT "${ix.conname}"` : `DROP INDEX "${ix.name}"`);
  return async () => {
    for (const ix of indexes) await c.query(ix.conname ? `ALTER TABLE ${table} ADD CONSTRAINT "${ix.conname}" ${ix.condef}` : ix.def);
  };
}

/**
 * Streams one file's valid rows by COPY and, unless the table was empty, upserts them. Into an empty table
 * (the first load, or --reset) every row is new: the validator's duplicate-key check leaves nothing for an
 * upsert to decide, so the rows are copied straight into the table (as the SQLite ingest inserts without ON
 * CONFLICT into an empty table); otherwise into a temporary staging table, then one INSERT … SELECT … ON
 * CONFLICT with the SQLite upsert rules. Large files are validated in the SQLite ingest's worker thread
 * (validateInWorker), so parsing and checking overlap with this thread's COPY writes. Returns the
 * validator's outcome and how many rows the upsert left as they were (plan rows behind an outcome).
 */
async function loadFile(c: PoolClient, path: string, spec: TableSpec, env: ValidateEnv, problems: ProblemLog, onBytes: (n: number) => void, workerMinBytes: number) {
  const cols = writeColumns(spec);
  const empty = (await c.query(`SELECT 1 FROM ${spec.table} LIMIT 1`)).rowCount === 0;
  const rebuildIndexes = empty ? await dropIndexes(c, spec.table) : null;
  if (!empty) await c.query(`CREATE TEMP TABLE radar_stage ON COMMIT DROP AS SELECT ${cols.join(', ')} FROM ${spec.table} WITH NO DATA`);
  const copy = c.query(copyFrom(`COPY ${empty ? spec.table : 'radar_stage'} (${cols.join(', ')}) FROM STDIN`));
  const done = once(copy, 'finish');
  let failed: Error | null = null;
  copy.on('error', (e: Error) => (failed = e));
  // One wait for the socket to drain, shared by every chunk written while it is behind. Nothing to wait for
  // when it has drained already ('drain' is not emitted again) or COPY failed.
  let drained: Promise<void> | null = null;
  const drain = (): Promise<void> | undefined =>
    !copy.writableNeedDrain || failed
      ? undefined
      : (drained ??= Promise.race([once(copy, 'drain'), once(copy, 'error')]).then(
          () => void (drained = null),
          () => void (drained = null),
        ));
  const writing = () => problems.count === 0 && !failed;
  let outcome: FileOutcome;
  if (statSync(path).size >= workerMinBytes) {
    outcome = await validateInWorker(path, spec, env, (chunk) => (copy.write(chunkToCopy(spec, chunk)) ? undefined : drain()), onBytes, writing);
  } else {
    let behind = false;
    // Parsing waits while the socket is behind, so a large file never piles up in memory.
    async function* paced() {
      for await (const batch of records(path, onBytes)) {
        if (behind && !failed) await drain();
        behind = false;
        yield batch;
      }
    }
    outcome = await validateFile(path, spec, env, { rows: (chunk) => writing() && (behind = !copy.write(chunkToCopy(spec, chunk))), bytes: () => undefined }, paced());
  }
  copy.end();
  await Promise.race([done, once(copy, 'error')]);
  if (failed) throw failed;
  await rebuildIndexes?.();
  let unchanged = 0;
  if (!empty) {
    if (problems.count + outcome.problemCount === 0) {
      const upsert = upsertSql(spec, cols).replace(/VALUES\s*\([^)]*\)/, `SELECT ${cols.join(', ')} FROM radar_stage`);
      const r = await c.query(upsert);
      unchanged = outcome.count - (r.rowCount ?? 0);
    }
    await c.query('DROP TABLE radar_stage');
  }
  return { outcome, unchanged };
}

/** ingestFiles for the Postgres warehouse (same options, same report). */
export async function ingestFilesPg(pool: PgPool, inputPaths: string[], opts: IngestOptions = {}): Promise<IngestReport> {
  const t0 = process.hrtime.bigint();
  const started = opts.now ?? new Date();
  const defaultTz = opts.defaultTz ?? 'UTC';
  const problems = new ProblemLog();
  const warnings: string[] = [];
  const rows: Record<string, number> = {};
  const files = expandPaths(inputPaths);
  if (files.length === 0) problems.add({ file: inputPaths.join(', '), line: null, column: '', value: '', reason: 'no .csv, .jsonl or .ndjson files found' });
  const plan = files.map((path) => ({ path, spec: recognise(peekHeader(path)), rows: 0 }));
  for (const p of plan) {
    if (!p.spec) {
      problems.add({
        file: p.path, line: 1, column: '(header)', value: peekHeader(p.path).slice(0, 6).join(','),
        reason: `unrecognised header: expected the columns of one of ${TABLES.map((t) => t.label).join(', ')} (see docs/data-formats.md), e.g. ${TABLES[1].signature.join(',')},…`,
      });
    }
  }
  plan.sort((a, b) => (a.spec?.order ?? 99) - (b.spec?.order ?? 99));
  const totalBytes = files.reduce((s, f) => s + statSync(f).size, 0);
  let bytes = 0;
  const onBytes = (n: number) => {
    bytes += n;
    opts.onProgress?.(bytes, totalBytes);
  };

  const c = await pool.connect();
  let committed = false;
  try {
    await c.query('BEGIN');
    if (opts.reset) await c.query(`TRUNCATE ${DATA_TABLES.join(', ')}`);
    const ticketIdsThisRun = new Set<string>();
    const touchedQueues = new Set<string>();
    const eventRefs: { ticket: string; file: string; line: number }[] = [];
    let env: ValidateEnv | null = null;
    for (const p of plan) {
      if (!p.spec) continue;
      if (p.spec.table !== 'sla_policy' && !env) env = await readCalendars(c, defaultTz);
      const { outcome, unchanged } = await loadFile(c, p.path, p.spec, env ?? { calendars: {}, defaultTz }, problems, onBytes, opts.workerMinBytes ?? 4 * 1024 * 1024);
      for (const pr of outcome.problems) problems.add(pr);
      problems.count += outcome.problemCount - outcome.problems.length;
      warnings.push(...outcome.warnings);
      for (const q of outcome.touchedQueues) touchedQueues.add(q);
      for (const t of outcome.ticketIds) ticketIdsThisRun.add(t);
      for (const r of outcome.eventRefs) eventRefs.push({ ticket: r.ticket, file: p.path, line: r.line });
      p.rows = outcome.count;
      if (p.spec.table === 'interval_inputs' && unchanged > 0) {
        warnings.push(`${p.path}: ${unchanged.toLocaleString('en-US')} plan row${unchanged === 1 ? '' : 's'} left out: ${unchanged === 1 ? 'its interval already has' : 'their intervals already have'} an outcome, and a plan never replaces an outcome`);
      }
      rows[p.spec.label] = (rows[p.spec.label] ?? 0) + p.rows;
    }
    if (problems.count === 0 && eventRefs.length) {
      const outside = [...new Set(eventRefs.map((r) => r.ticket).filter((t) => !ticketIdsThisRun.has(t)))];
      const known = new Set((await c.query<{ id: string }>('SELECT ticket_id AS id FROM tickets WHERE ticket_id = ANY($1)', [outside])).rows.map((r) => r.id));
      for (const r of eventRefs) {
        if (!ticketIdsThisRun.has(r.ticket) && !known.has(r.ticket)) problems.add({ file: r.file, line: r.line, column: 'ticket_id', value: r.ticket, reason: 'refers to a ticket that is neither in the warehouse nor in this run' });
      }
    }
    if (problems.count === 0 && touchedQueues.size) {
      await refreshQueueCatalog(c, [...touchedQueues]);
      await refreshDayTotals(c, [...touchedQueues]);
    }
    if (problems.count > 0 || opts.dryRun) await c.query('ROLLBACK');
    else {
      await c.query('COMMIT');
      committed = true;
    }
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    c.release(true);
    throw err;
  }
  const status = problems.count > 0 ? 'rejected' : opts.dryRun ? 'dry_run' : 'ok';
  try {
    const run = await c.query<{ run_id: number }>(
      `INSERT INTO etl_runs (started_at, finished_at, status, files, rows_by_table, rejected_rows, warnings, message) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING run_id`,
      [
        isoSeconds(started.getTime()),
        isoSeconds(Date.now()),
        status,
        JSON.stringify(files),
        JSON.stringify(committed ? rows : {}),
        problems.count,
        JSON.stringify(warnings),
        problems.list[0] ? `${problems.list[0].file}:${problems.list[0].line} ${problems.list[0].column} ${problems.list[0].reason}` : null,
      ],
    );
    return {
      ok: problems.count === 0,
      dryRun: Boolean(opts.dryRun),
      runId: run.rows[0].run_id,
      files: plan.map((p) => ({ path: p.path, table: p.spec?.label ?? null, rows: p.rows })),
      rows,
      problems: problems.list,
      problemCount: problems.count,
      warnings,
      seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    };
  } finally {
    c.release();
  }
}
