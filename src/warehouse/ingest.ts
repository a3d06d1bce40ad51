/**
 * All-or-nothing ingest of CSV and JSON Lines files into the warehouse.
 *
 * One run = one transaction. Every row of every file is parsed and checked (types, ranges, allowed values,
 * cross-column rules, interval alignment, references between files); rows are upserted as they stream
 * (so re-ingesting the same rows changes nothing), and at the end the run commits only if no row was bad.
 * Otherwise it rolls back and reports the first 20 problems as file:line, column, value and reason, plus a
 * count. Each run, accepted or rejected, is recorded in etl_runs.
 */
import { createReadStream, readdirSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { join, extname, basename } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import type { Db } from './db.js';
import { TABLES, recognise, type Cell, type ColumnSpec, type RowIssue, type TableSpec } from './tables.js';
import { isoSeconds, localParts } from '../time.js';
import { isValidTimeZone } from '../config.js';

export interface IngestProblem {
  file: string;
  line: number | null;
  column: string;
  value: string;
  reason: string;
  /** A correct example for the column. */
  example?: string;
}

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
}

const MAX_REPORTED = 20;
const DATA_TABLES = ['ticket_events', 'tickets', 'agents', 'customers', 'interval_inputs', 'queue_catalog', 'sla_policy'];

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

function isJsonLines(path: string): boolean {
  return /\.(jsonl|ndjson)$/i.test(extname(path)) || /\.(jsonl|ndjson)$/i.test(path);
}

/** Reads the header (CSV) or first object's keys (JSONL) to recognise the table, without reading the file. */
function peekHeader(path: string): string[] {
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

/** Parses an ISO-8601 timestamp (zone optional = UTC) to epoch ms, or null. */
const CANONICAL_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export function parseTimestamp(s: string): number | null {
  if (CANONICAL_TS.test(s)) {
    // Fast path for the stored form: valid exactly when it round-trips.
    const ms = Date.parse(s);
    // Date.parse rolls impossible days over (Feb 30 → Mar 2): the day of month must survive.
    return !Number.isNaN(ms) && new Date(ms).getUTCDate() === Number(s.slice(8, 10)) ? ms : null;
  }
  const m = s.match(/^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$/i);
  if (!m) return null;
  const time = m[2] ? (m[2].length === 5 ? `${m[2]}:00` : m[2]) : '00:00:00';
  let zone = m[3] ?? 'Z';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}T${time}${zone.toUpperCase()}`);
  if (Number.isNaN(ms)) return null;
  // Reject impossible calendar dates that Date.parse rolls over (2026-02-30).
  if (new Date(Date.parse(`${m[1]}T00:00:00Z`)).toISOString().slice(0, 10) !== m[1]) return null;
  return ms;
}

/** Characters that may not appear in a plain decimal number (Number() would accept 0x1F, 0b1, Infinity). */
const NOT_DECIMAL = /[^0-9eE+\-.]/;

type Converter = (raw: string) => { ok: true; value: Cell } | { ok: false; reason: string };

function converter(c: ColumnSpec): Converter {
  const dflt = c.default === undefined ? null : c.default;
  const empty = (): { ok: true; value: Cell } | { ok: false; reason: string } =>
    c.required ? { ok: false, reason: 'is required' } : { ok: true, value: dflt };
  const range = (v: number): string | null => {
    if (c.gt !== undefined && !(v > c.gt)) return `must be > ${c.gt}`;
    if (c.min !== undefined && v < c.min) return `must be ≥ ${c.min}`;
    if (c.max !== undefined && v > c.max) return `must be ≤ ${c.max}`;
    return null;
  };
  switch (c.type) {
    case 'int':
      return (raw) => {
        if (raw === '') return empty();
        const v = Number(raw);
        // Number() also reads hex, binary and exponents: accept only plain decimal digits.
        if (!Number.isInteger(v) || (String(v) !== raw && !/^[+-]?\d+$/.test(raw))) return { ok: false, reason: 'must be a whole number' };
        const r = range(v);
        return r ? { ok: false, reason: r } : { ok: true, value: v };
      };
    case 'num':
      return (raw) => {
        if (raw === '') return empty();
        const v = Number(raw);
        if (!Number.isFinite(v) || NOT_DECIMAL.test(raw)) return { ok: false, reason: 'must be a number' };
        const r = range(v);
        return r ? { ok: false, reason: r } : { ok: true, value: v };
      };
    case 'bool01':
      return (raw) => {
        if (raw === '') return empty();
        const l = raw.toLowerCase();
        if (l === '1' || l === 'true' || l === 'yes') return { ok: true, value: 1 };
        if (l === '0' || l === 'false' || l === 'no') return { ok: true, value: 0 };
        return { ok: false, reason: 'must be 0 or 1' };
      };
    case 'enum': {
      const allowed = new Map(c.values!.map((v) => [v.toLowerCase(), v]));
      const numeric = c.values!.every((v) => /^\d+$/.test(v));
      return (raw) => {
        if (raw === '') return empty();
        const v = allowed.get(raw.toLowerCase());
        if (v === undefined) return { ok: false, reason: `must be one of ${c.values!.join(', ')}` };
        return { ok: true, value: numeric ? Number(v) : v };
      };
    }
    case 'ts':
      return (raw) => {
        if (raw === '') return empty();
        const ms = parseTimestamp(raw);
        if (ms === null) return { ok: false, reason: 'must be an ISO-8601 timestamp' };
        return { ok: true, value: CANONICAL_TS.test(raw) ? raw : isoSeconds(ms) };
      };
    case 'date':
      return (raw) => {
        if (raw === '') return empty();
        const ms = parseTimestamp(raw);
        return ms === null ? { ok: false, reason: 'must be a date (YYYY-MM-DD)' } : { ok: true, value: isoSeconds(ms).slice(0, 10) };
      };
    case 'text':
    default:
      return (raw) => (raw === '' ? empty() : { ok: true, value: raw });
  }
}

interface QueueCal {
  tz: string;
  intervalSeconds: number;
}

class ProblemLog {
  readonly list: IngestProblem[] = [];
  count = 0;
  add(p: IngestProblem) {
    this.count++;
    if (this.list.length < MAX_REPORTED) this.list.push(p);
  }
}

function upsertSql(spec: TableSpec, cols: string[], rows = 1): string {
  const updates = cols.filter((c) => !spec.key.includes(c)).map((c) => `${c} = excluded.${c}`);
  const tuple = `(${cols.map(() => '?').join(', ')})`;
  return `INSERT INTO ${spec.table} (${cols.join(', ')}) VALUES ${Array(rows).fill(tuple).join(', ')}
    ON CONFLICT (${spec.key.join(', ')}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`;
}

/** Yields everything an object-mode stream has buffered, a batch at a time (no promise per record). */
async function* batches<T>(readable: NodeJS.ReadableStream): AsyncGenerator<T[]> {
  let done = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  readable.on('readable', () => wake?.());
  readable.on('end', () => {
    done = true;
    wake?.();
  });
  readable.on('error', (e) => {
    failure = e;
    wake?.();
  });
  for (;;) {
    const batch: T[] = [];
    let r: T | null;
    while ((r = readable.read() as T | null) !== null) batch.push(r);
    if (batch.length) {
      yield batch;
      continue;
    }
    if (failure) throw failure;
    if (done) return;
    await new Promise<void>((res) => (wake = res));
    wake = null;
  }
}

interface RecordBatch {
  header: string[];
  /** Line number (1-based) where each record starts. */
  lines: number[];
  rows: (string[] | Map<string, string>)[];
}

/**
 * Streams a file as batches of records with their starting line numbers: CSV through csv-parse (line
 * numbers counted from the newlines inside quoted fields, cheaper than csv-parse's per-record info), JSON
 * Lines line by line (a Map of lower-cased field names; `__error__` holds a parse problem).
 */
async function* records(path: string, onBytes: (n: number) => void): AsyncGenerator<RecordBatch> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  stream.on('data', (chunk) => onBytes(chunk.length));
  if (isJsonLines(path)) {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    let line = 0;
    let batch: RecordBatch = { header: [], lines: [], rows: [] };
    for await (const text of rl) {
      line++;
      if (!text.trim()) continue;
      const m = new Map<string, string>();
      try {
        const obj: unknown = JSON.parse(text);
        if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
          for (const [k, v] of Object.entries(obj)) m.set(k.trim().toLowerCase(), v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
        } else m.set('__error__', 'each line must be a JSON object');
      } catch (e) {
        m.set('__error__', `not valid JSON: ${(e as Error).message}`);
      }
      batch.lines.push(line);
      batch.rows.push(m);
      if (batch.rows.length >= 1024) {
        yield batch;
        batch = { header: [], lines: [], rows: [] };
      }
    }
    if (batch.rows.length) yield batch;
    return;
  }
  const parser = stream.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: false }));
  let header: string[] | null = null;
  let nextLine = 1;
  for await (const recs of batches<string[]>(parser)) {
    const out: RecordBatch = { header: header ?? [], lines: [], rows: [] };
    for (const rec of recs) {
      const line = nextLine;
      nextLine++;
      for (const f of rec) if (f.length > 0 && f.indexOf('\n') >= 0) nextLine += f.split('\n').length - 1;
      if (rec.length === 1 && rec[0].trim() === '') continue; // blank line
      if (!header) {
        header = rec.map((h) => h.trim().toLowerCase());
        out.header = header;
        continue;
      }
      out.lines.push(line);
      out.rows.push(rec);
    }
    if (out.rows.length) yield out;
  }
}

interface LoadState {
  problems: ProblemLog;
  warnings: string[];
  onBytes: (n: number) => void;
  calendarOf: (queue: string) => QueueCal;
  calendars: Map<string, QueueCal>;
  ticketIdsThisRun: Set<string>;
  eventTicketRefs: { ticket: string; file: string; line: number }[];
  touchedQueues: Set<string>;
}

/** Recomputes the catalog rows of the queues a run wrote (first/last interval through the primary key). */
function refreshQueueCatalog(db: Db, queues: Set<string>): void {
  const span = db.prepare('SELECT MIN(interval_start) AS first, MAX(interval_start) AS last FROM interval_inputs WHERE queue = ?');
  const targets = db.prepare('SELECT sl_target_pct AS pct, sl_target_seconds AS secs FROM interval_inputs WHERE queue = ? AND interval_start = ?');
  const upsert = db.prepare(`INSERT INTO queue_catalog (queue, first_interval, last_interval, sl_target_pct, sl_target_seconds) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (queue) DO UPDATE SET first_interval = excluded.first_interval, last_interval = excluded.last_interval,
      sl_target_pct = excluded.sl_target_pct, sl_target_seconds = excluded.sl_target_seconds`);
  for (const q of queues) {
    const s = span.get(q) as { first: string | null; last: string | null };
    if (!s.first || !s.last) continue;
    const t = targets.get(q, s.last) as { pct: number; secs: number };
    upsert.run(q, s.first, s.last, t.pct, t.secs);
  }
}

/**
 * Validates and upserts one file's rows (inside the caller's transaction); returns the rows read.
 * The loop is the ingest's hot path: converters are compiled per column, nothing is allocated per
 * cell beyond the parsed value, and writing stops (validation goes on) once any problem is found.
 */
async function loadFile(db: Db, path: string, spec: TableSpec, st: LoadState): Promise<number> {
  const { problems, warnings } = st;
  const cols = spec.columns.map((c) => c.name);
  const nCols = cols.length;
  const isIntervals = spec.table === 'interval_inputs';
  const extra = isIntervals ? ['interval_seconds', 'local_date', 'local_minute', 'local_dow'] : [];
  const width = nCols + extra.length;
  const stmt = db.prepare(upsertSql(spec, [...cols, ...extra]));
  // Rows are written BATCH at a time through one multi-row INSERT: per-statement overhead, not SQLite's
  // B-tree work, dominates single-row inserts from Node (≈3× slower).
  const BATCH = Math.max(1, Math.min(64, Math.floor(32_000 / width)));
  const batchStmt = db.prepare(upsertSql(spec, [...cols, ...extra], BATCH));
  const pending: Cell[] = [];
  const flush = () => {
    if (problems.count === 0) {
      if (pending.length === BATCH * width) batchStmt.run(pending);
      else for (let i = 0; i < pending.length; i += width) stmt.run(pending.slice(i, i + width));
    }
    pending.length = 0;
  };
  const conv = spec.columns.map(converter);
  const values: Cell[] = new Array(nCols + extra.length);
  // Fixed shape (all keys present from the start) keeps the per-cell writes cheap.
  const named: Record<string, Cell> = Object.fromEntries(cols.map((c) => [c, null]));
  const pos = (name: string) => cols.indexOf(name);
  const iStart = pos('interval_start');
  const iQueue = pos('queue');
  let colIdx: number[] | null = null;
  let count = 0;
  let line = 0;
  let bad = false;
  const issue = (column: string, value: string, reason: string) => {
    bad = true;
    problems.add({ file: path, line, column, value, reason, example: spec.columns.find((c) => c.name === column)?.example });
  };

  for await (const batch of records(path, st.onBytes)) {
    if (!colIdx && batch.header.length) {
      const header = batch.header;
      colIdx = cols.map((c) => header.indexOf(c));
      const unknown = header.filter((h) => h && !cols.includes(h));
      if (unknown.length) warnings.push(`${path}: ignored unknown column(s) ${unknown.join(', ')}`);
      const missing = spec.columns.filter((c, i) => c.required && colIdx![i] < 0).map((c) => c.name);
      if (missing.length) {
        problems.add({ file: path, line: 1, column: missing.join(', '), value: '', reason: `missing required column(s) for ${spec.label}` });
        return 0;
      }
    }
    for (let r = 0; r < batch.rows.length; r++) {
      const rec = batch.rows[r];
      line = batch.lines[r];
      bad = false;
      if (rec instanceof Map) {
        if (rec.has('__error__')) {
          issue('', '', rec.get('__error__')!);
          continue;
        }
        if (count === 0) {
          const unknown = [...rec.keys()].filter((k) => !cols.includes(k));
          if (unknown.length) warnings.push(`${path}: ignored unknown field(s) ${unknown.join(', ')}`);
          const missing = spec.columns.filter((c) => c.required && !rec.has(c.name)).map((c) => c.name);
          if (missing.length) {
            problems.add({ file: path, line, column: missing.join(', '), value: '', reason: `missing required field(s) for ${spec.label}` });
            return 0;
          }
        }
      }
      count++;
      for (let i = 0; i < nCols; i++) {
        const raw = rec instanceof Map ? rec.get(cols[i]) : colIdx![i] >= 0 ? rec[colIdx![i]] : undefined;
        const text = raw === undefined ? '' : raw.length && (raw.charCodeAt(0) <= 32 || raw.charCodeAt(raw.length - 1) <= 32) ? raw.trim() : raw;
        const res = conv[i](text);
        if (res.ok) values[i] = named[cols[i]] = res.value;
        else {
          issue(cols[i], text.slice(0, 80), res.reason);
          named[cols[i]] = null;
        }
      }
      if (!bad && spec.check) for (const i of spec.check(named)) issue(i.column, i.value, i.reason);
      if (bad) continue;
      if (spec.table === 'sla_policy') {
        const tz = named.time_zone as string | null;
        if (tz !== null && !isValidTimeZone(tz)) {
          issue('time_zone', tz, 'is not an IANA time zone');
          continue;
        }
        st.calendars.delete(named.queue as string);
      } else if (isIntervals) {
        const cal = st.calendarOf(values[iQueue] as string);
        st.touchedQueues.add(values[iQueue] as string);
        const ms = Date.parse(values[iStart] as string);
        if ((ms / 1000) % cal.intervalSeconds !== 0) {
          issue('interval_start', values[iStart] as string, `is not aligned to the queue's ${cal.intervalSeconds / 60}-minute intervals (e.g. 09:00 or 09:30)`);
          continue;
        }
        const lp = localParts(ms, cal.tz);
        values[nCols] = cal.intervalSeconds;
        values[nCols + 1] = lp.date;
        values[nCols + 2] = lp.minute;
        values[nCols + 3] = lp.dow;
      } else if (spec.table === 'tickets') st.ticketIdsThisRun.add(named.ticket_id as string);
      else if (spec.table === 'ticket_events') st.eventTicketRefs.push({ ticket: named.ticket_id as string, file: path, line });
      // Once a run is doomed, keep validating but stop writing.
      if (problems.count === 0) {
        for (let i = 0; i < width; i++) pending.push(values[i]);
        if (pending.length === BATCH * width) flush();
      }
    }
  }
  flush();
  return count;
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
    if (opts.reset) for (const t of DATA_TABLES) db.exec(`DELETE FROM ${t}`);
    const calendars = new Map<string, QueueCal>();
    const calendarOf = (queue: string): QueueCal => {
      let c = calendars.get(queue);
      if (!c) {
        const p = db.prepare('SELECT time_zone, interval_seconds FROM sla_policy WHERE queue = ?').get(queue) as { time_zone: string | null; interval_seconds: number } | undefined;
        c = { tz: p?.time_zone ?? defaultTz, intervalSeconds: p?.interval_seconds ?? 1800 };
        calendars.set(queue, c);
      }
      return c;
    };
    const ticketIdsThisRun = new Set<string>();
    const touchedQueues = new Set<string>();
    const eventTicketRefs: { ticket: string; file: string; line: number }[] = [];

    for (const p of plan) {
      if (!p.spec) continue;
      p.rows = await loadFile(db, p.path, p.spec, { problems, warnings, onBytes, calendarOf, calendars, ticketIdsThisRun, eventTicketRefs, touchedQueues });
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
