/**
 * Volume-weighted residuals of one interval against its baseline, their variance model, and the
 * CUSUM log-likelihood-ratio increments built from them.
 *
 * Each driver gives a residual e with a known sampling part u (what the interval's volume implies) plus an
 * extra part common to all intervals: Var(e) = φ·u + τ².
 *   arrivals  e = y/μ − 1            u = 1/μ        (Poisson: Var(y) = μ; φ = overdispersion)
 *   talk, acw e = x̄/b − 1           u = 1/handled  (mean of `handled` calls: φ = per-call CV²)
 *   agents    e = a/b − 1            u = 1/b        (binomial-ish absence noise)
 *   sl        e = sl − b (fraction)  u = b(1−b)/offered
 * So a quiet interval (few calls) carries little evidence and a busy one a lot, instead of every raw
 * per-interval value counting the same. φ and τ² are fitted on the training window (fitVariance).
 */
import type { Cell } from './grid.js';
import type { DayBaseline } from './baseline.js';
import type { Driver, VarianceModel } from './types.js';

export interface Obs {
  e: number;
  u: number;
  observed: number;
  expected: number;
  /** Weight for volume-weighted aggregates of observed/expected (calls, handled, agents, offered). */
  weight: number;
  /** Arrivals only: count and (floored) expectation, for the Poisson likelihood. */
  y: number;
  mu: number;
}

const MU_FLOOR = 0.2;

/** The observation of `driver` in a cell against its baseline, or null (no information). O(1). */
export function observe(driver: Driver, c: Cell | undefined, b: DayBaseline, s: number): Obs | null {
  if (!c) return null;
  switch (driver) {
    case 'arrivals': {
      const mu0 = b.arrivals[s];
      if (!Number.isFinite(mu0)) return null;
      if (mu0 <= 0 && c.offered === 0) return null;
      const mu = Math.max(mu0, MU_FLOOR);
      return { e: c.offered / mu - 1, u: 1 / mu, observed: c.offered, expected: mu0, weight: 1, y: c.offered, mu };
    }
    case 'talk':
    case 'acw': {
      const x = c[driver];
      const e0 = b[driver][s];
      if (x === null || c.handled <= 0 || !Number.isFinite(e0) || e0 <= 0) return null;
      return { e: x / e0 - 1, u: 1 / c.handled, observed: x, expected: e0, weight: c.handled, y: 0, mu: 0 };
    }
    case 'agents': {
      const e0 = b.agents[s];
      if (!Number.isFinite(e0) || (e0 <= 0 && c.agents <= 0)) return null;
      const be = Math.max(e0, 0.5);
      return { e: c.agents / be - 1, u: 1 / be, observed: c.agents, expected: e0, weight: 1, y: 0, mu: 0 };
    }
    case 'sl': {
      const e0 = b.sl[s];
      if (c.offered <= 0 || !Number.isFinite(e0)) return null;
      const p = Math.min(0.98, Math.max(0.02, e0));
      return { e: c.awt / c.offered - e0, u: (p * (1 - p)) / c.offered, observed: c.awt / c.offered, expected: e0, weight: c.offered, y: 0, mu: 0 };
    }
  }
}

/** Defaults when the training window is too short to fit (φ, τ²): per-call CVs typical of contact centres. */
export const DEFAULT_VARIANCE: Record<Driver, VarianceModel> = {
  arrivals: { phi: 1.3, tau2: 0.004, n: 0 },
  talk: { phi: 1.0, tau2: 0.002, n: 0 },
  acw: { phi: 0.6, tau2: 0.002, n: 0 },
  agents: { phi: 0.1, tau2: 0.002, n: 0 },
  sl: { phi: 1.5, tau2: 0.003, n: 0 },
};

/** Floors of τ²: no interval is ever treated as more precise than this (1 % relative, 0.5 SL pts). */
export const TAU2_FLOOR: Record<Driver, number> = { arrivals: 1e-4, talk: 1e-4, acw: 1e-4, agents: 1e-4, sl: 2.5e-5 };

/**
 * Fits Var(e) = φ·u + τ² to training residuals by iteratively reweighted least squares on e²
 * (weights 1/Var², i.e. a gamma GLM with identity link), with e² winsorised at 16·Var so a holiday in the
 * training window cannot inflate the fit much. Non-negative: if the joint fit gives a negative
 * coefficient, the better one-parameter fit is used. O(n) per iteration, 6 iterations.
 * Fewer than `minPoints` residuals → the defaults.
 */
export function fitVariance(driver: Driver, obs: readonly Obs[], minPoints = 60): VarianceModel {
  const floor = TAU2_FLOOR[driver];
  if (obs.length < minPoints) return { ...DEFAULT_VARIANCE[driver], tau2: Math.max(DEFAULT_VARIANCE[driver].tau2, floor) };
  let phi = 0;
  let tau2 = 0;
  {
    // Start: moment estimates assuming each term alone explains half of the variance.
    let sr = 0;
    let se = 0;
    for (const o of obs) {
      if (o.u > 0) sr += (o.e * o.e) / o.u;
      se += o.e * o.e;
    }
    phi = (0.5 * sr) / obs.length;
    tau2 = (0.5 * se) / obs.length;
  }
  for (let it = 0; it < 6; it++) {
    let a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
    let c11 = 0, c1 = 0, c22 = 0, c2 = 0;
    for (const o of obs) {
      const v = Math.max(phi * o.u + tau2, 1e-12);
      const w = 1 / (v * v);
      const y = Math.min(o.e * o.e, 16 * v);
      a11 += w * o.u * o.u;
      a12 += w * o.u;
      a22 += w;
      b1 += w * o.u * y;
      b2 += w * y;
      c11 += w * o.u * o.u;
      c1 += w * o.u * y;
      c22 += w;
      c2 += w * y;
    }
    const det = a11 * a22 - a12 * a12;
    let p = det > 0 ? (b1 * a22 - b2 * a12) / det : -1;
    let t = det > 0 ? (a11 * b2 - a12 * b1) / det : -1;
    if (!(p >= 0 && t >= 0)) {
      // One-parameter fits; keep the one with the smaller weighted squared error.
      const pOnly = c11 > 0 ? Math.max(0, c1 / c11) : 0;
      const tOnly = c22 > 0 ? Math.max(0, c2 / c22) : 0;
      let errP = 0;
      let errT = 0;
      for (const o of obs) {
        const v = Math.max(phi * o.u + tau2, 1e-12);
        const w = 1 / (v * v);
        const y = Math.min(o.e * o.e, 16 * v);
        errP += w * (y - pOnly * o.u) ** 2;
        errT += w * (y - tOnly) ** 2;
      }
      if (errP <= errT) {
        p = pOnly;
        t = 0;
      } else {
        p = 0;
        t = tOnly;
      }
    }
    phi = p;
    tau2 = Math.max(t, floor);
  }
  return { phi, tau2, n: obs.length };
}

/** Standard deviation of e under the variance model. */
export function sdOf(vm: VarianceModel, o: Obs): number {
  return Math.sqrt(vm.phi * o.u + vm.tau2);
}

const Z_CLIP = 8;

/**
 * CUSUM increments (log-likelihood ratio of "shifted by ±δ" vs "no change") for one observation.
 * arrivals: quasi-Poisson, ℓ↑ = (y·ln(1+δ) − μδ)/D, ℓ↓ = (y·ln(1−δ) + μδ)/D with D = κ·(φ + τ²μ)
 *   (Var(y) = μ·D); exact Poisson LLR when κ = φ = 1, τ² = 0.
 * others: Gaussian with sd = √κ·√(φu + τ²), s = δ/sd, z = e/sd clipped to ±8 (one corrupt interval cannot
 *   raise an alarm alone unless it is very informative): ℓ↑ = s·z − s²/2, ℓ↓ = −s·z − s²/2.
 * κ ≥ 1 is the day's design effect (calibrate.ts): intervals of one day share a common component, so
 * they are not independent evidence; inflating each interval's variance by κ = 1 + W·σ²_day gives the day
 * as a whole its true information δ²/(σ²_day + 1/W) instead of δ²·W.
 * Under no change each has mean −(information)/2 < 0; under a δ shift, +(information)/2. O(1).
 */
export function increments(driver: Driver, o: Obs, vm: VarianceModel, delta: number, kappa = 1): [up: number, down: number] {
  return incrementsAt(driver, o, vm, delta, o.e, kappa);
}

/** `increments` of the observation `o` had its residual been `e` (arrivals: count μ·(1 + e)). O(1). */
export function incrementsAt(driver: Driver, o: Obs, vm: VarianceModel, delta: number, e: number, kappa = 1): [up: number, down: number] {
  if (driver === 'arrivals') {
    const D = kappa * Math.max(vm.phi + vm.tau2 * o.mu, 1e-6);
    const d = Math.min(delta, 0.95);
    const y = o.mu * (1 + e);
    return [(y * Math.log1p(d) - o.mu * d) / D, (y * Math.log1p(-d) + o.mu * d) / D];
  }
  const sd = Math.sqrt(kappa) * sdOf(vm, o);
  const s = delta / sd;
  const z = Math.max(-Z_CLIP, Math.min(Z_CLIP, e / sd));
  return [s * z - (s * s) / 2, -s * z - (s * s) / 2];
}

/** Var(e) of an observation under the variance model (arrivals: relative, φ/μ + τ²). */
export function varianceOf(vm: VarianceModel, o: Obs): number {
  return vm.phi * o.u + vm.tau2;
}

/** Standardised residual for display and the "today so far" test: Pearson z under the variance model. */
export function zOf(driver: Driver, o: Obs, vm: VarianceModel): number {
  if (driver === 'arrivals') {
    const D = Math.max(vm.phi + vm.tau2 * o.mu, 1e-6);
    return (o.y - o.mu) / Math.sqrt(o.mu * D);
  }
  return o.e / sdOf(vm, o);
}

/** Running sums of one day for the sequential day-level likelihood ratio (dayIncrement). */
export interface DayAcc {
  /** Σ w·e and Σ w over the day's intervals so far (w = 1/Var(e), e clipped at ±8 sd). */
  s: number;
  w: number;
  up: number;
  down: number;
}

export const newDayAcc = (): DayAcc => ({ s: 0, w: 0, up: 0, down: 0 });

/**
 * CUSUM increments under a day-level random effect, exact for Gaussian residuals: e_i = γ_day + ε_i with
 * γ_day ~ N(0, σ²_day), ε_i ~ N(0, Var_i). By Sherman–Morrison the log-likelihood ratio of "shifted by ±δ" for
 * the day's intervals so far is L±(t) = (±δ·S_t − δ²·W_t/2) / (1 + W_t·σ²_day), S_t = Σ e/Var, W_t = Σ 1/Var;
 * the increment is L(t) − L(t − 1). Each day's total equals the design-effect form's when W is the median day,
 * but the evidence comes early in the day (the first intervals identify the day's level; later ones add little),
 * so a shift is seen the morning after, not the evening after. Arrivals use Var = D/μ (quasi-Poisson).
 * Mutates `acc`. O(1).
 */
export function dayIncrement(driver: Driver, o: Obs, vm: VarianceModel, delta: number, e: number, sd2: number, acc: DayAcc): [up: number, down: number] {
  const v = driver === 'arrivals' ? Math.max(vm.phi + vm.tau2 * o.mu, 1e-6) / o.mu : vm.phi * o.u + vm.tau2;
  const d = driver === 'arrivals' ? Math.min(delta, 0.95) : delta;
  const sd = Math.sqrt(v);
  const ec = Math.max(-Z_CLIP * sd, Math.min(Z_CLIP * sd, e));
  acc.s += ec / v;
  acc.w += 1 / v;
  const c = 1 + acc.w * sd2;
  const up = (d * acc.s - (d * d * acc.w) / 2) / c;
  const down = (-d * acc.s - (d * d * acc.w) / 2) / c;
  const r: [number, number] = [up - acc.up, down - acc.down];
  acc.up = up;
  acc.down = down;
  return r;
}
