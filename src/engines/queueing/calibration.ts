/**
 * Per-queue calibration of the queue model on realised history, chosen and scored out of sample.
 *
 * Why: textbook Erlang C/A on recorded inputs over-predict a real queue's service level (agents counted as
 * staffed while unavailable, unlogged wrap-up, patience mis-estimated). The calibration fits effective inputs
 * and picks the model family by how well it predicted days it had not seen.
 *
 * Candidates: {Erlang C, Erlang A} × {handle-time factor k (effective AHT = k·AHT), k plus an effective-agents
 * factor m (effective agents = m·N)}. Each is fitted by volume-weighted least squares of modelled vs realised SL
 * (k: bracketing + golden section; (k, m): Nelder–Mead from (k, 1)).
 *
 * Patience (Erlang A only): where every history interval carries the queue-wait totals, the censored maximum
 * likelihood estimate Σ(waits of answered + abandoned callers) ÷ Σ abandoned (Mandelbaum & Zeltyn); otherwise the
 * patience whose modelled abandon rate (on the effective inputs of the fitted Erlang A k) matches the observed
 * one. A match that ends at its search bound (1 s or 10⁶ s) is not an estimate: the Erlang A candidates are then
 * dropped and the note says "cannot estimate patience". No abandons at all: Erlang A equals Erlang C, dropped.
 *
 * Model choice: a rolling-origin backtest over the last `backtestDays` history days (default 5): for each origin
 * day D, every candidate is fitted on the history days before D only (patience included) and predicts D from
 * D's inputs; the simplest candidate within 0.2 pp of the lowest volume-weighted interval MAE over all origins
 * is chosen and refitted on the whole history. Candidates: the four families alone, then each with a residual
 * correction (time of day; previous-interval load, see corrections.ts). The chosen candidate's origin days give the reported accuracy and the prediction
 * interval (± t · RMS of the day-level residuals). Origins are fitted in date order, each optimiser started from
 * the previous origin's parameters, so nothing fitted on D or later reaches D's prediction.
 *
 * Pure: no I/O, no clock. Cost: O(candidates × (origins + 1) × optimiser passes × Σ(N + J)); ≈ 0.1–0.5 s for
 * 28 days × 48 half-hours (measured in `npm run bench -- --only calibration`).
 */
import { erlangA, erlangAServiceLevel } from './erlang-a.js';
import { erlangC } from './erlang.js';
import { studentTQuantile } from './tdist.js';
import type { SlModelInput } from './slModel.js';
import { dispersionLogLik, typicalSl, type DispersionSample } from './dispersion.js';
import { applyCorrection, fitLoadCorrection, fitTimeOfDay, loadPerAgent, type CorrectionSample, type SlCorrection } from './corrections.js';

/** One realised interval of a queue's history. SL = answeredWithinTarget ÷ offered. */
export interface CalibrationInterval {
  /** Local date YYYY-MM-DD. */
  day: string;
  /** Index of the interval within its local day (local minute ÷ interval minutes). */
  slot: number;
  offered: number;
  abandoned: number;
  answeredWithinTarget: number;
  ahtSeconds: number;
  agents: number;
  intervalSeconds: number;
  targetSeconds: number;
  /** Σ queue waits of the interval's answered callers (seconds), when the ACD logs it. */
  answeredWaitSeconds?: number | null;
  /** Σ queue waits of the interval's abandoned callers until they hung up (seconds), when logged. */
  abandonedWaitSeconds?: number | null;
}

export type CalibrationModel = 'erlang_c' | 'erlang_a';

export interface CalibrationCandidateScore {
  name: string;
  /** Volume-weighted out-of-sample interval MAE over the backtest origins, percentage points. */
  maePp: number;
  /** Volume-weighted mean of predicted − realised, percentage points (positive = too optimistic). */
  biasPp: number;
}

export interface CalibrationBacktest {
  /** Origin days predicted (each from a fit on the days before it). */
  origins: number;
  maePp: number;
  biasPp: number;
  /** Mean |predicted − realised| of the day-level (volume-weighted) SL over the origins, pp. */
  dayMaePp: number;
  /** Root mean square of the day-level residuals, pp: the scale of the prediction interval. */
  dayRmsPp: number;
  perDay: { day: string; predictedPct: number; realisedPct: number; offered: number }[];
}

export interface QueueCalibration {
  model: CalibrationModel;
  /** Effective AHT = handleTimeFactor × recorded AHT. */
  handleTimeFactor: number;
  /** Effective agents = agentFactor × recorded agents (1 when the chosen candidate does not fit it). */
  agentFactor: number;
  /** The patience estimate in seconds (null when none could be made); the model uses it only when erlang_a. */
  patienceSeconds: number | null;
  patienceSource: 'waits' | 'abandonment' | 'none';
  /** Plain words on the patience estimate, e.g. "cannot estimate patience: the abandon-rate fit ends at its 1 s search bound". */
  patienceNote: string;
  /** First and last local day of the history fitted. */
  fitFrom: string;
  fitThrough: string;
  /** Intervals with calls used by the fit. */
  intervals: number;
  /** Days of history with calls used by the fit. */
  days: number;
  /** Name of the chosen candidate, as in `candidates`. */
  candidate: string;
  /**
   * Set when a fitted factor ends at its search bound (k in [0.5, 4], m in [0.4, 1.5]): the history wants a value
   * beyond what the fit allows, so the factor is a limit, not an estimate (like patience at its bound). Shown
   * with every answer's accuracy line and as a warning; null when both factors are inside their bounds.
   */
  factorNote: string | null;
  /**
   * Intra-interval correlation ρ of the Beta-binomial spread of an interval's realised SL around the model's
   * expected SL (dispersion.ts), fitted by maximum likelihood on the chosen candidate's out-of-sample backtest
   * intervals; gives the typical (median) half-hour. Null with fewer than MIN_DISPERSION_SAMPLES such intervals.
   */
  dispersion: number | null;
  /** The residual correction the chosen candidate applies on top of the queue model (null: none). */
  correction: SlCorrection | null;
  backtest: CalibrationBacktest | null;
  candidates: CalibrationCandidateScore[];
  /** The span of the fitted inputs (intervals with calls), for the out-of-range warning. */
  inputRange: { agents: [number, number]; offered: [number, number]; ahtSeconds: [number, number]; loadPerAgent: [number, number]; intervalSeconds: number[] };
}

/** What the calibrated model needs to predict one interval: the same inputs every interval model takes. */
export type CalibrationInput = SlModelInput;

/** Fewest history days with calls a calibration needs (5 to fit the first origin, 2 origins to score). */
export const MIN_CALIBRATION_DAYS = 7;
const MIN_TRAIN_DAYS = 5;
const MIN_PATIENCE_S = 1;
const MAX_PATIENCE_S = 1e6;
const DEFAULT_BACKTEST_DAYS = 5;
/** A more complex candidate must beat a simpler one by more than this (pp of backtest MAE) to be chosen. */
export const SIMPLER_MARGIN_PP = 0.2;
/** Backtest intervals (≥ 2 calls) the dispersion fit needs. */
export const MIN_DISPERSION_SAMPLES = 20;
const RHO_BOUNDS: [number, number] = [1e-3, 0.6];

export const K_BOUNDS: [number, number] = [0.5, 4];
export const M_BOUNDS: [number, number] = [0.4, 1.5];
/** A fitted factor this close to a search bound counts as at the bound. */
const BOUND_TOLERANCE = 0.01;

/**
 * "handle-time factor k 0.50 is at its search bound (0.5): …" for each fitted factor at a bound; null when none.
 * The fit keeps the bounded value (it is still the best fit allowed) but it is reported, never used silently.
 */
export function factorBoundNote(k: number, m: number | null): string | null {
  const at = (v: number, [lo, hi]: [number, number]) => (v <= lo + BOUND_TOLERANCE ? { bound: lo, side: 'lower' } : v >= hi - BOUND_TOLERANCE ? { bound: hi, side: 'higher' } : null);
  const notes: string[] = [];
  const kb = at(k, K_BOUNDS);
  if (kb) notes.push(`handle-time factor k ${k.toFixed(2)} is at its search bound (${kb.bound}): the history wants a ${kb.side} k than the fit allows`);
  const mb = m === null ? null : at(m, M_BOUNDS);
  if (mb && m !== null) notes.push(`agent factor ${m.toFixed(2)} is at its search bound (${mb.bound}): the history wants a ${mb.side} factor than the fit allows`);
  if (!notes.length) return null;
  return `${notes.join('; ')}. The factor is a limit, not an estimate: check the recorded AHT and agents (staffed vs on the phones) before trusting absolute SL levels`;
}

interface Candidate {
  name: string;
  model: CalibrationModel;
  fitsAgents: boolean;
}

const CANDIDATES: Candidate[] = [
  { name: 'Erlang C, k', model: 'erlang_c', fitsAgents: false },
  { name: 'Erlang C, k + m', model: 'erlang_c', fitsAgents: true },
  { name: 'Erlang A, k', model: 'erlang_a', fitsAgents: false },
  { name: 'Erlang A, k + m', model: 'erlang_a', fitsAgents: true },
];

interface Params {
  k: number;
  m: number;
}

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

/** Modelled SL of one interval with effective inputs (k·AHT, m·N); Erlang C when patience is null. */
function modelSl(model: CalibrationModel, patience: number | null, p: Params, x: CalibrationInput): number {
  if (!(x.offered > 0) || !(x.ahtSeconds > 0)) return 1;
  const agents = Math.max(0, x.agents * p.m);
  if (model === 'erlang_a' && patience !== null) return erlangAServiceLevel(x.offered, x.intervalSeconds, x.ahtSeconds * p.k, agents, x.targetSeconds, patience);
  return erlangC({ arrivals: x.offered, intervalSeconds: x.intervalSeconds, ahtSeconds: x.ahtSeconds * p.k, agents, targetAnswerSeconds: x.targetSeconds }).serviceLevel;
}

function isUsable(iv: CalibrationInterval): boolean {
  return (
    typeof iv.day === 'string' &&
    iv.offered > 0 &&
    iv.ahtSeconds > 0 &&
    iv.intervalSeconds > 0 &&
    iv.agents >= 0 &&
    iv.targetSeconds >= 0 &&
    Number.isFinite(iv.offered + iv.ahtSeconds + iv.agents + iv.intervalSeconds + iv.targetSeconds + iv.answeredWithinTarget + iv.abandoned)
  );
}

const realisedSl = (iv: CalibrationInterval) => clamp(iv.answeredWithinTarget / iv.offered, 0, 1);

/**
 * The intervals the least-squares fits run over: those with at least 3 calls (near-empty night intervals weigh
 * < 2 % of a day's volume but cost as much per optimiser pass as a busy one), unless that leaves fewer than 20.
 */
function fitSet(rows: readonly CalibrationInterval[]): readonly CalibrationInterval[] {
  const busy = rows.filter((r) => r.offered >= 3);
  return busy.length >= 20 ? busy : rows;
}

/** Volume-weighted squared error of a candidate's parameters over intervals. */
function loss(c: Candidate, patience: number | null, p: Params, rows: readonly CalibrationInterval[]): number {
  let s = 0;
  for (const iv of rows) {
    const e = modelSl(c.model, patience, p, iv) - realisedSl(iv);
    s += iv.offered * e * e;
  }
  return Number.isFinite(s) ? s : Number.MAX_VALUE;
}

/** Minimises a unimodal-ish f on [lo, hi] from x0: step out until bracketed, then golden section. */
function minimise1d(f: (x: number) => number, x0: number, lo: number, hi: number, step = 0.1, tol = 3e-3): number {
  let a = clamp(x0 - step, lo, hi);
  let b = clamp(x0, lo, hi);
  let c = clamp(x0 + step, lo, hi);
  let fa = f(a);
  let fb = f(b);
  let fc = f(c);
  let h = step;
  for (let i = 0; i < 40; i++) {
    if (fb <= fa && fb <= fc) break;
    h *= 1.6;
    if (fa < fc) {
      if (a === lo) {
        [b, fb] = [a, fa];
        break;
      }
      [c, fc] = [b, fb];
      [b, fb] = [a, fa];
      a = clamp(b - h, lo, hi);
      fa = f(a);
    } else {
      if (c === hi) {
        [b, fb] = [c, fc];
        break;
      }
      [a, fa] = [b, fb];
      [b, fb] = [c, fc];
      c = clamp(b + h, lo, hi);
      fc = f(c);
    }
  }
  // golden section on [a, c] (b inside with the lowest value)
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = c - g * (c - a);
  let x2 = a + g * (c - a);
  let f1 = f(x1);
  let f2 = f(x2);
  let best = fb <= Math.min(f1, f2) ? b : f1 < f2 ? x1 : x2;
  let fBest = Math.min(fb, f1, f2);
  while (c - a > tol) {
    if (f1 < f2) {
      c = x2;
      x2 = x1;
      f2 = f1;
      x1 = c - g * (c - a);
      f1 = f(x1);
      if (f1 < fBest) [best, fBest] = [x1, f1];
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + g * (c - a);
      f2 = f(x2);
      if (f2 < fBest) [best, fBest] = [x2, f2];
    }
  }
  return best;
}

/** Nelder–Mead on a box (points projected into it). Returns the best point found. */
function nelderMead(f: (x: number[]) => number, x0: number[], step: number[], bounds: [number, number][], maxEvals = 45, tol = 4e-3): number[] {
  const proj = (x: number[]) => x.map((v, i) => clamp(v, bounds[i][0], bounds[i][1]));
  const n = x0.length;
  let evals = 0;
  const ev = (x: number[]) => {
    evals++;
    return f(x);
  };
  let pts = [proj(x0), ...x0.map((_, i) => proj(x0.map((v, j) => (j === i ? v + step[i] : v))))].map((p) => ({ p, f: ev(p) }));
  while (evals < maxEvals) {
    pts.sort((a, b) => a.f - b.f);
    const size = Math.max(...pts.slice(1).map((q) => Math.max(...q.p.map((v, j) => Math.abs(v - pts[0].p[j])))));
    if (size < tol) break;
    const cen = x0.map((_, j) => pts.slice(0, n).reduce((s, q) => s + q.p[j], 0) / n);
    const worst = pts[n];
    const along = (t: number) => proj(cen.map((v, j) => v + t * (worst.p[j] - v)));
    const r = along(-1);
    const fr = ev(r);
    if (fr < pts[0].f) {
      const e = along(-2);
      const fe = ev(e);
      pts[n] = fe < fr ? { p: e, f: fe } : { p: r, f: fr };
    } else if (fr < pts[n - 1].f) {
      pts[n] = { p: r, f: fr };
    } else {
      const cc = along(fr < worst.f ? -0.5 : 0.5);
      const fcc = ev(cc);
      if (fcc < Math.min(fr, worst.f)) pts[n] = { p: cc, f: fcc };
      else {
        const b0 = pts[0].p;
        pts = pts.map((q, i) => {
          if (i === 0) return q;
          const p = proj(q.p.map((v, j) => b0[j] + 0.5 * (v - b0[j])));
          return { p, f: ev(p) };
        });
      }
    }
  }
  pts.sort((a, b) => a.f - b.f);
  return pts[0].p;
}

function fitCandidate(c: Candidate, patience: number | null, rows: readonly CalibrationInterval[], start: Params | null): Params {
  if (!c.fitsAgents) return { k: minimise1d((k) => loss(c, patience, { k, m: 1 }, rows), start?.k ?? 1, K_BOUNDS[0], K_BOUNDS[1], start ? 0.05 : 0.15), m: 1 };
  // (k, m): Nelder–Mead from the previous fit, or from the best k alone with m = 1
  const x0 = start ? [start.k, start.m] : [minimise1d((k) => loss(c, patience, { k, m: 1 }, rows), 1, K_BOUNDS[0], K_BOUNDS[1], 0.15), 1];
  const x = nelderMead((v) => loss(c, patience, { k: v[0], m: v[1] }, rows), x0, [0.05, 0.05], [K_BOUNDS, M_BOUNDS]);
  return { k: x[0], m: x[1] };
}

interface PatienceFit {
  seconds: number | null;
  source: QueueCalibration['patienceSource'];
  note: string;
}

const hasWaits = (iv: CalibrationInterval) =>
  iv.answeredWaitSeconds !== undefined && iv.answeredWaitSeconds !== null && iv.answeredWaitSeconds >= 0 && iv.abandonedWaitSeconds !== undefined && iv.abandonedWaitSeconds !== null && iv.abandonedWaitSeconds >= 0;

/**
 * Patience from the history: Σ waits ÷ Σ abandons when every interval has the wait totals; otherwise the
 * abandon-rate match on effective AHT (k from an Erlang A fit, iterated twice from the Erlang C k).
 */
function fitPatience(rows: readonly CalibrationInterval[], startK: number | null, startPatience: number | null = null): PatienceFit {
  const abandons = rows.reduce((s, iv) => s + Math.min(iv.abandoned, iv.offered), 0);
  if (abandons <= 0) return { seconds: null, source: 'none', note: 'no abandoned calls in the history: Erlang A would equal Erlang C' };
  if (rows.every(hasWaits)) {
    const waits = rows.reduce((s, iv) => s + (iv.answeredWaitSeconds ?? 0) + (iv.abandonedWaitSeconds ?? 0), 0);
    const p = waits / abandons;
    if (!(p > 0) || !Number.isFinite(p)) return { seconds: null, source: 'none', note: 'cannot estimate patience: the wait totals are zero' };
    return { seconds: p, source: 'waits', note: `patience ${Math.round(p)} s = Σ queue waits ÷ Σ abandons over ${rows.length} intervals (Mandelbaum–Zeltyn)` };
  }
  // Joint match: for a patience p, k(p) is the Erlang A handle-time factor fitting the SL; the patience is the
  // root of g(p) = modelled abandon rate at (k(p), p) − observed. Both a longer patience and the smaller k(p)
  // it needs lower the modelled abandon rate, so g decreases in p: bracket on ln p, then Illinois.
  const a = CANDIDATES[2];
  const fr = fitSet(rows);
  const offered = fr.reduce((s, iv) => s + iv.offered, 0);
  const observed = fr.reduce((s, iv) => s + Math.min(iv.abandoned, iv.offered), 0) / offered;
  let k = startK ?? fitCandidate(CANDIDATES[0], null, fr, null).k;
  const g = (u: number): number => {
    const p = Math.exp(u);
    k = fitCandidate(a, p, fr, { k, m: 1 }).k;
    let ab = 0;
    for (const iv of fr) {
      ab += iv.offered * erlangA({ arrivals: iv.offered, intervalSeconds: iv.intervalSeconds, ahtSeconds: iv.ahtSeconds * k, agents: iv.agents, targetAnswerSeconds: iv.targetSeconds, meanPatienceSeconds: p }).probAbandon;
    }
    return ab / offered - observed;
  };
  const uMin = Math.log(MIN_PATIENCE_S);
  const uMax = Math.log(MAX_PATIENCE_S);
  const bound = (which: string) => ({ seconds: null, source: 'none' as const, note: `cannot estimate patience: the abandon-rate fit ends at its ${which} search bound (no wait totals in the data); Erlang A not used` });
  let lo = clamp(Math.log(startPatience ?? 300), uMin, uMax);
  let gLo = g(lo);
  let hi = lo;
  let gHi = gLo;
  const step = Math.log(startPatience === null ? 4 : 1.5);
  if (gLo > 0) {
    // too many modelled abandons: patience is longer
    while (gHi > 0) {
      if (hi >= uMax) return bound('10⁶ s');
      lo = hi;
      gLo = gHi;
      hi = Math.min(uMax, hi + step);
      gHi = g(hi);
    }
  } else {
    while (gLo < 0) {
      if (lo <= uMin) return bound('1 s');
      hi = lo;
      gHi = gLo;
      lo = Math.max(uMin, lo - step);
      gLo = g(lo);
    }
  }
  let side = 0;
  let u = lo;
  for (let i = 0; i < 30 && hi - lo > 0.02; i++) {
    u = gLo === gHi ? (lo + hi) / 2 : (lo * gHi - hi * gLo) / (gHi - gLo);
    if (!(u > lo && u < hi)) u = (lo + hi) / 2;
    const gu = g(u);
    if (gu > 0) {
      lo = u;
      gLo = gu;
      if (side === 1) gHi /= 2;
      side = 1;
    } else {
      hi = u;
      gHi = gu;
      if (side === -1) gLo /= 2;
      side = -1;
    }
  }
  const p = Math.exp(u);
  return { seconds: p, source: 'abandonment', note: `patience ${Math.round(p)} s: the Erlang A patience whose modelled abandon rate matches the observed ${(observed * 100).toFixed(1)} % (no wait totals in the data)` };
}

interface Errors {
  ae: number;
  e: number;
  w: number;
}
const pp = (x: number) => Math.round(x * 1e4) / 100;

export interface CalibrationFitOptions {
  /** History days predicted by the rolling-origin backtest (default 5; at most the days beyond the first 5). */
  backtestDays?: number;
  /** Restrict the candidates (names as in CALIBRATION_CANDIDATES), e.g. to score one family alone. */
  candidates?: readonly string[];
}

type Variant = 'none' | 'time_of_day' | 'load';
const VARIANTS: { v: Variant; suffix: string }[] = [
  { v: 'none', suffix: '' },
  { v: 'time_of_day', suffix: ' + time-of-day' },
  { v: 'load', suffix: ' + load correction' },
];

/** The candidate names, simplest first: each model family alone, then with each residual correction. */
export const CALIBRATION_CANDIDATES: readonly string[] = VARIANTS.flatMap((x) => CANDIDATES.map((c) => c.name + x.suffix));

const keyOf = (day: string, slot: number) => `${day}/${slot}`;

/** Correction samples of rows under base parameters; the previous interval from `byKey` (0 load when absent). */
function samplesOf(c: Candidate, patience: number | null, p: Params, rows: readonly CalibrationInterval[], byKey: Map<string, CalibrationInterval>): CorrectionSample[] {
  return rows.map((iv) => {
    const prev = byKey.get(keyOf(iv.day, iv.slot - 1));
    return {
      slot: iv.slot,
      offered: iv.offered,
      answeredWithinTarget: iv.answeredWithinTarget,
      modelSl: modelSl(c.model, patience, p, iv),
      rho: loadPerAgent(iv.offered, iv.ahtSeconds * p.k, iv.intervalSeconds, iv.agents * p.m),
      rhoPrev: prev ? loadPerAgent(prev.offered, prev.ahtSeconds * p.k, prev.intervalSeconds, prev.agents * p.m) : 0,
    };
  });
}

function fitVariant(v: Variant, samples: readonly CorrectionSample[]): SlCorrection | null {
  return v === 'none' ? null : v === 'time_of_day' ? fitTimeOfDay(samples) : fitLoadCorrection(samples);
}

/**
 * Fits the calibration on `history` (realised intervals; intervals without calls are ignored). Needs at least
 * MIN_CALIBRATION_DAYS days with calls; `{ error }` otherwise or when nothing usable is left.
 */
export function fitQueueCalibration(history: readonly CalibrationInterval[], opts: CalibrationFitOptions = {}): QueueCalibration | { error: string } {
  const rows = history.filter(isUsable);
  const days = [...new Set(rows.map((r) => r.day))].sort();
  if (days.length < MIN_CALIBRATION_DAYS) {
    return { error: `only ${days.length} day${days.length === 1 ? '' : 's'} of realised history with calls; the calibration needs at least ${MIN_CALIBRATION_DAYS}` };
  }
  const wanted = Math.max(1, Math.floor(opts.backtestDays ?? DEFAULT_BACKTEST_DAYS));
  const origins = days.slice(days.length - Math.min(wanted, days.length - MIN_TRAIN_DAYS));

  const wantedNames = opts.candidates ?? CALIBRATION_CANDIDATES;
  const unknown = wantedNames.filter((n) => !CALIBRATION_CANDIDATES.includes(n));
  if (unknown.length || wantedNames.length === 0) return { error: `no such candidate: ${unknown.join(', ') || '(none given)'} (known: ${CALIBRATION_CANDIDATES.join('; ')})` };
  const specs = VARIANTS.flatMap((x) => CANDIDATES.map((c) => ({ c, v: x.v, name: c.name + x.suffix }))).filter((s) => wantedNames.includes(s.name));
  const pool = CANDIDATES.filter((c) => specs.some((s) => s.c === c));
  const byKey = new Map(rows.map((r) => [keyOf(r.day, r.slot), r]));
  // rolling origins, in date order; each candidate warm-started from its own previous origin fit
  const starts = new Map<string, Params>();
  const errs = new Map<string, Errors>();
  const perDay = new Map<string, { day: string; pred: number; real: number; offered: number }[]>();
  const spread = new Map<string, DispersionSample[]>();
  let patienceK: number | null = null;
  let patiencePrev: number | null = null;
  for (const d of origins) {
    const train = rows.filter((r) => r.day < d);
    const trainFit = fitSet(train);
    const test = rows.filter((r) => r.day === d);
    const pat = fitPatience(train, patienceK, patiencePrev);
    if (pat.seconds !== null) patiencePrev = pat.seconds;
    for (const c of pool) {
      if (c.model === 'erlang_a' && pat.seconds === null) continue;
      const patience = c.model === 'erlang_a' ? pat.seconds : null;
      const p = fitCandidate(c, patience, trainFit, starts.get(c.name) ?? null);
      starts.set(c.name, p);
      if (c.name === 'Erlang A, k') patienceK = p.k;
      const variants = specs.filter((s) => s.c === c);
      const trainSamples = variants.some((s) => s.v !== 'none') ? samplesOf(c, patience, p, trainFit, byKey) : [];
      const testSamples = samplesOf(c, patience, p, test, byKey);
      for (const s of variants) {
        const corr = fitVariant(s.v, trainSamples);
        const acc = errs.get(s.name) ?? { ae: 0, e: 0, w: 0 };
        let sp = 0;
        let sr = 0;
        let so = 0;
        const sp2 = spread.get(s.name) ?? [];
        spread.set(s.name, sp2);
        for (const x of testSamples) {
          const pr = applyCorrection(corr, x.modelSl, x);
          sp2.push({ expected: pr, answeredWithinTarget: x.answeredWithinTarget, offered: x.offered });
          const re = clamp(x.answeredWithinTarget / x.offered, 0, 1);
          acc.ae += x.offered * Math.abs(pr - re);
          acc.e += x.offered * (pr - re);
          acc.w += x.offered;
          sp += x.offered * pr;
          sr += x.answeredWithinTarget;
          so += x.offered;
        }
        errs.set(s.name, acc);
        const list = perDay.get(s.name) ?? [];
        list.push({ day: d, pred: sp / so, real: clamp(sr / so, 0, 1), offered: so });
        perDay.set(s.name, list);
      }
    }
  }
  // a candidate dropped at some origin (patience not estimable there) is not comparable: left out
  const candidates: CalibrationCandidateScore[] = specs
    .filter((s) => (perDay.get(s.name)?.length ?? 0) === origins.length)
    .map((s) => {
      const a = errs.get(s.name)!;
      return { name: s.name, maePp: pp(a.ae / a.w), biasPp: pp(a.e / a.w) };
    });
  const comparable = candidates;
  const pat = fitPatience(rows, patienceK, patiencePrev);
  const specOf = (name: string) => specs.find((s) => s.name === name)!;
  const allowed = comparable.filter((s) => specOf(s.name).c.model === 'erlang_c' || pat.seconds !== null);
  // the simplest candidate (in CALIBRATION_CANDIDATES order) within SIMPLER_MARGIN_PP of the lowest MAE:
  // a more complex model is adopted only when the held-out days say it clearly helps
  const best = Math.min(...allowed.map((s) => s.maePp));
  const chosenScore = allowed.find((s) => s.maePp <= best + SIMPLER_MARGIN_PP) ?? null;
  const chosenSpec = chosenScore ? specOf(chosenScore.name) : { c: pool.find((c) => c.model === 'erlang_c') ?? CANDIDATES[0], v: 'none' as Variant, name: '' };
  const chosen = chosenSpec.c;
  const chosenName = chosenScore?.name ?? chosen.name;
  const finalPatience = chosen.model === 'erlang_a' ? pat.seconds : null;
  const finalRows = fitSet(rows);
  const params = fitCandidate(chosen, finalPatience, finalRows, starts.get(chosen.name) ?? null);
  const correction = chosenSpec.v === 'none' ? null : fitVariant(chosenSpec.v, samplesOf(chosen, finalPatience, params, finalRows, byKey));

  let backtest: CalibrationBacktest | null = null;
  const pd = perDay.get(chosenName);
  if (chosenScore && pd && pd.length === origins.length) {
    const res = pd.map((x) => x.pred - x.real);
    backtest = {
      origins: pd.length,
      maePp: chosenScore.maePp,
      biasPp: chosenScore.biasPp,
      dayMaePp: pp(res.reduce((s, e) => s + Math.abs(e), 0) / res.length),
      dayRmsPp: pp(Math.sqrt(res.reduce((s, e) => s + e * e, 0) / res.length)),
      perDay: pd.map((x) => ({ day: x.day, predictedPct: pp(x.pred), realisedPct: pp(x.real), offered: x.offered })),
    };
  }

  const range = (f: (iv: CalibrationInterval) => number, rs: readonly CalibrationInterval[]): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const iv of rs) {
      const v = f(iv);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return rs.length ? [lo, hi] : [0, 0];
  };
  const staffed = rows.filter((r) => r.agents > 0);
  return {
    model: chosen.model,
    handleTimeFactor: params.k,
    agentFactor: params.m,
    patienceSeconds: pat.seconds,
    patienceSource: pat.source,
    patienceNote: pat.note,
    fitFrom: days[0],
    fitThrough: days[days.length - 1],
    intervals: rows.length,
    days: days.length,
    candidate: chosenName,
    dispersion: fitDispersion(spread.get(chosenName) ?? []),
    factorNote: factorBoundNote(params.k, chosen.fitsAgents ? params.m : null),
    correction,
    backtest,
    candidates,
    inputRange: {
      agents: range((r) => r.agents, rows),
      offered: range((r) => r.offered, rows),
      ahtSeconds: range((r) => r.ahtSeconds, rows),
      loadPerAgent: range((r) => (r.offered * r.ahtSeconds) / r.intervalSeconds / r.agents, staffed),
      intervalSeconds: [...new Set(rows.map((r) => r.intervalSeconds))].sort((a, b) => a - b),
    },
  };
}

/**
 * ρ of the Beta-binomial spread (dispersion.ts) by maximum likelihood over out-of-sample intervals with ≥ 2 calls
 * (golden section on [0.001, 0.6]); null with fewer than MIN_DISPERSION_SAMPLES of them.
 */
export function fitDispersion(samples: readonly DispersionSample[]): number | null {
  const usable = samples.filter((x) => Math.round(x.offered) >= 2 && Number.isFinite(x.expected));
  if (usable.length < MIN_DISPERSION_SAMPLES) return null;
  return minimise1d((r) => -dispersionLogLik(usable, r), 0.05, RHO_BOUNDS[0], RHO_BOUNDS[1], 0.02, 1e-4);
}

/** The calibrated model's SL for one interval, as a fraction in [0, 1]. No calls → 1 (nothing to miss). */
export function predictIntervalSl(cal: QueueCalibration, x: CalibrationInput): number {
  const p = { k: cal.handleTimeFactor, m: cal.agentFactor };
  const base = clamp(modelSl(cal.model, cal.model === 'erlang_a' ? cal.patienceSeconds : null, p, x), 0, 1);
  const c = cal.correction ?? null;
  if (!c) return base;
  const rho = loadPerAgent(x.offered, x.ahtSeconds * p.k, x.intervalSeconds, x.agents * p.m);
  // previous interval: given → its load; null → the day starts here (0); unknown → assume this interval's load
  const prev = x.previous;
  const rhoPrev = prev === undefined ? rho : prev === null ? 0 : loadPerAgent(prev.offered, prev.ahtSeconds * p.k, x.intervalSeconds, prev.agents * p.m);
  return clamp(applyCorrection(c, base, { slot: x.slot, offered: x.offered, rho, rhoPrev }), 0, 1);
}

/**
 * The typical (median) SL of one interval under the calibration: the median of the Beta-binomial spread around
 * predictIntervalSl with the interval's offered calls (dispersion.ts). The expected SL stays what adds up over a day.
 */
export function predictTypicalIntervalSl(cal: QueueCalibration, x: CalibrationInput): number {
  return typicalSl(predictIntervalSl(cal, x), x.offered, cal.dispersion ?? null);
}

/**
 * Prediction interval for a day's SL predicted at `predictedPct`: ± t · RMS of the backtest's day-level
 * residuals, t the two-sided `level` quantile of Student's t with one degree of freedom per origin (exact when
 * the residuals are independent normal with mean zero), clamped to [0, 100]. Without a backtest: [0, 100].
 */
export function predictionRange(cal: QueueCalibration, predictedPct: number, level = 0.8): { lowPct: number; highPct: number; level: number } {
  const bt = cal.backtest;
  if (!bt || bt.origins < 2 || !Number.isFinite(bt.dayRmsPp)) return { lowPct: 0, highPct: 100, level };
  const half = studentTQuantile((1 + level) / 2, bt.origins) * bt.dayRmsPp;
  return { lowPct: clamp(predictedPct - half, 0, 100), highPct: clamp(predictedPct + half, 0, 100), level };
}

/**
 * Prediction interval for a change of a day's SL predicted at `deltaPts` (a what-if lever on a day predicted at
 * `baselinePct`): ± t · √2 · s, s the standard deviation of the backtest's day-level residuals. A change is a
 * difference of two days' SL: a bias shared by both cancels (hence the deviation about the mean residual) and each
 * day brings its own error (hence √2); t has origins − 1 degrees of freedom. The realised change is the SL with the
 * lever minus the SL without it, each a day of its own. Clamped so that baseline + change stays in [0, 100].
 * Null with fewer than 3 backtest origins.
 */
export function deltaPredictionRange(cal: QueueCalibration, deltaPts: number, baselinePct: number, level = 0.8): { lowPts: number; highPts: number; level: number } | null {
  const days = cal.backtest?.perDay ?? [];
  if (days.length < 3) return null;
  const res = days.map((d) => d.predictedPct - d.realisedPct);
  const mean = res.reduce((a, b) => a + b, 0) / res.length;
  const sd = Math.sqrt(res.reduce((a, r) => a + (r - mean) ** 2, 0) / (res.length - 1));
  const half = studentTQuantile((1 + level) / 2, res.length - 1) * Math.SQRT2 * sd;
  return { lowPts: clamp(deltaPts - half, -baselinePct, 100 - baselinePct), highPts: clamp(deltaPts + half, -baselinePct, 100 - baselinePct), level };
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? Math.round(x).toString() : (Math.round(x * 10) / 10).toString());

/**
 * Plain-language warnings for intervals (with calls) whose inputs lie outside what the calibration was fitted on
 * (5 % slack on each side); [] when all are inside.
 */
export function outOfFittedRange(cal: QueueCalibration, xs: readonly { offered: number; ahtSeconds: number; agents: number; intervalSeconds: number }[]): string[] {
  const r = cal.inputRange;
  const busy = xs.filter((x) => x.offered > 0);
  const out: string[] = [];
  const check = (label: string, unit: string, vals: number[], [lo, hi]: [number, number]) => {
    const above = vals.filter((v) => v > hi * 1.05);
    const below = vals.filter((v) => v < lo * 0.95);
    if (above.length) out.push(`${above.length} interval${above.length === 1 ? '' : 's'} with ${label} up to ${fmt(Math.max(...above))}${unit}, above the fitted history's ${fmt(hi)}${unit}: the prediction there is an extrapolation`);
    if (below.length) out.push(`${below.length} interval${below.length === 1 ? '' : 's'} with ${label} down to ${fmt(Math.min(...below))}${unit}, below the fitted history's ${fmt(lo)}${unit}: the prediction there is an extrapolation`);
  };
  check('agents', '', busy.map((x) => x.agents), r.agents);
  check('calls offered', '', busy.map((x) => x.offered), r.offered);
  check('AHT', ' s', busy.map((x) => x.ahtSeconds), r.ahtSeconds);
  check('load per agent', ' Erlangs', busy.filter((x) => x.agents > 0 && x.intervalSeconds > 0).map((x) => (x.offered * x.ahtSeconds) / x.intervalSeconds / x.agents), r.loadPerAgent);
  const lengths = new Set(r.intervalSeconds);
  const odd = busy.filter((x) => !lengths.has(x.intervalSeconds));
  if (odd.length && lengths.size) out.push(`${odd.length} interval${odd.length === 1 ? '' : 's'} of ${odd[0].intervalSeconds / 60} min, but the fit used ${[...lengths].map((s) => s / 60).join('/')}-min intervals`);
  return out;
}
