/**
 * Drift engine: online detection of shifts in SL and its drivers (arrivals, talk, ACW, agents) against
 * same-time-of-week baselines, and exact Shapley attribution of SL changes. Pure: no I/O, no clock.
 */
export * from './types.js';
export { detectDrift, DEFAULT_DESIGN_SHIFT, DEFAULT_DAY_VARIANCE, UNCALIBRATED_THRESHOLD, type DetectOptions, type DriftResult } from './detect.js';
export { attributeSlChange, attributeDay, fmtPct, fmtPts, type Attribution, type AttributionFact, type AttributionOptions, type QueueModel, type WindowSummary } from './attribution.js';
export { shapleyValues } from './shapley.js';
export { dayBaseline, referenceDays, median, type DayBaseline } from './baseline.js';
export { buildGrid, dayNumber, dateOfDayNumber, type QueueGrid } from './grid.js';
export { thresholdFor, countEvents, type IncrementHistory } from './cusum.js';
export { nullHistory, dayCommonVariance, dayInflation } from './calibrate.js';
