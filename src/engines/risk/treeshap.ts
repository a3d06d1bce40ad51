/**
 * Exact per-row feature contributions of a tree ensemble: TreeSHAP, the polynomial-time algorithm of
 * Lundberg, Erion & Lee (2018), "Consistent Individualized Feature Attribution for Tree Ensembles",
 * Algorithm 2 (path-dependent: E[f(x) | x_S] is estimated by following x on features in S and splitting
 * by training cover elsewhere). Ported from the reference layout (EXTEND / UNWIND / unwound path sum).
 *
 * Guarantee (local accuracy): base + Σᵢ φᵢ = margin(x), where base = booster.baseScore + Σ_trees E[tree].
 * Contributions explain the raw log-odds, not calibrated probabilities.
 *
 * Cost: O(T · L · D²) per row (T trees, L leaves, D depth); memory O(D²).
 */
import { goesRight, type Booster, type Tree } from './gbdt.js';

/** Cover-weighted mean leaf value of a tree: its expectation under the training distribution. O(nodes). */
export function treeExpectation(t: Tree, node = 0): number {
  if (t.left[node] < 0) return t.value[node];
  const l = t.left[node];
  const r = t.right[node];
  const c = t.cover[l] + t.cover[r];
  if (c <= 0) return 0.5 * (treeExpectation(t, l) + treeExpectation(t, r));
  return (t.cover[l] * treeExpectation(t, l) + t.cover[r] * treeExpectation(t, r)) / c;
}

/** The SHAP base value: the expected margin over the training distribution. */
export function expectedMargin(b: Booster): number {
  let s = b.baseScore;
  for (const t of b.trees) s += treeExpectation(t);
  return s;
}

function treeDepth(t: Tree, node = 0): number {
  if (t.left[node] < 0) return 0;
  return 1 + Math.max(treeDepth(t, t.left[node]), treeDepth(t, t.right[node]));
}

/** Reusable TreeSHAP workspace for one booster (path buffers sized for its deepest tree). */
export class TreeShap {
  readonly base: number;
  private readonly pf: Int32Array;
  private readonly pz: Float64Array;
  private readonly po: Float64Array;
  private readonly pw: Float64Array;
  private phi!: Float64Array;
  private x!: ArrayLike<number>;
  private xOff = 0;
  private t!: Tree;

  constructor(private readonly booster: Booster) {
    this.base = expectedMargin(booster);
    let maxD = 0;
    for (const t of booster.trees) maxD = Math.max(maxD, treeDepth(t));
    const size = ((maxD + 2) * (maxD + 3)) / 2;
    this.pf = new Int32Array(size);
    this.pz = new Float64Array(size);
    this.po = new Float64Array(size);
    this.pw = new Float64Array(size);
  }

  /**
   * φ for the row at `off` in `x` (length nFeatures). `out` is overwritten and returned.
   * Σ out + base equals the booster's margin for the row (to rounding).
   */
  contributions(x: ArrayLike<number>, off = 0, out = new Float64Array(this.booster.nFeatures)): Float64Array {
    out.fill(0);
    this.phi = out;
    this.x = x;
    this.xOff = off;
    for (const t of this.booster.trees) {
      this.t = t;
      if (t.left[0] < 0) continue; // a single leaf shifts every row alike: all of it is in the base value
      this.recurse(0, 0, 0, 1, 1, -1);
    }
    return out;
  }

  /** EXTEND: push (feature, zero fraction, one fraction) onto the path at [start, start+depth]. */
  private extend(start: number, depth: number, zero: number, one: number, feature: number): void {
    const { pf, pz, po, pw } = this;
    pf[start + depth] = feature;
    pz[start + depth] = zero;
    po[start + depth] = one;
    pw[start + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      pw[start + i + 1] += (one * pw[start + i] * (i + 1)) / (depth + 1);
      pw[start + i] = (zero * pw[start + i] * (depth - i)) / (depth + 1);
    }
  }

  /** UNWIND: undo the EXTEND of path element `idx` (used when a feature repeats on the path). */
  private unwind(start: number, depth: number, idx: number): void {
    const { pf, pz, po, pw } = this;
    const one = po[start + idx];
    const zero = pz[start + idx];
    let next = pw[start + depth];
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = pw[start + i];
        pw[start + i] = (next * (depth + 1)) / ((i + 1) * one);
        next = tmp - (pw[start + i] * zero * (depth - i)) / (depth + 1);
      } else {
        pw[start + i] = (pw[start + i] * (depth + 1)) / (zero * (depth - i));
      }
    }
    for (let i = idx; i < depth; i++) {
      pf[start + i] = pf[start + i + 1];
      pz[start + i] = pz[start + i + 1];
      po[start + i] = po[start + i + 1];
    }
  }

  /** Σ of the path weights after unwinding element `idx`, without modifying the path. */
  private unwoundSum(start: number, depth: number, idx: number): number {
    const { pz, po, pw } = this;
    const one = po[start + idx];
    const zero = pz[start + idx];
    let next = pw[start + depth];
    let total = 0;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = (next * (depth + 1)) / ((i + 1) * one);
        total += tmp;
        next = pw[start + i] - (tmp * zero * (depth - i)) / (depth + 1);
      } else if (zero !== 0) {
        total += pw[start + i] / zero / ((depth - i) / (depth + 1));
      }
    }
    return total;
  }

  /**
   * RECURSE(node): `parentStart` is where the parent's path lives in the buffers; this node's path is a
   * copy at parentStart + depth + 1 (the triangular layout of the reference code), extended by the
   * fractions of the edge that led here.
   */
  private recurse(node: number, parentStart: number, depth: number, zero: number, one: number, feat: number): void {
    const { pf, pz, po, pw, t } = this;
    const start = depth === 0 ? 0 : parentStart + depth;
    if (depth > 0) {
      for (let i = 0; i < depth; i++) {
        pf[start + i] = pf[parentStart + i];
        pz[start + i] = pz[parentStart + i];
        po[start + i] = po[parentStart + i];
        pw[start + i] = pw[parentStart + i];
      }
    }
    this.extend(start, depth, zero, one, feat);
    if (t.left[node] < 0) {
      const v = t.value[node];
      for (let i = 1; i <= depth; i++) {
        const w = this.unwoundSum(start, depth, i);
        this.phi[pf[start + i]] += w * (po[start + i] - pz[start + i]) * v;
      }
      return;
    }
    const f = t.feature[node];
    const goRight = goesRight(t, node, this.x[this.xOff + f]);
    const hot = goRight ? t.right[node] : t.left[node];
    const cold = goRight ? t.left[node] : t.right[node];
    const c = t.cover[node];
    const hotZero = c > 0 ? t.cover[hot] / c : 0.5;
    const coldZero = c > 0 ? t.cover[cold] / c : 0.5;
    let inZero = 1;
    let inOne = 1;
    let d = depth;
    let k = 1;
    for (; k <= d; k++) if (pf[start + k] === f) break;
    if (k <= d) {
      inZero = pz[start + k];
      inOne = po[start + k];
      this.unwind(start, d, k);
      d -= 1;
    }
    // Children copy this node's path from `start`; their own path begins at start + d + 1.
    this.recurse(hot, start, d + 1, hotZero * inZero, inOne, f);
    this.recurse(cold, start, d + 1, coldZero * inZero, 0, f);
  }
}

/** Contributions of one row (convenience; build a TreeShap once to explain many rows). */
export function treeShap(b: Booster, x: ArrayLike<number>): { base: number; phi: Float64Array } {
  const ts = new TreeShap(b);
  return { base: ts.base, phi: ts.contributions(x) };
}
