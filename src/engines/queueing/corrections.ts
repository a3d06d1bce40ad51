/**
 * Residual corrections on top of a calibrated queue model's SL, each offered to the rolling-origin backtest as
 * a candidate and adopted only when it predicts the held-out days better (calibration.ts):
 *
 * - time of day: the volume-weighted mean residual (realised − modelled SL) of each interval slot over the
 *   history, shrunk towards 0 by SHRINK_CALLS pseudo-calls, added to the model's SL;
 * - load: a logistic recalibration logit SL = b₀ + b₁·logit(model SL) + b₂·ρ + b₃·ρ₋₁, with ρ the interval's
 *   effective load per agent (offered · k·AHT ÷ (interval · m·N), capped at 3) and ρ₋₁ the previous
 *   half-hour's (0 when the day starts there): a queue carried over from a busy interval answers later than a
 *   stationary model thinks. Fitted by binomial maximum likelihood (Newton/IRLS, answered-within-target of
 *   offered, small ridge), so large intervals weigh more.
 *
 * The load correction is kept only when monotone (b₁ ≥ 0, b₂ ≤ 0, b₃ ≤ 0), else it is the identity.
 *
 * Pure; O(intervals) per fit (the load fit: ≤ 25 Newton steps on 4 coefficients).
 */

export type SlCorrection = { kind: 'time_of_day'; bySlot: Record<string, number> } | { kind: 'load'; coefficients: [number, number, number, number] };

export const SHRINK_CALLS = 100;
const RHO_CAP = 3;
const EPS = 1e-3;

const logit = (p: number) => {
  const q = p < EPS ? EPS : p > 1 - EPS ? 1 - EPS : p;
  return Math.log(q / (1 - q));
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export interface CorrectionSample {
  slot: number;
  offered: number;
  answeredWithinTarget: number;
  /** The model's SL for the interval (fraction). */
  modelSl: number;
  /** Effective load per agent of the interval and of the previous one (capped). */
  rho: number;
  rhoPrev: number;
}

/** Effective load per agent, capped at 3 (no agents with calls → the cap). */
export function loadPerAgent(offered: number, effectiveAht: number, intervalSeconds: number, effectiveAgents: number): number {
  if (!(offered > 0) || !(effectiveAht > 0)) return 0;
  if (!(effectiveAgents > 0) || !(intervalSeconds > 0)) return RHO_CAP;
  return Math.min(RHO_CAP, (offered * effectiveAht) / intervalSeconds / effectiveAgents);
}

export function fitTimeOfDay(samples: readonly CorrectionSample[]): SlCorrection {
  const sum = new Map<number, { r: number; w: number }>();
  for (const s of samples) {
    const a = sum.get(s.slot) ?? { r: 0, w: 0 };
    a.r += s.answeredWithinTarget - s.offered * s.modelSl;
    a.w += s.offered;
    sum.set(s.slot, a);
  }
  const bySlot: Record<string, number> = {};
  for (const [slot, a] of sum) bySlot[String(slot)] = a.r / (a.w + SHRINK_CALLS);
  return { kind: 'time_of_day', bySlot };
}

export function fitLoadCorrection(samples: readonly CorrectionSample[]): SlCorrection {
  const d = 4;
  let b = [0, 1, 0, 0];
  const ridge = 1e-2;
  const x = samples.map((s) => [1, logit(s.modelSl), s.rho, s.rhoPrev]);
  for (let it = 0; it < 25; it++) {
    const H = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    const g = new Array<number>(d).fill(0);
    samples.forEach((s, i) => {
      const xi = x[i];
      const p = sigmoid(xi[0] * b[0] + xi[1] * b[1] + xi[2] * b[2] + xi[3] * b[3]);
      const w = s.offered * p * (1 - p);
      const r = s.answeredWithinTarget - s.offered * p;
      for (let j = 0; j < d; j++) {
        g[j] += r * xi[j];
        for (let k = 0; k < d; k++) H[j][k] += w * xi[j] * xi[k];
      }
    });
    // ridge towards the identity map (b = [0, 1, 0, 0])
    const prior = [0, 1, 0, 0];
    for (let j = 0; j < d; j++) {
      H[j][j] += ridge;
      g[j] -= ridge * (b[j] - prior[j]);
    }
    const step = solve(H, g);
    if (!step) break;
    b = b.map((v, j) => v + step[j]);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  // Only a correction that keeps the model monotone (more agents or less load never lowers SL) is used.
  if (!b.every(Number.isFinite) || b[1] < 0 || b[2] > 0 || b[3] > 0) b = [0, 1, 0, 0];
  return { kind: 'load', coefficients: [b[0], b[1], b[2], b[3]] };
}

/** Gaussian elimination with partial pivoting; null when singular. */
function solve(A: number[][], y: number[]): number[] | null {
  const n = y.length;
  const M = A.map((r, i) => [...r, y[i]]);
  for (let i = 0; i < n; i++) {
    let piv = i;
    for (let r = i + 1; r < n; r++) if (Math.abs(M[r][i]) > Math.abs(M[piv][i])) piv = r;
    if (Math.abs(M[piv][i]) < 1e-12) return null;
    [M[i], M[piv]] = [M[piv], M[i]];
    for (let r = 0; r < n; r++) {
      if (r === i) continue;
      const f = M[r][i] / M[i][i];
      for (let c = i; c <= n; c++) M[r][c] -= f * M[i][c];
    }
  }
  return M.map((r, i) => r[n] / r[i]);
}

/** The corrected SL (fraction in [0, 1]). `slot` undefined → no time-of-day shift. */
export function applyCorrection(c: SlCorrection | null, modelSl: number, ctx: { slot?: number; offered: number; rho: number; rhoPrev: number }): number {
  if (!c || !(ctx.offered > 0)) return modelSl;
  if (c.kind === 'time_of_day') {
    const shift = ctx.slot === undefined ? 0 : (c.bySlot[String(ctx.slot)] ?? 0);
    return Math.min(1, Math.max(0, modelSl + shift));
  }
  const [b0, b1, b2, b3] = c.coefficients;
  return sigmoid(b0 + b1 * logit(modelSl) + b2 * ctx.rho + b3 * ctx.rhoPrev);
}
