/**
 * CSAT drivers: which ticket facts and segments move the chance of a low CSAT score (1–2 on 1–5).
 *
 * Model: every driver is categorical (numeric facts arrive already bucketed, e.g. first-response wait
 * "1–4 h"); each non-reference level is one 0/1 column. A ridge-regularised logistic regression on
 * P(low CSAT) is fitted on all drivers jointly, so each effect is adjusted for the others (a channel's
 * effect is net of its waits, etc.). Penalty λ/2·Σβ² on every coefficient but the intercept (λ = 1: a
 * N(0, 1) prior on each log-odds effect); Newton–Raphson with the sparse one-hot rows, O(n·k² + d³) per
 * iteration for n rows, k drivers and d columns.
 *
 * Effect of a level l of driver f, in percentage points of P(low CSAT), as an average marginal effect
 * (standardisation): mean over all rows of σ(η_i − β_f(i) + β_l) − σ(η_i − β_f(i)), i.e. "if every
 * ticket had level l instead of the reference, the low-CSAT rate would change by this much, the other
 * drivers as they are". Beside it the raw (unadjusted) difference: low rate among level l − low rate
 * among the reference level. Intervals: 95 % percentile bootstrap (rows resampled with replacement,
 * refitted warm-started from the full fit), seeded so a run is reproducible. These are associations:
 * an unmeasured cause (how hard the issue was) can still confound them.
 *
 * Levels with fewer than `minLevel` rows are pooled into "other" (a single rare level keeps its name); at
 * most `maxLevels` levels per driver are kept (the most frequent), the rest pooled too. The reference level is the first of an ordered
 * driver's natural order that has at least `minLevel` rows (the best bucket, e.g. the fastest response),
 * else the most frequent level. A driver left with one level is dropped.
 */
import { createRng } from '../shared/rng.js';

export interface DriverSpec {
  /** Machine name (`first_response`, `channel`, `attr_plan`). */
  name: string;
  /** Words shown to people ("first-response wait"). */
  label: string;
  /** Natural order of the levels (ordered drivers): the reference is the first well-populated one. */
  order?: readonly string[];
}

export interface DriverObservation {
  /** CSAT 1–5. */
  csat: number;
  /** One level per driver, aligned with the specs (null = "unknown"). */
  levels: readonly (string | null)[];
}

export interface DriverOptions {
  /** Scores at or below this are "low" (default 2). */
  lowAtMost?: number;
  /** Ridge penalty λ (default 1). */
  lambda?: number;
  /** Bootstrap resamples (default 200). */
  bootstrap?: number;
  seed?: number;
  /** Levels with fewer rows are pooled into "other" (default 30). */
  minLevel?: number;
  maxLevels?: number;
}

export interface Interval {
  low: number;
  high: number;
}

export interface DriverEffect {
  driver: string;
  label: string;
  level: string;
  reference: string;
  /** Rows at this level, and how many of them scored low. */
  n: number;
  lowCount: number;
  /** Low-CSAT rate at this level, % of its rows. */
  lowPct: number;
  /** Low rate at this level − at the reference level, percentage points, with its bootstrap interval. */
  rawPts: number;
  rawCi: Interval;
  /** Adjusted average marginal effect on P(low CSAT), percentage points, with its bootstrap interval. */
  adjustedPts: number;
  adjustedCi: Interval;
  /** exp(β): the model's odds ratio vs the reference. */
  oddsRatio: number;
  /** Whether the adjusted interval excludes 0. */
  clear: boolean;
}

export interface DriverEncoding {
  drivers: { name: string; label: string; reference: string; levels: string[]; offset: number }[];
  /** Columns (one per non-reference level), not counting the intercept. */
  columns: number;
}

export interface DriverModel {
  encoding: DriverEncoding;
  /** [intercept, column coefficients…]. */
  beta: Float64Array;
}

export interface DriversFit {
  n: number;
  lowCount: number;
  lowPct: number;
  effects: DriverEffect[];
  /** Drivers dropped (one level only) and levels pooled, for the footer. */
  dropped: string[];
  model: DriverModel;
  bootstrap: number;
  lambda: number;
  lowAtMost: number;
}

export const OTHER = 'other';
export const UNKNOWN = 'unknown';

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Chooses each driver's kept levels and reference from the rows (see the module comment). */
export function encodeDrivers(specs: readonly DriverSpec[], rows: readonly DriverObservation[], minLevel = 30, maxLevels = 15): { encoding: DriverEncoding; dropped: string[] } {
  const drivers: DriverEncoding['drivers'] = [];
  const dropped: string[] = [];
  let offset = 0;
  specs.forEach((s, f) => {
    const counts = new Map<string, number>();
    for (const r of rows) {
      const l = r.levels[f] ?? UNKNOWN;
      counts.set(l, (counts.get(l) ?? 0) + 1);
    }
    const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const kept = ranked.filter(([, c], i) => c >= minLevel && i < maxLevels).map(([l]) => l);
    // One rare level alone is kept under its own name: pooling it with nothing would only rename it.
    if (ranked.length - kept.length === 1) kept.push(ranked.find(([l]) => !kept.includes(l))![0]);
    const pooled = ranked.filter(([l]) => !kept.includes(l));
    const pooledN = pooled.reduce((a, [, c]) => a + c, 0);
    const levels = [...kept];
    if (pooledN > 0 && !levels.includes(OTHER)) levels.push(OTHER);
    if (levels.length < 2) {
      dropped.push(`${s.label} (one level${kept.length ? `: ${kept[0]}` : ''})`);
      return;
    }
    const reference = s.order?.find((l) => kept.includes(l)) ?? kept[0] ?? levels[0];
    const ordered = s.order ? [...s.order.filter((l) => levels.includes(l)), ...levels.filter((l) => !s.order!.includes(l))] : levels;
    drivers.push({ name: s.name, label: s.label, reference, levels: ordered, offset });
    offset += ordered.length - 1;
  });
  return { encoding: { drivers, columns: offset }, dropped };
}

/** The driver's index in the specs, for each encoded driver. */
function specIndex(specs: readonly DriverSpec[], enc: DriverEncoding): number[] {
  return enc.drivers.map((d) => specs.findIndex((s) => s.name === d.name));
}

/**
 * Rows → per row, per encoded driver, the column of its level (−1 = the reference). A level the
 * encoding does not keep reads as "other" when that level exists, else as the reference.
 */
export function designOf(specs: readonly DriverSpec[], enc: DriverEncoding, rows: readonly { levels: readonly (string | null)[] }[]): Int32Array {
  const k = enc.drivers.length;
  const idx = specIndex(specs, enc);
  const cols = new Int32Array(rows.length * k);
  const maps = enc.drivers.map((d) => {
    const m = new Map<string, number>();
    let c = d.offset;
    for (const l of d.levels) if (l !== d.reference) m.set(l, c++);
    m.set(d.reference, -1);
    return m;
  });
  for (let i = 0; i < rows.length; i++) {
    for (let f = 0; f < k; f++) {
      const l = rows[i].levels[idx[f]] ?? UNKNOWN;
      const m = maps[f];
      cols[i * k + f] = m.get(l) ?? m.get(OTHER) ?? -1;
    }
  }
  return cols;
}

/** Cholesky solve of A x = b for a symmetric positive-definite A (row-major, size m). O(m³). */
function choleskySolve(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * m + j];
      for (let p = 0; p < j; p++) s -= l[i * m + p] * l[j * m + p];
      l[i * m + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / l[j * m + j];
    }
  }
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= l[i * m + p] * y[p];
    y[i] = s / l[i * m + i];
  }
  const x = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let s = y[i];
    for (let p = i + 1; p < m; p++) s -= l[p * m + i] * x[p];
    x[i] = s / l[i * m + i];
  }
  return x;
}

/**
 * Ridge logistic regression by Newton–Raphson on sparse one-hot rows (`cols`: k column indices per row,
 * −1 = none), case weights `w` (bootstrap counts). Minimises −Σ w·loglik + λ/2·Σ_{j≥1} β_j². Stops when
 * the largest step is below 1e-8 or after `maxIter` iterations.
 */
export function fitRidgeLogistic(cols: Int32Array, k: number, d: number, y: Uint8Array, w: Float64Array, lambda: number, start?: Float64Array, maxIter = 25): Float64Array {
  const m = d + 1;
  const beta = start ? Float64Array.from(start) : new Float64Array(m);
  const n = y.length;
  const h = new Float64Array(m * m);
  const g = new Float64Array(m);
  const idx = new Int32Array(k + 1);
  for (let iter = 0; iter < maxIter; iter++) {
    h.fill(0);
    g.fill(0);
    for (let i = 0; i < n; i++) {
      const wi = w[i];
      if (wi === 0) continue;
      let eta = beta[0];
      let c = 1;
      idx[0] = 0;
      for (let f = 0; f < k; f++) {
        const col = cols[i * k + f];
        if (col >= 0) {
          idx[c++] = col + 1;
          eta += beta[col + 1];
        }
      }
      const p = sigmoid(eta);
      const r = wi * (p - y[i]);
      const v = wi * p * (1 - p);
      for (let a = 0; a < c; a++) {
        const ia = idx[a];
        g[ia] += r;
        for (let b = 0; b <= a; b++) h[ia * m + idx[b]] += v;
      }
    }
    // Symmetrise (only one triangle was accumulated, in index order of each row) and add the penalty.
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < i; j++) {
        const s = h[i * m + j] + h[j * m + i];
        h[i * m + j] = s;
        h[j * m + i] = s;
      }
    }
    for (let j = 1; j < m; j++) {
      h[j * m + j] += lambda;
      g[j] += lambda * beta[j];
    }
    h[0] += 1e-9;
    const step = choleskySolve(h, g, m);
    let big = 0;
    for (let j = 0; j < m; j++) {
      beta[j] -= step[j];
      big = Math.max(big, Math.abs(step[j]));
    }
    if (big < 1e-8) break;
  }
  return beta;
}

/** Linear predictors of the rows. */
function etas(cols: Int32Array, k: number, beta: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let e = beta[0];
    for (let f = 0; f < k; f++) {
      const c = cols[i * k + f];
      if (c >= 0) e += beta[c + 1];
    }
    out[i] = e;
  }
  return out;
}

/** Adjusted effects (fractions) of every non-reference level, weighted by `w`: the standardisation in the module comment. */
function marginalEffects(cols: Int32Array, k: number, enc: DriverEncoding, beta: Float64Array, w: Float64Array): Float64Array {
  const n = w.length;
  const eta = etas(cols, k, beta, n);
  const out = new Float64Array(enc.columns);
  let wsum = 0;
  for (let i = 0; i < n; i++) wsum += w[i];
  enc.drivers.forEach((d, f) => {
    // Each row's linear predictor at the reference level, and the weighted mean probability there.
    const base = new Float64Array(n);
    let atRef = 0;
    for (let i = 0; i < n; i++) {
      const c = cols[i * k + f];
      base[i] = c >= 0 ? eta[i] - beta[c + 1] : eta[i];
      if (w[i] !== 0) atRef += w[i] * sigmoid(base[i]);
    }
    for (let j = 0; j < d.levels.length - 1; j++) {
      const b = beta[d.offset + j + 1];
      let s = 0;
      for (let i = 0; i < n; i++) if (w[i] !== 0) s += w[i] * sigmoid(base[i] + b);
      out[d.offset + j] = (s - atRef) / wsum;
    }
  });
  return out;
}

/** Raw differences (fractions): low rate at each level − at the reference level; NaN when either is empty. */
function rawDifferences(cols: Int32Array, k: number, enc: DriverEncoding, y: Uint8Array, w: Float64Array): Float64Array {
  const out = new Float64Array(enc.columns);
  enc.drivers.forEach((d, f) => {
    const nl = new Float64Array(d.levels.length);
    const yl = new Float64Array(d.levels.length);
    for (let i = 0; i < y.length; i++) {
      const c = cols[i * k + f];
      const slot = c >= 0 ? c - d.offset : d.levels.length - 1;
      nl[slot] += w[i];
      yl[slot] += w[i] * y[i];
    }
    const ref = nl[d.levels.length - 1] > 0 ? yl[d.levels.length - 1] / nl[d.levels.length - 1] : NaN;
    for (let j = 0; j < d.levels.length - 1; j++) out[d.offset + j] = nl[j] > 0 ? yl[j] / nl[j] - ref : NaN;
  });
  return out;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Fits the drivers model and bootstraps its effects. O((B + 1)·(iterations·(n·k² + d³) + d·n)).
 * Effects are sorted by |adjusted effect|, clear ones (interval excluding 0) first.
 */
export function csatDrivers(specs: readonly DriverSpec[], rows: readonly DriverObservation[], opts: DriverOptions = {}): DriversFit {
  const lowAtMost = opts.lowAtMost ?? 2;
  const lambda = opts.lambda ?? 1;
  const B = opts.bootstrap ?? 200;
  const { encoding, dropped } = encodeDrivers(specs, rows, opts.minLevel ?? 30, opts.maxLevels ?? 15);
  const n = rows.length;
  const k = encoding.drivers.length;
  const d = encoding.columns;
  const rowCols = designOf(specs, encoding, rows);
  const rowY = Uint8Array.from(rows, (r) => (r.csat <= lowAtMost ? 1 : 0));
  // Rows with the same levels and outcome are one weighted pattern: the fit and the effects are the same,
  // and cheaper. A bootstrap resample draws rows, then adds each draw to its row's pattern weight.
  const patternOf = new Int32Array(n);
  const seen = new Map<string, number>();
  const pCols: number[] = [];
  const pY: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = `${rowY[i]}|${rowCols.subarray(i * k, i * k + k).join(',')}`;
    let p = seen.get(key);
    if (p === undefined) {
      p = pY.length;
      seen.set(key, p);
      pY.push(rowY[i]);
      for (let f = 0; f < k; f++) pCols.push(rowCols[i * k + f]);
    }
    patternOf[i] = p;
  }
  const cols = Int32Array.from(pCols);
  const y = Uint8Array.from(pY);
  const counts = new Float64Array(y.length);
  for (let i = 0; i < n; i++) counts[patternOf[i]]++;
  const beta = fitRidgeLogistic(cols, k, d, y, counts, lambda);
  const ame = marginalEffects(cols, k, encoding, beta, counts);
  const raw = rawDifferences(cols, k, encoding, y, counts);
  const bootAme: number[][] = Array.from({ length: d }, () => []);
  const bootRaw: number[][] = Array.from({ length: d }, () => []);
  const rng = createRng(opts.seed ?? 17);
  const w = new Float64Array(y.length);
  for (let b = 0; b < B && n > 0; b++) {
    w.fill(0);
    for (let i = 0; i < n; i++) w[patternOf[rng.int(n)]]++;
    // Warm-started from the full fit, Newton is within ~1e-9 of the resample's optimum in 4 steps.
    const bb = fitRidgeLogistic(cols, k, d, y, w, lambda, beta, 4);
    const a = marginalEffects(cols, k, encoding, bb, w);
    const r = rawDifferences(cols, k, encoding, y, w);
    for (let j = 0; j < d; j++) {
      bootAme[j].push(a[j]);
      if (!Number.isNaN(r[j])) bootRaw[j].push(r[j]);
    }
  }
  const effects: DriverEffect[] = [];
  encoding.drivers.forEach((dr, f) => {
    const levels = dr.levels.filter((l) => l !== dr.reference);
    levels.forEach((level, j) => {
      const col = dr.offset + j;
      let cnt = 0;
      let low = 0;
      for (let i = 0; i < n; i++) {
        if (rowCols[i * k + f] === col) {
          cnt++;
          low += rowY[i];
        }
      }
      const sa = bootAme[col].sort((p, q) => p - q);
      const sr = bootRaw[col].sort((p, q) => p - q);
      const adjustedCi = { low: 100 * quantile(sa, 0.025), high: 100 * quantile(sa, 0.975) };
      effects.push({
        driver: dr.name, label: dr.label, level, reference: dr.reference, n: cnt, lowCount: low, lowPct: cnt ? (100 * low) / cnt : NaN,
        rawPts: 100 * raw[col], rawCi: { low: 100 * quantile(sr, 0.025), high: 100 * quantile(sr, 0.975) },
        adjustedPts: 100 * ame[col], adjustedCi, oddsRatio: Math.exp(beta[col + 1]),
        clear: adjustedCi.low > 0 || adjustedCi.high < 0,
      });
    });
  });
  effects.sort((a, b) => Number(b.clear) - Number(a.clear) || Math.abs(b.adjustedPts) - Math.abs(a.adjustedPts));
  const lowCount = rowY.reduce((s, v) => s + v, 0);
  return { n, lowCount, lowPct: n ? (100 * lowCount) / n : NaN, effects, dropped, model: { encoding, beta }, bootstrap: B, lambda, lowAtMost };
}

/** P(low CSAT) of new rows under a fitted model (levels it does not know read as "other" or the reference). */
export function predictLowCsat(specs: readonly DriverSpec[], model: DriverModel, rows: readonly { levels: readonly (string | null)[] }[]): Float64Array {
  const k = model.encoding.drivers.length;
  const cols = designOf(specs, model.encoding, rows);
  const eta = etas(cols, k, model.beta, rows.length);
  return eta.map(sigmoid);
}
