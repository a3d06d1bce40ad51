/**
 * Day totals by Holt–Winters exponential smoothing: additive damped trend, multiplicative weekly season
 * (period 7, one seasonal index per weekday). Pure; days are consecutive calendar days, `null` = missing or
 * excluded (the state coasts through it: level += φ·trend, season unchanged).
 *
 *   forecast  ŷ(t+h) = (ℓ_t + b_t·Σ_{i=1..h} φ^i) · s_{dow(t+h)}
 *   level     ℓ_t = α·y_t / s + (1 − α)(ℓ_{t−1} + φ b_{t−1})      (s ≈ 0, a closed weekday: ℓ_t = ℓ_{t−1} + φ b_{t−1})
 *   trend     b_t = β(ℓ_t − ℓ_{t−1}) + (1 − β)·φ b_{t−1}
 *   season    s_dow = γ·y_t / ℓ_t + (1 − γ)·s_dow, then all seven rescaled to mean 1 (ℓ and b by the inverse)
 *
 * From day 14 on, a day far outside its forecast counts clipped to [ŷ/2.5, 2.5·ŷ + 10] (clipToForecast).
 *
 * Start: season = weekday mean ÷ overall mean over the first whole weeks (up to 4), level = their
 * deseasonalised mean, trend 0. (α, β, γ) are chosen on a small grid by the sum of squared errors of the
 * forecasts made 1, 7 and 14 days ahead, after the first two weeks (one-step errors alone never pay for a
 * trend, which a two-week plan needs), once two weeks are scored (MIN_FIT_DAYS); before that DEFAULT_PARAMS.
 * Cost O(G·n) for G = 105 grid points, n days.
 */

export interface HwParams {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

export interface HwState {
  level: number;
  trend: number;
  /** Seasonal index per weekday, 0 = Sunday. */
  season: number[];
}

/** Days needed before the model is fitted (two whole weeks: one to start the season, one to check it). */
export const MIN_HW_DAYS = 14;

const ALPHAS = [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5];
const BETAS = [0, 0.02, 0.05];
const GAMMAS = [0.01, 0.05, 0.1, 0.2, 0.3];
const PHI = 0.98;
/** Scored days (after the first two weeks) the grid needs: fewer leave too few errors to tell 105 settings apart. */
export const MIN_FIT_DAYS = 14;
/** The parameters used when the history is too short to fit them. */
export const DEFAULT_PARAMS: HwParams = { alpha: 0.1, beta: 0, gamma: 0.1, phi: 1 };
/** The fit scores forecasts 1, 7 and 14 days ahead: the horizons staffing plans use. */
const FIT_HORIZONS = [1, 7, 14];
const EPS = 1e-9;

/** The starting state from the first whole weeks of `y` (dows[i] = weekday of day i). */
export function initialState(y: readonly (number | null)[], dows: readonly number[]): HwState {
  const weeks = Math.min(4, Math.floor(y.length / 7));
  const n = Math.max(7, weeks * 7);
  const sum = new Array(7).fill(0);
  const cnt = new Array(7).fill(0);
  for (let i = 0; i < Math.min(n, y.length); i++) {
    const v = y[i];
    if (v === null) continue;
    sum[dows[i]] += v;
    cnt[dows[i]]++;
  }
  const means = sum.map((s, d) => (cnt[d] ? s / cnt[d] : NaN));
  const seen = means.filter((m) => Number.isFinite(m));
  const overall = seen.length ? seen.reduce((a, b) => a + b, 0) / seen.length : 0;
  // A weekday never seen in the start window borrows the average weekday (index 1).
  const season = means.map((m) => (!Number.isFinite(m) ? 1 : overall > 0 ? m / overall : 0));
  const mean = season.reduce((a, b) => a + b, 0) / 7;
  if (mean > 0) return { level: overall * mean, trend: 0, season: season.map((x) => x / mean) };
  return { level: overall, trend: 0, season };
}

/**
 * A day's value as the filter learns from it, once the model is established: within [ŷ/2.5, 2.5·ŷ + 10], so
 * one absurd day (a data error, a one-off outage nobody excluded) moves level and season by a bounded step,
 * while a lasting change still comes through, a bounded step a day.
 */
export function clipToForecast(y: number, pred: number): number {
  if (!(pred > 0)) return y;
  return Math.min(Math.max(y, pred / OUTLIER_FACTOR), pred * OUTLIER_FACTOR + 10);
}
const OUTLIER_FACTOR = 2.5;

/** One smoothing step (mutates `s`); returns the one-step forecast made before seeing y. */
function step(s: HwState, yIn: number | null, dow: number, p: HwParams, established: boolean): number {
  const base = s.level + p.phi * s.trend;
  const si = s.season[dow];
  const pred = Math.max(0, base * si);
  const y = yIn !== null && established ? clipToForecast(yIn, pred) : yIn;
  if (y === null) {
    s.level = Math.max(0, base);
    s.trend = p.phi * s.trend;
    return pred;
  }
  const prev = s.level;
  const level = si > EPS ? Math.max(0, p.alpha * (y / si) + (1 - p.alpha) * base) : Math.max(0, base);
  s.trend = p.beta * (level - prev) + (1 - p.beta) * p.phi * s.trend;
  s.level = level;
  if (level > EPS) {
    s.season[dow] = p.gamma * (y / level) + (1 - p.gamma) * si;
    // Renormalise the season to a mean of 1 (rescaling level and trend to match): growth then shows in the
    // level and trend instead of leaking into each weekday's index.
    const mean = s.season.reduce((a, b) => a + b, 0) / 7;
    if (mean > EPS) {
      for (let d = 0; d < 7; d++) s.season[d] /= mean;
      s.level *= mean;
      s.trend *= mean;
    }
  }
  return pred;
}

export interface HwRun {
  params: HwParams;
  /** State after the last day. */
  state: HwState;
  /** State after each day i (states[i] has seen y[0..i]). */
  states: HwState[];
  /** One-step forecast of day i (made from states[i−1]); NaN before the season is established. */
  oneStep: number[];
  sse: number;
}

/** Runs the filter over all days with fixed parameters. */
export function runHw(y: readonly (number | null)[], dows: readonly number[], p: HwParams, keepStates = false): HwRun {
  const s = initialState(y, dows);
  const states: HwState[] = [];
  const oneStep: number[] = new Array(y.length).fill(NaN);
  // Forecasts made h days earlier for each day, h ∈ FIT_HORIZONS: the fit criterion.
  const ahead = FIT_HORIZONS.map(() => new Array<number>(y.length).fill(NaN));
  const damp = FIT_HORIZONS.map((h) => dampSum(p.phi, h));
  let sse = 0;
  for (let i = 0; i < y.length; i++) {
    const pred = step(s, y[i], dows[i], p, i >= MIN_HW_DAYS);
    if (i >= 7) oneStep[i] = pred;
    const v = y[i];
    if (i >= MIN_HW_DAYS && v !== null) for (const a of ahead) if (!Number.isNaN(a[i])) sse += (clipToForecast(v, a[i]) - a[i]) ** 2;
    if (i >= MIN_HW_DAYS - 1) {
      FIT_HORIZONS.forEach((h, k) => {
        if (i + h < y.length) ahead[k][i + h] = Math.max(0, (s.level + s.trend * damp[k]) * s.season[dows[i + h]]);
      });
    }
    if (keepStates) states.push({ level: s.level, trend: s.trend, season: [...s.season] });
  }
  return { params: p, state: s, states, oneStep, sse };
}

/** The grid point with the least squared 1/7/14-day-ahead error (DEFAULT_PARAMS under MIN_FIT_DAYS scored days), run once more keeping its states. */
export function fitHw(y: readonly (number | null)[], dows: readonly number[]): HwRun {
  let best: HwParams = DEFAULT_PARAMS;
  let bestSse = Infinity;
  const scored = y.slice(MIN_HW_DAYS).filter((v) => v !== null).length;
  if (scored < MIN_FIT_DAYS) return runHw(y, dows, best, true);
  for (const alpha of ALPHAS) {
    for (const beta of BETAS) {
      for (const gamma of GAMMAS) {
        const p = { alpha, beta, gamma, phi: beta > 0 ? PHI : 1 };
        const r = runHw(y, dows, p);
        // Strictly better only: ties keep the simpler (earlier, smaller) parameters.
        if (!Number.isFinite(bestSse) ? Number.isFinite(r.sse) : r.sse < bestSse - 1e-9 * Math.max(1, bestSse)) {
          bestSse = r.sse;
          best = p;
        }
      }
    }
  }
  return runHw(y, dows, best, true);
}

/** Σ_{i=1..h} φ^i: how much of the trend an h-step forecast carries. */
function dampSum(phi: number, h: number): number {
  let damp = 0;
  let f = 1;
  for (let i = 1; i <= h; i++) {
    f *= phi;
    damp += f;
  }
  return damp;
}

/** h-step-ahead forecast (h ≥ 1) from a state, for a day of weekday `dow`. */
export function hwForecast(s: HwState, p: HwParams, h: number, dow: number): number {
  return Math.max(0, (s.level + s.trend * dampSum(p.phi, h)) * s.season[dow]);
}
