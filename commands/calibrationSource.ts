/**
 * The one place the answers reach the queue calibration (c12a's src/engines/queueing/calibration.ts and
 * commands/queueModel.ts). Until that engine is on main this reports "not available", and every answer falls
 * back to textbook Erlang and says so.
 */
import type { Db } from '../src/warehouse/db.js';

/** The fields of the calibration the answers read (src/engines/queueing/calibration.ts QueueCalibration). */
export interface CalibrationLike {
  model: 'erlang_c' | 'erlang_a';
  handleTimeFactor: number;
  agentFactor: number;
  patienceSeconds: number | null;
  patienceSource: 'waits' | 'abandonment' | 'none';
  patienceNote: string;
  fitFrom: string;
  fitThrough: string;
  intervals: number;
  backtest: { origins: number; maePp: number; biasPp: number; dayMaePp: number; dayRmsPp: number } | null;
  inputRange: { agents: [number, number]; offered: [number, number]; ahtSeconds: [number, number]; loadPerAgent: [number, number] };
}

export interface CalibrationSource {
  queueCalibrationFor(db: Db, queue: string, day: string): CalibrationLike | { error: string };
  predictIntervalSl(cal: CalibrationLike, x: { offered: number; ahtSeconds: number; agents: number; intervalSeconds: number; targetSeconds: number }): number;
  predictionRange(cal: CalibrationLike, predictedPct: number, level?: number): { lowPct: number; highPct: number; level: number };
  outOfFittedRange(cal: CalibrationLike, xs: { offered: number; ahtSeconds: number; agents: number; intervalSeconds: number }[]): string[];
}

const unavailable = (): never => {
  throw new Error('queue calibration engine not available');
};

const SOURCE: CalibrationSource = {
  queueCalibrationFor: () => ({ error: 'the calibration engine is not installed' }),
  predictIntervalSl: unavailable,
  predictionRange: unavailable,
  outOfFittedRange: unavailable,
};

export function calibrationSource(): CalibrationSource {
  return SOURCE;
}
