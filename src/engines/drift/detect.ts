/**
 * Online drift detection for one queue: per driver (arrivals, talk, ACW, agents) and on SL, a two-sided
 * CUSUM of volume-weighted log-likelihood-ratio increments against a same-time-of-week baseline, with
 * thresholds calibrated on the training window (the `trainDays` days before `from`) to a stated
 * false-alarm rate.
 *
 * Intervals of one day share a day-level component (σ²_day, estimated on training): by default the increments
 * are the exact sequential likelihood ratio under that random effect (residuals.ts dayIncrement), so each day's
 * evidence counts once and arrives early in the day; `dayModel: 'design-effect'` uses the older uniform
 * inflation κ = 1 + W·σ²_day of every interval instead.
 *
 * One pass over the monitored intervals in time order; the baseline of a day uses only earlier days and
 * the thresholds only the training window, so every decision at interval t uses data up to t.
 * An alarm opens an event; while open the statistic is capped at the threshold so it can fall back, and
 * the event closes when it reaches 0. A new alarm of the same driver and direction within `mergeGapHours`
 * of a close re-opens that event: one long shift is one event. The onset is the maximum-likelihood change
 * point within the alarm's CUSUM run (changePoint).
 * While a driver's event is open (up to `baselineWeeks` weeks after its onset), that driver's baseline is
 * built from the same weekdays before the onset: the shifted days never become "the usual" for the shift
 * they belong to, so the event stays one event and its magnitude is measured against the pre-shift level.
 *
 * Cost: O(days × slots × (refs + drivers)) plus the calibration bootstrap (a few ms per driver).
 */
import { createRng } from '../shared/rng.js';
import { dayBaseline, referenceDays, type DayBaseline } from './baseline.js';
import { dayCommonVariance, dayInflation, nullHistory } from './calibrate.js';
import { thresholdFor } from './cusum.js';
import { buildGrid, dayNumber, dateOfDayNumber, type DayRow, type QueueGrid } from './grid.js';
import { dayIncrement, fitVariance, increments, newDayAcc, observe, sdOf, varianceOf, zOf, type DayAcc, type Obs } from './residuals.js';
import {
  DRIVERS,
  type Direction,
  type Driver,
  type DriftEvent,
  type DriftPoint,
  type DriverCalibration,
  type IntervalRecord,
  type TodayDriver,
  type TodaySoFar,
  type VarianceModel,
} from './types.js';

export interface DetectOptions {
  /** First monitored local date 'YYYY-MM-DD'. */
  from: string;
  /** Last monitored local date (default: the last date in the data). */
  to?: string;
  /** Training window length in days before `from` (default 28). */
  trainDays?: number;
  /** Reference weeks of the trailing same-weekday baseline (default 4). */
  baselineWeeks?: number;
  /** Stated false-alarm rate: events per 30 days summed over the watched drivers (default 0.5). */
  falseAlarmsPer30Days?: number;
  /** Drivers to watch (default all five). */
  drivers?: readonly Driver[];
  /** Shift each CUSUM is tuned to: relative (sl: absolute fraction). Defaults in DEFAULT_DESIGN_SHIFT. */
  designShift?: Partial<Record<Driver, number>>;
  /** Seed of the calibration bootstrap (default 1): same data + seed → same thresholds. */
  seed?: number;
  /** Re-open a closed event when the same driver and direction alarm again within this many hours (24). */
  mergeGapHours?: number;
  /** |z| at which "today so far" warns (default 3). */
  todayWarnZ?: number;
  /** Days of simulated null history per driver for the calibration (default 600 / per-driver rate, 1500…4000). */
  bootDays?: number;
  /** How a day-level common component enters the CUSUM: 'sequential' (default) or 'design-effect' (uniform κ). */
  dayModel?: 'sequential' | 'design-effect';
  /** Fixed thresholds per driver (skip calibration for those). */
  thresholds?: Partial<Record<Driver, number>>;
}

export const DEFAULT_DESIGN_SHIFT: Record<Driver, number> = { arrivals: 0.1, talk: 0.1, acw: 0.1, agents: 0.08, sl: 0.05 };
/** Day-common variance σ²_day assumed when the training window is too short to estimate it (≈ 3 % day level). */
export const DEFAULT_DAY_VARIANCE: Record<Driver, number> = { arrivals: 1e-3, talk: 2e-4, acw: 2e-4, agents: 5e-4, sl: 1e-3 };
/** Used when the training window is too short to calibrate (≥ 7 usable days needed). */
export const UNCALIBRATED_THRESHOLD = 15;

export interface DriftResult {
  queue: string;
  from: string;
  to: string;
  trainFrom: string;
  trainTo: string;
  /** Training days that had a baseline (≥ 2 reference days) and were used for calibration. */
  trainDaysUsed: number;
  calibration: Partial<Record<Driver, DriverCalibration>>;
  /** Events in order of detection. */
  events: DriftEvent[];
  timeline: DriftPoint[];
  /** The last monitored day so far against its baseline (null when it has no baseline). */
  today: TodaySoFar | null;
}

interface DirState {
  s: number;
  runStart: number;
  event: DriftEvent | null;
  eventStartIdx: number;
  lastClosed: { event: DriftEvent; startIdx: number; closedMs: number } | null;
}

/** Obs of every watched driver for each slot of a day with a baseline (one per driver, or one for all). */
function dayObs(grid: QueueGrid, idx: number, b: DayBaseline | readonly DayBaseline[], drivers: readonly Driver[]): (Obs | null)[][] {
  const day = grid.days[idx];
  return drivers.map((d, k) => {
    const bk = Array.isArray(b) ? (b as readonly DayBaseline[])[k] : (b as DayBaseline);
    const row: (Obs | null)[] = new Array(grid.slotsPerDay).fill(null);
    for (let s = 0; s < grid.slotsPerDay; s++) row[s] = observe(d, day.cells[s], bk, s);
    return row;
  });
}

export function detectDrift(records: readonly IntervalRecord[], opts: DetectOptions): DriftResult {
  const grid = buildGrid(records);
  const drivers = opts.drivers ?? DRIVERS;
  const weeks = opts.baselineWeeks ?? 4;
  const trainDays = opts.trainDays ?? 28;
  const fromNum = dayNumber(opts.from);
  const toNum = opts.to ? dayNumber(opts.to) : grid.days[grid.days.length - 1].dayNum;
  const trainLo = fromNum - trainDays;
  const trainHi = fromNum - 1;
  const totalFa = opts.falseAlarmsPer30Days ?? 0.5;
  const perDriverFa = totalFa / drivers.length;
  const shift = (d: Driver) => opts.designShift?.[d] ?? DEFAULT_DESIGN_SHIFT[d];
  const rng = createRng(opts.seed ?? 1);

  // --- Training: leave-one-out baselines inside the window (a training day never sees itself). ---
  const trainObs: Obs[][] = drivers.map(() => []);
  const trainDayObs: (Obs | null)[][][] = [];
  const trainDows: number[] = [];
  for (let i = 0; i < grid.days.length; i++) {
    const d = grid.days[i];
    if (d.dayNum < trainLo || d.dayNum > trainHi) continue;
    const refs = referenceDays(grid, i, trainLo, trainHi, weeks);
    if (refs.length < 2) continue;
    const obs = dayObs(grid, i, dayBaseline(refs, grid.slotsPerDay), drivers);
    trainDayObs.push(obs);
    trainDows.push(d.dow);
    obs.forEach((row, k) => {
      for (const o of row) if (o) trainObs[k].push(o);
    });
  }
  const variance: VarianceModel[] = drivers.map((d, k) => fitVariance(d, trainObs[k]));
  const calibration: Partial<Record<Driver, DriverCalibration>> = {};
  const kappas: (Map<number, number> & { overall: number })[] = [];
  const sd2s: number[] = [];
  const sequential = (opts.dayModel ?? 'sequential') === 'sequential';
  const thresholds: number[] = drivers.map((d, k) => {
    const fixed = opts.thresholds?.[d];
    const days = trainDayObs.map((obs) => obs[k].filter((o): o is Obs => o !== null));
    const sd2 = days.filter((x) => x.length).length >= 7 ? dayCommonVariance(days, variance[k]) : DEFAULT_DAY_VARIANCE[d];
    const kappa = dayInflation(days, trainDows, variance[k], sd2);
    kappas.push(kappa);
    const bootDays = opts.bootDays ?? Math.max(1500, Math.min(4000, Math.round(600 / Math.max(perDriverFa, 1e-3))));
    const hist = fixed === undefined ? nullHistory(d, days, variance[k], shift(d), rng.fork(), bootDays, trainDows, kappa, sequential ? sd2 : undefined) : null;
    sd2s.push(sd2);
    const cal = hist ? thresholdFor(hist, perDriverFa) : null;
    const h = fixed ?? cal?.threshold ?? UNCALIBRATED_THRESHOLD;
    calibration[d] = {
      variance: variance[k],
      dayVariance: sd2,
      dayInflation: [0, 1, 2, 3, 4, 5, 6].map((g) => kappa.get(g) ?? kappa.overall),
      threshold: h,
      designShift: shift(d),
      targetFalseAlarmsPer30Days: perDriverFa,
      bootstrapFalseAlarmsPer30Days: cal?.measuredPer30Days ?? NaN,
      calibrated: cal !== null,
    };
    return h;
  });

  // --- Monitoring: one pass in time order. ---
  const mergeGapMs = (opts.mergeGapHours ?? 24) * 3_600_000;
  const timeline: DriftPoint[] = [];
  const events: DriftEvent[] = [];
  const states: [DirState, DirState][] = drivers.map(() => [newState(), newState()]);
  // Prefix sums for event magnitudes: Σ weight·observed, Σ weight·expected, informative count.
  const cumO: number[][] = drivers.map(() => [0]);
  const cumE: number[][] = drivers.map(() => [0]);
  const cumN: number[][] = drivers.map(() => [0]);
  const cumW: number[][] = drivers.map(() => [0]);
  // Precision-weighted residual sums for the change-point estimate: Σ e/Var, Σ 1/Var.
  const cumPE: number[][] = drivers.map(() => [0]);
  const cumP: number[][] = drivers.map(() => [0]);
  const detectedRuns = new Map<DriftEvent, { k: number; runStart: number; sign: number }>();
  let lastDay: { idx: number; b: DayBaseline; obs: (Obs | null)[][] } | null = null;
  // Local date of each interval start (the engine has no time-zone database: the records carry it).
  const localDateOf = new Map<string, string>();
  for (const d of grid.days) for (const c of d.cells) if (c) localDateOf.set(c.rec.intervalStart, d.date);

  for (let i = 0; i < grid.days.length; i++) {
    const day = grid.days[i];
    if (day.dayNum < fromNum || day.dayNum > toNum) continue;
    // The baseline never overlaps a suspected shift: while a driver has an open event (for up to `weeks` weeks
    // after its onset), its reference days are the same weekdays before the onset, not the shifted days since.
    const refsCache = new Map<number, DayRow[]>();
    const refsBefore = (hi: number) => {
      if (!refsCache.has(hi)) refsCache.set(hi, referenceDays(grid, i, hi - 7 * weeks + 1, hi, weeks));
      return refsCache.get(hi)!;
    };
    const hiOf = drivers.map((_, k) => {
      let hi = day.dayNum - 1;
      for (const st of states[k]) {
        if (!st.event) continue;
        const onsetDay = dayNumber(localDateOf.get(st.event.onsetEstimate) ?? st.event.onsetEstimate.slice(0, 10));
        if (onsetDay <= hi && day.dayNum - onsetDay < 7 * weeks) hi = Math.min(hi, onsetDay - 1);
      }
      return hi;
    });
    const baseCache = new Map<number, DayBaseline>();
    const bs = hiOf.map((hi) => {
      if (!baseCache.has(hi)) {
        const refs = refsBefore(hi);
        baseCache.set(hi, dayBaseline(refs.length >= 2 ? refs : [], grid.slotsPerDay));
      }
      return baseCache.get(hi)!;
    });
    const refs = refsBefore(day.dayNum - 1);
    const b = baseCache.get(day.dayNum - 1) ?? dayBaseline(refs.length >= 2 ? refs : [], grid.slotsPerDay);
    const obs = dayObs(grid, i, bs, drivers);
    const accs: DayAcc[] = drivers.map(() => newDayAcc());
    lastDay = refs.length >= 2 ? { idx: i, b, obs } : null;
    for (let s = 0; s < grid.slotsPerDay; s++) {
      const cell = day.cells[s];
      if (!cell) continue;
      const t = timeline.length;
      const ms = Date.parse(cell.rec.intervalStart);
      const point: DriftPoint = {
        intervalStart: cell.rec.intervalStart,
        localDate: day.date,
        localMinute: cell.rec.localMinute,
        score: 0,
        topDriver: null,
        scores: { arrivals: 0, talk: 0, acw: 0, agents: 0, sl: 0 },
        values: { arrivals: null, talk: null, acw: null, agents: null, sl: null },
      };
      drivers.forEach((d, k) => {
        const o = obs[k][s];
        const h = thresholds[k];
        cumO[k].push(cumO[k][t] + (o ? o.weight * o.observed : 0));
        cumE[k].push(cumE[k][t] + (o ? o.weight * o.expected : 0));
        cumN[k].push(cumN[k][t] + (o ? 1 : 0));
        cumW[k].push(cumW[k][t] + (o ? o.weight : 0));
        const kap = kappas[k].get(day.dow) ?? kappas[k].overall;
        const prec = o ? 1 / (kap * varianceOf(variance[k], o)) : 0;
        cumPE[k].push(cumPE[k][t] + (o ? prec * o.e : 0));
        cumP[k].push(cumP[k][t] + prec);
        if (o) {
          point.values[d] = { observed: o.observed, expected: o.expected, z: zOf(d, o, variance[k]), weight: o.weight };
          const inc = sequential ? dayIncrement(d, o, variance[k], shift(d), o.e, sd2s[k], accs[k]) : increments(d, o, variance[k], shift(d), kap);
          for (let j = 0; j < 2; j++) {
            const st = states[k][j];
            const dir: Direction = j === 0 ? 'up' : 'down';
            st.s = Math.max(0, st.s + inc[j]);
            if (st.s === 0) {
              if (st.event) {
                st.event.status = 'closed';
                st.event.closedAt = cell.rec.intervalStart;
                st.lastClosed = { event: st.event, startIdx: st.eventStartIdx, closedMs: ms };
                st.event = null;
              }
              st.runStart = -1;
              continue;
            }
            if (st.runStart < 0) st.runStart = t;
            if (!st.event && st.s > h) {
              if (st.lastClosed && ms - st.lastClosed.closedMs <= mergeGapMs) {
                st.event = st.lastClosed.event;
                st.event.status = 'open';
                delete st.event.closedAt;
                st.eventStartIdx = st.lastClosed.startIdx;
              } else {
                const sign = j === 0 ? 1 : -1;
                const cp = changePoint(cumPE[k], cumP[k], st.runStart, t + 1, sign);
                const onset = timeline[cp]?.intervalStart ?? cell.rec.intervalStart;
                st.event = {
                  queue: grid.queue,
                  driver: d,
                  direction: dir,
                  detectedAt: cell.rec.intervalStart,
                  onsetEstimate: onset,
                  magnitude: 0,
                  status: 'open',
                  observed: NaN,
                  expected: NaN,
                  intervalsToDetect: cumN[k][t + 1] - cumN[k][cp],
                };
                st.eventStartIdx = cp;
                detectedRuns.set(st.event, { k, runStart: st.runStart, sign });
                events.push(st.event);
              }
              st.lastClosed = null;
            }
            if (st.event) {
              st.s = Math.min(st.s, h);
              // Keep the event's span up to date (onset … now, or … close).
              fillMagnitude(st.event, st.eventStartIdx, t + 1, cumO[k], cumE[k], cumW[k]);
            }
          }
        }
        const up = states[k][0].s / h;
        const down = states[k][1].s / h;
        const sc = Math.min(1, Math.max(up, down));
        point.scores[d] = up >= down ? Math.min(1, up) : -Math.min(1, down);
        if (sc > point.score) {
          point.score = sc;
          point.topDriver = d;
        }
      });
      timeline.push(point);
    }
  }

  // Events still open: re-estimate the onset with everything seen since their run began (more data after
  // the change sharpens it); the span and magnitude follow.
  for (const ev of events) {
    const info = detectedRuns.get(ev);
    if (!info || ev.status !== 'open') continue;
    const end = timeline.length;
    const cp = changePoint(cumPE[info.k], cumP[info.k], info.runStart, end, info.sign);
    ev.onsetEstimate = timeline[cp].intervalStart;
    fillMagnitude(ev, cp, end, cumO[info.k], cumE[info.k], cumW[info.k]);
  }

  const dayVar = drivers.map((d) => calibration[d]!.dayVariance);
  const today = lastDay ? todayOf(grid, lastDay.idx, lastDay.obs, drivers, variance, dayVar, opts.todayWarnZ ?? 3) : null;
  const dataFirst = grid.days[0]?.dayNum ?? trainLo;
  return {
    queue: grid.queue,
    from: opts.from,
    to: dateOfDayNumber(toNum),
    trainFrom: dateOfDayNumber(Math.max(trainLo, Math.min(dataFirst, trainHi + 1))),
    trainTo: dateOfDayNumber(trainHi),
    trainDaysUsed: trainDayObs.length,
    calibration,
    events,
    timeline,
    today,
  };
}

function newState(): DirState {
  return { s: 0, runStart: -1, event: null, eventStartIdx: 0, lastClosed: null };
}

/**
 * Maximum-likelihood change point of a mean shift in direction `sign` within timeline indices [a, b):
 * argmax over j of (Σ_{j..b−1} e/Var)² / Σ_{j..b−1} 1/Var with the sum's sign = `sign` (a Gaussian shift of
 * unknown size starting at j). Sharper than the CUSUM's last zero, which a slow pre-change wander can
 * pull days early. Prefix sums make it O(b − a). No candidate → a.
 */
function changePoint(cPE: number[], cP: number[], a: number, b: number, sign: number): number {
  let best = a;
  let bestV = -Infinity;
  for (let j = a; j < b; j++) {
    const se = cPE[b] - cPE[j];
    const sp = cP[b] - cP[j];
    if (sp <= 0 || sign * se <= 0) continue;
    const v = (se * se) / sp;
    if (v > bestV) {
      bestV = v;
      best = j;
    }
  }
  return best;
}

/** Volume-weighted observed/expected means over timeline indices [a, b) and their relative change. */
function fillMagnitude(ev: DriftEvent, a: number, b: number, cO: number[], cE: number[], cW: number[]): void {
  const o = cO[b] - cO[a];
  const e = cE[b] - cE[a];
  const w = cW[b] - cW[a];
  ev.magnitude = e > 0 ? o / e - 1 : 0;
  ev.observed = w > 0 ? o / w : NaN;
  ev.expected = w > 0 ? e / w : NaN;
}

/** "Today so far": the day's intervals so far, aggregated, against their baseline. O(slots × drivers). */
function todayOf(
  grid: QueueGrid,
  idx: number,
  obs: (Obs | null)[][],
  drivers: readonly Driver[],
  variance: VarianceModel[],
  dayVar: number[],
  warnZ: number,
): TodaySoFar {
  const day = grid.days[idx];
  let through = -1;
  let intervals = 0;
  for (const c of day.cells)
    if (c) {
      intervals++;
      through = Math.max(through, c.rec.localMinute);
    }
  const out: TodaySoFar = { queue: grid.queue, localDate: day.date, throughMinute: through, intervals, drivers: {}, warnings: [] };
  drivers.forEach((d, k) => {
    let O = 0;
    let E = 0;
    let V = 0;
    let W = 0;
    let S = 0;
    for (const o of obs[k]) {
      if (!o) continue;
      const vm = variance[k];
      if (d === 'arrivals') {
        O += o.y;
        E += o.mu;
        V += o.mu * Math.max(vm.phi + vm.tau2 * o.mu, 1e-6);
        W += 1;
        S += o.mu;
      } else {
        // Σ w·x − Σ w·b has variance Σ (w·b·sd_rel)² (sd_rel absolute for sl, where b is not a scale).
        const scale = d === 'sl' ? o.weight : o.weight * o.expected;
        O += o.weight * o.observed;
        E += o.weight * o.expected;
        V += (scale * sdOf(vm, o)) ** 2;
        W += o.weight;
        S += scale;
      }
    }
    if (W <= 0 || E <= 0) return;
    // The day-common component does not average out over the day's intervals: it adds (Σ scale)²·σ²_day.
    V += S * S * dayVar[k];
    const z = V > 0 ? (O - E) / Math.sqrt(V) : 0;
    const td: TodayDriver =
      d === 'arrivals'
        ? { observed: O, expected: E, change: O / E - 1, z }
        : d === 'sl'
          ? { observed: O / W, expected: E / W, change: (O - E) / W, z }
          : { observed: O / W, expected: E / W, change: O / E - 1, z };
    out.drivers[d] = td;
    if (Math.abs(z) >= warnZ) out.warnings.push({ driver: d, direction: z > 0 ? 'up' : 'down', change: td.change, z });
  });
  out.warnings.sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
  return out;
}
