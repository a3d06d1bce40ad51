/**
 * What the pre-breach alert projection (src/alerts/providers.ts `projectDay`) projects the rest of a day with:
 * the queue's calibrated model for that day (the same calibration whatif, staffing and why use, fitted on the days
 * before it) and the day's expected volumes (the loaded plan, else the demand forecast from history before the
 * day). The alert loader (src/alerts/engines.ts) plugs these two in; without them the projection falls back to
 * textbook Erlang C on the same-weekday baseline and says so.
 */
import type { Db } from '../src/warehouse/db.js';
import { listQueues, planRows } from '../src/warehouse/queries.js';
import type { SlModel, SlModelInput } from '../src/engines/queueing/index.js';
import { queueCalibrationFor } from './queueModel.js';
import { calibratedAnswerModel } from './modelBasis.js';
import { forecastDayInputs } from './forecast.js';
import { localParts } from '../src/time.js';

/** The calibrated interval model of a queue for one day, and what an alert says about it. */
export interface ProjectionModel {
  /** SL of one interval, fraction in [0, 1]. */
  sl(x: SlModelInput): number;
  /** The same model as an SlModel (the alert's likely-driver split goes through it). */
  model: SlModel;
  /** "Erlang A, k 1.48, patience 5m 20s (from queue waits); calibrated on 2026-10-23..2026-11-19 (1,204 intervals)". */
  note: string;
  /** "model: Erlang A, k 1.48; backtest last 5 days: ±8.7 pp per half-hour, bias +1.2 pp, day ±3.1 pp", or null. */
  accuracy: string | null;
}

/** Expected volumes (and, from a plan, agents) of a day per local minute of the interval start. */
export interface DayVolumes {
  byMinute: Map<number, { offered: number; ahtSeconds: number | null; agents: number | null }>;
  /** Where they come from, e.g. "the loaded plan (16 intervals)" or the forecast's inputs note. */
  note: string;
}

/** The calibrated model for `queue` on `day` (fitted on the days before it), or `{ error }` saying why there is none. */
export function projectionModelFor(db: Db, queue: string, day: string): ProjectionModel | { error: string } {
  const cal = queueCalibrationFor(db, queue, day);
  if ('error' in cal) return cal;
  const am = calibratedAnswerModel(cal, cal.inputRange.intervalSeconds[0] ?? 1800);
  return { sl: (x) => am.model.evaluate(x).serviceLevel, model: am.model, note: am.note, accuracy: am.accuracy?.text ?? null };
}

/**
 * Expected volumes of `day`: the loaded plan rows for it (forecast volume and AHT, planned agents) when there are
 * any, else the demand forecast made from history before the day (volumes and AHT; agents unknown). Null when
 * neither exists (no queue, too little history to forecast).
 */
export function dayVolumesFor(db: Db, queue: string, day: string): DayVolumes | null {
  const plan = planRows(db, queue, day, day);
  if (plan.length) {
    return {
      byMinute: new Map(plan.map((r) => [r.localMinute, { offered: r.forecastOffered, ahtSeconds: r.forecastAhtSeconds, agents: r.agentsStaffed }])),
      note: `the loaded plan (forecast volume and AHT, planned agents; ${plan.length} interval${plan.length === 1 ? '' : 's'})`,
    };
  }
  const q = listQueues(db).find((x) => x.queue === queue);
  if (!q) return null;
  const fc = forecastDayInputs(db, q, day, day);
  if (!fc || !fc.byStart.size) return null;
  const tz = q.timeZone ?? 'UTC';
  return {
    byMinute: new Map([...fc.byStart].map(([start, f]) => [localParts(Date.parse(start), tz).minute, { offered: f.offered, ahtSeconds: f.ahtSeconds, agents: null }])),
    note: `the demand forecast (${fc.note})`,
  };
}

/**
 * projectionModelFor and dayVolumesFor remembered per warehouse, queue and day until the next successful ingest
 * (both read only history before the day and the day's plan, which only an ingest changes): an alert tick every
 * few minutes then costs one small query per queue, not a stored-fit check and a forecast.
 */
export function rememberedProjectionSources(): { queueModelFor: typeof projectionModelFor; dayVolumesFor: typeof dayVolumesFor } {
  const memo = new WeakMap<Db, { run: number; values: Map<string, unknown> }>();
  const remembered =
    <T>(kind: string, f: (db: Db, queue: string, day: string) => T) =>
    (db: Db, queue: string, day: string): T => {
      const run = (db.prepare(`SELECT COALESCE(MAX(run_id), 0) AS r FROM etl_runs WHERE status = 'ok'`).get() as { r: number }).r;
      let m = memo.get(db);
      if (!m || m.run !== run) memo.set(db, (m = { run, values: new Map() }));
      const key = `${kind}|${queue}|${day}`;
      if (!m.values.has(key)) m.values.set(key, f(db, queue, day));
      return m.values.get(key) as T;
    };
  return { queueModelFor: remembered('model', projectionModelFor), dayVolumesFor: remembered('volumes', dayVolumesFor) };
}
