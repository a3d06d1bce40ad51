/**
 * Calibration of the queueing model against realised history.
 */
import { erlangA } from './erlang-a.js';
import { erlangC } from './erlang.js';

/** One realised interval for the single handle-time-factor fit (see calibration.ts for the full queue calibration). */
export interface HandleTimeInterval {
  offered: number;
  intervalSeconds: number;
  ahtSeconds: number;
  agents: number;
  targetAnswerSeconds: number;
  /** Realised SL (answered within target ÷ offered), fraction. */
  realisedSl: number;
}

export interface HandleTimeFit {
  /** Multiply recorded AHT by this before modelling. */
  factor: number;
  /** Volume-weighted mean squared SL error at the factor (fraction²). */
  mse: number;
  intervals: number;
}

/** Model SL of one interval with AHT scaled by `factor` (Erlang A when patience is finite, else Erlang C). */
export function modelSl(iv: HandleTimeInterval, factor: number, meanPatienceSeconds: number): number {
  const inp = { arrivals: iv.offered, intervalSeconds: iv.intervalSeconds, ahtSeconds: iv.ahtSeconds * factor, agents: iv.agents, targetAnswerSeconds: iv.targetAnswerSeconds };
  return Number.isFinite(meanPatienceSeconds) ? erlangA({ ...inp, meanPatienceSeconds }).serviceLevel : erlangC(inp).serviceLevel;
}

/**
 * Fits one handle-time factor k (effective AHT = k × recorded AHT) by least squares of the modelled vs realised
 * SL over history, weighting intervals by offered volume. k absorbs what the recorded inputs miss — unlogged
 * wrap-up, agents counted as staffed while unavailable — and is then applied to future intervals.
 * Search: grid over [lo, hi] in steps of 0.02, then golden-section refinement around the best grid point
 * (SL is monotone in k, the squared error is close to unimodal). Complexity: O(≈130 · Σ(N + J)).
 */
export function fitHandleTimeFactor(
  history: readonly HandleTimeInterval[],
  opts: { meanPatienceSeconds?: number; lo?: number; hi?: number } = {},
): HandleTimeFit {
  const patience = opts.meanPatienceSeconds ?? Infinity;
  const lo = opts.lo ?? 0.5;
  const hi = opts.hi ?? 3;
  const used = history.filter((iv) => iv.offered > 0 && iv.ahtSeconds > 0 && Number.isFinite(iv.realisedSl));
  const vol = used.reduce((s, iv) => s + iv.offered, 0);
  if (used.length === 0 || vol === 0) return { factor: 1, mse: 0, intervals: 0 };
  const loss = (k: number) => {
    let e = 0;
    for (const iv of used) {
      const d = modelSl(iv, k, patience) - iv.realisedSl;
      e += iv.offered * d * d;
    }
    return e / vol;
  };
  let bestK = lo;
  let bestL = Infinity;
  for (let k = lo; k <= hi + 1e-9; k += 0.02) {
    const l = loss(k);
    if (l < bestL) {
      bestL = l;
      bestK = k;
    }
  }
  let a = Math.max(lo, bestK - 0.02);
  let b = Math.min(hi, bestK + 0.02);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let lc = loss(c);
  let ld = loss(d);
  for (let i = 0; i < 20; i++) {
    if (lc < ld) {
      b = d;
      d = c;
      ld = lc;
      c = b - g * (b - a);
      lc = loss(c);
    } else {
      a = c;
      c = d;
      lc = ld;
      d = a + g * (b - a);
      ld = loss(d);
    }
  }
  const k = (a + b) / 2;
  const lk = loss(k);
  return lk <= bestL ? { factor: k, mse: lk, intervals: used.length } : { factor: bestK, mse: bestL, intervals: used.length };
}
