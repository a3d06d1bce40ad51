/**
 * Two-sided CUSUM on log-likelihood-ratio increments and its threshold calibration.
 *
 * S⁺ₜ = max(0, S⁺ₜ₋₁ + ℓ↑ₜ), S⁻ₜ = max(0, S⁻ₜ₋₁ + ℓ↓ₜ); an alarm when S > h (Page 1954). The threshold h
 * is calibrated on the training window: the training days' increments are resampled in circular 7-day
 * blocks (keeping weekly and within-day dependence) into a long synthetic history, and h is the smallest
 * value whose alarm rate on it is at most the target false-alarm rate. Cost O(bootDays × intervals/day ×
 * bisection steps), a few ms per driver.
 */
import type { Rng } from '../shared/rng.js';

/** Increments of the informative intervals of one day, in time order. */
export interface DayIncrements {
  up: number[];
  down: number[];
}

/** Alarms (either direction, statistic reset after each) over the concatenated days. O(total intervals). */
export function countAlarms(seq: readonly DayIncrements[], h: number): number {
  let sp = 0;
  let sm = 0;
  let alarms = 0;
  for (const d of seq) {
    const n = d.up.length;
    for (let i = 0; i < n; i++) {
      sp += d.up[i];
      if (sp < 0) sp = 0;
      else if (sp > h) {
        alarms++;
        sp = 0;
      }
      sm += d.down[i];
      if (sm < 0) sm = 0;
      else if (sm > h) {
        alarms++;
        sm = 0;
      }
    }
  }
  return alarms;
}

export interface Calibration {
  threshold: number;
  /** Alarms per 30 days on the bootstrap history at `threshold`. */
  measuredPer30Days: number;
}

/**
 * Smallest h in [hMin, hMax] with bootstrap alarm rate ≤ targetPer30Days (bisection on log h, 24 steps).
 * `days` = training days in calendar order (gaps allowed). Fewer than 7 days → null (cannot calibrate).
 */
export function calibrateThreshold(
  days: readonly DayIncrements[],
  targetPer30Days: number,
  rng: Rng,
  opts: { bootDays?: number; hMin?: number; hMax?: number; block?: number } = {},
): Calibration | null {
  if (days.length < 7) return null;
  const block = Math.min(opts.block ?? 7, days.length);
  const bootDays = opts.bootDays ?? Math.max(1500, Math.min(6000, Math.round((30 * 20) / Math.max(targetPer30Days, 1e-3))));
  const seq: DayIncrements[] = [];
  while (seq.length < bootDays) {
    const start = rng.int(days.length);
    for (let j = 0; j < block && seq.length < bootDays; j++) seq.push(days[(start + j) % days.length]);
  }
  const rate = (h: number) => (countAlarms(seq, h) * 30) / seq.length;
  let lo = Math.log(opts.hMin ?? 3);
  let hi = Math.log(opts.hMax ?? 400);
  if (rate(Math.exp(lo)) <= targetPer30Days) return { threshold: Math.exp(lo), measuredPer30Days: rate(Math.exp(lo)) };
  if (rate(Math.exp(hi)) > targetPer30Days) return { threshold: Math.exp(hi), measuredPer30Days: rate(Math.exp(hi)) };
  for (let it = 0; it < 24; it++) {
    const mid = (lo + hi) / 2;
    if (rate(Math.exp(mid)) <= targetPer30Days) hi = mid;
    else lo = mid;
  }
  const h = Math.exp(hi);
  return { threshold: h, measuredPer30Days: rate(h) };
}
