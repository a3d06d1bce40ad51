import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createRng, type Rng } from '../src/engines/shared/rng.js';
import { forecastQueue, backtestQueue, countQuantiles, normalQuantile, buildProfile, sumBand, ahtBand, type HistoryInterval, type TargetDay } from '../src/engines/forecast/index.js';

const DAY = 86_400_000;
const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const dow = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay();

/** Exact Poisson draw by inversion (the shared rng's normal approximation above λ = 30 would blur coverage). */
function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 500) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
  const u = rng.next();
  let k = 0;
  let p = Math.exp(-lambda);
  let cdf = p;
  while (cdf < u && k < 10_000) {
    k++;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

// The pattern the series is built from (the test's own truth, not the engine's).
const WEEKLY = [0, 1.3, 1.1, 1.05, 1.0, 0.9, 0.35]; // Sunday closed, Monday peak, Saturday low
const SLOTS = Array.from({ length: 20 }, (_, i) => 480 + 30 * i); // 08:00–17:30
/** Two-peak weekday shape; Saturday is open 09:00–13:00 only, flat. */
function shape(d: number): Map<number, number> {
  const raw = new Map<number, number>();
  for (const m of SLOTS) {
    if (d === 6) raw.set(m, m >= 540 && m < 780 ? 1 : 0);
    else raw.set(m, Math.exp(-(((m - 630) / 60) ** 2)) + 0.8 * Math.exp(-(((m - 840) / 70) ** 2)) + 0.1);
  }
  const total = [...raw.values()].reduce((a, b) => a + b, 0);
  return new Map([...raw].map(([m, v]) => [m, v / total]));
}
const SHAPES = Array.from({ length: 7 }, (_, d) => shape(d));

function expected(date: string, level: number, t: number, growthPerDay: number): Map<number, number> {
  const total = level * (1 + growthPerDay * t) * WEEKLY[dow(date)];
  return new Map([...SHAPES[dow(date)]].map(([m, s]) => [m, total * s]));
}

function series(start: string, days: number, level: number, o: { rng?: Rng; growthPerDay?: number; aht?: number } = {}): HistoryInterval[] {
  const out: HistoryInterval[] = [];
  for (let i = 0; i < days; i++) {
    const date = addDays(start, i);
    for (const [m, mu] of expected(date, level, i, o.growthPerDay ?? 0)) {
      const offered = o.rng ? poisson(o.rng, mu) : mu;
      out.push({ localDate: date, localMinute: m, localDow: dow(date), offered, handled: offered, ahtSeconds: offered > 0 ? o.aht ?? 300 : null });
    }
  }
  return out;
}

const targetsFrom = (start: string, n: number): TargetDay[] =>
  Array.from({ length: n }, (_, i) => {
    const date = addDays(start, i);
    return { date, slots: SLOTS.map((m) => ({ intervalStart: `${date}/${m}`, localMinute: m })) };
  });

describe('forecast: a known weekly × intraday pattern is recovered', () => {
  it('noise-free series: every interval of the next 14 days equals the pattern', () => {
    const hist = series('2026-01-04', 84, 1000); // 12 weeks from a Sunday
    const f = forecastQueue(hist, targetsFrom('2026-03-29', 14));
    for (const i of f.intervals) {
      const truth = expected(i.localDate, 1000, 0, 0).get(i.localMinute)!;
      expect(Math.abs(i.offered - truth)).toBeLessThan(1e-6 * 1000 + 1e-9);
    }
    // The weekly season as the model holds it matches WEEKLY up to its normalisation.
    const s = f.model.season;
    for (let d = 1; d < 7; d++) expect(s[d] / s[1]).toBeCloseTo(WEEKLY[d] / WEEKLY[1], 6);
    expect(s[0]).toBe(0);
    // Saturday's short day is its own weekday type.
    expect(f.model.weekdayTypes).toContainEqual([6]);
  });

  it('Poisson series with slow growth: day totals within 4 % over 14 days ahead and the intraday shape within 0.01 share', () => {
    const rng = createRng(11);
    const growth = 0.0005; // +0.05 % a day (about 20 % a year)
    const hist = series('2026-01-04', 140, 2000, { rng, growthPerDay: growth });
    const f = forecastQueue(hist, targetsFrom(addDays('2026-01-04', 140), 14));
    for (const d of f.days) {
      if (dow(d.date) === 0) {
        expect(d.offered).toBe(0);
        continue;
      }
      const t = Math.round((Date.parse(`${d.date}T00:00:00Z`) - Date.parse('2026-01-04T00:00:00Z')) / DAY);
      const truth = 2000 * (1 + growth * t) * WEEKLY[dow(d.date)];
      expect(Math.abs(d.offered / truth - 1)).toBeLessThan(0.04);
      // Shape of the day: forecast shares vs the pattern's.
      for (const i of f.intervals.filter((x) => x.localDate === d.date)) expect(Math.abs(i.offered / d.offered - SHAPES[dow(d.date)].get(i.localMinute)!)).toBeLessThan(0.01);
    }
    expect(f.model.dispersion).toBeGreaterThan(0.9);
    expect(f.model.dispersion).toBeLessThan(1.3);
  });

  it('excluded days are left out: a planted spike moves the forecast only while it is included', () => {
    const hist = series('2026-01-04', 84, 1000);
    const spikeDay = addDays('2026-01-04', 80); // a Thursday, four days before the origin
    const spiked = hist.map((r) => (r.localDate === spikeDay ? { ...r, offered: r.offered * 10 } : r));
    const targets = targetsFrom('2026-03-29', 7);
    const clean = forecastQueue(hist, targets).days.map((d) => d.offered);
    const withSpike = forecastQueue(spiked, targets).days.map((d) => d.offered);
    const excluded = forecastQueue(spiked, targets, { excluded: new Set([spikeDay]) });
    expect(Math.max(...withSpike.map((v, i) => Math.abs(v - clean[i])))).toBeGreaterThan(10);
    excluded.days.forEach((d, i) => expect(d.offered).toBeCloseTo(clean[i], 6));
    expect(excluded.model.excludedDays).toBe(1);
    // …and the spike is named as an unusual day while it counts.
    expect(forecastQueue(spiked, targets).model.suspectDays.map((s) => s.date)).toContain(spikeDay);
  });

  it('AHT follows a recent step change', () => {
    const early = series('2026-01-04', 70, 800, { aht: 300 });
    const late = series('2026-03-15', 14, 800, { aht: 360 }).map((r) => r);
    const f = forecastQueue([...early, ...late], targetsFrom('2026-03-29', 3));
    for (const d of f.days) if (d.offered > 0) expect(d.ahtSeconds!).toBeCloseTo(360, 0);
  });

  it('too little history or targets inside the history are refused with a reason', () => {
    const hist = series('2026-01-04', 5, 100);
    expect(() => forecastQueue(hist, targetsFrom('2026-01-10', 1))).toThrow(/at least 7 days/);
    const longer = series('2026-01-04', 21, 100);
    expect(() => forecastQueue(longer, targetsFrom('2026-01-20', 1))).toThrow(/not after the history/);
  });
});

describe('forecast: prediction intervals', () => {
  it('cover about the nominal share of simulated Poisson intervals (90 % and 80 %)', () => {
    const rng = createRng(5);
    const hist = series('2026-01-04', 112, 600, { rng });
    const targets = targetsFrom(addDays('2026-01-04', 112), 7);
    for (const level of [0.9, 0.8]) {
      const f = forecastQueue(hist, targets, { level });
      let inside = 0;
      let n = 0;
      // Many futures drawn from the true pattern: the share inside the band estimates coverage.
      for (let rep = 0; rep < 40; rep++) {
        for (const i of f.intervals) {
          const mu = expected(i.localDate, 600, 0, 0).get(i.localMinute)!;
          if (mu <= 0) continue;
          const y = poisson(rng, mu);
          n++;
          if (y >= i.offeredLow && y <= i.offeredHigh) inside++;
        }
      }
      expect(Math.abs(inside / n - level)).toBeLessThan(0.05);
    }
  });

  it('backtest coverage on a Poisson series with day-level noise is near nominal', () => {
    const rng = createRng(9);
    // Day multiplier lognormal (sd ≈ 8 %) on top of Poisson counts: the band must widen for it.
    const hist: HistoryInterval[] = [];
    for (let i = 0; i < 168; i++) {
      const date = addDays('2026-01-04', i);
      const mult = Math.exp(0.08 * rng.normal() - 0.0032);
      for (const [m, mu] of expected(date, 1500, 0, 0)) {
        const offered = poisson(rng, mu * mult);
        hist.push({ localDate: date, localMinute: m, localDow: dow(date), offered, handled: offered, ahtSeconds: 300 });
      }
    }
    const r = backtestQueue(hist, { weeks: 6, horizons: [1, 7] });
    for (const h of r.horizons) {
      expect(h.days).toBeGreaterThan(30);
      expect(h.coverage).toBeGreaterThan(0.84);
      expect(h.coverage).toBeLessThan(0.96);
      // Beats both peers on this series at each horizon.
      expect(h.forecast.wape).toBeLessThan(h.seasonalNaive.wape);
      expect(h.forecast.wape).toBeLessThan(h.weekdayMean4.wape);
    }
  });

  it('count quantiles match hand-computed Poisson and negative-binomial CDFs', () => {
    // Poisson(2): CDF 0.135, 0.406, 0.677, 0.857, 0.947, 0.983 → 5 % at 0, 95 % at 5, 50 % at 2.
    expect(countQuantiles(2, 2, 0.05, 0.95)).toEqual([0, 5]);
    expect(countQuantiles(2, 2, 0.5, 0.5)).toEqual([2, 2]);
    // NB with mean 10, variance 20: r = 10, p = 0.5; pmf(k) = C(k+9, k) / 2^(k+10), summed here independently.
    const choose = (n: number, k: number) => {
      let c = 1;
      for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
      return c;
    };
    const cdf: number[] = [];
    let s = 0;
    for (let k = 0; k < 80; k++) cdf.push((s += choose(k + 9, k) / 2 ** (k + 10)));
    const q = (p: number) => cdf.findIndex((c) => c >= p);
    expect(countQuantiles(10, 20, 0.05, 0.95)).toEqual([q(0.05), q(0.95)]);
    expect(countQuantiles(10, 20, 0.1, 0.9)).toEqual([q(0.1), q(0.9)]);
  });

  it('normal quantile reproduces published values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.05)).toBeCloseTo(-1.644854, 5);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232, 5);
  });

  it('bands always contain the mean and widen with the variance (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 5, max: 3000, noNaN: true }), fc.double({ min: 1, max: 4, noNaN: true }), (mu, k) => {
        const [lo, hi] = countQuantiles(mu, mu * k, 0.05, 0.95);
        const [lo2, hi2] = countQuantiles(mu, mu * k * 2, 0.05, 0.95);
        return lo <= mu && mu <= hi + 1 && lo2 <= lo && hi2 >= hi;
      }),
      { numRuns: 200 },
    );
  });
});

describe('forecast: intraday profile', () => {
  it('pools weekdays of one type whose shapes differ only by noise, and keeps a shape that really differs', () => {
    const rng = createRng(3);
    const days = [] as { dow: number; slots: Map<number, number>; total: number }[];
    for (let w = 0; w < 8; w++) {
      for (let d = 1; d <= 5; d++) {
        const slots = new Map<number, number>();
        for (const m of SLOTS) {
          // Friday (5) is busier in the afternoon; Monday–Thursday share one shape.
          const base = SHAPES[1].get(m)! * (d === 5 ? (m >= 780 ? 1.6 : 0.6) : 1);
          slots.set(m, poisson(rng, 400 * base));
        }
        days.push({ dow: d, slots, total: [...slots.values()].reduce((a, b) => a + b, 0) });
      }
    }
    const p = buildProfile(days);
    expect(p.types).toEqual([[1, 2, 3, 4, 5]]);
    for (let d = 1; d <= 4; d++) expect(p.ownWeight[d]).toBeLessThan(0.5);
    expect(p.ownWeight[5]).toBeGreaterThan(0.8);
  });
});

describe('forecast: bands of sums and of AHT (what sla flags deviations against)', () => {
  it("sumBand of a day's whole forecast is the day's own band; of part of the day it is narrower in absolute terms", () => {
    const rng = createRng(5);
    const hist = series('2026-01-04', 70, 1500, { rng });
    const f = forecastQueue(hist, targetsFrom('2026-03-15', 7));
    for (const d of f.days) {
      if (!(d.offered > 0)) continue;
      expect(sumBand(d.offered, f.model.dispersion, d.relVar, 0.9)).toEqual([d.offeredLow, d.offeredHigh]);
      const [lo, hi] = sumBand(d.offered / 2, f.model.dispersion, d.relVar, 0.9);
      expect(hi - lo).toBeLessThan(d.offeredHigh - d.offeredLow);
    }
  });

  it('ahtBand: 300 s over 100 contacts with no day-level variation is 300·(1 ± z₀.₉₅·0.1); nothing handled → null', () => {
    const [lo, hi] = ahtBand(300, 100, 0, 0.9)!;
    expect(lo).toBeCloseTo(300 * (1 - 1.6448536 * 0.1), 4);
    expect(hi).toBeCloseTo(300 * (1 + 1.6448536 * 0.1), 4);
    // Day-level relative variance 0.03 adds to the sampling term 1/100: sd = 0.2.
    expect(ahtBand(300, 100, 0.03, 0.9)![1]).toBeCloseTo(300 * (1 + 1.6448536 * 0.2), 4);
    expect(ahtBand(300, 0, 0, 0.9)).toBeNull();
    // Handle times with CV 0.5 (κ² = 0.25): the sampling sd over 100 contacts is 0.05.
    expect(ahtBand(300, 100, 0, 0.9, 0.25)![0]).toBeCloseTo(300 * (1 - 1.6448536 * 0.05), 4);
    expect(ahtBand(null, 10, 0, 0.9)).toBeNull();
  });

  it('measures day-level AHT variation of a known size (sd 10 % a day) and finds none in a constant series', () => {
    const rng = createRng(8);
    const hist = series('2026-01-04', 70, 3000);
    const dayFactor = new Map<string, number>();
    for (const r of hist) {
      if (!dayFactor.has(r.localDate)) dayFactor.set(r.localDate, 1 + 0.1 * rng.normal());
      if (r.ahtSeconds !== null) r.ahtSeconds = 300 * dayFactor.get(r.localDate)!;
    }
    const f = forecastQueue(hist, targetsFrom('2026-03-15', 1));
    // Out of sample, one day ahead: realised 300·f_d against ≈ 300·(mean of the last 7 days' f), so the measured
    // variance is 0.01·(1 + 1/7) ≈ 0.0114, from the 12 open days of the last 14 (relative sd of a variance ≈ 0.41).
    expect(f.model.ahtRelVar).toBeGreaterThan(0.005);
    expect(f.model.ahtRelVar).toBeLessThan(0.021);
    // Interval AHTs equal their day's level: no handle-time noise measured.
    expect(f.model.ahtCv2).toBeLessThan(1e-12);
    expect(forecastQueue(series('2026-01-04', 70, 3000), targetsFrom('2026-03-15', 1)).model.ahtRelVar).toBeLessThan(1e-12);
  });
});

describe('forecast: the AHT band, out of sample, on simulated handle times', () => {
  /** Lognormal handle time with mean `mean` and coefficient of variation `cv`. */
  const lognormal = (rng: Rng, mean: number, cv: number) => {
    const s2 = Math.log(1 + cv * cv);
    return Math.exp(Math.log(mean) - s2 / 2 + Math.sqrt(s2) * rng.normal());
  };
  /** 60 history days + `ahead` days, each contact's handle time drawn; the day's level 300·(1 + 0.05·N(0,1)). */
  function simulate(rng: Rng, cv: number, days: number): HistoryInterval[] {
    const out: HistoryInterval[] = [];
    for (let i = 0; i < days; i++) {
      const date = addDays('2026-01-04', i);
      const level = 300 * (1 + 0.05 * rng.normal());
      for (const [m, mu] of expected(date, 400, i, 0)) {
        const n = poisson(rng, mu);
        let sum = 0;
        for (let k = 0; k < n; k++) sum += lognormal(rng, level, cv);
        out.push({ localDate: date, localMinute: m, localDow: dow(date), offered: n, handled: n, ahtSeconds: n ? sum / n : null });
      }
    }
    return out;
  }
  const dayAht = (rows: HistoryInterval[]) => {
    let s = 0;
    let w = 0;
    for (const r of rows) if (r.ahtSeconds !== null) (s += r.ahtSeconds * r.handled), (w += r.handled);
    return { aht: s / w, handled: w };
  };

  for (const cv of [0.5, 1.4]) {
    it(`handle-time CV ${cv}: CV² is recovered and the realised day AHT falls inside the 90 % band about 90 % of the time, 1 and 7 days ahead`, () => {
      const rng = createRng(cv === 0.5 ? 21 : 22);
      let inside = 0;
      let insideCv1 = 0;
      let n = 0;
      const cv2s: number[] = [];
      for (let rep = 0; rep < 60; rep++) {
        const all = simulate(rng, cv, 67);
        const history = all.filter((r) => r.localDate < '2026-03-05');
        const f = forecastQueue(history, targetsFrom('2026-03-05', 7));
        cv2s.push(f.model.ahtCv2);
        for (const h of [1, 7]) {
          const day = f.days[h - 1];
          if (day.ahtSeconds === null) continue; // Sunday: closed
          const real = dayAht(all.filter((r) => r.localDate === day.date));
          const band = ahtBand(day.ahtSeconds, real.handled, day.ahtRelVar, 0.9, f.model.ahtCv2)!;
          const band1 = ahtBand(day.ahtSeconds, real.handled, day.ahtRelVar, 0.9, 1)!;
          n++;
          if (real.aht >= band[0] && real.aht <= band[1]) inside++;
          if (real.aht >= band1[0] && real.aht <= band1[1]) insideCv1++;
        }
      }
      const meanCv2 = cv2s.reduce((a, b) => a + b, 0) / cv2s.length;
      expect(meanCv2).toBeGreaterThan(cv * cv * 0.85);
      expect(meanCv2).toBeLessThan(cv * cv * 1.15);
      // n ≈ 100 days: a binomial(100, 0.9) share lies in 0.82–0.97 with probability > 0.99.
      expect(inside / n).toBeGreaterThan(0.82);
      expect(inside / n).toBeLessThan(0.97);
      // The old assumption (CV 1) is too wide for CV 0.5 and too narrow for CV 1.4.
      if (cv < 1) expect(insideCv1 / n).toBeGreaterThanOrEqual(inside / n);
      else expect(insideCv1 / n).toBeLessThanOrEqual(inside / n);
    });
  }
});
