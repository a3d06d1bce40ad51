import { closeSync, openSync, writeSync } from 'node:fs';

type Cell = string | number | null | undefined;

/** RFC 4180 field: quoted when it holds a comma, quote, CR or LF; null/undefined → empty. */
export function csvField(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Streaming CSV file: rows are buffered and flushed in ~1 MB chunks (bounded memory for any row count). */
export class CsvWriter<T extends object> {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  rows = 0;
  bytes = 0;
  constructor(path: string, private readonly columns: readonly (keyof T & string)[]) {
    this.fd = openSync(path, 'w');
    this.push(columns.join(',') + '\n');
  }
  write(row: T): void {
    const r = row as Record<string, Cell>;
    let line = '';
    for (let i = 0; i < this.columns.length; i++) line += (i ? ',' : '') + csvField(r[this.columns[i]]);
    this.push(line + '\n');
    this.rows++;
  }
  private push(s: string): void {
    this.buf.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }
  private flush(): void {
    if (this.buf.length === 0) return;
    this.bytes += writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
