/**
 * L2-regularised logistic regression, the simple peer of `radar risk compare`: on the same encoded matrix
 * as the trees (numeric columns, categorical columns as their target statistics), a missing value is
 * replaced by the column's fit median plus a 0/1 "was missing" column, every column is standardised on the
 * fit rows, and the weighted log-likelihood − λ/2·‖β‖² (intercept unpenalised) is maximised by Newton's
 * method (IRLS) with a Cholesky solve. Cost O(iterations · n · p²), p ≤ 2 d + 1. Deterministic.
 */

export interface LogisticModel {
  /** Columns that get a missing indicator. */
  indicators: number[];
  medians: Float64Array;
  mean: Float64Array;
  scale: Float64Array;
  /** Intercept first, then one coefficient per expanded column. */
  beta: Float64Array;
}

function expand(m: Pick<LogisticModel, 'indicators' | 'medians' | 'mean' | 'scale'>, X: ArrayLike<number>, off: number, d: number, out: Float64Array): void {
  out[0] = 1;
  for (let f = 0; f < d; f++) {
    const v = X[off + f];
    out[1 + f] = ((Number.isNaN(v) ? m.medians[f] : v) - m.mean[f]) / m.scale[f];
  }
  m.indicators.forEach((f, k) => {
    const miss = Number.isNaN(X[off + f]) ? 1 : 0;
    out[1 + d + k] = (miss - m.mean[d + k]) / m.scale[d + k];
  });
}

/** Fits on rows [0, n) of row-major X (d columns) with labels y and weights w. */
export function fitLogistic(X: ArrayLike<number>, y: ArrayLike<number>, w: ArrayLike<number> | null, d: number, lambda = 1, iterations = 12): LogisticModel {
  const n = y.length;
  const indicators: number[] = [];
  const medians = new Float64Array(d);
  for (let f = 0; f < d; f++) {
    const vals: number[] = [];
    for (let i = 0; i < n; i++) if (!Number.isNaN(X[i * d + f])) vals.push(X[i * d + f]);
    if (vals.length < n) indicators.push(f);
    vals.sort((a, b) => a - b);
    medians[f] = vals.length ? vals[Math.floor(vals.length / 2)] : 0;
  }
  const q = d + indicators.length;
  const p = q + 1;
  const mean = new Float64Array(q);
  const scale = new Float64Array(q).fill(1);
  const m: LogisticModel = { indicators, medians, mean, scale, beta: new Float64Array(p) };
  // Standardise on the fit rows (unscaled pass first: mean 0, scale 1).
  const rows = new Float64Array(n * p);
  const z = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    expand(m, X, i * d, d, z);
    rows.set(z, i * p);
  }
  for (let j = 0; j < q; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) s += rows[i * p + 1 + j];
    const mu = s / n;
    for (let i = 0; i < n; i++) s2 += (rows[i * p + 1 + j] - mu) ** 2;
    mean[j] = mu;
    scale[j] = Math.sqrt(s2 / n) || 1;
    for (let i = 0; i < n; i++) rows[i * p + 1 + j] = (rows[i * p + 1 + j] - mu) / scale[j];
  }
  const beta = m.beta;
  const Hm = new Float64Array(p * p);
  const g = new Float64Array(p);
  for (let it = 0; it < iterations; it++) {
    Hm.fill(0);
    g.fill(0);
    for (let i = 0; i < n; i++) {
      const r = i * p;
      let eta = 0;
      for (let j = 0; j < p; j++) eta += beta[j] * rows[r + j];
      const mu = 1 / (1 + Math.exp(-eta));
      const wi = w ? w[i] : 1;
      const res = wi * ((y[i] > 0 ? 1 : 0) - mu);
      const h = wi * Math.max(mu * (1 - mu), 1e-12);
      for (let j = 0; j < p; j++) {
        const xj = rows[r + j];
        if (xj === 0) continue;
        g[j] += res * xj;
        const hx = h * xj;
        for (let k = 0; k <= j; k++) Hm[j * p + k] += hx * rows[r + k];
      }
    }
    for (let j = 1; j < p; j++) {
      g[j] -= lambda * beta[j];
      Hm[j * p + j] += lambda;
    }
    Hm[0] += 1e-9;
    const step = choleskySolve(Hm, g, p);
    let change = 0;
    for (let j = 0; j < p; j++) {
      beta[j] += step[j];
      change = Math.max(change, Math.abs(step[j]));
    }
    if (change < 1e-8) break;
  }
  return m;
}

/** Probability of each row of X (d columns). */
export function predictLogistic(m: LogisticModel, X: ArrayLike<number>, d: number): Float64Array {
  const n = Math.floor(X.length / d);
  const p = m.beta.length;
  const z = new Float64Array(p);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    expand(m, X, i * d, d, z);
    let eta = 0;
    for (let j = 0; j < p; j++) eta += m.beta[j] * z[j];
    out[i] = 1 / (1 + Math.exp(-eta));
  }
  return out;
}

/** Solves A x = b for symmetric positive definite A (lower triangle filled), O(p³). */
function choleskySolve(A: Float64Array, b: Float64Array, p: number): Float64Array {
  const L = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let s = A[j * p + j];
    for (let k = 0; k < j; k++) s -= L[j * p + k] ** 2;
    const dj = Math.sqrt(Math.max(s, 1e-12));
    L[j * p + j] = dj;
    for (let i = j + 1; i < p; i++) {
      let t = A[i * p + j];
      for (let k = 0; k < j; k++) t -= L[i * p + k] * L[j * p + k];
      L[i * p + j] = t / dj;
    }
  }
  const yv = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let t = b[i];
    for (let k = 0; k < i; k++) t -= L[i * p + k] * yv[k];
    yv[i] = t / L[i * p + i];
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let t = yv[i];
    for (let k = i + 1; k < p; k++) t -= L[k * p + i] * x[k];
    x[i] = t / L[i * p + i];
  }
  return x;
}
