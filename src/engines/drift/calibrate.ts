/**
 * Threshold calibration on the training window.
 *
 * Resampling the training days themselves cannot calibrate a rare false-alarm rate: 28 days hold only a
 * few large excursions, and a threshold set just above them gives roughly one alarm per 28 days whatever the
 * target. So a long null history is simulated from the training residuals instead (a semi-parametric
 * bootstrap that keeps their shape and dependence):
 *   e = δ_day + ε·√(Var(e) − σ²_day),  δ_day ~ N(0, σ²_day),  ε drawn from the training's standardised residuals,
 * on the volume pattern of real training days taken in circular 7-day blocks (weekday mix preserved).
 * σ²_day, the part of the variance common to all intervals of a day (a day-level arrivals factor, absence,
 * the baseline's own level error), is the precision-weighted mean within-day cross-product of residuals,
 * which is unbiased for it when the rest is independent. Ignoring it would make alarms look rarer than
 * they are. Cost O(bootDays × intervals/day) to build, then the threshold bisection (cusum.ts).
 */
import type { Rng } from '../shared/rng.js';
import type { IncrementHistory } from './cusum.js';
import { incrementsAt, varianceOf, type Obs } from './residuals.js';
import type { Driver, VarianceModel } from './types.js';

/** Within-day common variance σ²_day of the residuals (see module comment), clamped to [0, 0.9·median Var]. */
export function dayCommonVariance(days: readonly Obs[][], vm: VarianceModel): number {
  let num = 0;
  let den = 0;
  const vars: number[] = [];
  for (const day of days) {
    // Σ_{i<j} w_i w_j e_i e_j = ((Σ w e)² − Σ w² e²) / 2, and the same for the weights alone.
    let swe = 0;
    let sw2e2 = 0;
    let sw = 0;
    let sw2 = 0;
    for (const o of day) {
      const v = varianceOf(vm, o);
      vars.push(v);
      const w = 1 / v;
      swe += w * o.e;
      sw2e2 += w * w * o.e * o.e;
      sw += w;
      sw2 += w * w;
    }
    num += (swe * swe - sw2e2) / 2;
    den += (sw * sw - sw2) / 2;
  }
  if (den <= 0 || vars.length === 0) return 0;
  vars.sort((a, b) => a - b);
  const medV = vars[vars.length >> 1];
  return Math.min(Math.max(0, num / den), 0.9 * medV);
}

/**
 * A null history of `bootDays` days of CUSUM increments for one driver, simulated as described in the
 * module comment. `days` = the training days' observations in calendar order. < 7 usable days → null.
 */
export function nullHistory(
  driver: Driver,
  days: readonly Obs[][],
  vm: VarianceModel,
  delta: number,
  rng: Rng,
  bootDays: number,
): IncrementHistory | null {
  const usable = days.filter((d) => d.length > 0);
  if (usable.length < 7) return null;
  const sd2 = dayCommonVariance(usable, vm);
  const pool: number[] = [];
  for (const d of usable) for (const o of d) pool.push(Math.max(-8, Math.min(8, o.e / Math.sqrt(varianceOf(vm, o)))));
  // Scale the pool to unit mean square so the simulated Var(e) is the model's; a systematic bias of the
  // baselines (a non-zero mean) is kept: it would raise alarms in monitoring too.
  const rms = Math.sqrt(pool.reduce((s, z) => s + z * z, 0) / pool.length) || 1;
  for (let i = 0; i < pool.length; i++) pool[i] /= rms;
  // Per template observation: the independent part's scale, and the increments as affine functions of
  // the residual (ℓ = a + b·e; for Gaussian drivers e is first clipped at ±8 sd, as incrementsAt does).
  const tmpl = usable.map((d) => {
    const m = d.length;
    const t = { scale: new Float64Array(m), clip: new Float64Array(m), aUp: new Float64Array(m), bUp: new Float64Array(m), aDn: new Float64Array(m), bDn: new Float64Array(m) };
    d.forEach((o, i) => {
      const v = varianceOf(vm, o);
      t.scale[i] = Math.sqrt(Math.max(v - sd2, 0.05 * v));
      const [u0, d0] = incrementsAt(driver, o, vm, delta, 0);
      const [u1, d1] = incrementsAt(driver, o, vm, delta, 1e-3);
      t.aUp[i] = u0;
      t.bUp[i] = (u1 - u0) / 1e-3;
      t.aDn[i] = d0;
      t.bDn[i] = (d1 - d0) / 1e-3;
      t.clip[i] = driver === 'arrivals' ? Infinity : 8 * Math.sqrt(v);
    });
    return t;
  });
  const perDay = usable.reduce((s, d) => s + d.length, 0) / usable.length;
  let cap = Math.ceil(perDay * bootDays * 1.2) + 64;
  let up = new Float64Array(cap);
  let down = new Float64Array(cap);
  let n = 0;
  let produced = 0;
  const block = Math.min(7, usable.length);
  const sdDay = Math.sqrt(sd2);
  const P = pool.length;
  while (produced < bootDays) {
    const start = rng.int(usable.length);
    for (let j = 0; j < block && produced < bootDays; j++, produced++) {
      const t = tmpl[(start + j) % usable.length];
      const m = t.scale.length;
      if (n + m > cap) {
        cap = 2 * (n + m);
        const u2 = new Float64Array(cap);
        const d2 = new Float64Array(cap);
        u2.set(up.subarray(0, n));
        d2.set(down.subarray(0, n));
        up = u2;
        down = d2;
      }
      const dayEffect = sdDay * rng.normal();
      for (let i = 0; i < m; i++) {
        let e = dayEffect + pool[Math.floor(rng.next() * P)] * t.scale[i];
        const c = t.clip[i];
        if (e > c) e = c;
        else if (e < -c) e = -c;
        up[n] = t.aUp[i] + t.bUp[i] * e;
        down[n] = t.aDn[i] + t.bDn[i] * e;
        n++;
      }
    }
  }
  return { up: up.subarray(0, n), down: down.subarray(0, n), days: produced };
}
