/**
 * Count quantiles for prediction intervals: negative binomial with mean μ and variance v (v > μ; Poisson
 * when v ≤ μ). NB(size r, p) with r = μ² / (v − μ), p = r / (r + μ): pmf P(0) = p^r,
 * P(k+1) = P(k)·(k + r)/(k + 1)·(1 − p), summed in log space so large μ does not underflow at k = 0.
 * Above μ = 5000 the normal approximation N(μ, v) is used (rounded to whole counts). O(μ + 10√v) per call.
 */

/** Standard normal quantile (Acklam's rational approximation, |relative error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * The smallest whole counts k_lo, k_hi with CDF(k_lo) ≥ pLo and CDF(k_hi) ≥ pHi, for a count with mean `mean`
 * and variance `variance`. mean ≤ 0 → [0, 0].
 */
export function countQuantiles(mean: number, variance: number, pLo: number, pHi: number): [number, number] {
  if (!(mean > 0)) return [0, 0];
  const v = Math.max(variance, mean);
  if (mean > 5000) {
    const sd = Math.sqrt(v);
    return [Math.max(0, Math.round(mean + normalQuantile(pLo) * sd)), Math.round(mean + normalQuantile(pHi) * sd)];
  }
  const poisson = v <= mean * (1 + 1e-9);
  const r = poisson ? Infinity : (mean * mean) / (v - mean);
  const q = poisson ? 0 : mean / (r + mean); // 1 − p
  let logP = poisson ? -mean : r * Math.log(r / (r + mean));
  let cdf = 0;
  let lo = -1;
  const kMax = Math.ceil(mean + 12 * Math.sqrt(v) + 20);
  for (let k = 0; k <= kMax; k++) {
    cdf += Math.exp(logP);
    if (lo < 0 && cdf >= pLo) lo = k;
    if (cdf >= pHi) return [lo, k];
    logP += poisson ? Math.log(mean / (k + 1)) : Math.log((k + r) / (k + 1)) + Math.log(q);
  }
  return [Math.max(0, lo), kMax];
}
