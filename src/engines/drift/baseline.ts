/**
 * Robust same-time-of-week baselines: what each driver "usually" is in a slot, from reference days
 * (by default the same weekday over the trailing 4 weeks), so that normal intraday and weekly
 * seasonality raises nothing.
 *
 * - arrivals: intraday shape × day level. level = median of the reference days' totals (one odd day
 *   cannot move it); shape(slot) = Σ_ref calls in slot / Σ_ref day totals (pooled, so it is precise).
 * - talk, ACW: day level × smoothed intraday shape. level = median of the reference days' handled-weighted
 *   means; shape = pooled handled-weighted mean over the slot and its two neighbours ÷ pooled day mean.
 * - agents: median over reference days of the slot's agents (schedules are slot-specific; no pooling).
 * - sl: pooled answered-within-target / offered of the slot over the reference days.
 *
 * Cost O(refs × slots) per day. A slot with no reference information gets NaN (no expectation: the
 * detectors skip it).
 */
import type { DayRow, QueueGrid } from './grid.js';

export interface DayBaseline {
  arrivals: Float64Array;
  talk: Float64Array;
  acw: Float64Array;
  agents: Float64Array;
  sl: Float64Array;
  refs: number;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function coverage(d: DayRow): number {
  let n = 0;
  for (const c of d.cells) if (c) n++;
  return n;
}

/**
 * Reference days for day `idx`: same weekday, dayNum in [lo, hi], not `idx` itself, the `weeks`
 * nearest in time. Days whose coverage is well below the best reference (partial loads) are dropped so a
 * half-loaded day cannot drag the level down.
 */
export function referenceDays(grid: QueueGrid, idx: number, lo: number, hi: number, weeks: number): DayRow[] {
  const d = grid.days[idx];
  const cand: DayRow[] = [];
  for (let i = 0; i < grid.days.length; i++) {
    const r = grid.days[i];
    if (i === idx || r.dow !== d.dow || r.dayNum < lo || r.dayNum > hi) continue;
    cand.push(r);
  }
  cand.sort((a, b) => Math.abs(a.dayNum - d.dayNum) - Math.abs(b.dayNum - d.dayNum));
  const picked = cand.slice(0, weeks);
  const best = Math.max(0, ...picked.map(coverage));
  return picked.filter((r) => coverage(r) >= 0.9 * best);
}

/** Baseline of every slot of a day from its reference days (see the module comment for the formulas). */
export function dayBaseline(refs: readonly DayRow[], slotsPerDay: number): DayBaseline {
  const S = slotsPerDay;
  const out: DayBaseline = {
    arrivals: new Float64Array(S).fill(NaN),
    talk: new Float64Array(S).fill(NaN),
    acw: new Float64Array(S).fill(NaN),
    agents: new Float64Array(S).fill(NaN),
    sl: new Float64Array(S).fill(NaN),
    refs: refs.length,
  };
  if (refs.length === 0) return out;

  // Arrivals: median day level × pooled shape.
  const totals: number[] = [];
  const slotCalls = new Float64Array(S);
  let pooledTotal = 0;
  for (const r of refs) {
    let t = 0;
    for (let s = 0; s < S; s++) {
      const c = r.cells[s];
      if (!c) continue;
      t += c.offered;
      slotCalls[s] += c.offered;
    }
    totals.push(t);
    pooledTotal += t;
  }
  const level = median(totals);
  const seen = new Uint8Array(S);
  for (const r of refs) for (let s = 0; s < S; s++) if (r.cells[s]) seen[s] = 1;
  for (let s = 0; s < S; s++) {
    if (!seen[s]) continue;
    out.arrivals[s] = pooledTotal > 0 ? (level * slotCalls[s]) / pooledTotal : 0;
  }

  // Talk and ACW: median daily mean × smoothed pooled shape.
  for (const key of ['talk', 'acw'] as const) {
    const num = new Float64Array(S);
    const den = new Float64Array(S);
    const dayMeans: number[] = [];
    for (const r of refs) {
      let n = 0;
      let d = 0;
      for (let s = 0; s < S; s++) {
        const c = r.cells[s];
        const v = c?.[key];
        if (!c || v === null || v === undefined || c.handled <= 0) continue;
        num[s] += v * c.handled;
        den[s] += c.handled;
        n += v * c.handled;
        d += c.handled;
      }
      if (d > 0) dayMeans.push(n / d);
    }
    if (dayMeans.length === 0) continue;
    const lvl = median(dayMeans);
    let pn = 0;
    let pd = 0;
    for (let s = 0; s < S; s++) {
      pn += num[s];
      pd += den[s];
    }
    const pooled = pn / pd;
    for (let s = 0; s < S; s++) {
      let n = num[s];
      let d = den[s];
      if (s > 0) {
        n += num[s - 1];
        d += den[s - 1];
      }
      if (s < S - 1) {
        n += num[s + 1];
        d += den[s + 1];
      }
      out[key][s] = d > 0 && pooled > 0 ? lvl * (n / d / pooled) : lvl;
    }
  }

  // Agents: slot median. SL: pooled slot ratio.
  for (let s = 0; s < S; s++) {
    const a: number[] = [];
    let awt = 0;
    let off = 0;
    for (const r of refs) {
      const c = r.cells[s];
      if (!c) continue;
      a.push(c.agents);
      awt += c.awt;
      off += c.offered;
    }
    if (a.length) out.agents[s] = median(a);
    if (off > 0) out.sl[s] = awt / off;
  }
  return out;
}
