/**
 * Plain data types of the drift engine. The `drift` command maps rows of `v_interval_metrics`
 * (sql/views.sql) to `IntervalRecord`s; everything else here is engine output.
 */

/** One queue × interval, as the warehouse view holds it (times ISO-8601 UTC, local fields precomputed). */
export interface IntervalRecord {
  queue: string;
  /** ISO-8601 UTC start of the interval, e.g. '2026-03-02T09:30:00Z'. */
  intervalStart: string;
  /** Local calendar date 'YYYY-MM-DD' in the queue's time zone. */
  localDate: string;
  /** Minutes since local midnight at the interval start (0 … 1439). */
  localMinute: number;
  /** Local day of week, 0 = Sunday … 6 = Saturday. */
  localDow: number;
  intervalSeconds: number;
  offered: number;
  handled: number;
  abandoned: number;
  answeredWithinTarget: number;
  /** Average handle time including ACW, seconds; null when nothing was handled. */
  ahtSeconds: number | null;
  /** The after-call-work part of AHT, seconds; null when unknown. */
  acwSeconds: number | null;
  /** Average agents staffed (may be fractional). */
  agentsStaffed: number;
  slTargetPct: number;
  slTargetSeconds: number;
  forecastOffered?: number | null;
}

/** The quantities the detectors watch. `sl` is the outcome; the other four are its drivers. */
export type Driver = 'arrivals' | 'talk' | 'acw' | 'agents' | 'sl';
export const DRIVERS: readonly Driver[] = ['arrivals', 'talk', 'acw', 'agents', 'sl'];

/** The four players of the SL attribution. */
export type Player = 'arrivals' | 'talk' | 'acw' | 'agents';
export const PLAYERS: readonly Player[] = ['arrivals', 'talk', 'acw', 'agents'];

export type Direction = 'up' | 'down';

/** A sustained departure of one driver from its baseline: one event however long it lasts. */
export interface DriftEvent {
  queue: string;
  driver: Driver;
  direction: Direction;
  /** intervalStart of the interval whose data raised the alarm. */
  detectedAt: string;
  /**
   * intervalStart of the estimated change point: the maximum-likelihood start of a mean shift within the
   * CUSUM run that raised the alarm; re-estimated with all data seen so far while the event is open.
   */
  onsetEstimate: string;
  /**
   * Relative change over the event's span (onset … close or end of data): observed / expected − 1
   * (volume-weighted; for `sl` the ratio of realised to expected SL).
   */
  magnitude: number;
  status: 'open' | 'closed';
  /** intervalStart of the interval at which the statistic returned to zero (closed events only). */
  closedAt?: string;
  /**
   * Volume-weighted means over the span in the driver's unit: calls per interval, seconds, agents,
   * SL fraction (weights: 1, handled, 1, offered).
   */
  observed: number;
  expected: number;
  /** Intervals with data from the onset estimate (at detection) to detection, inclusive. */
  intervalsToDetect: number;
}

/** Per-interval point of the drift timeline. */
export interface DriftPoint {
  intervalStart: string;
  localDate: string;
  localMinute: number;
  /** max over drivers and directions of CUSUM / threshold, in [0, 1]; 1 = alarm level. */
  score: number;
  /** The driver behind `score` (null when every statistic is 0). */
  topDriver: Driver | null;
  /** Signed per-driver score: + for the upward statistic, − for the downward one (the larger of the two). */
  scores: Record<Driver, number>;
  /**
   * Observed and baseline value per driver for this interval (null: no observation or no baseline), its
   * standardised residual z, and its weight for aggregates (1 for arrivals and agents, handled calls for
   * talk and ACW, offered calls for SL): Σw·observed / Σw·expected − 1 is the volume-weighted change.
   */
  values: Record<Driver, { observed: number; expected: number; z: number; weight: number } | null>;
}

/** Fitted residual variance model of one driver: Var(e) = phi·u + tau2·w (see residuals.ts). */
export interface VarianceModel {
  phi: number;
  tau2: number;
  /** Points the fit used (0 = defaults). */
  n: number;
}

export interface DriverCalibration {
  variance: VarianceModel;
  /** σ²_day: residual variance common to all intervals of a day (day-level volume, absence, baseline error). */
  dayVariance: number;
  /** Design effect κ = 1 + W·σ²_day by weekday (Sunday first) that the CUSUM inflates variances by. */
  dayInflation: number[];
  /** CUSUM decision threshold (log-likelihood-ratio units). */
  threshold: number;
  /** Design shift the CUSUM is tuned to (relative; absolute SL fraction for `sl`). */
  designShift: number;
  /** False alarms per 30 days this threshold was calibrated to (for this driver, both directions). */
  targetFalseAlarmsPer30Days: number;
  /** False alarms per 30 days measured on the bootstrap of the training residuals at this threshold. */
  bootstrapFalseAlarmsPer30Days: number;
  /** true when thresholds came from the training window, false when defaults were used. */
  calibrated: boolean;
}

/** Partial-day ("today so far") comparison of one driver with its baseline over the same slots. */
export interface TodayDriver {
  observed: number;
  expected: number;
  /** observed / expected − 1 (for sl: observed − expected, SL fraction). */
  change: number;
  /** Standardised aggregate residual (≈ N(0,1) under no change). */
  z: number;
}

export interface TodaySoFar {
  queue: string;
  localDate: string;
  /** localMinute of the last interval with data. */
  throughMinute: number;
  intervals: number;
  drivers: Partial<Record<Driver, TodayDriver>>;
  /** Drivers with |z| ≥ the warning level, most extreme first. */
  warnings: { driver: Driver; direction: Direction; change: number; z: number }[];
}
