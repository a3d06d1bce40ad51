/**
 * The database-free half of ingest: stream one file, parse and check every cell and row, derive each
 * interval's local calendar, and hand valid rows on as flat arrays in the table's write-column order.
 * It runs in the main thread for small files and in a worker thread for large ones (ingestWorker.ts), so
 * parsing and SQLite writes overlap on two cores; both paths run exactly this code. (Parsing alone in the
 * worker, validating in the writer's thread, measured slower: the writer became the bottleneck.)
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import { CsvSplitter, CsvSyntaxError, type CsvOut } from './csv.js';
import { TABLES, type Cell, type ColumnSpec, type TableSpec } from './tables.js';
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

export const MAX_REPORTED = 20;

export interface QueueCal {
  tz: string;
  intervalSeconds: number;
}

export interface ValidateEnv {
  /** Time zone and interval length of every queue with an sla_policy row. */
  calendars: Record<string, QueueCal>;
  defaultTz: string;
}

export interface FileOutcome {
  count: number;
  problems: IngestProblem[];
  problemCount: number;
  warnings: string[];
  touchedQueues: string[];
  ticketIds: string[];
  eventRefs: { ticket: string; line: number }[];
}

/**
 * Valid rows in column buffers, the form they travel in from the validator to the writer: row by row, the
 * numeric cells in one Float64Array (NaN = empty; converters never produce NaN) and the text cells in one
 * array (see chunkLayout). The Float64Array is transferred, not copied, between threads; a mixed array of
 * cells cost a structured clone of every element, a fifth of ingest's CPU on a million rows.
 */
export interface RowChunk {
  n: number;
  numbers: Float64Array;
  texts: (string | null)[];
}

/** Where each write column (writeColumns order) lives in a RowChunk row: which buffer, which slot. */
export interface ChunkLayout {
  numeric: boolean[];
  slot: number[];
  numberWidth: number;
  textWidth: number;
}

export interface RowSink {
  /** Valid rows in writeColumns(spec) order. */
  rows(chunk: RowChunk): void;
  bytes(n: number): void;
}

/** Derived write columns that hold numbers (the others hold text). */
const NUMERIC_DERIVED = new Set(['interval_seconds', 'local_minute', 'local_dow', 'has_outcome']);

export function chunkLayout(spec: TableSpec): ChunkLayout {
  const numeric = writeColumns(spec).map((name) => {
    const c = spec.columns.find((col) => col.name === name);
    if (!c) return NUMERIC_DERIVED.has(name);
    return c.type === 'int' || c.type === 'num' || c.type === 'bool01' || (c.type === 'enum' && c.values!.every((v) => /^\d+$/.test(v)));
  });
  let numberWidth = 0;
  let textWidth = 0;
  const slot = numeric.map((isNumber) => (isNumber ? numberWidth++ : textWidth++));
  return { numeric, slot, numberWidth, textWidth };
}

/** Columns written for a table: the file's columns plus, for intervals, the derived calendar. */
export function writeColumns(spec: TableSpec): string[] {
  const cols = spec.columns.map((c) => c.name);
  if (spec.table === 'tickets') return [...cols, 'attributes'];
  return spec.table === 'interval_inputs' ? [...cols, ...INTERVAL_DERIVED] : cols;
}

/** Columns ingest derives for an interval row: its length, local calendar, and whether it is an outcome or a plan. */
const INTERVAL_DERIVED = ['interval_seconds', 'local_date', 'local_minute', 'local_dow', 'has_outcome'];

/** A tickets column kept as a ticket attribute: attr_ then lower-case letters, digits, underscores. */
export const ATTRIBUTE_COLUMN = /^attr_[a-z0-9_]+$/;
/** Longest attribute value kept (characters). */
export const MAX_ATTRIBUTE_LENGTH = 500;

export function specByTable(table: string): TableSpec {
  const s = TABLES.find((t) => t.table === table);
  if (!s) throw new Error(`unknown table ${table}`);
  return s;
}

export function isJsonLines(path: string): boolean {
  return /\.(jsonl|ndjson)$/i.test(path);
}

const CANONICAL_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Digits of s[from, from + n) as a number, or -1 when one is not a digit. */
function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The stored form YYYY-MM-DDTHH:MM:SSZ read field by field (no regular expression, no Date object: it is
 * every timestamp of every row), or null when it is not that form or not a real instant (Feb 30, 24:00).
 */
function parseCanonical(s: string): number | null {
  if (s.length !== 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 90) return null;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return null;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1])) return null;
  // Date.UTC reads years 0–99 as 1900–1999.
  return y >= 100 ? Date.UTC(y, mo - 1, d, h, mi, sec) : Date.parse(s);
}

export function parseTimestamp(s: string): number | null {
  if (CANONICAL_TS.test(s)) return parseCanonical(s);
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
const WHOLE = /^[+-]?\d+$/;

/**
 * A converter returns the parsed cell, or INVALID after setting `failure.reason`. No result object per cell:
 * at a million rows × 17 columns, allocating one was a good part of ingest's time (garbage collection).
 */
const INVALID = Symbol('invalid');
const failure = { reason: '' };
const fail = (reason: string): typeof INVALID => {
  failure.reason = reason;
  return INVALID;
};
type Converter = (raw: string) => Cell | typeof INVALID;

function converter(c: ColumnSpec): Converter {
  const dflt = c.default === undefined ? null : c.default;
  const empty = (): Cell | typeof INVALID => (c.required ? fail('is required') : dflt);
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
        // Number() also reads hex, binary and exponents: accept only plain decimal digits.
        if (!WHOLE.test(raw)) return fail('must be a whole number');
        const v = Number(raw);
        // Beyond 2^53 a number is no longer exact (and SQLite would refuse it as an INTEGER).
        if (!Number.isSafeInteger(v)) return fail('is too large for a whole number (at most 9007199254740991)');
        const r = range(v);
        return r ? fail(r) : v;
      };
    case 'num':
      return (raw) => {
        if (raw === '') return empty();
        const v = Number(raw);
        if (!Number.isFinite(v) || NOT_DECIMAL.test(raw)) return fail('must be a number');
        const r = range(v);
        return r ? fail(r) : v;
      };
    case 'bool01':
      return (raw) => {
        if (raw === '') return empty();
        const l = raw.toLowerCase();
        if (l === '1' || l === 'true' || l === 'yes') return 1;
        if (l === '0' || l === 'false' || l === 'no') return 0;
        return fail('must be 0 or 1');
      };
    case 'enum': {
      const allowed = new Map(c.values!.map((v) => [v.toLowerCase(), v]));
      const numeric = c.values!.every((v) => /^\d+$/.test(v));
      return (raw) => {
        if (raw === '') return empty();
        const v = allowed.get(raw.toLowerCase());
        if (v === undefined) return fail(`must be one of ${c.values!.join(', ')}`);
        return numeric ? Number(v) : v;
      };
    }
    case 'ts':
      return (raw) => {
        if (raw === '') return empty();
        const canonical = parseCanonical(raw);
        if (canonical !== null) return raw;
        const ms = parseTimestamp(raw);
        return ms === null ? fail('must be an ISO-8601 timestamp') : isoSeconds(ms);
      };
    case 'date':
      return (raw) => {
        if (raw === '') return empty();
        const ms = parseTimestamp(raw);
        return ms === null ? fail('must be a date (YYYY-MM-DD)') : isoSeconds(ms).slice(0, 10);
      };
    case 'text':
    default:
      return (raw) => (raw === '' ? empty() : raw);
  }
}

export class ProblemLog {
  readonly list: IngestProblem[] = [];
  count = 0;
  add(p: IngestProblem) {
    this.count++;
    if (this.list.length < MAX_REPORTED) this.list.push(p);
  }
}

export interface RecordBatch {
  header: string[];
  /** Line number (1-based) where each record starts. */
  lines: number[];
  rows: (string[] | Map<string, string>)[];
}

/**
 * Streams a file as batches of records with their starting line numbers: CSV through CsvSplitter (csv.ts),
 * JSON Lines line by line (a Map of lower-cased field names; `__error__` holds a parse problem).
 */
export async function* records(path: string, onBytes: (n: number) => void): AsyncGenerator<RecordBatch> {
  // Small reads: a chunk's records then die young (a 1 MB chunk's ~16k rows outlived the young generation
  // and tripled the splitter's garbage-collection time).
  const stream = createReadStream(path, { highWaterMark: 1 << 15 });
  if (isJsonLines(path)) {
    stream.on('data', (chunk) => onBytes(chunk.length));
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
  const splitter = new CsvSplitter();
  const decoder = new StringDecoder('utf8');
  let header: string[] | null = null;
  const take = (got: CsvOut): RecordBatch | null => {
    const out: RecordBatch = { header: header ?? [], lines: [], rows: [] };
    for (let i = 0; i < got.rows.length; i++) {
      const rec = got.rows[i];
      if (rec.length === 1 && rec[0].trim() === '') continue; // blank line
      if (!header) {
        header = rec.map((h) => h.trim().toLowerCase());
        out.header = header;
        continue;
      }
      out.lines.push(got.lines[i]);
      out.rows.push(rec);
    }
    return out.rows.length || out.header.length ? out : null;
  };
  for await (const buf of stream as AsyncIterable<Buffer>) {
    onBytes(buf.length);
    const got: CsvOut = { lines: [], rows: [] };
    splitter.push(decoder.write(buf), got);
    const b = take(got);
    if (b) yield b;
  }
  const got: CsvOut = { lines: [], rows: [] };
  splitter.push(decoder.end(), got);
  splitter.end(got);
  const b = take(got);
  if (b) yield b;
}

const CHUNK_ROWS = 2048;

/** An object whose property `cols[i]` reads `values[i]`: the current row by column name, without copying it. */
function rowView(cols: string[], values: Cell[]): Record<string, Cell> {
  const view: Record<string, Cell> = {};
  cols.forEach((name, i) => Object.defineProperty(view, name, { get: () => values[i], enumerable: true }));
  return view;
}

/**
 * The keys (numbers) seen so far in one file for one queue, with the line of each. A file lists a queue's
 * intervals in time order, so while keys keep rising they are appended to arrays and a repeat is impossible
 * (no hashing: the Map this replaces was a tenth of validation on a million rows); a key out of order is
 * looked up by binary search, and the first new one out of order moves the queue to a Map.
 */
export class SeenKeys {
  private keys = new Float64Array(256);
  private lines = new Float64Array(256);
  private n = 0;
  private map: Map<number, number> | null = null;

  /** Records `key` at `line`; returns the line where it was seen before (and does not record it), or -1. */
  add(key: number, line: number): number {
    if (this.map) {
      const before = this.map.get(key);
      if (before !== undefined) return before;
      this.map.set(key, line);
      return -1;
    }
    const n = this.n;
    if (n > 0 && key <= this.keys[n - 1]) {
      let lo = 0;
      let hi = n - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (this.keys[mid] === key) return this.lines[mid];
        if (this.keys[mid] < key) lo = mid + 1;
        else hi = mid - 1;
      }
      this.map = new Map();
      for (let i = 0; i < n; i++) this.map.set(this.keys[i], this.lines[i]);
      this.map.set(key, line);
      return -1;
    }
    if (n === this.keys.length) {
      const keys = new Float64Array(n * 2);
      keys.set(this.keys);
      this.keys = keys;
      const lines = new Float64Array(n * 2);
      lines.set(this.lines);
      this.lines = lines;
    }
    this.keys[n] = key;
    this.lines[n] = line;
    this.n = n + 1;
    return -1;
  }
}

/**
 * Validates one file, passing valid rows to `sink` in chunks. The loop is ingest's hot path: converters
 * are compiled per column and nothing is allocated per cell beyond the parsed value. Once the file has a
 * problem, rows stop flowing (the run will be rolled back) but validation goes on, to report them all.
 */
export async function validateFile(
  path: string,
  spec: TableSpec,
  env: ValidateEnv,
  sink: RowSink,
  /** Parsed records (default: parse the file here). */
  source: AsyncIterable<RecordBatch> = records(path, (n) => sink.bytes(n)),
): Promise<FileOutcome> {
  const problems = new ProblemLog();
  const warnings: string[] = [];
  const touchedQueues = new Set<string>();
  const ticketIds: string[] = [];
  const eventRefs: { ticket: string; line: number }[] = [];
  const done = (): FileOutcome => ({ count, problems: problems.list, problemCount: problems.count, warnings, touchedQueues: [...touchedQueues], ticketIds, eventRefs });
  const calendarOf = (queue: string): QueueCal => env.calendars[queue] ?? { tz: env.defaultTz, intervalSeconds: 1800 };
  const cols = spec.columns.map((c) => c.name);
  const nCols = cols.length;
  const isIntervals = spec.table === 'interval_inputs';
  const isTickets = spec.table === 'tickets';
  const extra = isIntervals ? INTERVAL_DERIVED : isTickets ? ['attributes'] : [];
  // attr_<name> columns of a tickets file (CSV header, or each JSON line's keys): kept as JSON in `attributes`.
  let attrCols: { name: string; idx: number }[] = [];
  const isAttr = (h: string) => isTickets && h.startsWith('attr_');
  const width = nCols + extra.length;
  const layout = chunkLayout(spec);
  const { numeric, slot, numberWidth, textWidth } = layout;
  let numbers = new Float64Array(CHUNK_ROWS * numberWidth);
  let texts = new Array<string | null>(CHUNK_ROWS * textWidth);
  let chunkRows = 0;
  const flush = () => {
    if (chunkRows && problems.count === 0) {
      if (chunkRows < CHUNK_ROWS) texts.length = chunkRows * textWidth;
      sink.rows({ n: chunkRows, numbers: numbers.subarray(0, chunkRows * numberWidth), texts });
    }
    // New buffers: the sink may keep (or transfer) the old ones.
    numbers = new Float64Array(CHUNK_ROWS * numberWidth);
    texts = new Array<string | null>(CHUNK_ROWS * textWidth);
    chunkRows = 0;
  };
  const conv = spec.columns.map(converter);
  const values: Cell[] = new Array(nCols + extra.length).fill(null);
  // The row by column name, for the cross-column rules: a fixed object whose getters read `values` (no
  // per-cell store by a computed name, which was a twentieth of validation).
  const named = rowView(cols, values);
  const pos = (name: string) => cols.indexOf(name);
  const iStart = pos('interval_start');
  const iQueue = pos('queue');
  const iOffered = pos('offered');
  const iCounts = ['offered', 'handled', 'abandoned', 'answered_within_target'].map(pos);
  let colIdx: number[] | null = null;
  let count = 0;
  let line = 0;
  let bad = false;
  const issue = (column: string, value: string, reason: string, example?: string) => {
    bad = true;
    problems.add({ file: path, line, column, value, reason, example: example ?? spec.columns.find((c) => c.name === column)?.example });
  };

  // Keys seen in this file, with their line: a repeated key is a problem (which row would be meant?).
  const intervalKeys = new Map<string, SeenKeys>();
  // Files list a queue's rows together: its calendar and seen keys are looked up once per run of rows.
  let lastQueue: string | null = null;
  let cal: QueueCal = calendarOf('');
  let seen = new SeenKeys();
  const otherKeys = new Map<string, number>();
  const keyIdx = spec.key.map(pos);
  // A malformed CSV ends the file with a problem at its line (rows before it are still checked).
  async function* guarded(): AsyncGenerator<RecordBatch> {
    try {
      yield* source;
    } catch (e) {
      if (!(e instanceof CsvSyntaxError)) throw e;
      problems.add({ file: path, line: e.line, column: '', value: '', reason: `not valid CSV: ${e.reason}` });
    }
  }
  for await (const batch of guarded()) {
    if (!colIdx && batch.header.length) {
      const header = batch.header;
      colIdx = cols.map((c) => header.indexOf(c));
      attrCols = header.map((h, idx) => ({ name: h, idx })).filter((a) => isAttr(a.name));
      const badAttr = attrCols.filter((a) => !ATTRIBUTE_COLUMN.test(a.name));
      if (badAttr.length) {
        problems.add({ file: path, line: 1, column: badAttr.map((a) => a.name).join(', '), value: '', reason: 'an attribute column is attr_ followed by lower-case letters, digits or _', example: 'attr_region' });
        return done();
      }
      const unknown = header.filter((h) => h && !cols.includes(h) && !isAttr(h));
      if (unknown.length) warnings.push(`${path}: ignored unknown column(s) ${unknown.join(', ')}`);
      const missing = spec.columns.filter((c, i) => c.required && colIdx![i] < 0).map((c) => c.name);
      if (missing.length) {
        problems.add({ file: path, line: 1, column: missing.join(', '), value: '', reason: `missing required column(s) for ${spec.label}` });
        return done();
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
          const unknown = [...rec.keys()].filter((k) => !cols.includes(k) && !isAttr(k));
          if (unknown.length) warnings.push(`${path}: ignored unknown field(s) ${unknown.join(', ')}`);
          const missing = spec.columns.filter((c) => c.required && !rec.has(c.name)).map((c) => c.name);
          if (missing.length) {
            problems.add({ file: path, line, column: missing.join(', '), value: '', reason: `missing required field(s) for ${spec.label}` });
            return done();
          }
        }
      }
      count++;
      for (let i = 0; i < nCols; i++) {
        const raw = rec instanceof Map ? rec.get(cols[i]) : colIdx![i] >= 0 ? rec[colIdx![i]] : undefined;
        const text = raw === undefined ? '' : raw.length && (raw.charCodeAt(0) <= 32 || raw.charCodeAt(raw.length - 1) <= 32) ? raw.trim() : raw;
        const v = conv[i](text);
        if (v !== INVALID) values[i] = v;
        else {
          issue(cols[i], text.slice(0, 80), failure.reason);
          values[i] = null;
        }
      }
      if (isTickets) {
        // Attributes: every non-empty attr_ cell, by name without the prefix; null when there is none.
        const attrs: Record<string, string> = {};
        let any = false;
        const take = (col: string, raw: string | undefined) => {
          const v = raw === undefined ? '' : raw.trim();
          if (v === '') return;
          if (!ATTRIBUTE_COLUMN.test(col)) return issue(col, '', 'an attribute field is attr_ followed by lower-case letters, digits or _');
          if (v.length > MAX_ATTRIBUTE_LENGTH) return issue(col, v.slice(0, 80), `is longer than ${MAX_ATTRIBUTE_LENGTH} characters`);
          attrs[col.slice(5)] = v;
          any = true;
        };
        if (rec instanceof Map) for (const [k, v] of rec) if (isAttr(k)) take(k, v);
        if (!(rec instanceof Map)) for (const a of attrCols) take(a.name, rec[a.idx]);
        values[nCols] = any ? JSON.stringify(attrs) : null;
      }
      if (!bad && spec.check) for (const i of spec.check(named)) issue(i.column, i.value, i.reason, i.example);
      if (bad) continue;
      if (spec.table === 'sla_policy') {
        const tz = named.time_zone as string | null;
        if (tz !== null && !isValidTimeZone(tz)) {
          issue('time_zone', tz, 'is not an IANA time zone');
          continue;
        }
      } else if (isIntervals) {
        const queue = values[iQueue] as string;
        if (queue !== lastQueue) {
          lastQueue = queue;
          cal = calendarOf(queue);
          touchedQueues.add(queue);
          let s = intervalKeys.get(queue);
          if (!s) intervalKeys.set(queue, (s = new SeenKeys()));
          seen = s;
        }
        const ms = parseCanonical(values[iStart] as string)!;
        if ((ms / 1000) % cal.intervalSeconds !== 0) {
          issue('interval_start', values[iStart] as string, `is not aligned to the queue's ${cal.intervalSeconds / 60}-minute intervals (e.g. 09:00 or 09:30)`);
          continue;
        }
        // Keyed by whole minutes (aligned above).
        const before = seen.add(ms / 60_000, line);
        if (before >= 0) {
          issue('interval_start', values[iStart] as string, `repeats line ${before} (same queue "${queue}" and interval): each interval may appear once per file`);
          continue;
        }
        const lp = localParts(ms, cal.tz);
        values[nCols] = cal.intervalSeconds;
        values[nCols + 1] = lp.date;
        values[nCols + 2] = lp.minute;
        values[nCols + 3] = lp.dow;
        // A plan (every outcome count empty, checked above) is stored with zero counts and has_outcome = 0.
        const plan = values[iOffered] === null;
        if (plan) for (const i of iCounts) values[i] = 0;
        values[nCols + 4] = plan ? 0 : 1;
      }
      if (!isIntervals) {
        const key = keyIdx.length === 1 ? String(values[keyIdx[0]]) : keyIdx.map((i) => values[i]).join('\u0001');
        const before = otherKeys.get(key);
        if (before !== undefined) {
          issue(spec.key[0], key.split('\u0001')[0], `repeats line ${before}: each ${spec.key.join(' + ')} may appear once per file`);
          continue;
        }
        otherKeys.set(key, line);
      }
      if (spec.table === 'tickets') ticketIds.push(named.ticket_id as string);
      else if (spec.table === 'ticket_events') eventRefs.push({ ticket: named.ticket_id as string, line });
      if (problems.count === 0) {
        const nb = chunkRows * numberWidth;
        const tb = chunkRows * textWidth;
        for (let i = 0; i < width; i++) {
          const v = values[i];
          if (numeric[i]) numbers[nb + slot[i]] = v === null ? NaN : (v as number);
          else texts[tb + slot[i]] = v as string | null;
        }
        if (++chunkRows === CHUNK_ROWS) flush();
      }
    }
  }
  flush();
  return done();
}

