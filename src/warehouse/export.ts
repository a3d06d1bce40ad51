/**
 * Exports: rows streamed from the warehouse into a CSV (RFC 4180, header row, via csv-stringify) or JSON Lines
 * file, a batch at a time (the table is never held in memory). Timestamps are the warehouse's ISO-8601 UTC
 * text (`2026-11-20T09:30:00Z`). The interval and ticket exports use the ingest's own columns (tables.ts),
 * so `radar ingest` of an export reproduces the same rows.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import type { Db } from './db.js';
import { TABLES } from './tables.js';
import { parseAttributes } from './attributes.js';

export type ExportFormat = 'csv' | 'json';
export type ExportValue = string | number | null;

/** Writes rows to a file as they come: CSV with a header row, or JSON Lines (one object per line). */
export class RowWriter {
  private readonly fd: number;
  private buf: ExportValue[][] = [];
  private text = '';
  rows = 0;
  bytes = 0;

  constructor(path: string, readonly columns: string[], readonly format: ExportFormat) {
    this.fd = openSync(path, 'w');
    if (format === 'csv') this.emit(stringify([columns]));
  }

  private emit(s: string): void {
    const b = Buffer.from(s, 'utf8');
    writeSync(this.fd, b);
    this.bytes += b.length;
  }

  private flush(): void {
    if (this.format === 'csv' && this.buf.length) this.emit(stringify(this.buf.map((r) => r.map((v) => (v === null ? '' : v)))));
    if (this.text) this.emit(this.text);
    this.buf = [];
    this.text = '';
  }

  /** One row, values in column order. */
  push(values: ExportValue[]): void {
    this.rows++;
    if (this.format === 'csv') this.buf.push(values);
    else {
      const o: Record<string, ExportValue> = {};
      this.columns.forEach((c, i) => (o[c] = values[i] ?? null));
      this.text += JSON.stringify(o) + '\n';
    }
    if (this.buf.length >= 2000 || this.text.length >= 1 << 20) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

const columnsOf = (table: string): string[] => TABLES.find((t) => t.table === table)!.columns.map((c) => c.name);

/** The columns of an intervals export: the ingest's interval_inputs columns. */
export const INTERVAL_COLUMNS = columnsOf('interval_inputs');
/** The columns of a tickets export before its attr_* columns: the ingest's tickets columns. */
export const TICKET_COLUMNS = columnsOf('tickets');
const OUTCOME = new Set(['offered', 'handled', 'abandoned', 'answered_within_target', 'aht_seconds', 'acw_seconds', 'answered_wait_seconds', 'abandoned_wait_seconds']);

/**
 * Streams interval rows of the queues on local dates from..to (null = every date), ordered by queue and
 * interval start. A plan row (no outcome yet) has its outcome columns empty, as it was loaded.
 */
export function exportIntervals(db: Db, w: RowWriter, queues: string[], from: string | null, to: string | null): void {
  const cols = INTERVAL_COLUMNS;
  const stmt = db
    .prepare(`SELECT ${cols.join(', ')}, has_outcome FROM interval_inputs WHERE queue = ? AND local_date BETWEEN ? AND ? ORDER BY interval_start`)
    .raw();
  for (const q of queues) {
    for (const r of stmt.iterate(q, from ?? '0000-00-00', to ?? '9999-99-99') as IterableIterator<ExportValue[]>) {
      const plan = r[cols.length] === 0;
      w.push(cols.map((c, i) => (plan && OUTCOME.has(c) ? null : r[i])));
    }
  }
}

/** The ticket attribute names present (without the prefix), sorted. */
export function attributeNames(db: Db): string[] {
  return db.prepare('SELECT DISTINCT name FROM v_ticket_attributes ORDER BY name').pluck().all() as string[];
}

/** The agent-level columns of a tickets export (left out for people who may not see agent-level data). */
export const AGENT_COLUMNS = ['agent_id'];

/**
 * Streams tickets of the queues created in [fromIso, toIso) per queue (null bounds = all), ordered by queue,
 * creation and id: the columns `cols` (TICKET_COLUMNS or a subset), then one attr_<name> column per attribute in `attrs`.
 */
export function exportTickets(db: Db, w: RowWriter, bounds: { queue: string; fromIso: string | null; toIso: string | null }[], attrs: string[], cols: string[] = TICKET_COLUMNS): void {
  const stmt = db
    .prepare(`SELECT ${cols.join(', ')}, attributes FROM tickets WHERE queue = ? AND created_at >= ? AND created_at < ? ORDER BY created_at, ticket_id`)
    .raw();
  for (const b of bounds) {
    for (const r of stmt.iterate(b.queue, b.fromIso ?? '', b.toIso ?? '~') as IterableIterator<ExportValue[]>) {
      const a = parseAttributes(r[cols.length] as string | null);
      w.push([...r.slice(0, cols.length), ...attrs.map((n) => a?.[n] ?? null)]);
    }
  }
}

/** Queues that have intervals or tickets. */
export function exportQueues(db: Db): string[] {
  return db.prepare(`SELECT queue FROM queue_catalog UNION SELECT DISTINCT queue FROM tickets ORDER BY 1`).pluck().all() as string[];
}
