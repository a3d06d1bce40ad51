/**
 * What the evaluator reads from the warehouse (views only): interval rows per queue and local date, loaded once
 * per tick (or once per backtest) and shared by every rule, and same-weekday baselines per slot.
 */
import type { Db } from '../warehouse/db.js';
import type { QueueInfo } from '../warehouse/queries.js';
import { listQueues } from '../warehouse/queries.js';
import { stmt } from './store.js';
import { addDays } from '../time.js';
import type { IntervalRow } from '../warehouse/queries.js';
import type { ProjectionBasis } from './engines.js';
import type { SlModel } from '../engines/queueing/slModel.js';

/** An interval row as the alert metrics need it: the view's columns, plus the interval as epoch ms. */
export type Row = Pick<
  IntervalRow,
  | 'queue' | 'intervalStart' | 'intervalSeconds' | 'localDate' | 'localMinute' | 'localDow' | 'offered' | 'handled' | 'abandoned'
  | 'answeredWithinTarget' | 'ahtSeconds' | 'acwSeconds' | 'agentsStaffed' | 'slTargetPct' | 'slTargetSeconds' | 'forecastOffered'
> & { startMs: number; endMs: number };

export interface SlotBaseline {
  /** Reference days that had any row. */
  days: number;
  /** Per local minute of the day. */
  slots: Map<number, { offered: number; offeredMad: number; agents: number; aht: number | null; n: number }>;
}

// Only the columns the metrics use: the view's derived expressions are not computed for columns not selected.
// ORDER BY follows the primary key (queue, local_date, interval_start): ordering by interval_start alone makes
// SQLite pick the (queue, interval_start) index and scan the queue's whole history for a few days.
// Rows come back as arrays (better-sqlite3 raw mode) and are built here: over twice as fast for a year of rows.
const COLUMNS = `interval_start, interval_seconds, local_date, local_minute, local_dow, offered, handled, abandoned,
  answered_within_target, aht_seconds, acw_seconds, agents_staffed, sl_target_pct, sl_target_seconds, forecast_offered`;
const SELECT_ROWS = `SELECT ${COLUMNS} FROM v_interval_metrics WHERE queue = ? AND local_date BETWEEN ? AND ? ORDER BY local_date, interval_start`;
const SELECT_ROWS_IN = `SELECT ${COLUMNS} FROM v_interval_metrics WHERE queue = ? AND local_date IN (@DATES) ORDER BY local_date, interval_start`;

type RawRow = [string, number, string, number, number, number, number, number, number, number | null, number | null, number, number, number, number | null];

function toRow(queue: string, r: RawRow): Row {
  const startMs = Date.parse(r[0]);
  return {
    queue, intervalStart: r[0], intervalSeconds: r[1], localDate: r[2], localMinute: r[3], localDow: r[4], offered: r[5], handled: r[6], abandoned: r[7],
    answeredWithinTarget: r[8], ahtSeconds: r[9], acwSeconds: r[10], agentsStaffed: r[11], slTargetPct: r[12], slTargetSeconds: r[13], forecastOffered: r[14],
    startMs, endMs: startMs + r[1] * 1000,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Rows of one queue by local date, loaded lazily (or all at once with `preload`). */
export class QueueRows {
  private readonly byDate = new Map<string, Row[]>();
  private readonly baselines = new Map<string, SlotBaseline>();
  /** Memo of per-row results shared by every rule on this queue (e.g. the day's projection at a row). */
  readonly memo = new Map<string, number | null>();
  /** What the day's projection uses, per local date (providers.ts `projectionBasis`). */
  readonly bases = new Map<string, ProjectionBasis | null>();
  /** The queue's calibrated model per local date (providers.ts `calibratedModelOn`); null = uncalibrated. */
  readonly models = new Map<string, SlModel | null>();
  constructor(
    readonly db: Db,
    readonly queue: QueueInfo,
    readonly tz: string,
  ) {}

  private read(sql: string, ...params: string[]): Row[] {
    const q = this.queue.queue;
    return (stmt(this.db, sql).raw(true).all(q, ...params) as RawRow[]).map((r) => toRow(q, r));
  }

  /** Loads local dates from..to inclusive with one query. */
  preload(from: string, to: string): void {
    const rows = this.read(SELECT_ROWS, from, to);
    for (let d = from; d <= to; d = addDays(d, 1)) if (!this.byDate.has(d)) this.byDate.set(d, []);
    for (const r of rows) this.byDate.get(r.localDate)?.push(r);
  }

  /** Loads the given local dates (those not loaded yet) with one query. */
  prefetch(dates: string[]): void {
    const missing = [...new Set(dates)].filter((d) => !this.byDate.has(d));
    if (missing.length <= 1) return;
    const rows = this.read(SELECT_ROWS_IN.replace('@DATES', missing.map(() => '?').join(',')), ...missing);
    for (const d of missing) this.byDate.set(d, []);
    for (const r of rows) this.byDate.get(r.localDate)?.push(r);
  }

  rowsOn(date: string): Row[] {
    let rows = this.byDate.get(date);
    if (!rows) {
      rows = this.read(SELECT_ROWS, date, date);
      this.byDate.set(date, rows);
    }
    return rows;
  }

  /**
   * Same-weekday baseline of `date`: per slot the median over the `weeks` previous same weekdays of offered,
   * agents and AHT, and the MAD of offered. Uses only earlier days. O(weeks × slots).
   */
  baseline(date: string, weeks = 4): SlotBaseline {
    const hit = this.baselines.get(date);
    if (hit) return hit;
    const per = new Map<number, { offered: number[]; agents: number[]; aht: number[] }>();
    let days = 0;
    for (let w = 1; w <= weeks; w++) {
      const rows = this.rowsOn(addDays(date, -7 * w));
      if (rows.length) days++;
      for (const r of rows) {
        let p = per.get(r.localMinute);
        if (!p) per.set(r.localMinute, (p = { offered: [], agents: [], aht: [] }));
        p.offered.push(r.offered);
        p.agents.push(r.agentsStaffed);
        if (r.ahtSeconds !== null && r.handled > 0) p.aht.push(r.ahtSeconds);
      }
    }
    const slots: SlotBaseline['slots'] = new Map();
    for (const [m, p] of per) {
      const med = median(p.offered);
      slots.set(m, {
        offered: med,
        offeredMad: median(p.offered.map((x) => Math.abs(x - med))),
        agents: median(p.agents),
        aht: p.aht.length ? median(p.aht) : null,
        n: p.offered.length,
      });
    }
    const b = { days, slots };
    this.baselines.set(date, b);
    return b;
  }
}

/** The warehouse as one tick sees it: queues and their rows, cached for the tick. */
export class WarehouseView {
  readonly queues: QueueInfo[];
  private readonly rows = new Map<string, QueueRows>();
  constructor(
    readonly db: Db,
    readonly defaultTz: string,
  ) {
    this.queues = listQueues(db);
  }

  queue(name: string): QueueInfo | undefined {
    return this.queues.find((q) => q.queue === name);
  }

  tzOf(q: QueueInfo): string {
    return q.timeZone ?? this.defaultTz;
  }

  rowsOf(name: string): QueueRows | null {
    let r = this.rows.get(name);
    if (!r) {
      const q = this.queue(name);
      if (!q) return null;
      r = new QueueRows(this.db, q, this.tzOf(q));
      this.rows.set(name, r);
    }
    return r;
  }
}
