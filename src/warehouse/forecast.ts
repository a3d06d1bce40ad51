/**
 * Reads for the demand forecast: a queue's realised intervals before an origin (plan rows without an
 * outcome are never history), and the excluded days (`forecast_exclusions`, migration 012).
 */
import Database from 'better-sqlite3';
import type { Db } from './db.js';

export interface RealisedInterval {
  intervalStart: string;
  localDate: string;
  localMinute: number;
  localDow: number;
  offered: number;
  handled: number;
  ahtSeconds: number | null;
}

/**
 * Realised intervals of `queue` on local dates from..beforeDate (exclusive), in time order. v_interval_metrics
 * holds realised rows only (has_outcome = 1): a plan row carries no arrivals and is never history.
 */
export function realisedIntervals(db: Db, queue: string, from: string, beforeDate: string): RealisedInterval[] {
  return db
    .prepare(
      `SELECT interval_start AS intervalStart, local_date AS localDate, local_minute AS localMinute, local_dow AS localDow,
              offered, handled, aht_seconds AS ahtSeconds
       FROM v_interval_metrics WHERE queue = ? AND local_date >= ? AND local_date < ? ORDER BY interval_start`,
    )
    .all(queue, from, beforeDate) as RealisedInterval[];
}

/**
 * What the forecast's history window depends on, as one string: the latest load (etl_runs) and a sum over the
 * window's realised rows (count, contacts, handled, AHT, interval lengths, dates and minutes), so a load, a
 * corrected row or a row edited outside ingest changes it. One range scan of the clustered key, no row objects:
 * ~1/10 of reading the window (used to key the forecasts a process remembers, commands/forecast.ts).
 */
export function realisedWindowVersion(db: Db, queue: string, from: string, beforeDate: string): string {
  const stamp = changeStamp(db);
  const memo = stamp === null ? undefined : windowVersions.get(db);
  const key = `${queue}|${from}|${beforeDate}`;
  if (memo && memo.stamp === stamp) {
    const known = memo.versions.get(key);
    if (known !== undefined) return known;
  }
  const version = readWindowVersion(db, queue, from, beforeDate);
  if (stamp !== null) {
    const m = memo && memo.stamp === stamp && memo.versions.size < 1024 ? memo : { stamp, versions: new Map<string, string>() };
    m.versions.set(key, version);
    windowVersions.set(db, m);
  }
  return version;
}

/**
 * realisedWindowVersion's answers while the SQLite file is unchanged: `data_version` moves with every commit of
 * another connection (an ingest from the CLI) and `total_changes()` with every write of this one, so a stamp
 * that is still the same means no row can have changed. The Postgres facade gets no stamp (it reads each time).
 */
const windowVersions = new WeakMap<Db, { stamp: string; versions: Map<string, string> }>();

function changeStamp(db: Db): string | null {
  if (!(db instanceof Database)) return null;
  const r = db.prepare('SELECT (SELECT data_version FROM pragma_data_version) AS v, total_changes() AS c').get() as { v: number; c: number };
  return `${r.v}.${r.c}`;
}

function readWindowVersion(db: Db, queue: string, from: string, beforeDate: string): string {
  const r = db
    .prepare(
      `SELECT (SELECT COALESCE(MAX(run_id), 0) FROM etl_runs) AS run, COUNT(*) AS n, COALESCE(SUM(offered), 0) AS o, COALESCE(SUM(handled), 0) AS h,
              COALESCE(SUM(aht_seconds), 0) AS a, COALESCE(SUM(interval_seconds), 0) AS s, COALESCE(SUM(local_minute), 0) AS m, MIN(interval_start) AS lo, MAX(interval_start) AS hi
       FROM v_interval_metrics WHERE queue = ? AND local_date >= ? AND local_date < ?`,
    )
    .get(queue, from, beforeDate) as Record<string, number | string | null>;
  return [r.run, r.n, r.o, r.h, r.a, r.s, r.m, r.lo, r.hi].join(',');
}

export interface Exclusion {
  queue: string;
  date: string;
  reason: string | null;
  createdBy: string | null;
  createdAt: string;
}

/** Excluded days for a queue (its own and the all-queue ones), or every exclusion when queue is null. */
export function listExclusions(db: Db, queue: string | null): Exclusion[] {
  const where = queue === null ? '' : `WHERE queue IN ('*', ?)`;
  const stmt = db.prepare(
    `SELECT queue, local_date AS date, reason, created_by AS createdBy, created_at AS createdAt FROM forecast_exclusions ${where} ORDER BY local_date, queue`,
  );
  return (queue === null ? stmt.all() : stmt.all(queue)) as Exclusion[];
}

/** Adds (or updates the reason of) an excluded day; returns whether it was new. */
export function addExclusion(db: Db, e: { queue: string; date: string; reason: string | null; createdBy: string | null; createdAt: string }): boolean {
  const existed = db.prepare('SELECT 1 FROM forecast_exclusions WHERE queue = ? AND local_date = ?').get(e.queue, e.date);
  db.prepare(
    `INSERT INTO forecast_exclusions (queue, local_date, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (queue, local_date) DO UPDATE SET reason = COALESCE(excluded.reason, reason)`,
  ).run(e.queue, e.date, e.reason, e.createdBy, e.createdAt);
  return !existed;
}

/** Removes an excluded day; returns whether there was one. */
export function removeExclusion(db: Db, queue: string, date: string): boolean {
  return db.prepare('DELETE FROM forecast_exclusions WHERE queue = ? AND local_date = ?').run(queue, date).changes > 0;
}
