/**
 * All-or-nothing ingest of CSV and JSON Lines files into the warehouse.
 *
 * One run = one transaction. Every row of every file is parsed and checked (validate.ts: types, ranges,
 * allowed values, cross-column rules, interval alignment) and upserted in multi-row batches as it streams
 * (so re-ingesting the same rows changes nothing); references between files are checked at the end, and
 * the run commits only if no row was bad. Otherwise it rolls back and reports the first 20 problems as
 * file:line, column, value and reason, plus a count. Each run, accepted or rejected, is logged in etl_runs.
 * Large files are validated in a worker thread while this thread writes, so parsing and SQLite overlap.
 */
import { readdirSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db } from './db.js';
import { TABLES, recognise, type Cell, type TableSpec } from './tables.js';
import { addDays, isoSeconds } from '../time.js';
import { ProblemLog, validateFile, specByTable, writeColumns, chunkLayout, isJsonLines, type RowChunk, type FileOutcome, type IngestProblem, type QueueCal, type ValidateEnv } from './validate.js';
import { maintainKpiFacts } from './kpi.js';

export { parseTimestamp, type IngestProblem } from './validate.js';

export interface IngestReport {
  ok: boolean;
  dryRun: boolean;
  runId: number | null;
  files: { path: string; table: string | null; rows: number }[];
  /** Rows read per table (upserted when ok). */
  rows: Record<string, number>;
  /** First 20 problems. */
  problems: IngestProblem[];
  problemCount: number;
  warnings: string[];
  seconds: number;
}

export interface IngestOptions {
  reset?: boolean;
  dryRun?: boolean;
  /** Time zone for queues without one in sla_policy. */
  defaultTz?: string;
  /** Called with bytes read so far and the total, for a progress bar. */
  onProgress?: (bytesRead: number, bytesTotal: number) => void;
  now?: Date;
  /** Files at least this large are validated in a worker thread (default 4 MB; 0 = always, Infinity = never). */
  workerMinBytes?: number;
}

const DATA_TABLES = ['ticket_events', 'tickets', 'agents', 'customers', 'interval_inputs', 'interval_day_totals', 'queue_catalog', 'sla_policy'];

/** Expands folders (non-recursive into hidden files) to .csv/.jsonl/.ndjson files, sorted. */
export function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) throw new Error(`No such file or folder: ${p}`);
    if (st.isDirectory()) {
      for (const f of readdirSync(p).sort()) {
        if (f.startsWith('.')) continue;
        const full = join(p, f);
        if (statSync(full).isDirectory()) out.push(...expandPaths([full]));
        else if (/\.(csv|jsonl|ndjson)$/i.test(f)) out.push(full);
      }
    } else out.push(p);
  }
  return out;
}

/** Reads the header (CSV) or first object's keys (JSONL) to recognise the table, without reading the file. */
export function peekHeader(path: string): string[] {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    let text = buf.subarray(0, n).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
    if (isJsonLines(path)) {
      try {
        return Object.keys(JSON.parse(firstLine)).map((k) => k.trim().toLowerCase());
      } catch {
        return [];
      }
    }
    return firstLine.split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase());
  } finally {
    closeSync(fd);
  }
}

/**
 * The upsert of one batch. Intervals: an outcome replaces a plan (keeping the plan's forecast where the
 * outcome row has none, so forecast-vs-actual survives) and an outcome; a plan replaces only a plan, never
 * an interval that has an outcome (the WHERE leaves that row as it is; rowWriter counts the skipped rows).
 */
export function upsertSql(spec: TableSpec, cols: string[], rows = 1, into: 'empty' | 'rows' = 'rows'): string {
  const tuple = `(${cols.map(() => '?').join(', ')})`;
  const insert = `INSERT INTO ${spec.table} (${cols.join(', ')}) VALUES ${Array(rows).fill(tuple).join(', ')}`;
  // Into an empty table every row is new: the file's own duplicate-key check leaves nothing to update.
  if (into === 'empty') return insert;
  const isIntervals = spec.table === 'interval_inputs';
  const keepPlanForecast = (c: string) =>
    `${c} = CASE WHEN excluded.has_outcome = 1 AND ${spec.table}.has_outcome = 0 THEN COALESCE(excluded.${c}, ${spec.table}.${c}) ELSE excluded.${c} END`;
  const updates = cols
    .filter((c) => !spec.key.includes(c))
    .map((c) => (isIntervals && (c === 'forecast_offered' || c === 'forecast_aht_seconds') ? keepPlanForecast(c) : `${c} = excluded.${c}`));
  const guard = isIntervals ? ` WHERE excluded.has_outcome = 1 OR ${spec.table}.has_outcome = 0` : '';
  return `${insert}
    ON CONFLICT (${spec.key.join(', ')}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}${guard}` : 'NOTHING'}`;
}

/**
 * Writes validated rows BATCH at a time through one multi-row INSERT: per-statement overhead, not SQLite's
 * B-tree work, dominates single-row inserts from Node (≈3× slower). One argument array is reused for every
 * batch, filled from the chunk's column buffers in writeColumns order.
 */
function rowWriter(db: Db, spec: TableSpec, into: 'empty' | 'rows'): { write: (chunk: RowChunk) => void; unchanged: () => number } {
  const cols = writeColumns(spec);
  const width = cols.length;
  const { numeric, slot, numberWidth, textWidth } = chunkLayout(spec);
  const one = db.prepare(upsertSql(spec, cols, 1, into));
  const BATCH = Math.max(1, Math.min(64, Math.floor(32_000 / width)));
  const many = db.prepare(upsertSql(spec, cols, BATCH, into));
  const batchArgs = new Array<Cell>(BATCH * width);
  const oneArgs = new Array<Cell>(width);
  const fill = (args: Cell[], chunk: RowChunk, from: number, rows: number) => {
    let k = 0;
    for (let r = from; r < from + rows; r++) {
      const nb = r * numberWidth;
      const tb = r * textWidth;
      for (let j = 0; j < width; j++) {
        if (numeric[j]) {
          const v = chunk.numbers[nb + slot[j]];
          args[k++] = Number.isNaN(v) ? null : v;
        } else args[k++] = chunk.texts[tb + slot[j]];
      }
    }
  };
  // Every row inserts or updates, except a plan row whose interval already has an outcome (upsertSql's guard).
  let unchanged = 0;
  return {
    write(chunk) {
      let r = 0;
      let changes = 0;
      for (; r + BATCH <= chunk.n; r += BATCH) {
        fill(batchArgs, chunk, r, BATCH);
        changes += many.run(batchArgs).changes;
      }
      for (; r < chunk.n; r++) {
        fill(oneArgs, chunk, r, 1);
        changes += one.run(oneArgs).changes;
      }
      unchanged += chunk.n - changes;
    },
    unchanged: () => unchanged,
  };
}

/**
 * A load into an empty table skips index upkeep row by row: its named indexes (interval_inputs' unique
 * (queue, interval_start) since migration 015, tickets' secondary indexes) are dropped and built once after
 * the file, about a third less writer time on a million interval rows. Returns what rebuilds them, or null
 * when the table has rows (they are then upserted with every index in place). Inside the run's transaction,
 * so a rejected run rolls the drop back with everything else.
 */
function dropIndexesIfEmpty(db: Db, table: string): (() => void) | null {
  if (db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get()) return null;
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL").all(table) as { name: string; sql: string }[];
  for (const ix of indexes) db.exec(`DROP INDEX "${ix.name}"`);
  return () => {
    for (const ix of indexes) db.exec(ix.sql);
  };
}

/**
 * Ticket search (migration 017) while ingest writes tickets and events: row by row, each comment would
 * re-tokenise its whole ticket (several times the load time). Into an empty warehouse (or with --reset) every
 * search trigger is paused and the comment text and index are built once at the end; otherwise only the
 * comment triggers are paused (they note their ticket in ticket_search_stale) and each noted ticket gets its
 * text and document once at the end (ticket triggers stay on, so the index keeps each ticket's current
 * subject and body with its stored comment text, which is what the end step deletes). Returns that step.
 */
function pauseSearchIndex(db: Db, empty: boolean): () => void {
  db.prepare('INSERT INTO ticket_search_paused (scope) VALUES (?)').run(empty ? 'all' : 'comments');
  const commentText = (where: string) => `INSERT INTO ticket_comment_text (ticket_id, comments)
    SELECT ticket_id, group_concat(body, char(10) ORDER BY rowid) FROM ticket_events WHERE body IS NOT NULL ${where} GROUP BY ticket_id`;
  return () => {
    if (empty) {
      db.exec(`DELETE FROM ticket_comment_text; ${commentText('')}; INSERT INTO ticket_search_fts (ticket_search_fts) VALUES ('rebuild')`);
    } else {
      const docs = 'FROM v_ticket_search_text WHERE rid IN (SELECT t.rowid FROM tickets t JOIN ticket_search_stale s ON s.ticket_id = t.ticket_id)';
      db.exec(`INSERT INTO ticket_search_fts (ticket_search_fts, rowid, subject, body, comments) SELECT 'delete', rid, subject, body, comments ${docs};
        DELETE FROM ticket_comment_text WHERE ticket_id IN (SELECT ticket_id FROM ticket_search_stale);
        ${commentText('AND ticket_id IN (SELECT ticket_id FROM ticket_search_stale)')};
        INSERT INTO ticket_search_fts (rowid, subject, body, comments) SELECT rid, subject, body, comments ${docs};
        DELETE FROM ticket_search_stale`);
    }
    db.exec('DELETE FROM ticket_search_paused');
  };
}

const bootUrl = new URL('./worker-boot.mjs', import.meta.url);
const workerEntry = new URL(`./ingestWorker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
/** How many row chunks the worker may run ahead of the writer before it waits. */
const MAX_AHEAD = 16;

/**
 * validateFile in a worker thread; rows arrive as messages and are written here as they come. `write` may
 * return a promise (the Postgres COPY stream is behind): that chunk counts as consumed only when it settles,
 * so the worker, at most MAX_AHEAD chunks ahead, waits instead of piling rows up in memory.
 */
export function validateInWorker(path: string, spec: TableSpec, env: ValidateEnv, write: (chunk: RowChunk) => void | Promise<void>, onBytes: (n: number) => void, writing: () => boolean): Promise<FileOutcome> {
  const flow = new Int32Array(new SharedArrayBuffer(8)); // [chunks sent, chunks consumed]
  const worker = new Worker(bootUrl, { workerData: { entry: workerEntry, path, table: spec.table, env, flow } });
  const consumed = () => {
    Atomics.add(flow, 1, 1);
    Atomics.notify(flow, 1);
  };
  return new Promise((resolve, reject) => {
    const fail = (e: unknown) => {
      worker.terminate();
      reject(e);
    };
    worker.on('message', (m: { t: 'rows'; chunk: RowChunk } | { t: 'bytes'; n: number } | { t: 'done'; outcome: FileOutcome } | { t: 'error'; message: string }) => {
      if (m.t === 'rows') {
        let pending: void | Promise<void>;
        try {
          pending = writing() ? write(m.chunk) : undefined;
        } catch (e) {
          fail(e);
          return;
        }
        if (pending) pending.then(consumed, fail);
        else consumed();
      } else if (m.t === 'bytes') onBytes(m.n);
      else if (m.t === 'done') resolve(m.outcome);
      else reject(new Error(m.message));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`ingest worker exited with code ${code}`));
    });
  });
}



/** Time zone and interval length of every queue with a policy (as the transaction sees them). */
function readCalendars(db: Db, defaultTz: string): ValidateEnv {
  const calendars: Record<string, QueueCal> = {};
  for (const r of db.prepare('SELECT queue, time_zone, interval_seconds FROM sla_policy').all() as { queue: string; time_zone: string | null; interval_seconds: number }[]) {
    calendars[r.queue] = { tz: r.time_zone ?? defaultTz, intervalSeconds: r.interval_seconds };
  }
  return { calendars, defaultTz };
}

/** Recomputes the catalog rows of the queues a run wrote (first/last interval through the primary key). */
function refreshQueueCatalog(db: Db, queues: Set<string>): void {
  // The span of the queue's outcomes; a queue with only plan rows so far spans its plans.
  // (Ordered LIMIT 1 reads walk the (queue, interval_start) index from either end, past the few plan rows.)
  const span = db.prepare(`SELECT
      COALESCE((SELECT interval_start FROM interval_inputs WHERE queue = @q AND has_outcome = 1 ORDER BY interval_start LIMIT 1),
               (SELECT MIN(interval_start) FROM interval_inputs WHERE queue = @q)) AS first,
      COALESCE((SELECT interval_start FROM interval_inputs WHERE queue = @q AND has_outcome = 1 ORDER BY interval_start DESC LIMIT 1),
               (SELECT MAX(interval_start) FROM interval_inputs WHERE queue = @q)) AS last`);
  const targets = db.prepare('SELECT sl_target_pct AS pct, sl_target_seconds AS secs FROM interval_inputs WHERE queue = ? AND interval_start = ?');
  const upsert = db.prepare(`INSERT INTO queue_catalog (queue, first_interval, last_interval, sl_target_pct, sl_target_seconds) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (queue) DO UPDATE SET first_interval = excluded.first_interval, last_interval = excluded.last_interval,
      sl_target_pct = excluded.sl_target_pct, sl_target_seconds = excluded.sl_target_seconds`);
  for (const q of queues) {
    const s = span.get({ q }) as { first: string | null; last: string | null };
    if (!s.first || !s.last) continue;
    const t = targets.get(q, s.last) as { pct: number; secs: number };
    upsert.run(q, s.first, s.last, t.pct, t.secs);
  }
}

/** The local days an interval file wrote, per queue (first and last), read off the rows as they go to the writer. */
class WrittenDays {
  readonly spans = new Map<string, { from: string; to: string }>();
  private readonly queueAt: number;
  private readonly dateAt: number;
  private readonly width: number;

  constructor(spec: TableSpec) {
    const cols = writeColumns(spec);
    const { slot, textWidth } = chunkLayout(spec);
    this.queueAt = slot[cols.indexOf('queue')];
    this.dateAt = slot[cols.indexOf('local_date')];
    this.width = textWidth;
  }

  add(chunk: RowChunk): void {
    let span: { from: string; to: string } | undefined;
    let last: string | null = null;
    for (let r = 0; r < chunk.n; r++) {
      const q = chunk.texts[r * this.width + this.queueAt]!;
      const d = chunk.texts[r * this.width + this.dateAt]!;
      if (q !== last) {
        last = q;
        span = this.spans.get(q);
        if (!span) this.spans.set(q, (span = { from: d, to: d }));
      }
      if (d < span!.from) span!.from = d;
      else if (d > span!.to) span!.to = d;
    }
  }
}

/**
 * Recomputes interval_day_totals (migration 019) over the days a run wrote. Two days' margin each side: an
 * upsert of an interval whose queue changed time zone moves it to another local day (offsets span −12 … +14 h).
 */
function refreshDayTotals(db: Db, written: WrittenDays): void {
  const drop = db.prepare('DELETE FROM interval_day_totals WHERE queue = ? AND local_date BETWEEN ? AND ?');
  const fill = db.prepare(`INSERT INTO interval_day_totals
    SELECT queue, local_date, SUM(offered),
           SUM(CASE WHEN aht_seconds IS NOT NULL THEN (aht_seconds - COALESCE(acw_seconds, 0)) * handled END),
           SUM(acw_seconds * handled),
           SUM(CASE WHEN aht_seconds IS NOT NULL THEN handled END),
           SUM(CASE WHEN offered > 0 THEN agents_staffed END),
           COUNT(CASE WHEN offered > 0 THEN 1 END)
    FROM interval_inputs WHERE queue = ? AND local_date BETWEEN ? AND ? AND has_outcome = 1
    GROUP BY queue, local_date`);
  for (const [queue, span] of written.spans) {
    const from = addDays(span.from, -2);
    const to = addDays(span.to, 2);
    drop.run(queue, from, to);
    fill.run(queue, from, to);
  }
}

/**
 * Ingests files into the warehouse, all-or-nothing. Throws only for programming errors or unreadable
 * paths; every data problem is returned in the report.
 */
export async function ingestFiles(db: Db, inputPaths: string[], opts: IngestOptions = {}): Promise<IngestReport> {
  const t0 = process.hrtime.bigint();
  const started = opts.now ?? new Date();
  const defaultTz = opts.defaultTz ?? 'UTC';
  const problems = new ProblemLog();
  const warnings: string[] = [];
  const rows: Record<string, number> = {};
  const files = expandPaths(inputPaths);
  if (files.length === 0) {
    problems.add({ file: inputPaths.join(', '), line: null, column: '', value: '', reason: 'no .csv, .jsonl or .ndjson files found' });
  }

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

  db.exec('BEGIN IMMEDIATE');
  let committed = false;
  try {
    const writesTickets = plan.some((p) => p.spec?.table === 'tickets' || p.spec?.table === 'ticket_events');
    const empty = opts.reset || (!db.prepare('SELECT 1 FROM tickets LIMIT 1').get() && !db.prepare('SELECT 1 FROM ticket_events LIMIT 1').get());
    const finishSearchIndex = writesTickets || opts.reset ? pauseSearchIndex(db, Boolean(empty)) : null;
    if (opts.reset) for (const t of DATA_TABLES) db.exec(`DELETE FROM ${t}`);
    const ticketIdsThisRun = new Set<string>();
    const touchedQueues = new Set<string>();
    const writtenDays = new WrittenDays(specByTable('interval_inputs'));
    const eventTicketRefs: { ticket: string; file: string; line: number }[] = [];
    let env: ValidateEnv | null = null;
    const minWorkerBytes = opts.workerMinBytes ?? 4 * 1024 * 1024;

    for (const p of plan) {
      if (!p.spec) continue;
      // sla_policy files come first (plan order): the calendars they define are read once after them.
      if (p.spec.table !== 'sla_policy' && !env) env = readCalendars(db, defaultTz);
      const rebuildIndexes = dropIndexesIfEmpty(db, p.spec.table);
      const writer = rowWriter(db, p.spec, rebuildIndexes ? 'empty' : 'rows');
      const write = p.spec.table === 'interval_inputs' ? (chunk: RowChunk) => (writtenDays.add(chunk), writer.write(chunk)) : writer.write;
      const fileEnv = env ?? { calendars: {}, defaultTz };
      const outcome =
        statSync(p.path).size >= minWorkerBytes
          ? await validateInWorker(p.path, p.spec, fileEnv, write, onBytes, () => problems.count === 0)
          : await validateFile(p.path, p.spec, fileEnv, { rows: (chunk) => problems.count === 0 && write(chunk), bytes: onBytes });
      rebuildIndexes?.();
      for (const pr of outcome.problems) problems.add(pr);
      problems.count += outcome.problemCount - outcome.problems.length;
      warnings.push(...outcome.warnings);
      for (const q of outcome.touchedQueues) touchedQueues.add(q);
      for (const t of outcome.ticketIds) ticketIdsThisRun.add(t);
      for (const r of outcome.eventRefs) eventTicketRefs.push({ ticket: r.ticket, file: p.path, line: r.line });
      p.rows = outcome.count;
      if (p.spec.table === 'interval_inputs' && writer.unchanged() > 0) {
        const n = writer.unchanged();
        warnings.push(`${p.path}: ${n.toLocaleString('en-US')} plan row${n === 1 ? '' : 's'} left out: ${n === 1 ? 'its interval already has' : 'their intervals already have'} an outcome, and a plan never replaces an outcome`);
      }
      rows[p.spec.label] = (rows[p.spec.label] ?? 0) + p.rows;
    }

    if (problems.count === 0 && eventTicketRefs.length) {
      const exists = db.prepare('SELECT 1 FROM tickets WHERE ticket_id = ?').pluck();
      for (const r of eventTicketRefs) {
        if (!ticketIdsThisRun.has(r.ticket) && !exists.get(r.ticket)) {
          problems.add({ file: r.file, line: r.line, column: 'ticket_id', value: r.ticket, reason: 'refers to a ticket that is neither in the warehouse nor in this run' });
        }
      }
    }

    if (problems.count === 0 && touchedQueues.size) refreshQueueCatalog(db, touchedQueues);
    if (problems.count === 0) refreshDayTotals(db, writtenDays);
    // The KPI cells the run's tickets touch, in the same transaction (no-op until KPI facts are first built).
    if (problems.count === 0 && !opts.dryRun) maintainKpiFacts(db, defaultTz);
    if (problems.count === 0 && !opts.dryRun) finishSearchIndex?.();

    if (problems.count > 0 || opts.dryRun) {
      db.exec('ROLLBACK');
    } else {
      db.exec('COMMIT');
      committed = true;
    }
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }

  const status = problems.count > 0 ? 'rejected' : opts.dryRun ? 'dry_run' : 'ok';
  const runId = Number(
    db
      .prepare(`INSERT INTO etl_runs (started_at, finished_at, status, files, rows_by_table, rejected_rows, warnings, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        isoSeconds(started.getTime()),
        isoSeconds(Date.now()),
        status,
        JSON.stringify(files),
        JSON.stringify(committed ? rows : {}),
        problems.count,
        JSON.stringify(warnings),
        problems.list[0] ? `${problems.list[0].file}:${problems.list[0].line} ${problems.list[0].column} ${problems.list[0].reason}` : null,
      ).lastInsertRowid,
  );
  return {
    ok: problems.count === 0,
    dryRun: Boolean(opts.dryRun),
    runId,
    files: plan.map((p) => ({ path: p.path, table: p.spec?.label ?? null, rows: p.rows })),
    rows,
    problems: problems.list,
    problemCount: problems.count,
    warnings,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
  };
}

/** A human report: one summary line, then the problems (file:line column=value: reason; example). */
export function formatIngestReport(r: IngestReport): string {
  const counts = Object.entries(r.rows).map(([t, n]) => `${n.toLocaleString('en-US')} ${t}`).join(', ') || 'no rows';
  const lines: string[] = [];
  if (r.ok) {
    lines.push(`${r.dryRun ? 'Dry run OK (nothing written)' : 'Loaded'}: ${counts} from ${r.files.length} file(s) in ${r.seconds.toFixed(1)} s${r.runId ? ` (run ${r.runId})` : ''}.`);
  } else {
    lines.push(`Rejected: ${r.problemCount.toLocaleString('en-US')} problem(s) in ${r.files.length} file(s); nothing was changed.`);
    for (const p of r.problems) {
      const where = `${p.file}${p.line !== null ? `:${p.line}` : ''}`;
      const col = p.column ? ` ${p.column}${p.value !== '' ? `="${p.value}"` : ''}` : '';
      lines.push(`  ${where}${col}: ${p.reason}${p.example ? ` (example: ${p.example})` : ''}`);
    }
    if (r.problemCount > r.problems.length) lines.push(`  … and ${(r.problemCount - r.problems.length).toLocaleString('en-US')} more.`);
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
