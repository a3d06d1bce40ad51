/**
 * The Bayes limit of the sample's latent label model: exact label probabilities given the observable early
 * features, and the ranking figures (average precision ≈ PR-AUC, ROC AUC, precision at a recall) a model that
 * knew those probabilities would reach.
 */

// Trapezoid rule over z ∈ [−8, 8], step 0.25: for Gaussian-weighted smooth integrands the error is far below 1e-9.
const Z: number[] = [];
const W: number[] = [];
{
  let total = 0;
  for (let z = -8; z <= 8 + 1e-9; z += 0.25) {
    Z.push(z);
    const w = Math.exp(-0.5 * z * z);
    W.push(w);
    total += w;
  }
  for (let i = 0; i < W.length; i++) W[i] /= total;
}

/** E[σ(x + sd·Z)], Z ~ N(0, 1): the label probability when a hidden N(0, sd²) term enters the logit. O(65). */
export function expectedSigmoid(x: number, sd: number): number {
  if (sd === 0) return 1 / (1 + Math.exp(-x));
  let s = 0;
  for (let i = 0; i < Z.length; i++) s += W[i] / (1 + Math.exp(-(x + sd * Z[i])));
  return s;
}

/** Indices sorted by descending score (pass to rankFigures to rank several subsets with one sort). */
export function descendingOrder(score: ArrayLike<number>): number[] {
  const idx = Array.from({ length: score.length }, (_, i) => i);
  return idx.sort((a, b) => score[b] - score[a]);
}

export interface RankFigures {
  n: number;
  positives: number;
  baseRate: number;
  /** Average precision (step-wise PR-AUC, as sklearn's average_precision_score, ties as one threshold). */
  averagePrecision: number;
  rocAuc: number;
  /** Precision at the first threshold reaching recall ≥ 0.6 (and 0.8). */
  precisionAtRecall60: number;
  precisionAtRecall80: number;
}

/**
 * Ranking figures of `score` against 0/1 `label` over the indices where `keep` is true (all when omitted).
 * O(n log n); ties in score are treated as one threshold (ROC AUC counts a tied pair as one half).
 */
export function rankFigures(
  score: ArrayLike<number>, label: ArrayLike<number>, keep?: (i: number) => boolean, order?: readonly number[],
): RankFigures {
  const byScore = order ?? descendingOrder(score);
  const idx = keep ? byScore.filter((i) => keep(i)) : byScore;
  const n = idx.length;
  let P = 0;
  for (const i of idx) P += label[i];
  const N = n - P;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let auc = 0;
  let p60 = NaN;
  let p80 = NaN;
  for (let g = 0; g < n; ) {
    let h = g;
    let gp = 0;
    while (h < n && score[idx[h]] === score[idx[g]]) gp += label[idx[h++]];
    const gn = h - g - gp;
    auc += gn * (tp + gp / 2); // negatives in this group rank below tp positives, tie with gp
    tp += gp;
    fp += gn;
    const precision = tp / (tp + fp);
    if (P > 0) {
      ap += (gp / P) * precision;
      if (Number.isNaN(p60) && tp / P >= 0.6) p60 = precision;
      if (Number.isNaN(p80) && tp / P >= 0.8) p80 = precision;
    }
    g = h;
  }
  return {
    n, positives: P, baseRate: n > 0 ? P / n : NaN, averagePrecision: P > 0 ? ap : NaN,
    rocAuc: P > 0 && N > 0 ? auc / (P * N) : NaN, precisionAtRecall60: p60, precisionAtRecall80: p80,
  };
}
