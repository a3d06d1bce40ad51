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
const DATA_TABLES = ['ticket_events', 'tickets', 'agents', 'customers', 'interval_inputs', 'sla_policy'];

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
export function parseTimestamp(s: string): number | null {
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
        if (!/^[+-]?\d+$/.test(raw)) return { ok: false, reason: 'must be a whole number' };
        const v = Number(raw);
        const r = range(v);
        return r ? { ok: false, reason: r } : { ok: true, value: v };
      };
    case 'num':
      return (raw) => {
        if (raw === '') return empty();
        const v = Number(raw);
        if (!Number.isFinite(v) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return { ok: false, reason: 'must be a number' };
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
        return ms === null ? { ok: false, reason: 'must be an ISO-8601 timestamp' } : { ok: true, value: isoSeconds(ms) };
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

function upsertSql(spec: TableSpec, cols: string[]): string {
  const updates = cols.filter((c) => !spec.key.includes(c)).map((c) => `${c} = excluded.${c}`);
  return `INSERT INTO ${spec.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})
    ON CONFLICT (${spec.key.join(', ')}) DO ${updates.length ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`;
}

/** Streams records of a file as { line, get(column) } with csv-parse or line-by-line JSON. */
async function* records(path: string, onBytes: (n: number) => void): AsyncGenerator<{ line: number; values: Map<string, string> | string[]; header: string[] }> {
  const stream = createReadStream(path);
  stream.on('data', (chunk) => onBytes(chunk.length));
  if (isJsonLines(path)) {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    let line = 0;
    for await (const text of rl) {
      line++;
      if (!text.trim()) continue;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (e) {
        yield { line, values: new Map([['__error__', `not valid JSON: ${(e as Error).message}`]]), header: [] };
        continue;
      }
      const m = new Map<string, string>();
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
        for (const [k, v] of Object.entries(obj)) m.set(k.trim().toLowerCase(), v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
      } else m.set('__error__', 'each line must be a JSON object');
      yield { line, values: m, header: [] };
    }
    return;
  }
  const parser = stream.pipe(
    parse({ bom: true, relax_column_count: true, skip_empty_lines: true, trim: false, info: true }),
  );
  let header: string[] | null = null;
  for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (!header) {
      header = rec.record.map((h) => h.trim().toLowerCase());
      continue;
    }
    yield { line: rec.info.lines, values: rec.record, header };
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
    const eventTicketRefs: { ticket: string; file: string; line: number }[] = [];

    for (const p of plan) {
      if (!p.spec) continue;
      const spec = p.spec;
      const fileLabel = basename(p.path) === p.path ? p.path : p.path;
      let colIdx: number[] | null = null;
      let header: string[] = [];
      const cols = spec.columns.map((c) => c.name);
      const extra = spec.table === 'interval_inputs' ? ['interval_seconds', 'local_date', 'local_minute', 'local_dow'] : [];
      const stmt = db.prepare(upsertSql(spec, [...cols, ...extra]));
      const conv = spec.columns.map(converter);
      const missingRequired: string[] = [];
      const values: Cell[] = new Array(cols.length + extra.length);
      const named: Record<string, Cell> = {};

      for await (const rec of records(p.path, onBytes)) {
        if (rec.values instanceof Map && rec.values.has('__error__')) {
          problems.add({ file: fileLabel, line: rec.line, column: '', value: '', reason: rec.values.get('__error__')! });
          continue;
        }
        if (!colIdx && Array.isArray(rec.values)) {
          header = rec.header;
          colIdx = cols.map((c) => header.indexOf(c));
          const unknown = header.filter((h) => h && !cols.includes(h));
          if (unknown.length) warnings.push(`${fileLabel}: ignored unknown column(s) ${unknown.join(', ')}`);
          spec.columns.forEach((c, i) => {
            if (c.required && colIdx![i] < 0) missingRequired.push(c.name);
          });
          if (missingRequired.length) {
            problems.add({ file: fileLabel, line: 1, column: missingRequired.join(', '), value: '', reason: `missing required column(s) for ${spec.label}` });
            break;
          }
        }
        p.rows++;
        let bad = false;
        const issue = (column: string, value: string, reason: string) => {
          bad = true;
          problems.add({ file: fileLabel, line: rec.line, column, value, reason, example: spec.columns.find((c) => c.name === column)?.example });
        };
        for (let i = 0; i < cols.length; i++) {
          let raw: string | undefined;
          if (Array.isArray(rec.values)) raw = colIdx![i] >= 0 ? rec.values[colIdx![i]] : undefined;
          else raw = rec.values.get(cols[i]);
          const r = conv[i]((raw ?? '').trim());
          if (r.ok) {
            values[i] = r.value;
            named[cols[i]] = r.value;
          } else {
            issue(cols[i], (raw ?? '').slice(0, 80), r.reason);
            named[cols[i]] = null;
          }
        }
        if (Array.isArray(rec.values) === false && p.rows === 1) {
          const unknown = [...(rec.values as Map<string, string>).keys()].filter((k) => !cols.includes(k));
          if (unknown.length) warnings.push(`${fileLabel}: ignored unknown field(s) ${unknown.join(', ')}`);
        }
        if (!bad && spec.check) for (const i of spec.check(named) as RowIssue[]) issue(i.column, i.value, i.reason);
        if (!bad && spec.table === 'sla_policy') {
          const tz = named.time_zone as string | null;
          if (tz !== null && !isValidTimeZone(tz)) issue('time_zone', tz, 'is not an IANA time zone');
          else calendars.delete(named.queue as string);
        }
        if (!bad && spec.table === 'interval_inputs') {
          const cal = calendarOf(named.queue as string);
          const ms = Date.parse(named.interval_start as string);
          if ((ms / 1000) % cal.intervalSeconds !== 0) {
            issue('interval_start', named.interval_start as string, `is not aligned to the queue's ${cal.intervalSeconds / 60}-minute intervals (e.g. 09:00 or 09:30)`);
          } else {
            const lp = localParts(ms, cal.tz);
            values[cols.length] = cal.intervalSeconds;
            values[cols.length + 1] = lp.date;
            values[cols.length + 2] = lp.minute;
            values[cols.length + 3] = lp.dow;
          }
        }
        if (!bad && spec.table === 'tickets') ticketIdsThisRun.add(named.ticket_id as string);
        if (!bad && spec.table === 'ticket_events') eventTicketRefs.push({ ticket: named.ticket_id as string, file: fileLabel, line: rec.line });
        // Once a run is doomed, keep validating but stop writing.
        if (!bad && problems.count === 0) stmt.run(values);
      }
      rows[spec.label] = (rows[spec.label] ?? 0) + p.rows;
    }

    if (problems.count === 0 && eventTicketRefs.length) {
      const exists = db.prepare('SELECT 1 FROM tickets WHERE ticket_id = ?').pluck();
      for (const r of eventTicketRefs) {
        if (!ticketIdsThisRun.has(r.ticket) && !exists.get(r.ticket)) {
          problems.add({ file: r.file, line: r.line, column: 'ticket_id', value: r.ticket, reason: 'refers to a ticket that is neither in the warehouse nor in this run' });
        }
      }
    }

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
