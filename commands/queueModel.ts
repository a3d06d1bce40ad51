/**
 * The calibrated queue model a command uses for a queue and day (whatif, staffing, the alert projection, why,
 * calibration): `queueCalibrationFor(db, queue, day)`.
 *
 * History: the realised intervals of the 28 local days ending at the last realised day before `day` (never `day`
 * itself, nor anything after it; plan rows without outcomes are not history). For a past day that is the 28 days
 * before it; for a planned future day, the latest 28 days of outcomes.
 * Storage: each fit is kept in queue_calibrations under (queue, fit_through) with a fingerprint of the rows it
 * saw and the engine version; a stored fit is used only when its fit_through is before `day` and the
 * fingerprint still matches (a re-ingested or corrected day refits). On a read-only connection the fit is
 * computed and returned but not stored. `refreshQueueCalibrations` (called after ingest) fits every queue for
 * the day after its last outcome and for that last day, so everyday questions read a stored fit.
 * Memory: fits this process computed are also kept in a bounded least-recently-used map under the same
 * (queue, fit-through day, fingerprint) key, so a read-only Slack worker fits a (queue, day) once, not once per
 * question; a changed history row changes the fingerprint, so an ingest that touches the window refits.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../src/warehouse/db.js';
import { calibrationHistory, intervalQueues, lastRealisedDay, loadStoredCalibration, saveCalibration, type CalibrationHistoryRow } from '../src/warehouse/calibrations.js';
import { addDays } from '../src/time.js';
import { Remembered } from '../src/lru.js';
import { fitQueueCalibration, MIN_CALIBRATION_DAYS, type CalibrationInterval, type QueueCalibration } from '../src/engines/queueing/index.js';

/** Bumped whenever the engine's fit changes, so stored fits from an older engine are refitted. */
export const CALIBRATION_ENGINE_VERSION = 5;
/** Local days of history a calibration fits. */
export const CALIBRATION_WINDOW_DAYS = 28;

export function toCalibrationInterval(r: CalibrationHistoryRow): CalibrationInterval {
  return {
    day: r.localDate,
    slot: Math.floor((r.localMinute * 60) / r.intervalSeconds),
    offered: r.offered,
    abandoned: r.abandoned,
    answeredWithinTarget: r.answeredWithinTarget,
    ahtSeconds: r.ahtSeconds ?? 0,
    agents: r.agentsStaffed,
    intervalSeconds: r.intervalSeconds,
    targetSeconds: r.slTargetSeconds,
    answeredWaitSeconds: r.answeredWaitSeconds,
    abandonedWaitSeconds: r.abandonedWaitSeconds,
  };
}

function fingerprint(rows: CalibrationHistoryRow[], backtestDays: number): string {
  const h = createHash('sha256');
  h.update(`v${CALIBRATION_ENGINE_VERSION};bt${backtestDays};`);
  for (const r of rows) {
    h.update(
      `${r.localDate},${r.localMinute},${r.intervalSeconds},${r.offered},${r.abandoned},${r.answeredWithinTarget},${r.ahtSeconds},${r.agentsStaffed},${r.slTargetSeconds},${r.answeredWaitSeconds},${r.abandonedWaitSeconds};`,
    );
  }
  return h.digest('hex').slice(0, 32);
}

/** Fits kept in memory per process (about 5–20 kB each). */
export const CALIBRATION_MEMORY_FITS = 256;
const remembered = new Remembered<QueueCalibration>(CALIBRATION_MEMORY_FITS);

/** Forgets the fits this process remembers (tests of the direct fit path). */
export function forgetCalibrations(): void {
  remembered.clear();
}

/** How the memory is used: entries kept, lookups answered from it, lookups that computed. */
export const rememberedCalibrations = () => remembered.stats();

export interface CalibrationOptions {
  /** Backtest origins (default 5). A different count is a different fit and is stored only when 5. */
  backtestDays?: number;
  /** Instant recorded as fitted_at (default: now). */
  now?: Date;
}

/**
 * The calibration to predict `day` (YYYY-MM-DD, local) of `queue` with, or `{ error }` saying how much realised
 * history exists and how much is needed.
 */
export function queueCalibrationFor(db: Db, queue: string, day: string, opts: CalibrationOptions = {}): QueueCalibration | { error: string } {
  const backtestDays = opts.backtestDays ?? 5;
  const last = lastRealisedDay(db, queue, day);
  if (!last) {
    return { error: `No realised intervals for ${queue} before ${day}: the queue model needs at least ${MIN_CALIBRATION_DAYS} days of outcomes (offered, answered within target, AHT, agents) to calibrate on.` };
  }
  const from = addDays(last, -(CALIBRATION_WINDOW_DAYS - 1));
  const rows = calibrationHistory(db, queue, from, last);
  const fp = fingerprint(rows, backtestDays);
  const stored = loadStoredCalibration(db, queue, last);
  if (stored && stored.fitThrough < day && stored.dataFingerprint === fp) {
    try {
      return JSON.parse(stored.fit) as QueueCalibration;
    } catch {
      // unreadable: refit below
    }
  }
  const key = `${queue}|${last}|${fp}`;
  // Remembered by this process (a read-only worker's earlier fit), else fitted now; stored when the connection can.
  let fit = remembered.get(key);
  if (!fit) {
    const made = fitQueueCalibration(rows.map(toCalibrationInterval), { backtestDays });
    if ('error' in made) {
      const days = new Set(rows.filter((r) => r.offered > 0).map((r) => r.localDate)).size;
      return { error: `Not enough history to calibrate ${queue} for ${day}: ${days} day${days === 1 ? '' : 's'} with outcomes in ${from}..${last} (${made.error}). Load more realised intervals, e.g. \`radar ingest intervals.csv\`.` };
    }
    remembered.set(key, made);
    fit = made;
  }
  if (backtestDays === 5 && fit.fitThrough < day && !db.readonly) {
    try {
      saveCalibration(db, {
        queue,
        fitThrough: last,
        fitFrom: from,
        fittedAt: (opts.now ?? new Date()).toISOString().slice(0, 19) + 'Z',
        dataFingerprint: fp,
        model: fit.model,
        days: fit.days,
        intervals: fit.intervals,
        inputs: JSON.stringify({ window: [from, last], days: fit.days, intervals: fit.intervals, range: fit.inputRange }),
        fit: JSON.stringify(fit),
      });
    } catch {
      // a read-only or busy warehouse: the answer stands, the next writer stores it
    }
  }
  return fit;
}

/**
 * Fits and stores, for every queue (or the given ones), the calibration for the day after its last outcome and
 * the one for its last realised day (fitted through the day before it).
 * Called after a successful ingest. Returns one line per queue for the ingest report.
 */
export function refreshQueueCalibrations(db: Db, queues: string[] = intervalQueues(db), now = new Date()): string[] {
  const out: string[] = [];
  for (const q of queues) {
    const last = lastRealisedDay(db, q, '9999-12-31');
    if (!last) continue;
    let cal: QueueCalibration | { error: string };
    try {
      // The last realised day's own fit too ("why yesterday" on a read-only connection reads it).
      queueCalibrationFor(db, q, last, { now });
      cal = queueCalibrationFor(db, q, addDays(last, 1), { now });
    } catch (e) {
      cal = { error: (e as Error).message };
    }
    out.push('error' in cal ? `${q}: not calibrated (${cal.error})` : `${q}: ${cal.candidate} (k = ${cal.handleTimeFactor.toFixed(2)})${cal.backtest ? `, backtest MAE ${cal.backtest.maePp.toFixed(1)} pp over ${cal.backtest.origins} days` : ''}`);
  }
  return out;
}

/** Days of recent questions a server keeps calibrations stored for (the last four weeks, and tomorrow). */
export const STORED_CALIBRATION_DAYS = 29;

/**
 * The (queue, day) calibrations a server keeps stored so questions about recent days read a stored fit instead
 * of fitting on a read-only worker: for every queue, each day from the day after its last outcome back
 * `days` days, most recent first. With the latest load's id: a new load is the signal to check them again.
 */
export function recentCalibrationDays(db: Db, days = STORED_CALIBRATION_DAYS): { version: string; wanted: { queue: string; day: string }[] } {
  const version = String((db.prepare(`SELECT COALESCE(MAX(run_id), 0) AS r FROM etl_runs WHERE status = 'ok'`).get() as { r: number }).r);
  const perQueue = intervalQueues(db).map((queue) => {
    const last = lastRealisedDay(db, queue, '9999-12-31');
    return last ? Array.from({ length: days }, (_, i) => ({ queue, day: addDays(last, 1 - i) })) : [];
  });
  const wanted: { queue: string; day: string }[] = [];
  for (let i = 0; i < days; i++) for (const q of perQueue) if (q[i]) wanted.push(q[i]);
  return { version, wanted };
}
