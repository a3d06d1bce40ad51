/**
 * The spread of one interval's realised service level around the calibrated model's expected SL, and the typical
 * (median) half-hour it implies.
 *
 * Why: the model predicts the EXPECTED SL of an interval. Answered-within-target of n calls is a bounded count whose
 * calls share one queue (a busy spell delays many of them together), so a half-hour's SL is over-dispersed and,
 * near the top, skewed: an interval expected at 93 % is most often at 100 % and sometimes far lower. The expected
 * SL is what adds up over a day (day SL, staffing); the median is the typical half-hour and the point forecast that
 * minimises absolute error.
 *
 * Model: answered within target X ~ Beta-binomial(n, mean p, intra-interval correlation ρ), i.e.
 * X | π ~ Binomial(n, π), π ~ Beta(p(1/ρ − 1), (1 − p)(1/ρ − 1)): mean n·p (the model's), variance
 * n·p(1 − p)(1 + (n − 1)ρ). ρ = 0 is the binomial (independent calls). ρ is fitted by maximum likelihood on the
 * calibration's out-of-sample backtest intervals (calibration.ts), so it measures the model's real miss, not only
 * sampling noise.
 *
 * Pure; O(n) per quantile.
 */
import { logGamma } from './tdist.js';

const P_EPS = 1e-6;
const clampP = (p: number) => (p < P_EPS ? P_EPS : p > 1 - P_EPS ? 1 - P_EPS : p);
const logBeta = (a: number, b: number) => logGamma(a) + logGamma(b) - logGamma(a + b);

/** ln P(X = x) for X ~ Beta-binomial(n, mean p, correlation ρ ∈ (0, 1)); x and n whole, 0 ≤ x ≤ n. */
export function betaBinomialLogPmf(x: number, n: number, p: number, rho: number): number {
  const s = 1 / rho - 1;
  const a = clampP(p) * s;
  const b = (1 - clampP(p)) * s;
  return logGamma(n + 1) - logGamma(x + 1) - logGamma(n - x + 1) + logBeta(x + a, n - x + b) - logBeta(a, b);
}

/** P(X = 0..n) for X ~ Beta-binomial(n, mean p, correlation ρ); ρ ≤ 0 gives the binomial. */
export function betaBinomialPmf(n: number, p: number, rho: number): number[] {
  const q = clampP(p);
  const out = new Array<number>(n + 1);
  if (!(rho > 0)) {
    // binomial by the same recursion
    out[0] = Math.exp(n * Math.log(1 - q));
    for (let k = 0; k < n; k++) out[k + 1] = (out[k] * (n - k) * q) / ((k + 1) * (1 - q));
    return out;
  }
  const s = 1 / rho - 1;
  const a = q * s;
  const b = (1 - q) * s;
  out[0] = Math.exp(logBeta(a, n + b) - logBeta(a, b));
  for (let k = 0; k < n; k++) out[k + 1] = (out[k] * (n - k) * (k + a)) / ((k + 1) * (n - k - 1 + b));
  return out;
}

/** Smallest x/n with P(X ≤ x) ≥ q for X ~ Beta-binomial(n, p, ρ): the q-quantile of the interval's SL. */
export function betaBinomialSlQuantile(n: number, p: number, rho: number, q: number): number {
  if (n <= 0) return 1;
  const pmf = betaBinomialPmf(n, p, rho);
  let c = 0;
  for (let x = 0; x <= n; x++) {
    c += pmf[x];
    if (c >= q - 1e-12) return x / n;
  }
  return 1;
}

/**
 * The typical SL of one interval: the median of its realised SL given the model's expected SL `expected` (fraction)
 * and `offered` calls (rounded to a whole count), under the calibration's dispersion ρ. Without a dispersion (none
 * fitted, or no calls) the expected SL itself.
 */
export function typicalSl(expected: number, offered: number, rho: number | null): number {
  const n = Math.round(offered);
  if (rho === null || !(n >= 1) || !Number.isFinite(expected)) return expected;
  return betaBinomialSlQuantile(n, expected, rho, 0.5);
}

/** One out-of-sample interval of the backtest: the model's expected SL and what happened. */
export interface DispersionSample {
  expected: number;
  answeredWithinTarget: number;
  offered: number;
}

/** Log-likelihood of ρ over samples (whole counts, ≥ 2 calls: one call says nothing about ρ). */
export function dispersionLogLik(samples: readonly DispersionSample[], rho: number): number {
  let ll = 0;
  for (const s of samples) {
    const n = Math.round(s.offered);
    if (n < 2) continue;
    const x = Math.min(n, Math.max(0, Math.round(s.answeredWithinTarget)));
    ll += betaBinomialLogPmf(x, n, s.expected, rho);
  }
  return ll;
}
