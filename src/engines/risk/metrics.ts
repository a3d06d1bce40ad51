/**
 * Binary-classification metrics on scores (any monotone score: margin or probability) and labels {0, 1}.
 * Conventions follow scikit-learn so figures compare with the peer models in the bench.
 */

/** Index order of scores, descending (ties keep input order). O(n log n). */
function orderDesc(scores: ArrayLike<number>): Int32Array {
  const idx = Int32Array.from({ length: scores.length }, (_, i) => i);
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return idx;
}

/**
 * ROC-AUC = P(score of a random positive > score of a random negative) + ½·P(tie), computed from
 * tie-averaged ranks (Mann–Whitney U). O(n log n). NaN when a class is absent.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[idx[k]] > 0) {
      pos++;
      rankSumPos += avgRank;
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Average precision (PR-AUC, scikit-learn's `average_precision_score`): Σₖ (Rₖ − Rₖ₋₁)·Pₖ over the
 * distinct score thresholds taken in descending order (no interpolation). O(n log n). NaN with no positives.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = orderDesc(scores);
  let totalPos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > 0) totalPos++;
  if (totalPos === 0) return NaN;
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let i = 0; i < idx.length; i++) {
    if (labels[idx[i]] > 0) tp++;
    else fp++;
    const last = i + 1 === idx.length || scores[idx[i + 1]] !== scores[idx[i]];
    if (!last) continue;
    const recall = tp / totalPos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

export interface Confusion {
  threshold: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
  flagged: number;
}

/** Counts at "flag when score ≥ threshold". Precision of no flags is NaN (undefined, not 0). O(n). */
export function confusionAt(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): Confusion {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < scores.length; i++) {
    const flag = scores[i] >= threshold;
    const pos = labels[i] > 0;
    if (flag && pos) tp++;
    else if (flag) fp++;
    else if (pos) fn++;
    else tn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : NaN;
  const recall = tp + fn > 0 ? tp / (tp + fn) : NaN;
  const f1 = tp > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { threshold, tp, fp, fn, tn, precision, recall, f1, flagged: tp + fp };
}

export interface ThresholdChoice extends Confusion {
  /** True when some threshold met the precision target; otherwise the max-F1 threshold is returned. */
  targetReached: boolean;
}

/**
 * Wilson score lower bound of a binomial proportion k/n at one-sided normal quantile z (z = 0 gives k/n).
 * (p + z²/2n − z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n). NaN for n = 0.
 */
export function wilsonLower(k: number, n: number, z: number): number {
  if (n <= 0) return NaN;
  const p = k / n;
  if (z === 0) return p;
  const z2 = z * z;
  return (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
}

/**
 * The lowest score threshold whose precision (on these rows) is ≥ `targetPrecision` with at least
 * `minFlagged` rows flagged: the most recall that keeps the stated precision. With z > 0 the Wilson lower
 * bound of the precision must reach the target instead of its point estimate, so the choice holds on new
 * data with the matching one-sided confidence (z = 1.2816: 90 %). Falls back to the max-F1 threshold when
 * no threshold reaches the target. Only distinct scores are candidates. O(n log n).
 */
export function thresholdForPrecision(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  targetPrecision: number,
  minFlagged = 5,
  z = 0,
): ThresholdChoice {
  const idx = orderDesc(scores);
  let totalPos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > 0) totalPos++;
  let tp = 0;
  let fp = 0;
  let hit = -1;
  let bestF1 = -1;
  let bestF1At = -1;
  for (let i = 0; i < idx.length; i++) {
    if (labels[idx[i]] > 0) tp++;
    else fp++;
    if (i + 1 < idx.length && scores[idx[i + 1]] === scores[idx[i]]) continue;
    if (tp + fp >= minFlagged && wilsonLower(tp, tp + fp, z) >= targetPrecision) hit = i;
    const f1 = tp > 0 && totalPos > 0 ? (2 * tp) / (2 * tp + fp + (totalPos - tp)) : 0;
    if (f1 > bestF1) {
      bestF1 = f1;
      bestF1At = i;
    }
  }
  const at = hit >= 0 ? hit : bestF1At;
  const threshold = at >= 0 ? scores[idx[at]] : Infinity;
  return { ...confusionAt(scores, labels, threshold), targetReached: hit >= 0 };
}

/** Brier score: mean squared error of probabilities. O(n). */
export function brierScore(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < probs.length; i++) s += (probs[i] - (labels[i] > 0 ? 1 : 0)) ** 2;
  return probs.length ? s / probs.length : NaN;
}

/** Mean log-loss with probabilities clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, probs[i]));
    s -= labels[i] > 0 ? Math.log(p) : Math.log(1 - p);
  }
  return probs.length ? s / probs.length : NaN;
}

export interface CalibrationBin {
  bin: number;
  count: number;
  minPredicted: number;
  maxPredicted: number;
  meanPredicted: number;
  observedRate: number;
}

/**
 * Reliability table: rows sorted by predicted probability, cut into `bins` equal-count groups (deciles by
 * default); per group the mean prediction and the observed positive rate. Empty groups are omitted.
 */
export function calibrationTable(probs: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const n = probs.length;
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => probs[a] - probs[b] || a - b);
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * n) / bins);
    const hi = Math.floor(((b + 1) * n) / bins);
    if (hi <= lo) continue;
    let sp = 0;
    let sy = 0;
    for (let k = lo; k < hi; k++) {
      sp += probs[idx[k]];
      sy += labels[idx[k]] > 0 ? 1 : 0;
    }
    out.push({
      bin: b + 1,
      count: hi - lo,
      minPredicted: probs[idx[lo]],
      maxPredicted: probs[idx[hi - 1]],
      meanPredicted: sp / (hi - lo),
      observedRate: sy / (hi - lo),
    });
  }
  return out;
}
