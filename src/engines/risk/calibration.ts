/**
 * Probability calibration of raw margins, fitted on the validation slice.
 *
 * - Isotonic: pool-adjacent-violators (PAV) fit of the label on the score, a non-decreasing step function;
 *   applied by linear interpolation between block end points and clipped outside the fitted range
 *   (scikit-learn's IsotonicRegression(out_of_bounds='clip') convention). Equal scores are pooled first.
 * - Platt: p = σ(a·s + b) fitted by Newton's method on the log-loss with Platt's smoothed targets
 *   (y₊ = (N₊+1)/(N₊+2), y₋ = 1/(N₋+2)) so it cannot saturate on separable data.
 */
import { sigmoid } from './gbdt.js';

export type Calibrator =
  | { kind: 'isotonic'; x: number[]; y: number[] }
  | { kind: 'platt'; a: number; b: number }
  | { kind: 'identity' };

/**
 * PAV isotonic regression. Returns the fitted knots: x non-decreasing, y non-decreasing in [0, 1].
 * O(n log n) for the sort, O(n) for the pooling.
 */
export function fitIsotonic(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): Calibrator {
  const n = scores.length;
  if (n === 0) return { kind: 'identity' };
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => scores[a] - scores[b]);
  // Blocks: weighted mean value, weight, score range.
  const val: number[] = [];
  const wt: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  for (let k = 0; k < n; ) {
    // Pool ties in score first: one x value must map to one y value.
    let j = k;
    let sw = 0;
    let sy = 0;
    while (j < n && scores[idx[j]] === scores[idx[k]]) {
      const w = weights ? weights[idx[j]] : 1;
      sw += w;
      sy += w * (labels[idx[j]] > 0 ? 1 : 0);
      j++;
    }
    val.push(sy / sw);
    wt.push(sw);
    lo.push(scores[idx[k]]);
    hi.push(scores[idx[k]]);
    // Merge backwards while the order is violated.
    while (val.length >= 2 && val[val.length - 2] >= val[val.length - 1]) {
      const b = val.length - 1;
      const w = wt[b - 1] + wt[b];
      val[b - 1] = (val[b - 1] * wt[b - 1] + val[b] * wt[b]) / w;
      wt[b - 1] = w;
      hi[b - 1] = hi[b];
      val.pop();
      wt.pop();
      lo.pop();
      hi.pop();
    }
    k = j;
  }
  const x: number[] = [];
  const y: number[] = [];
  for (let b = 0; b < val.length; b++) {
    x.push(lo[b]);
    y.push(val[b]);
    if (hi[b] !== lo[b]) {
      x.push(hi[b]);
      y.push(val[b]);
    }
  }
  return { kind: 'isotonic', x, y };
}

/** Platt scaling by Newton–Raphson on the smoothed-target log-loss. O(n·iterations). */
export function fitPlatt(scores: ArrayLike<number>, labels: ArrayLike<number>): Calibrator {
  const n = scores.length;
  let np = 0;
  for (let i = 0; i < n; i++) if (labels[i] > 0) np++;
  const nn = n - np;
  const tPos = (np + 1) / (np + 2);
  const tNeg = 1 / (nn + 2);
  let a = 1;
  let b = 0;
  for (let it = 0; it < 100; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const s = scores[i];
      const p = sigmoid(a * s + b);
      const t = labels[i] > 0 ? tPos : tNeg;
      const r = p - t;
      const q = p * (1 - p);
      ga += r * s;
      gb += r;
      haa += q * s * s;
      hab += q * s;
      hbb += q;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { kind: 'platt', a, b };
}

/** Calibrated probability of a raw margin. Isotonic: O(log knots). */
export function calibrate(c: Calibrator, margin: number): number {
  if (c.kind === 'identity') return sigmoid(margin);
  if (c.kind === 'platt') return sigmoid(c.a * margin + c.b);
  const { x, y } = c;
  if (x.length === 0) return sigmoid(margin);
  if (!(margin > x[0])) return y[0];
  if (margin >= x[x.length - 1]) return y[y.length - 1];
  let lo = 0;
  let hi = x.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] <= margin) lo = mid;
    else hi = mid;
  }
  const span = x[hi] - x[lo];
  if (!(span > 0)) return y[hi];
  // Clamp: with tiny spans the rounded ratio can reach 1 + ε and overshoot y[hi] (e.g. 1.0000000000000002).
  const t = Math.min(1, (margin - x[lo]) / span);
  return Math.min(y[hi], y[lo] + (y[hi] - y[lo]) * t);
}
