/**
 * Day totals: Holt–Winters combined with the same-weekday mean, the weight per horizon chosen on the history's
 * own forecasts (never on the days being forecast).
 *
 *   D̂_h(day) = w_h · HW_h(day) + (1 − w_h) · M(day)
 *
 * M = mean of the latest four (or fewer) observed totals of the day's weekday that the origin has seen.
 * w_h ∈ {0, 0.1, …, 1} minimises Σ|y − D̂| over the history's inner h-step forecasts: at every history day i from
 * day 14 on, the filter's state after day i and the same-weekday mean of days ≤ i forecast each later history
 * day i + h. A horizon with fewer than MIN_OWN_PAIRS inner pairs pools the pairs of every horizon ≤ h; under
 * MIN_POOLED_PAIRS pairs, w = 0.5 (the equal combination). The same inner forecasts give c_h, the day total's
 * relative variance at horizon h beyond count noise (non-decreasing in h), so the bands belong to the combined
 * forecast. Cost O(n·H·G), n days, H horizons, G = 11 weights.
 */
import { clipToForecast, hwForecast, MIN_HW_DAYS, type HwParams, type HwState } from './holtWinters.js';

/** Same-weekday days averaged by M (the 4-week same-weekday mean). */
const WEEKDAY_MEAN_DAYS = 4;
const MIN_OWN_PAIRS = 14;
const MIN_POOLED_PAIRS = 7;
const WEIGHTS = Array.from({ length: 11 }, (_, k) => k / 10);

export interface DayTotalModel {
  /** Combined total of the day `h` days after the last history day (weekday `dow`, 0 = Sunday). */
  total(h: number, dow: number): number;
  /** w_h for h = 1..H (index 0 unused). */
  weights: number[];
  /** c_h for h = 1..H (index 0 unused). */
  relVar: number[];
}

/**
 * Mean of the latest `k` non-null values at indices ≤ i with the weekday of index j (indices are consecutive
 * days, so the weekday is the index mod 7); null when there is none.
 */
export function weekdayMean(y: readonly (number | null)[], i: number, j: number, k = WEEKDAY_MEAN_DAYS): number | null {
  let sum = 0;
  let count = 0;
  for (let t = j - 7 * Math.ceil((j - i) / 7); t >= 0 && count < k; t -= 7) {
    const v = y[t];
    if (v === null) continue;
    sum += v;
    count++;
  }
  return count ? sum / count : null;
}

interface Pair {
  y: number;
  hw: number;
  m: number | null;
}

const combine = (w: number, p: Pair) => (p.m === null ? p.hw : w * p.hw + (1 - w) * p.m);

/** The weight with the least absolute error over `pairs` (ties keep the larger weight: more of the model). */
function bestWeight(pairs: readonly Pair[]): number {
  let best = 0.5;
  let bestErr = Infinity;
  for (const w of [...WEIGHTS].reverse()) {
    let err = 0;
    for (const p of pairs) err += Math.abs(clipToForecast(p.y, p.hw) - combine(w, p));
    if (err < bestErr - 1e-9 * Math.max(1, err)) {
      bestErr = err;
      best = w;
    }
  }
  return best;
}

/**
 * The combined day-total model for horizons 1..H from the fitted filter's states (`states[i]` has seen y[0..i])
 * and `dispersion` (intraday count dispersion, removed from c_h). `fallbackRelVar` is c_h where no horizon ≤ h
 * has five inner forecasts.
 */
export function combineDayTotals(y: readonly (number | null)[], dows: readonly number[], states: readonly HwState[], p: HwParams, H: number, dispersion: number, fallbackRelVar: number): DayTotalModel {
  const n = y.length;
  const pairs: Pair[][] = Array.from({ length: H + 1 }, () => []);
  for (let i = MIN_HW_DAYS - 1; i < n - 1; i++) {
    for (let h = 1; h <= H && i + h < n; h++) {
      const v = y[i + h];
      if (v === null) continue;
      const hw = hwForecast(states[i], p, h, dows[i + h]);
      if (!(hw > 0)) continue;
      pairs[h].push({ y: v, hw, m: weekdayMean(y, i, i + h) });
    }
  }
  const weights = new Array(H + 1).fill(NaN);
  let pooled: Pair[] = [];
  for (let h = 1; h <= H; h++) {
    pooled = pooled.concat(pairs[h]);
    const use = pairs[h].length >= MIN_OWN_PAIRS ? pairs[h] : pooled;
    weights[h] = use.length >= MIN_POOLED_PAIRS ? bestWeight(use) : 0.5;
  }
  const relVar = new Array(H + 1).fill(NaN);
  let last = fallbackRelVar;
  let seen = false;
  for (let h = 1; h <= H; h++) {
    let s = 0;
    let k = 0;
    for (const q of pairs[h]) {
      const f = combine(weights[h], q);
      if (!(f > 0)) continue;
      s += (clipToForecast(q.y, f) / f - 1) ** 2 - dispersion / f;
      k++;
    }
    if (k >= 5) {
      const est = Math.max(0, s / k);
      last = seen ? Math.max(last, est) : est;
      seen = true;
    }
    relVar[h] = last;
  }
  const state = states[n - 1];
  return {
    total: (h, dow) => Math.max(0, combine(weights[Math.min(h, H)], { y: 0, hw: hwForecast(state, p, h, dow), m: weekdayMean(y, n - 1, n - 1 + h) })),
    weights,
    relVar,
  };
}
