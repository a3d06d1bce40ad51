/**
 * Realised vs forecast for `sla`: per queue and local day, the contacts and AHT that happened against
 *   - the forecast engine's prediction (source 'model'): the forecast `forecast <queue> <from>..<to>` shows, made
 *     from realised history before the range's first day (ranges over 28 days: one forecast per 28-day block,
 *     each from history before its first day), with its prediction band; a day outside the band is flagged;
 *   - the loaded plan (source 'plan'): the forecast_offered / forecast_aht_seconds columns of the realised rows,
 *     where loaded. A plan carries no band, so it is never flagged.
 * Only intervals that happened are compared (today so far: the intervals realised so far against their forecast).
 */
import { UsageError } from '../src/registry.js';
import type { Db } from '../src/warehouse/db.js';
import type { IntervalRow, QueueInfo } from '../src/warehouse/queries.js';
import { addDays } from '../src/time.js';
import { ahtBand, sumBand } from '../src/engines/forecast/index.js';
import { MAX_HORIZON_DAYS, queueForecast, type QueueForecastResult } from './forecast.js';

/** Coverage of the band a deviation is flagged against (the forecast's default). */
export const DEVIATION_LEVEL_PCT = 90;

export interface ForecastDeviation {
  source: 'model';
  /** The last realised day the forecast saw. */
  madeThrough: string;
  /** Days from madeThrough to the day (null on a multi-day total). */
  horizonDays: number | null;
  /** Realised intervals compared. */
  intervals: number;
  /** Contacts: realised, forecast over the same intervals, and the forecast's band (null on a multi-day total). */
  offered: number;
  forecastOffered: number;
  offeredLow: number | null;
  offeredHigh: number | null;
  /** (realised − forecast) / forecast × 100; null when the forecast is 0. */
  volumeDeviationPct: number | null;
  /** AHT: realised and forecast, both weighted by the realised handled contacts of each interval. */
  ahtSeconds: number | null;
  forecastAhtSeconds: number | null;
  ahtLow: number | null;
  ahtHigh: number | null;
  ahtDeviationPct: number | null;
  /** Realised outside the band (a multi-day total: on any of its days). */
  volumeFlag: boolean;
  ahtFlag: boolean;
  /** Multi-day totals: days with a flag of either kind. */
  daysFlagged: number | null;
  levelPct: number;
}

export interface PlanDeviation {
  source: 'plan';
  /** Realised intervals that carry a loaded forecast_offered. */
  intervals: number;
  offered: number;
  planOffered: number;
  volumeDeviationPct: number | null;
  ahtSeconds: number | null;
  planAhtSeconds: number | null;
  ahtDeviationPct: number | null;
}

export interface DayDeviation {
  forecast: ForecastDeviation | null;
  plan: PlanDeviation | null;
}

export interface QueueDeviation {
  total: DayDeviation;
  days: Map<string, DayDeviation>;
  /** Why there is no model forecast for some or all days (too little history, a gap too long), or null. */
  note: string | null;
}

const devPct = (realised: number, forecast: number): number | null => (forecast > 0 ? ((realised - forecast) / forecast) * 100 : null);
const round = (x: number | null, d = 1) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

interface Sums {
  n: number;
  offered: number;
  fOffered: number;
  /** Handled-weighted AHT pairs over intervals with both. */
  hw: number;
  aht: number;
  fAht: number;
}
const emptySums = (): Sums => ({ n: 0, offered: 0, fOffered: 0, hw: 0, aht: 0, fAht: 0 });

function add(s: Sums, offered: number, fOffered: number, r: IntervalRow, fAht: number | null): void {
  s.n++;
  s.offered += offered;
  s.fOffered += fOffered;
  if (r.ahtSeconds !== null && r.handled > 0 && fAht !== null) {
    s.hw += r.handled;
    s.aht += r.handled * r.ahtSeconds;
    s.fAht += r.handled * fAht;
  }
}

/** A day's deviation (its bands given), or a multi-day total (`days`: the flags of its days). */
function modelDeviation(
  s: Sums,
  madeThrough: string,
  horizonDays: number | null,
  band: { offered: [number, number] | null; aht: [number, number] | null },
  days: readonly ForecastDeviation[] | null,
): ForecastDeviation {
  const aht = s.hw > 0 ? s.aht / s.hw : null;
  const fAht = s.hw > 0 ? s.fAht / s.hw : null;
  const volumeFlag = days ? days.some((d) => d.volumeFlag) : !!band.offered && (s.offered < band.offered[0] || s.offered > band.offered[1]);
  const ahtFlag = days ? days.some((d) => d.ahtFlag) : !!band.aht && aht !== null && (aht < band.aht[0] || aht > band.aht[1]);
  return {
    source: 'model',
    madeThrough,
    horizonDays,
    intervals: s.n,
    offered: s.offered,
    forecastOffered: round(s.fOffered)!,
    offeredLow: band.offered?.[0] ?? null,
    offeredHigh: band.offered?.[1] ?? null,
    volumeDeviationPct: round(devPct(s.offered, s.fOffered)),
    ahtSeconds: round(aht),
    forecastAhtSeconds: round(fAht),
    ahtLow: round(band.aht?.[0] ?? null),
    ahtHigh: round(band.aht?.[1] ?? null),
    ahtDeviationPct: aht !== null && fAht !== null ? round(devPct(aht, fAht)) : null,
    volumeFlag,
    ahtFlag,
    daysFlagged: days ? days.filter((d) => d.volumeFlag || d.ahtFlag).length : null,
    levelPct: DEVIATION_LEVEL_PCT,
  };
}

function planDeviation(s: Sums): PlanDeviation | null {
  if (!s.n) return null;
  const aht = s.hw > 0 ? s.aht / s.hw : null;
  const fAht = s.hw > 0 ? s.fAht / s.hw : null;
  return {
    source: 'plan',
    intervals: s.n,
    offered: s.offered,
    planOffered: round(s.fOffered)!,
    volumeDeviationPct: round(devPct(s.offered, s.fOffered)),
    ahtSeconds: round(aht),
    planAhtSeconds: round(fAht),
    ahtDeviationPct: aht !== null && fAht !== null ? round(devPct(aht, fAht)) : null,
  };
}

/**
 * Realised vs forecast and vs plan for one queue over the realised `rows` (interval rows of local dates
 * from..to, realised only). `now` is the clock: the forecast of a range that includes today sees history before today.
 */
export function queueDeviation(db: Db, q: QueueInfo, rows: readonly IntervalRow[], o: { now: Date; defaultTz: string }): QueueDeviation {
  const dates = [...new Set(rows.map((r) => r.localDate))].sort();
  const forecasts: QueueForecastResult[] = [];
  const notes: string[] = [];
  // One forecast per block of at most MAX_HORIZON_DAYS days, each from history before its first day.
  for (let i = 0; i < dates.length; ) {
    const from = dates[i];
    const limit = addDays(from, MAX_HORIZON_DAYS - 1);
    let j = i;
    while (j + 1 < dates.length && dates[j + 1] <= limit) j++;
    try {
      forecasts.push(queueForecast(db, q, from, dates[j], { now: o.now, defaultTz: o.defaultTz, levelPct: DEVIATION_LEVEL_PCT }));
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      notes.push(err.message);
    }
    i = j + 1;
  }
  const fcByStart = new Map<string, { offered: number; ahtSeconds: number | null }>();
  const fcDay = new Map<string, { fc: QueueForecastResult; relVar: number; ahtRelVar: number; horizonDays: number }>();
  for (const fc of forecasts) {
    for (const iv of fc.intervals) fcByStart.set(iv.intervalStart, iv);
    for (const d of fc.days) fcDay.set(d.date, { fc, relVar: d.relVar, ahtRelVar: d.ahtRelVar, horizonDays: d.horizonDays });
  }
  const level = DEVIATION_LEVEL_PCT / 100;
  const modelDays = new Map<string, Sums>();
  const planDays = new Map<string, Sums>();
  for (const r of rows) {
    const f = fcByStart.get(r.intervalStart);
    if (f && fcDay.has(r.localDate)) {
      if (!modelDays.has(r.localDate)) modelDays.set(r.localDate, emptySums());
      add(modelDays.get(r.localDate)!, r.offered, f.offered, r, f.ahtSeconds);
    }
    if (r.forecastOffered !== null) {
      if (!planDays.has(r.localDate)) planDays.set(r.localDate, emptySums());
      add(planDays.get(r.localDate)!, r.offered, r.forecastOffered, r, r.forecastAhtSeconds);
    }
  }
  const days = new Map<string, DayDeviation>();
  const modelTotal = emptySums();
  const planTotal = emptySums();
  const dayForecasts: ForecastDeviation[] = [];
  for (const d of dates) {
    const m = modelDays.get(d);
    let forecast: ForecastDeviation | null = null;
    if (m) {
      const { fc, relVar, ahtRelVar, horizonDays } = fcDay.get(d)!;
      const band = { offered: sumBand(m.fOffered, fc.model.dispersion, relVar, level), aht: ahtBand(m.hw > 0 ? m.fAht / m.hw : null, m.hw, ahtRelVar, level, fc.model.ahtCv2) };
      forecast = modelDeviation(m, fc.historyTo, horizonDays, band, null);
      dayForecasts.push(forecast);
      merge(modelTotal, m);
    }
    const p = planDays.get(d);
    if (p) merge(planTotal, p);
    days.set(d, { forecast, plan: p ? planDeviation(p) : null });
  }
  let total: DayDeviation;
  if (dates.length === 1) total = days.get(dates[0]) ?? { forecast: null, plan: null };
  else total = { forecast: modelTotal.n ? modelDeviation(modelTotal, forecasts[0].historyTo, null, { offered: null, aht: null }, dayForecasts) : null, plan: planDeviation(planTotal) };
  return { total, days, note: notes.length ? [...new Set(notes)].join(' ') : null };
}

function merge(into: Sums, s: Sums): void {
  into.n += s.n;
  into.offered += s.offered;
  into.fOffered += s.fOffered;
  into.hw += s.hw;
  into.aht += s.aht;
  into.fAht += s.fAht;
}
