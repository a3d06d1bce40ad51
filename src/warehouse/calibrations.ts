/**
 * Storage and history reads for the per-queue queue-model calibration (table queue_calibrations, migration 011;
 * logic in commands/queueModel.ts). Reads interval_inputs directly: the optional outcome flag and wait totals
 * (`has_outcome`, `answered_wait_seconds`, `abandoned_wait_seconds`) are used when the warehouse has them.
 */
import type { Db } from './db.js';

export interface CalibrationHistoryRow {
  localDate: string;
  localMinute: number;
  intervalSeconds: number;
  offered: number;
  abandoned: number;
  answeredWithinTarget: number;
  ahtSeconds: number | null;
  agentsStaffed: number;
  slTargetSeconds: number;
  answeredWaitSeconds: number | null;
  abandonedWaitSeconds: number | null;
}

export interface StoredCalibration {
  queue: string;
  fitThrough: string;
  fitFrom: string;
  fittedAt: string;
  dataFingerprint: string;
  fit: string;
}

const columnCache = new WeakMap<Db, Set<string>>();

/** interval_inputs' column names (cached per connection: migrations run before any command). */
function intervalColumns(db: Db): Set<string> {
  let cols = columnCache.get(db);
  if (!cols) {
    cols = new Set((db.prepare('PRAGMA table_info(interval_inputs)').all() as { name: string }[]).map((c) => c.name));
    columnCache.set(db, cols);
  }
  return cols;
}

/** SQL condition selecting intervals that have happened (every row until plan rows exist). */
function realisedCondition(db: Db): string {
  return intervalColumns(db).has('has_outcome') ? 'has_outcome = 1' : '1 = 1';
}

/** The latest local day before `before` with realised calls for the queue, or null. */
export function lastRealisedDay(db: Db, queue: string, before: string): string | null {
  const r = db
    .prepare(`SELECT MAX(local_date) AS d FROM interval_inputs WHERE queue = ? AND local_date < ? AND offered > 0 AND ${realisedCondition(db)}`)
    .get(queue, before) as { d: string | null };
  return r.d;
}

/** Realised interval rows of the queue with local_date in [from, to], in time order. */
export function calibrationHistory(db: Db, queue: string, from: string, to: string): CalibrationHistoryRow[] {
  const cols = intervalColumns(db);
  const waits = cols.has('answered_wait_seconds') && cols.has('abandoned_wait_seconds');
  return db
    .prepare(
      `SELECT local_date AS localDate, local_minute AS localMinute, interval_seconds AS intervalSeconds, offered, abandoned,
              answered_within_target AS answeredWithinTarget, aht_seconds AS ahtSeconds, agents_staffed AS agentsStaffed,
              sl_target_seconds AS slTargetSeconds,
              ${waits ? 'answered_wait_seconds' : 'NULL'} AS answeredWaitSeconds, ${waits ? 'abandoned_wait_seconds' : 'NULL'} AS abandonedWaitSeconds
       FROM interval_inputs
       WHERE queue = ? AND local_date BETWEEN ? AND ? AND ${realisedCondition(db)}
       ORDER BY interval_start`,
    )
    .all(queue, from, to) as CalibrationHistoryRow[];
}

export function loadStoredCalibration(db: Db, queue: string, fitThrough: string): StoredCalibration | null {
  const r = db
    .prepare(
      `SELECT queue, fit_through AS fitThrough, fit_from AS fitFrom, fitted_at AS fittedAt, data_fingerprint AS dataFingerprint, fit
       FROM queue_calibrations WHERE queue = ? AND fit_through = ?`,
    )
    .get(queue, fitThrough) as StoredCalibration | undefined;
  return r ?? null;
}

/** Every stored calibration of a queue, latest fit first. */
export function listStoredCalibrations(db: Db, queue: string): StoredCalibration[] {
  return db
    .prepare(
      `SELECT queue, fit_through AS fitThrough, fit_from AS fitFrom, fitted_at AS fittedAt, data_fingerprint AS dataFingerprint, fit
       FROM queue_calibrations WHERE queue = ? ORDER BY fit_through DESC`,
    )
    .all(queue) as StoredCalibration[];
}

export interface CalibrationRecord {
  queue: string;
  fitThrough: string;
  fitFrom: string;
  fittedAt: string;
  dataFingerprint: string;
  model: string;
  days: number;
  intervals: number;
  inputs: string;
  fit: string;
}

/** Inserts or replaces the calibration of (queue, fit_through). Returns false on a read-only connection. */
export function saveCalibration(db: Db, r: CalibrationRecord): boolean {
  if (db.readonly) return false;
  db.prepare(
    `INSERT INTO queue_calibrations (queue, fit_through, fit_from, fitted_at, data_fingerprint, model, days, intervals, inputs, fit)
     VALUES (@queue, @fitThrough, @fitFrom, @fittedAt, @dataFingerprint, @model, @days, @intervals, @inputs, @fit)
     ON CONFLICT (queue, fit_through) DO UPDATE SET fit_from = excluded.fit_from, fitted_at = excluded.fitted_at,
       data_fingerprint = excluded.data_fingerprint, model = excluded.model, days = excluded.days,
       intervals = excluded.intervals, inputs = excluded.inputs, fit = excluded.fit`,
  ).run(r);
  return true;
}

/** Queues with interval data (from the catalog ingest maintains). */
export function intervalQueues(db: Db): string[] {
  return db.prepare('SELECT queue FROM queue_catalog ORDER BY queue').pluck().all() as string[];
}
