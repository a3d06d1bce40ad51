/**
 * AHT forecast per weekday type × slot, and the spread of a realised AHT around it, measured out of sample.
 *
 *   forecast(dow, slot) = base(type(dow), slot) · ratio
 *   base  = handled-weighted AHT of the slot over the window's days of that weekday type (the window's
 *           queue AHT where the slot has none); ratio = last 7 days' queue AHT ÷ the window's (a recent step
 *           carries forward).
 *
 * A realised AHT over `handled` contacts has relative variance  τ² + κ²/handled:
 *   κ² (squared coefficient of variation of single handle times) from the interval AHTs around their day's
 *      level: each interval's AHT is a mean of `handled_i` handle times, so handled_i·(a_i / (base_i·f_d) − 1)²
 *      has expectation κ² (f_d = the day's AHT ÷ its base), corrected for the one factor fitted per day;
 *   τ²_h (day-level variation beyond that noise) from h-day-ahead forecasts (h = 1 and 7) of the last
 *      AHT_CHECK_DAYS history days, each made from the days up to h days before it only: mean of
 *      (realised_d / forecast_d − 1)² − κ²/handled_d; between 1 and 7 days interpolated, beyond 7 the 7-day
 *      value, never below the 1-day one.
 * Under AHT_MIN_DAYS checked days τ²_1 = FALLBACK_AHT_SD² (τ²_7 at least that). Cost O(AHT_CHECK_DAYS · window rows).
 */
import { addDays } from './dates.js';

/** The fields of a history interval the AHT model reads (forecast.ts AhtRow has them). */
export interface AhtRow {
  localDate: string;
  localMinute: number;
  localDow: number;
  handled: number;
  ahtSeconds: number | null;
}

const RECENT_DAYS = 7;
/** History days checked one day ahead for τ². */
export const AHT_CHECK_DAYS = 14;
const AHT_MIN_DAYS = 5;
/** Relative day-AHT sd assumed when fewer than AHT_MIN_DAYS days measure one. */
export const FALLBACK_AHT_SD = 0.1;

export interface AhtModel {
  /** Forecast AHT of a slot on weekday `dow` (null when the window handled nothing). */
  forecast(dow: number, minute: number): number | null;
  /** τ² one day ahead: relative variance of a day's AHT beyond handle-time noise, out of sample. */
  relVar: number;
  /** τ² at horizon h days (interpolated between the 1- and 7-day measurements, the 7-day one beyond). */
  relVarAt(h: number): number;
  /** κ²: squared coefficient of variation of single handle times. */
  cv2: number;
}

function weightedAht(rows: readonly AhtRow[]): number | null {
  let s = 0;
  let w = 0;
  for (const r of rows) {
    if (r.ahtSeconds === null || !(r.handled > 0)) continue;
    s += r.ahtSeconds * r.handled;
    w += r.handled;
  }
  return w > 0 ? s / w : null;
}

/** The base × ratio forecast from `rows` (the window's usable rows, all on or before `last`). */
function fitSlots(rows: readonly AhtRow[], last: string, typeOf: readonly number[]): { base: (dow: number, minute: number) => number | null; ratio: number } {
  const recentFrom = addDays(last, -RECENT_DAYS);
  const recent = weightedAht(rows.filter((r) => r.localDate > recentFrom));
  const window = weightedAht(rows);
  const ratio = recent !== null && window !== null && window > 0 ? recent / window : 1;
  // Key: type · 1440 + local minute.
  const slot = new Map<number, { s: number; w: number }>();
  for (const r of rows) {
    if (r.ahtSeconds === null || !(r.handled > 0)) continue;
    const k = typeOf[r.localDow] * 1440 + r.localMinute;
    const a = slot.get(k);
    if (a) {
      a.s += r.ahtSeconds * r.handled;
      a.w += r.handled;
    } else slot.set(k, { s: r.ahtSeconds * r.handled, w: r.handled });
  }
  return {
    base: (dow, minute) => {
      const a = slot.get(typeOf[dow] * 1440 + minute);
      return a && a.w > 0 ? a.s / a.w : window;
    },
    ratio,
  };
}

/** Handled-weighted realised and forecast AHT of one day's rows, and its handled count. */
function dayPair(rows: readonly AhtRow[], f: (dow: number, minute: number) => number | null): { real: number; fc: number; handled: number } | null {
  let real = 0;
  let fc = 0;
  let w = 0;
  for (const r of rows) {
    if (r.ahtSeconds === null || !(r.handled > 0)) continue;
    const p = f(r.localDow, r.localMinute);
    if (p === null) continue;
    real += r.ahtSeconds * r.handled;
    fc += p * r.handled;
    w += r.handled;
  }
  return w > 0 && fc > 0 ? { real: real / w, fc: fc / w, handled: w } : null;
}

/**
 * The AHT model at the origin `last` from `byDay` (usable history rows per local date, excluded days left
 * out), over a window of `windowDays` days; `typeOf[dow]` = the weekday's profile type.
 */
export function fitAht(byDay: ReadonlyMap<string, readonly AhtRow[]>, last: string, windowDays: number, typeOf: readonly number[]): AhtModel {
  const dates = [...byDay.keys()].sort();
  const windowDates = (end: string) => {
    const from = addDays(end, -windowDays);
    return dates.filter((d) => d <= end && d > from);
  };
  const windowRows = (end: string) => windowDates(end).flatMap((d) => byDay.get(d)!);
  const rows = windowRows(last);
  const { base, ratio } = fitSlots(rows, last, typeOf);

  // κ²: interval AHTs around base × the day's own factor.
  let k2 = 0;
  let nIntervals = 0;
  let nDays = 0;
  for (const d of windowDates(last)) {
    const day = byDay.get(d)!;
    const pair = dayPair(day, base);
    if (!pair) continue;
    const factor = pair.real / pair.fc;
    let n = 0;
    for (const r of day) {
      const b = base(r.localDow, r.localMinute);
      if (r.ahtSeconds === null || !(r.handled > 0) || b === null || !(b > 0)) continue;
      k2 += r.handled * (r.ahtSeconds / (b * factor) - 1) ** 2;
      n++;
    }
    if (n) {
      nIntervals += n;
      nDays++;
    }
  }
  const cv2 = nIntervals > nDays ? k2 / (nIntervals - nDays) : 1;

  // τ² at 1 and 7 days ahead: each of the last AHT_CHECK_DAYS days forecast from the days up to h days before it.
  const tau2 = (h: number, fallback: number): number => {
    const terms: number[] = [];
    for (const d of dates.filter((x) => x <= last).slice(-AHT_CHECK_DAYS)) {
      const origin = addDays(d, -h);
      const priorDates = windowDates(origin);
      if (priorDates.length < RECENT_DAYS) continue;
      const m = fitSlots(priorDates.flatMap((x) => byDay.get(x)!), origin, typeOf);
      const pair = dayPair(byDay.get(d)!, (dow, minute) => {
        const b = m.base(dow, minute);
        return b === null ? null : b * m.ratio;
      });
      if (pair) terms.push((pair.real / pair.fc - 1) ** 2 - cv2 / pair.handled);
    }
    return terms.length >= AHT_MIN_DAYS ? Math.max(0, terms.reduce((a, b) => a + b, 0) / terms.length) : fallback;
  };
  const relVar = tau2(1, FALLBACK_AHT_SD ** 2);
  const relVar7 = Math.max(relVar, tau2(7, Math.max(relVar, FALLBACK_AHT_SD ** 2)));
  return {
    forecast: (dow, minute) => {
      const b = base(dow, minute);
      return b === null ? null : b * ratio;
    },
    relVar,
    relVarAt: (h) => (h <= 1 ? relVar : h >= 7 ? relVar7 : relVar + ((relVar7 - relVar) * (h - 1)) / 6),
    cv2,
  };
}
