/**
 * Rolling-origin backtest of the forecast against two simple peers, per horizon h (days ahead):
 *
 *  - seasonal naive: the same local slot on the latest same weekday the origin has seen (h ≤ 7: last week);
 *  - 4-week mean: the mean of that slot over the latest four same weekdays the origin has seen.
 *
 * Every target day d in the last `weeks` weeks of history (excluded days are neither fitted nor scored) is
 * forecast from origin d − h with only the days ≤ d − h. Scores over all of the day's intervals:
 *   WAPE = Σ|y − ŷ| / Σy;   MASE = mean|y − ŷ| / mean|y_t − y_{t−7 days}| (in-sample, history before the
 *   first origin);   coverage = share of intervals (forecast or actual > 0) inside the prediction interval;
 *   ahtCoverage = share of days whose realised AHT is inside `ahtBand` of the forecast AHT of the same contacts.
 * Cost: one forecastQueue per origin (≤ 7·weeks + max h origins).
 */
import { ahtBand, forecastQueue, MIN_HISTORY_DAYS, type HistoryInterval, type ForecastOptions } from './forecast.js';
import { addDays } from './dates.js';

export interface MethodScore {
  wape: number;
  mase: number;
}

export interface HorizonScore {
  horizonDays: number;
  /** Target days scored at this horizon. */
  days: number;
  intervals: number;
  /** Σ realised contacts of the scored intervals (WAPE's denominator: pools queues as Σ wape·total / Σ total). */
  offeredTotal: number;
  forecast: MethodScore;
  seasonalNaive: MethodScore;
  weekdayMean4: MethodScore;
  /** Share of intervals inside the prediction interval (nominal = `level`). */
  coverage: number;
  /** Target days whose 4-week mean had fewer than four same weekdays to average (short history). */
  shortMeanDays: number;
  /** Share of target days whose realised AHT (handled-weighted) is inside `ahtBand` of the forecast AHT. */
  ahtCoverage: number;
  /** Target days with handled contacts and a forecast AHT (ahtCoverage's denominator). */
  ahtDays: number;
}

export interface BacktestOptions extends ForecastOptions {
  weeks?: number;
  horizons?: number[];
  /** Least history days at an origin (default 14: two weeks). */
  minHistoryDays?: number;
}

export interface BacktestResult {
  from: string;
  to: string;
  horizons: HorizonScore[];
  level: number;
}

interface DayAgg {
  dow: number;
  total: number;
  slots: Map<number, number>;
  /** Handled contacts and Σ AHT·handled per slot. */
  handled: Map<number, { n: number; ahtSum: number }>;
}

export function backtestQueue(history: readonly HistoryInterval[], o: BacktestOptions = {}): BacktestResult {
  const weeks = o.weeks ?? 8;
  const horizons = o.horizons ?? [1, 7, 14];
  const minHistory = Math.max(MIN_HISTORY_DAYS, o.minHistoryDays ?? 14);
  const excluded = o.excluded ?? new Set<string>();
  const level = o.level ?? 0.9;
  const rows = [...history].sort((a, b) => (a.localDate < b.localDate ? -1 : a.localDate > b.localDate ? 1 : a.localMinute - b.localMinute));
  const days = new Map<string, DayAgg>();
  for (const r of rows) {
    let d = days.get(r.localDate);
    if (!d) days.set(r.localDate, (d = { dow: r.localDow, total: 0, slots: new Map(), handled: new Map() }));
    d.total += r.offered;
    d.slots.set(r.localMinute, (d.slots.get(r.localMinute) ?? 0) + r.offered);
    if (r.ahtSeconds !== null && r.handled > 0) {
      const h = d.handled.get(r.localMinute) ?? { n: 0, ahtSum: 0 };
      h.n += r.handled;
      h.ahtSum += r.ahtSeconds * r.handled;
      d.handled.set(r.localMinute, h);
    }
  }
  const dates = [...days.keys()].sort();
  if (!dates.length) return { from: '', to: '', horizons: [], level };
  const last = dates[dates.length - 1];
  const evalFrom = addDays(last, -7 * weeks + 1);
  const targets = dates.filter((d) => d >= evalFrom && !excluded.has(d));
  const usableBefore = (o2: string) => dates.filter((d) => d <= o2 && !excluded.has(d)).length;

  // Same-weekday reference days an origin has seen, newest first.
  const refs = (d: string, origin: string, k: number): string[] => {
    const out: string[] = [];
    for (let w = 1; w <= 60 && out.length < k; w++) {
      const r = addDays(d, -7 * w);
      if (r > origin) continue;
      if (r < dates[0]) break;
      if (days.has(r) && !excluded.has(r)) out.push(r);
    }
    return out;
  };

  // In-sample seasonal-naive MAE (lag 7 days) before the first origin: MASE's scale.
  const firstOrigin = addDays(evalFrom, -Math.max(...horizons));
  let scaleSum = 0;
  let scaleN = 0;
  for (const d of dates) {
    if (d > firstOrigin) break;
    const prev = days.get(addDays(d, -7));
    if (!prev || excluded.has(d) || excluded.has(addDays(d, -7))) continue;
    for (const [m, c] of days.get(d)!.slots) {
      scaleSum += Math.abs(c - (prev.slots.get(m) ?? 0));
      scaleN++;
    }
  }
  // Too little history before the window: scale on all of it (stated as in-sample either way).
  if (!scaleN) {
    for (const d of dates) {
      const prev = days.get(addDays(d, -7));
      if (!prev || excluded.has(d)) continue;
      for (const [m, c] of days.get(d)!.slots) {
        scaleSum += Math.abs(c - (prev.slots.get(m) ?? 0));
        scaleN++;
      }
    }
  }
  const scale = scaleN ? scaleSum / scaleN : NaN;

  // Origin → the (target, horizon) pairs it forecasts.
  const byOrigin = new Map<string, { date: string; h: number }[]>();
  for (const h of horizons) {
    for (const d of targets) {
      const origin = addDays(d, -h);
      if (usableBefore(origin) < minHistory) continue;
      if (!refs(d, origin, 1).length) continue;
      const list = byOrigin.get(origin) ?? [];
      list.push({ date: d, h });
      byOrigin.set(origin, list);
    }
  }
  const acc = new Map<number, { days: number; n: number; y: number; f: number; sn: number; m4: number; inside: number; counted: number; short: number; ahtIn: number; ahtDays: number }>();
  for (const h of horizons) acc.set(h, { days: 0, n: 0, y: 0, f: 0, sn: 0, m4: 0, inside: 0, counted: 0, short: 0, ahtIn: 0, ahtDays: 0 });

  let end = 0;
  for (const origin of [...byOrigin.keys()].sort()) {
    while (end < rows.length && rows[end].localDate <= origin) end++;
    const pairs = byOrigin.get(origin)!;
    const uniq = [...new Set(pairs.map((p) => p.date))].sort();
    const fc = forecastQueue(rows.slice(0, end), uniq.map((d) => ({ date: d, slots: [...days.get(d)!.slots.keys()].sort((a, b) => a - b).map((m) => ({ intervalStart: `${d}/${m}`, localMinute: m })) })), { ...o, excluded, level });
    const byKey = new Map(fc.intervals.map((i) => [i.intervalStart, i]));
    for (const p of pairs) {
      const a = acc.get(p.h)!;
      const day = days.get(p.date)!;
      const r4 = refs(p.date, origin, 4);
      const sn = days.get(r4[0])!;
      a.days++;
      if (r4.length < 4) a.short++;
      for (const [m, y] of day.slots) {
        const f = byKey.get(`${p.date}/${m}`)!;
        const snv = sn.slots.get(m) ?? 0;
        const m4 = r4.reduce((s, r) => s + (days.get(r)!.slots.get(m) ?? 0), 0) / r4.length;
        a.n++;
        a.y += y;
        a.f += Math.abs(y - f.offered);
        a.sn += Math.abs(y - snv);
        a.m4 += Math.abs(y - m4);
        if (f.offered > 0 || y > 0) {
          a.counted++;
          if (y >= f.offeredLow && y <= f.offeredHigh) a.inside++;
        }
      }
      // The day's realised AHT against the forecast AHT of the same contacts (weighted by realised handled).
      let handled = 0;
      let real = 0;
      let fAht = 0;
      for (const [m, hd] of day.handled) {
        const f = byKey.get(`${p.date}/${m}`)!.ahtSeconds;
        if (f === null) continue;
        handled += hd.n;
        real += hd.ahtSum;
        fAht += f * hd.n;
      }
      const tau2 = fc.days.find((x) => x.date === p.date)!.ahtRelVar;
      const band = handled > 0 ? ahtBand(fAht / handled, handled, tau2, level, fc.model.ahtCv2) : null;
      if (band) {
        a.ahtDays++;
        if (real / handled >= band[0] && real / handled <= band[1]) a.ahtIn++;
      }
    }
  }
  const score = (abs: number, a: { n: number; y: number }): MethodScore => ({ wape: a.y > 0 ? abs / a.y : NaN, mase: a.n && scale > 0 ? abs / a.n / scale : NaN });
  return {
    from: targets[0] ?? evalFrom,
    to: last,
    level,
    horizons: horizons.map((h) => {
      const a = acc.get(h)!;
      return {
        horizonDays: h,
        days: a.days,
        intervals: a.n,
        offeredTotal: a.y,
        forecast: score(a.f, a),
        seasonalNaive: score(a.sn, a),
        weekdayMean4: score(a.m4, a),
        coverage: a.counted ? a.inside / a.counted : NaN,
        shortMeanDays: a.short,
        ahtCoverage: a.ahtDays ? a.ahtIn / a.ahtDays : NaN,
        ahtDays: a.ahtDays,
      };
    }),
  };
}
