/**
 * Threshold calibration on the training window.
 *
 * Resampling the training days themselves cannot calibrate a rare false-alarm rate: 28 days hold only a
 * few large excursions, and a threshold set just above them gives roughly one alarm per 28 days whatever the
 * target. So a long null history is simulated from the training residuals instead (a semi-parametric
 * bootstrap that keeps their shape and dependence):
 *   e = δ_day + ε·√(Var(e) − σ²_day),  δ_day from the training days' (shrunk) day effects or a t₅ tail,
 *   ε drawn from the training's within-day standardised residuals,
 * on the volume pattern of real training days taken in circular 7-day blocks (weekday mix preserved), each
 * block with its own σ²_day drawn from the estimate's sampling law (parameter uncertainty).
 * σ²_day, the part of the variance common to all intervals of a day (a day-level arrivals factor, absence,
 * the baseline's own level error), is the precision-weighted mean within-day cross-product of residuals,
 * which is unbiased for it when the rest is independent. Ignoring it would make alarms look rarer than
 * they are. Cost O(bootDays × intervals/day) to build, then the threshold bisection (cusum.ts).
 */
import type { Rng } from '../shared/rng.js';
import type { IncrementHistory } from './cusum.js';
import { dayIncrement, incrementsAt, newDayAcc, varianceOf, type Obs } from './residuals.js';
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

/** Student-t with 5 degrees of freedom scaled to unit variance (t₅ has variance 5/3). */
function studentT5(rng: Rng): number {
  let chi2 = 0;
  for (let i = 0; i < 5; i++) chi2 += rng.normal() ** 2;
  return (rng.normal() / Math.sqrt(chi2 / 5)) * Math.sqrt(3 / 5);
}

/**
 * Design effect per group (weekday): κ = 1 + W̃·σ²_day, W̃ = the median over the group's training days of
 * W = Σ 1/Var(e) (the day's precision under independence). Groups without training days get the overall
 * median. σ²_day = 0 → κ = 1 everywhere. O(observations).
 */
export function dayInflation(days: readonly Obs[][], groups: readonly number[], vm: VarianceModel, sd2: number): Map<number, number> & { overall: number } {
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : 0;
  };
  const byGroup = new Map<number, number[]>();
  const all: number[] = [];
  days.forEach((d, i) => {
    if (!d.length) return;
    let w = 0;
    for (const o of d) w += 1 / varianceOf(vm, o);
    all.push(w);
    const g = groups[i] ?? 0;
    if (!byGroup.has(g)) byGroup.set(g, []);
    byGroup.get(g)!.push(w);
  });
  const out = new Map<number, number>() as Map<number, number> & { overall: number };
  out.overall = 1 + med(all) * sd2;
  for (const [g, ws] of byGroup) out.set(g, 1 + med(ws) * sd2);
  return out;
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
  /** Per day a group (the weekday): within-day residuals are drawn from the template's own group. */
  groups?: readonly number[],
  /** Design effect κ per group (dayInflation); absent → 1. */
  kappa?: ReadonlyMap<number, number> & { overall?: number },
  /** Sequential day-level LLR (dayIncrement) with this σ²_day instead of the design effect κ. */
  sequentialSd2?: number,
): IncrementHistory | null {
  const keep = days.map((d, i) => i).filter((i) => days[i].length > 0);
  const usable = keep.map((i) => days[i]);
  const groupOf = keep.map((i) => groups?.[i] ?? 0);
  if (usable.length < 7) return null;
  const sd2 = dayCommonVariance(usable, vm);
  // Day effects: half the draws resample the training days' precision-weighted mean residuals, shrunk by
  // √(σ²_day / (σ²_day + 1/Σw)) so their spread is σ²_day without the within-day noise (their empirical shape:
  // SL's bad days are worse than its good days are good); half are Student-t(5) with variance σ²_day,
  // because 28 days cannot show how bad a 1-in-300 day is and a false-alarm rate that rare lives in that
  // tail. Drawn independently of the day template, so runs of bad days are new combinations.
  const effects: number[] = [];
  const pool: number[] = [];
  const poolGroup: number[] = [];
  usable.forEach((d, di) => {
    let sw = 0;
    let swe = 0;
    for (const o of d) {
      const w = 1 / varianceOf(vm, o);
      sw += w;
      swe += w * o.e;
    }
    const mean = swe / sw;
    effects.push(sd2 > 0 ? mean * Math.sqrt(sd2 / (sd2 + 1 / sw)) : 0);
    for (const o of d) {
      const v = varianceOf(vm, o);
      pool.push(Math.max(-8, Math.min(8, (o.e - mean) / Math.sqrt(Math.max(v - sd2, 0.05 * v)))));
      poolGroup.push(groupOf[di]);
    }
  });
  const effectMean = effects.reduce((a, b) => a + b, 0) / effects.length;
  const sdDay = Math.sqrt(sd2);
  // Scale the within-day pool to unit mean square so the simulated Var(e) is the model's.
  const rms = Math.sqrt(pool.reduce((s, z) => s + z * z, 0) / pool.length) || 1;
  for (let i = 0; i < pool.length; i++) pool[i] /= rms;
  // Within-day residuals by group: a weekend interval's noise is not a weekday's (fewer agents and calls
  // than the variance model's φ·u term alone captures), so each template draws from its own weekday.
  const pools = new Map<number, Float64Array>();
  for (const gr of new Set(groupOf)) {
    const mine = pool.filter((_, i) => poolGroup[i] === gr);
    pools.set(gr, Float64Array.from(mine.length >= 20 ? mine : pool));
  }
  // Per template observation: the independent part's scale, and the increments as affine functions of
  // the residual (ℓ = a + b·e; for Gaussian drivers e is first clipped at ±8 sd, as incrementsAt does).
  const tmpl = usable.map((d, di) => {
    const m = d.length;
    const t = { pool: pools.get(groupOf[di])!, scale: new Float64Array(m), clip: new Float64Array(m), aUp: new Float64Array(m), bUp: new Float64Array(m), aDn: new Float64Array(m), bDn: new Float64Array(m) };
    d.forEach((o, i) => {
      const v = varianceOf(vm, o);
      t.scale[i] = Math.sqrt(Math.max(v - sd2, 0.05 * v));
      const kap = kappa?.get(groupOf[di]) ?? kappa?.overall ?? 1;
      const [u0, d0] = incrementsAt(driver, o, vm, delta, 0, kap);
      const [u1, d1] = incrementsAt(driver, o, vm, delta, 1e-3, kap);
      t.aUp[i] = u0;
      t.bUp[i] = (u1 - u0) / 1e-3;
      t.aDn[i] = d0;
      t.bDn[i] = (d1 - d0) / 1e-3;
      t.clip[i] = driver === 'arrivals' ? Infinity : 8 * Math.sqrt(kap * v);
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
  const dof = Math.max(2, usable.length - 1);
  while (produced < bootDays) {
    const start = rng.int(usable.length);
    // σ²_day is estimated from a few weeks of days: each block draws its own from the estimate's
    // sampling law (scaled inverse χ² with n − 1 degrees of freedom), so the threshold is calibrated to
    // the false-alarm rate we will actually see, not to the one we would see if σ²_day were known.
    let chi2 = 0;
    for (let i = 0; i < dof; i++) chi2 += rng.normal() ** 2;
    const dayScale = Math.sqrt(dof / chi2);
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
      const dayEffect = dayScale * (rng.next() < 0.5 ? effects[rng.int(effects.length)] : effectMean + sdDay * studentT5(rng));
      const acc = newDayAcc();
      const obsOfDay = usable[(start + j) % usable.length];
      for (let i = 0; i < m; i++) {
        let e = dayEffect + t.pool[Math.floor(rng.next() * t.pool.length)] * t.scale[i];
        if (sequentialSd2 !== undefined) {
          const [u, dn] = dayIncrement(driver, obsOfDay[i], vm, delta, e, sequentialSd2, acc);
          up[n] = u;
          down[n] = dn;
          n++;
          continue;
        }
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
