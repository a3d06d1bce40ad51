/**
 * The queue model every answer uses (whatif, staffing, the alert projection, why): the queue's calibration fitted
 * on the days before the day asked (commands/queueModel.ts, src/engines/queueing/calibration.ts), turned into an
 * SlModel, with its one-line backtest accuracy, prediction ranges and fitted-range warnings. With too little
 * history to calibrate, textbook Erlang on the recorded inputs, and the answer says so.
 */
import type { Db } from '../src/warehouse/db.js';
import type { IntervalRow } from '../src/warehouse/queries.js';
import {
  erlangMetrics,
  estimatePatience,
  outOfFittedRange,
  predictIntervalSl,
  predictionRange,
  textbookModel,
  typicalSl,
  type QueueCalibration,
  type SlModel,
  type SlModelInput,
} from '../src/engines/queueing/index.js';
import { dur, pct } from '../src/format.js';
import { queueCalibrationFor } from './queueModel.js';

type CalibrationLike = QueueCalibration;

/** The model behind an answer, and what the reader is told about it. */
export interface AnswerModel {
  model: SlModel;
  /** The calibration used, or null: textbook Erlang (fallbackReason says why). */
  calibration: CalibrationLike | null;
  /** "Erlang A, k 1.48, patience 5m 20s (from queue waits), fitted 2026-10-23..2026-11-19" or the textbook text. */
  note: string;
  /** Why no calibration is used (thin history …); null when calibrated. */
  fallbackReason: string | null;
  /** The one accuracy line ("model: Erlang A, k 1.48; backtest last 14 days: ±12.1 pp per half-hour, …"). */
  accuracy: AccuracyLine | null;
}

export interface AccuracyLine {
  text: string;
  model: 'erlang_c' | 'erlang_a';
  handleTimeFactor: number;
  agentFactor: number;
  /** Days backtested (rolling origins). */
  days: number;
  /** Volume-weighted mean absolute error per interval, percentage points. */
  maePp: number;
  biasPp: number;
  /** Day-level mean absolute error, percentage points. */
  dayMaePp: number;
}

export interface SlRange {
  lowPct: number;
  highPct: number;
  /** Coverage the range is built for (0.8 = 80 %). */
  level: number;
}

const MODEL_NAME = { erlang_a: 'Erlang A', erlang_c: 'Erlang C' } as const;

function intervalWord(seconds: number): string {
  return seconds === 1800 ? 'half-hour' : seconds === 3600 ? 'hour' : `${seconds / 60}-minute interval`;
}

const signedPp = (v: number) => `${v < 0 ? '−' : '+'}${Math.abs(v).toFixed(1)} pp`;

/** The accuracy line of a calibration (null when it has no backtest). */
export function accuracyLine(cal: CalibrationLike, intervalSeconds: number): AccuracyLine | null {
  const b = cal.backtest;
  const head = `model: ${MODEL_NAME[cal.model]}, k ${cal.handleTimeFactor.toFixed(2)}${cal.agentFactor !== 1 ? `, agents × ${cal.agentFactor.toFixed(2)}` : ''}${cal.factorNote ? ' (at a search bound: a limit, not an estimate)' : ''}`;
  if (!b || b.origins <= 0) return null;
  return {
    text: `${head}; backtest last ${b.origins} day${b.origins === 1 ? '' : 's'}: ±${b.maePp.toFixed(1)} pp per ${intervalWord(intervalSeconds)}, bias ${signedPp(b.biasPp)}, day ±${b.dayMaePp.toFixed(1)} pp`,
    model: cal.model,
    handleTimeFactor: cal.handleTimeFactor,
    agentFactor: cal.agentFactor,
    days: b.origins,
    maePp: b.maePp,
    biasPp: b.biasPp,
    dayMaePp: b.dayMaePp,
  };
}

/**
 * The calibration as an interval model: SL from the calibration's own predictor; ASA, abandonment and occupancy
 * from the same Erlang family on the calibration's effective inputs (AHT × k, agents × agent factor, patience).
 * A given patience (the whatif `patience` lever) replaces the fitted one and makes the model Erlang A.
 */
export function calibratedModel(cal: CalibrationLike, givenPatienceSeconds: number | null = null): SlModel {
  const c: CalibrationLike = givenPatienceSeconds !== null ? { ...cal, model: 'erlang_a', patienceSeconds: givenPatienceSeconds } : cal;
  const patience = c.model === 'erlang_a' && c.patienceSeconds !== null && Number.isFinite(c.patienceSeconds) ? c.patienceSeconds : null;
  return {
    kind: patience !== null ? 'erlang-a' : 'erlang-c',
    meanPatienceSeconds: patience,
    evaluate(x: SlModelInput) {
      const m = erlangMetrics(x, c.handleTimeFactor, c.agentFactor, patience);
      if (!(x.offered > 0)) return m;
      return { ...m, serviceLevel: predictIntervalSl(c, x) };
    },
    typicalSl: (expectedSl, offered) => typicalSl(expectedSl, offered, c.dispersion ?? null),
  };
}

/** Textbook patience for the fallback: from queue waits when every row has them, else the abandon rate (bound fits refused). */
export function textbookPatience(history: readonly IntervalRow[]): { seconds: number | null; note: string } {
  const usable = history.filter((r) => r.ahtSeconds !== null && r.ahtSeconds > 0 && r.offered > 0);
  const withWaits = usable.every((r) => r.answeredWaitSeconds !== null && r.abandonedWaitSeconds !== null);
  const fit = estimatePatience(
    usable.map((r) => ({
      offered: r.offered,
      abandoned: r.abandoned,
      intervalSeconds: r.intervalSeconds,
      ahtSeconds: r.ahtSeconds!,
      agents: r.agentsStaffed,
      totalWaitSeconds: withWaits && usable.length ? (r.answeredWaitSeconds ?? 0) + (r.abandonedWaitSeconds ?? 0) : undefined,
    })),
  );
  const days = new Set(usable.map((r) => r.localDate)).size;
  if (!Number.isFinite(fit.meanPatienceSeconds)) return { seconds: null, note: 'Erlang C (no abandonment in the history)' };
  if (fit.atBound) return { seconds: null, note: `Erlang C (cannot estimate patience: the abandon-rate fit stops at its ${dur(fit.meanPatienceSeconds)} search bound)` };
  const how = fit.method === 'censored-mle' ? 'queue waits ÷ abandons' : `${pct(fit.observedAbandonRate)} abandonment`;
  return { seconds: fit.meanPatienceSeconds, note: `Erlang A, patience ${dur(fit.meanPatienceSeconds)} from ${how} over ${days} day${days === 1 ? '' : 's'}` };
}

/**
 * The model for `queue` on `day`: its calibration (fitted on the days before `day`) when one can be fitted,
 * else textbook Erlang with patience from `history` (or the given patience) — the fallback names its reason.
 */
export function answerModel(db: Db, queue: string, day: string, history: readonly IntervalRow[], intervalSeconds: number, givenPatienceSeconds: number | null = null): AnswerModel {
  const got = queueCalibrationFor(db, queue, day);
  if ('error' in got) {
    const pat = givenPatienceSeconds !== null ? { seconds: givenPatienceSeconds, note: `Erlang A, patience ${dur(givenPatienceSeconds)} (given)` } : textbookPatience(history);
    return {
      model: textbookModel(pat.seconds),
      calibration: null,
      note: `textbook ${pat.note}, uncalibrated`,
      fallbackReason: got.error,
      accuracy: null,
    };
  }
  return calibratedAnswerModel(got, intervalSeconds, givenPatienceSeconds);
}

/** The model's short name for prose: "calibrated Erlang A (k = 1.50)", "calibrated Erlang C (k = 0.80, agents × 0.64)". */
export function calibratedModelName(cal: CalibrationLike): string {
  return `calibrated ${MODEL_NAME[cal.model]} (k = ${cal.handleTimeFactor.toFixed(2)}${cal.agentFactor !== 1 ? `, agents × ${cal.agentFactor.toFixed(2)}` : ''})`;
}

/** The answer model of a calibration: its SlModel, the note naming it and its accuracy line. */
export function calibratedAnswerModel(cal: CalibrationLike, intervalSeconds: number, givenPatienceSeconds: number | null = null): AnswerModel {
  const patience =
    givenPatienceSeconds !== null
      ? `patience ${dur(givenPatienceSeconds)} (given)`
      : cal.model === 'erlang_a' && cal.patienceSeconds !== null
        ? `patience ${dur(cal.patienceSeconds)} (${cal.patienceSource === 'waits' ? 'from queue waits' : 'from abandonment'})`
        : cal.patienceNote || 'no abandonment modelled';
  return {
    model: calibratedModel(cal, givenPatienceSeconds),
    calibration: cal,
    note: `${MODEL_NAME[givenPatienceSeconds !== null ? 'erlang_a' : cal.model]}, k ${cal.handleTimeFactor.toFixed(2)}${cal.agentFactor !== 1 ? `, agents × ${cal.agentFactor.toFixed(2)}` : ''}, ${patience}; calibrated on ${cal.fitFrom}..${cal.fitThrough} (${cal.intervals} intervals)`,
    fallbackReason: null,
    accuracy: accuracyLine(cal, intervalSeconds),
  };
}

/** Prediction range of a day SL (percent) from the calibration's backtest residuals; null without a backtest. */
export function slRange(am: AnswerModel, predictedPct: number): SlRange | null {
  if (!am.calibration?.backtest) return null;
  const r = predictionRange(am.calibration, predictedPct);
  return { lowPct: r.lowPct, highPct: r.highPct, level: r.level };
}

/** The calibration's own warnings (a factor at its search bound); empty when none or uncalibrated. */
export function calibrationWarnings(am: AnswerModel): string[] {
  return am.calibration?.factorNote ? [am.calibration.factorNote] : [];
}

/** Warnings for inputs outside the range the calibration was fitted on (empty when none or uncalibrated). */
export function fittedRangeWarnings(am: AnswerModel, xs: { offered: number; ahtSeconds: number; agents: number; intervalSeconds: number }[]): string[] {
  if (!am.calibration) return [];
  return outOfFittedRange(am.calibration, xs.filter((x) => x.offered > 0));
}
