/**
 * One queue's intervals arranged as days × time-of-day slots, with the per-interval driver observations
 * the detectors and baselines read. Building it is O(records); lookups are O(1).
 */
import type { IntervalRecord } from './types.js';

/** Driver observations of one interval (null where the interval carries no information on that driver). */
export interface Cell {
  rec: IntervalRecord;
  offered: number;
  handled: number;
  /** Answered within target. */
  awt: number;
  /** Talk seconds per handled call (AHT − ACW, ACW missing counts as 0 like v_interval_metrics). */
  talk: number | null;
  acw: number | null;
  agents: number;
}

export interface DayRow {
  date: string;
  /** Days since 1970-01-01 of the local date (calendar arithmetic only, no clock). */
  dayNum: number;
  dow: number;
  cells: (Cell | undefined)[];
}

export interface QueueGrid {
  queue: string;
  intervalSeconds: number;
  slotsPerDay: number;
  days: DayRow[];
  dayIndex: Map<string, number>;
}

/** 'YYYY-MM-DD' → days since epoch. */
export function dayNumber(date: string): number {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  return Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
}

/** Days since epoch → 'YYYY-MM-DD'. */
export function dateOfDayNumber(n: number): string {
  return new Date(n * 86_400_000).toISOString().slice(0, 10);
}

function cellOf(r: IntervalRecord): Cell {
  const hasAht = r.handled > 0 && r.ahtSeconds !== null && Number.isFinite(r.ahtSeconds);
  // Rounded to the microsecond so AHT − ACW carries no float noise from the subtraction.
  const talk = hasAht ? Math.max(0, Math.round(((r.ahtSeconds as number) - (r.acwSeconds ?? 0)) * 1e6) / 1e6) : null;
  const acw = hasAht && r.acwSeconds !== null && Number.isFinite(r.acwSeconds) ? r.acwSeconds : null;
  return { rec: r, offered: r.offered, handled: r.handled, awt: r.answeredWithinTarget, talk, acw, agents: r.agentsStaffed };
}

/** Two records in one local slot (the repeated hour when clocks go back) are merged: counts add, means pool. */
function merge(a: Cell, b: Cell): Cell {
  const h = a.handled + b.handled;
  const pool = (x: number | null, wx: number, y: number | null, wy: number): number | null => {
    if (x === null) return y;
    if (y === null) return x;
    return wx + wy > 0 ? (x * wx + y * wy) / (wx + wy) : (x + y) / 2;
  };
  return {
    rec: a.rec,
    offered: a.offered + b.offered,
    handled: h,
    awt: a.awt + b.awt,
    talk: pool(a.talk, a.handled, b.talk, b.handled),
    acw: pool(a.acw, a.handled, b.acw, b.handled),
    agents: (a.agents + b.agents) / 2,
  };
}

/**
 * Builds the grid of one queue. Records of other queues are an error (the caller groups by queue).
 * The slot length is the most common intervalSeconds. O(n log n) for the day sort.
 */
export function buildGrid(records: readonly IntervalRecord[]): QueueGrid {
  if (records.length === 0) throw new Error('buildGrid: no records');
  const queue = records[0].queue;
  const lengths = new Map<number, number>();
  for (const r of records) {
    if (r.queue !== queue) throw new Error(`buildGrid: mixed queues (${queue}, ${r.queue})`);
    lengths.set(r.intervalSeconds, (lengths.get(r.intervalSeconds) ?? 0) + 1);
  }
  const intervalSeconds = [...lengths.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const slotMinutes = intervalSeconds / 60;
  const slotsPerDay = Math.max(1, Math.round(1440 / slotMinutes));
  const byDate = new Map<string, DayRow>();
  for (const r of records) {
    let day = byDate.get(r.localDate);
    if (!day) {
      day = { date: r.localDate, dayNum: dayNumber(r.localDate), dow: r.localDow, cells: new Array(slotsPerDay) };
      byDate.set(r.localDate, day);
    }
    const s = Math.min(slotsPerDay - 1, Math.floor(r.localMinute / slotMinutes));
    const c = cellOf(r);
    const prev = day.cells[s];
    day.cells[s] = prev ? (prev.rec.intervalStart <= r.intervalStart ? merge(prev, c) : merge(c, prev)) : c;
  }
  const days = [...byDate.values()].sort((a, b) => a.dayNum - b.dayNum);
  const dayIndex = new Map(days.map((d, i) => [d.date, i]));
  return { queue, intervalSeconds, slotsPerDay, days, dayIndex };
}
