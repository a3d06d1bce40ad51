/**
 * Per-queue demand forecast: interval arrivals and AHT for future local days from realised history.
 *
 *   offered(day, slot) = D̂(day) · share_{weekday}(slot)
 *
 * D̂: day totals by Holt–Winters (holtWinters.ts; weekly multiplicative season, damped additive trend) on the
 * history's calendar days (a day with no rows, or excluded, is missing), combined with the mean of the latest four
 * same weekdays by a weight per horizon chosen on the history's own inner forecasts (combination.ts). With 7–13
 * days of history, D̂ falls back to the mean of the same weekday. share: the smoothed intraday profile per weekday type (profile.ts) over
 * the last `profileDays` days.
 *
 * Prediction interval per interval: a count with mean μ and variance  v = φ·μ + c_h·μ²  (negative binomial,
 * quantiles.ts), where φ is the intraday Pearson dispersion (interval counts around D·share on history days;
 * 1 = Poisson) and c_h the relative variance of the day total at horizon h beyond its own count noise, from the
 * combined forecast's inner h-step errors on the history (non-decreasing in h). Day totals use v = φ·D + c_h·D².
 *
 * AHT per slot (aht.ts): handled-weighted mean over the last `ahtDays` days of the weekday type, times the ratio
 * of the last 7 days' queue AHT to the last `ahtDays` days' (so a recent step change carries forward); its band's
 * day-level variance from one-day-ahead forecasts of the last 14 history days, the handle-time CV from the data.
 *
 * History must end before the first target day: the caller passes only realised rows before the forecast
 * origin, so a forecast never sees the days it predicts. Cost O(G·n + n·H + days·slots), G = 105 grid points.
 */
import { fitHw, MIN_HW_DAYS, type HwParams } from './holtWinters.js';
import { combineDayTotals } from './combination.js';
import { fitAht, AHT_CHECK_DAYS } from './aht.js';
import { buildProfile, type ProfileDay } from './profile.js';
import { countQuantiles, normalQuantile } from './quantiles.js';
import { addDays, daysBetween, dowOf } from './dates.js';

export interface HistoryInterval {
  localDate: string;
  localMinute: number;
  localDow: number;
  offered: number;
  handled: number;
  ahtSeconds: number | null;
}

export interface TargetSlot {
  intervalStart: string;
  localMinute: number;
}

export interface TargetDay {
  date: string;
  slots: TargetSlot[];
}

export interface ForecastOptions {
  /** Local dates left out of fitting (holidays, outages). */
  excluded?: ReadonlySet<string>;
  /** Prediction-interval coverage, e.g. 0.9 for a 5 %–95 % band. */
  level?: number;
  /** Days of history behind the intraday profile (default 56). */
  profileDays?: number;
  /** Days of history behind the AHT profile (default 28). */
  ahtDays?: number;
}

export interface ForecastInterval {
  intervalStart: string;
  localDate: string;
  localMinute: number;
  offered: number;
  offeredLow: number;
  offeredHigh: number;
  ahtSeconds: number | null;
  horizonDays: number;
}

export interface ForecastDay {
  date: string;
  dow: number;
  horizonDays: number;
  offered: number;
  offeredLow: number;
  offeredHigh: number;
  /** Offered-weighted mean AHT of the day's intervals. */
  ahtSeconds: number | null;
  /** c_h: relative variance of the day total beyond count noise at this horizon (see `sumBand`). */
  relVar: number;
  /** τ²_h: relative variance of the day's AHT beyond handle-time noise at this horizon (see `ahtBand`). */
  ahtRelVar: number;
}

export interface SuspectDay {
  date: string;
  offered: number;
  expected: number;
}

export interface ForecastModel {
  /** 'holt-winters' (≥ 14 days of history) or 'weekday-mean' (7–13 days). */
  method: 'holt-winters' | 'weekday-mean';
  params: HwParams | null;
  /** Deseasonalised contacts per day at the origin, and its trend per day. */
  level: number;
  trendPerDay: number;
  /** Weekly seasonal index, 0 = Sunday. */
  season: number[];
  historyFrom: string;
  historyTo: string;
  historyDays: number;
  excludedDays: number;
  /** Intraday Pearson dispersion (1 = Poisson). */
  dispersion: number;
  /** Relative sd of the day total beyond count noise, at horizon 1 and at the longest horizon forecast. */
  daySd: { h1: number; hMax: number };
  /** 1 − w_h: the same-weekday mean's share of the day total at horizon 1 and at the longest horizon (combination.ts; 1 for 'weekday-mean'). */
  weekdayMeanWeight: { h1: number; hMax: number };
  /** Relative variance of a day's AHT beyond handle-time sampling noise, from one-day-ahead forecasts of history days (days[].ahtRelVar per horizon; see `ahtBand`, aht.ts). */
  ahtRelVar: number;
  /** Squared coefficient of variation of single handle times, from the interval AHTs around their day's level (aht.ts). */
  ahtCv2: number;
  /** Weekday types of the intraday profile. */
  weekdayTypes: number[][];
  /** History days far from the model (|z| > 4 on the one-step forecast): candidates for `forecast exclude`. */
  suspectDays: SuspectDay[];
  intervalLevel: number;
}

export interface QueueForecast {
  intervals: ForecastInterval[];
  days: ForecastDay[];
  model: ForecastModel;
}

export class ForecastInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForecastInputError';
  }
}

/** Least history (days) a forecast accepts. */
export const MIN_HISTORY_DAYS = 7;
/** Relative day-total sd assumed when the history is too short to measure one. */
const FALLBACK_DAY_SD = 0.15;

/**
 * The prediction interval of a sum of forecast intervals of one day (the whole day, or the intervals realised
 * so far): a count with mean `mean` and variance φ·mean + c_h·mean² — the day-level error c_h is shared by every
 * interval of the day, the count noise φ adds up. With `mean` = the day's forecast this is the day's own band.
 */
export function sumBand(mean: number, dispersion: number, relVar: number, level: number): [number, number] {
  const pLo = (1 - level) / 2;
  return countQuantiles(mean, dispersion * mean + relVar * mean * mean, pLo, 1 - pLo);
}

/**
 * The prediction interval of a realised AHT over `handled` contacts whose forecast AHT is `aht`: normal on the
 * relative scale with variance ahtRelVar + cv2/handled (day-level variation, measured out of sample, plus the
 * sampling noise of a mean of `handled` handle times with squared coefficient of variation `cv2`: the model's
 * `ahtCv2`; 1 = exponential service, the default). Null when there is nothing to compare.
 */
export function ahtBand(aht: number | null, handled: number, ahtRelVar: number, level: number, cv2 = 1): [number, number] | null {
  if (aht === null || !(aht > 0) || !(handled > 0)) return null;
  const z = normalQuantile(1 - (1 - level) / 2);
  const sd = Math.sqrt(ahtRelVar + cv2 / handled);
  return [Math.max(0, aht * (1 - z * sd)), aht * (1 + z * sd)];
}

interface DayAgg {
  date: string;
  dow: number;
  total: number;
  slots: Map<number, number>;
}

function aggregateDays(history: readonly HistoryInterval[]): Map<string, DayAgg> {
  const days = new Map<string, DayAgg>();
  for (const r of history) {
    let d = days.get(r.localDate);
    if (!d) days.set(r.localDate, (d = { date: r.localDate, dow: r.localDow, total: 0, slots: new Map() }));
    d.total += r.offered;
    d.slots.set(r.localMinute, (d.slots.get(r.localMinute) ?? 0) + r.offered);
  }
  return days;
}

/**
 * Forecasts `targets` (future local days with their interval grid) from `history` (realised intervals of
 * whole local days, all before the first target). Throws ForecastInputError when the history is too short
 * or overlaps the targets.
 */
export function forecastQueue(history: readonly HistoryInterval[], targets: readonly TargetDay[], o: ForecastOptions = {}): QueueForecast {
  const level = o.level ?? 0.9;
  const excluded = o.excluded ?? new Set<string>();
  const profileDays = o.profileDays ?? 56;
  const ahtDays = o.ahtDays ?? 28;
  const agg = aggregateDays(history);
  const dates = [...agg.keys()].sort();
  const usable = dates.filter((d) => !excluded.has(d));
  if (usable.length < MIN_HISTORY_DAYS) {
    throw new ForecastInputError(`A forecast needs at least ${MIN_HISTORY_DAYS} days of realised history (not excluded); there ${usable.length === 1 ? 'is 1' : `are ${usable.length}`}.`);
  }
  const first = dates[0];
  const last = dates[dates.length - 1];
  for (const t of targets) if (t.date <= last) throw new ForecastInputError(`Target day ${t.date} is not after the history (which ends ${last}).`);

  // Calendar days first..last; missing and excluded days are null.
  const n = daysBetween(first, last) + 1;
  const y: (number | null)[] = [];
  const dows: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = addDays(first, i);
    const a = agg.get(d);
    y.push(a && !excluded.has(d) ? a.total : null);
    dows.push(dowOf(d));
  }

  // Intraday profile and its dispersion over the recent window.
  const profileFrom = addDays(last, -profileDays + 1);
  const profileSrc: ProfileDay[] = usable.filter((d) => d >= profileFrom).map((d) => agg.get(d)!);
  const profile = buildProfile(profileSrc);
  let pearson = 0;
  let expectedSum = 0;
  for (const d of profileSrc) {
    for (const [m, c] of d.slots) {
      const e = d.total * profile.share(d.dow, m);
      if (e <= 0) continue;
      pearson += (c - e) ** 2;
      expectedSum += e;
    }
  }
  const dispersion = expectedSum > 0 ? Math.max(1, pearson / expectedSum) : 1;

  // Day totals.
  const H = Math.max(1, ...targets.map((t) => daysBetween(last, t.date)));
  const observed = y.filter((v): v is number => v !== null).length;
  let model: Pick<ForecastModel, 'method' | 'params' | 'level' | 'trendPerDay' | 'season'>;
  let dayForecast: (h: number, dow: number) => number;
  let c: number[];
  let weekdayMeanWeight = { h1: 1, hMax: 1 };
  const suspectDays: SuspectDay[] = [];
  if (observed >= MIN_HW_DAYS) {
    const fit = fitHw(y, dows);
    const totals = combineDayTotals(y, dows, fit.states, fit.params, H, dispersion, FALLBACK_DAY_SD ** 2);
    dayForecast = totals.total;
    c = totals.relVar;
    weekdayMeanWeight = { h1: 1 - totals.weights[1], hMax: 1 - totals.weights[H] };
    model = { method: 'holt-winters', params: fit.params, level: fit.state.level, trendPerDay: fit.state.trend, season: fit.state.season };
    for (let i = MIN_HW_DAYS; i < n; i++) {
      const v = y[i];
      const f = fit.oneStep[i];
      if (v === null || !(f > 0)) continue;
      const z = (v - f) / Math.sqrt(dispersion * f + c[1] * f * f);
      if (Math.abs(z) > 4) suspectDays.push({ date: addDays(first, i), offered: v, expected: f });
    }
    suspectDays.sort((a, b) => Math.abs(b.offered / b.expected - 1) - Math.abs(a.offered / a.expected - 1));
    suspectDays.splice(5);
  } else {
    const sum = new Array(7).fill(0);
    const cnt = new Array(7).fill(0);
    y.forEach((v, i) => {
      if (v === null) return;
      sum[dows[i]] += v;
      cnt[dows[i]]++;
    });
    const mean = sum.map((s, d) => (cnt[d] ? s / cnt[d] : 0));
    const overall = mean.reduce((a, b) => a + b, 0) / 7;
    dayForecast = (_h, dow) => mean[dow];
    c = new Array(H + 1).fill(FALLBACK_DAY_SD ** 2);
    model = { method: 'weekday-mean', params: null, level: overall, trendPerDay: 0, season: mean.map((m) => (overall > 0 ? m / overall : 0)) };
  }

  // AHT per weekday type and slot, with the recent level ratio, and its out-of-sample spread (aht.ts).
  const typeOf = new Array(7).fill(-1);
  profile.types.forEach((t, i) => t.forEach((d) => (typeOf[d] = i)));
  const ahtByDay = new Map<string, HistoryInterval[]>();
  for (const r of history) {
    if (excluded.has(r.localDate) || r.localDate <= addDays(last, -ahtDays - AHT_CHECK_DAYS)) continue;
    (ahtByDay.get(r.localDate) ?? ahtByDay.set(r.localDate, []).get(r.localDate)!).push(r);
  }
  const aht = fitAht(ahtByDay, last, ahtDays, typeOf);
  const ahtFor = aht.forecast;

  const pLo = (1 - level) / 2;
  const pHi = 1 - pLo;
  const intervals: ForecastInterval[] = [];
  const days: ForecastDay[] = [];
  for (const t of targets) {
    const h = daysBetween(last, t.date);
    const dow = dowOf(t.date);
    const total = dayForecast(h, dow);
    const ch = c[Math.min(h, c.length - 1)];
    // A local minute that occurs twice (the repeated hour when DST ends) shares its slot's contacts.
    const seen = new Map<number, number>();
    for (const s of t.slots) seen.set(s.localMinute, (seen.get(s.localMinute) ?? 0) + 1);
    let dayMean = 0;
    let ahtW = 0;
    let ahtS = 0;
    for (const s of t.slots) {
      const mu = (total * profile.share(dow, s.localMinute)) / seen.get(s.localMinute)!;
      const [lo, hi] = countQuantiles(mu, dispersion * mu + ch * mu * mu, pLo, pHi);
      const aht = mu > 0 ? ahtFor(dow, s.localMinute) : null;
      if (aht !== null) {
        ahtS += aht * mu;
        ahtW += mu;
      }
      dayMean += mu;
      intervals.push({ intervalStart: s.intervalStart, localDate: t.date, localMinute: s.localMinute, offered: mu, offeredLow: lo, offeredHigh: hi, ahtSeconds: aht, horizonDays: h });
    }
    const [lo, hi] = countQuantiles(dayMean, dispersion * dayMean + ch * dayMean * dayMean, pLo, pHi);
    days.push({ date: t.date, dow, horizonDays: h, offered: dayMean, offeredLow: lo, offeredHigh: hi, ahtSeconds: ahtW > 0 ? ahtS / ahtW : null, relVar: ch, ahtRelVar: aht.relVarAt(h) });
  }
  const cMax = c[Math.min(H, c.length - 1)];
  return {
    intervals,
    days,
    model: {
      ...model,
      historyFrom: first,
      historyTo: last,
      historyDays: observed,
      excludedDays: dates.filter((d) => excluded.has(d)).length,
      dispersion,
      daySd: { h1: Math.sqrt(c[1]), hMax: Math.sqrt(cMax) },
      weekdayMeanWeight,
      ahtRelVar: aht.relVar,
      ahtCv2: aht.cv2,
      weekdayTypes: profile.types,
      suspectDays,
      intervalLevel: level,
    },
  };
}
