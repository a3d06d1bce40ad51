import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createRng } from '../src/engines/shared/rng.js';
import { fitHw, runHw, hwForecast, DEFAULT_PARAMS, combineDayTotals, weekdayMean } from '../src/engines/forecast/index.js';

// Day indices are consecutive days; index 0 is a Monday (weekday 1).
const dowsOf = (n: number) => Array.from({ length: n }, (_, i) => (1 + i) % 7);
const WEEK = [1.0, 1.3, 1.1, 1.05, 1.0, 0.9, 0.35]; // index = weekday, Sunday first

describe('Holt–Winters grid fit', () => {
  it('picks the grid point with the least error (a level shift asks for a fast level)', () => {
    // Level 500 for 5 weeks, then 800: a slow level (α ≤ 0.1) lags the shift for weeks.
    const n = 70;
    const dows = dowsOf(n);
    const y = dows.map((d, i) => (i < 35 ? 500 : 800) * WEEK[d]);
    const fit = fitHw(y, dows);
    // The brute-force minimum over the same grid, written out here.
    let least = Infinity;
    for (const alpha of [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5]) {
      for (const beta of [0, 0.02, 0.05]) {
        for (const gamma of [0.01, 0.05, 0.1, 0.2, 0.3]) least = Math.min(least, runHw(y, dows, { alpha, beta, gamma, phi: beta > 0 ? 0.98 : 1 }).sse);
      }
    }
    expect(fit.sse).toBeLessThanOrEqual(least * (1 + 1e-9));
    expect(fit.params.alpha).toBeGreaterThan(0.1);
    expect(fit.sse).toBeLessThan(runHw(y, dows, DEFAULT_PARAMS).sse);
  });

  it('keeps the default parameters under two scored weeks (too few errors to choose among 105 settings)', () => {
    const dows = dowsOf(27);
    const rng = createRng(3);
    const y = dows.map((d) => 400 * WEEK[d] * (1 + 0.2 * rng.normal()));
    expect(fitHw(y, dows).params).toEqual(DEFAULT_PARAMS);
    expect(fitHw([...y, 400], dowsOf(28)).params).not.toBe(DEFAULT_PARAMS);
  });
});

describe('day totals: Holt–Winters combined with the same-weekday mean', () => {
  it('weekdayMean averages the latest four same weekdays seen, skipping missing days', () => {
    const y = Array.from({ length: 36 }, (_, i) => i + 1) as (number | null)[];
    // Origin index 34, target 36 (same weekday as 29, 22, 15, 8, 1): values 30, 23, 16, 9 → 19.5.
    expect(weekdayMean(y, 34, 36)).toBe(19.5);
    y[22] = null; // 30, 16, 9, 2 → 14.25
    expect(weekdayMean(y, 34, 36)).toBe(14.25);
    // Target 7 days on from the origin: the origin's own weekday, itself included (35, 28, 21, 14 → 24.5).
    expect(weekdayMean(y, 34, 41)).toBe(24.5);
    expect(weekdayMean([null, 5], 1, 7)).toBeNull();
  });

  it('a noise-free weekly series is forecast exactly, with no day-level variance', () => {
    const n = 56;
    const dows = dowsOf(n);
    const y = dows.map((d) => 300 * WEEK[d]);
    const fit = fitHw(y, dows);
    const m = combineDayTotals(y, dows, fit.states, fit.params, 14, 1, 0.0225);
    for (let h = 1; h <= 14; h++) {
      const d = (1 + n - 1 + h) % 7;
      expect(m.total(h, d)).toBeCloseTo(300 * WEEK[d], 6);
      expect(m.relVar[h]).toBeLessThan(1e-12);
    }
  });

  it('a trend favours the filter; a change of the weekly shape favours the same-weekday mean', () => {
    const n = 84;
    const dows = dowsOf(n);
    // Growing 1 % a day: the 4-week mean lags about 2.5 weeks of growth.
    const trend = dows.map((d, i) => 200 * (1 + 0.01 * i) * WEEK[d]);
    const ft = fitHw(trend, dows);
    const mt = combineDayTotals(trend, dows, ft.states, ft.params, 7, 1, 0.0225);
    expect(mt.weights[1]).toBeGreaterThanOrEqual(0.8);
    const truth = 200 * (1 + 0.01 * (n - 1 + 7)) * WEEK[dows[n - 1]];
    const meanOnly = weekdayMean(trend, n - 1, n - 1 + 7)!;
    expect(Math.abs(mt.total(7, dows[n - 1]) - truth)).toBeLessThan(Math.abs(meanOnly - truth) / 3);

    // The weekly shape changes five weeks before the end (Monday 1.3 → 0.6, Wednesday 1.05 → 1.6): the seasonal
    // indices take weeks to follow, the mean of the latest four same weekdays is already exact.
    const B = [1.0, 0.6, 1.1, 1.6, 1.0, 0.9, 0.5];
    const m2 = 56 + 35;
    const d2 = dowsOf(m2);
    const shifted = d2.map((d, i) => 500 * (i < 56 ? WEEK[d] : B[d]));
    const fs = fitHw(shifted, d2);
    const ms = combineDayTotals(shifted, d2, fs.states, fs.params, 7, 1, 0.0225);
    expect(ms.weights[1]).toBeLessThanOrEqual(0.2);
    for (let h = 1; h <= 7; h++) {
      const d = (m2 + h) % 7;
      const hwOnly = hwForecast(fs.state, fs.params, h, d);
      expect(Math.abs(ms.total(h, d) - 500 * B[d])).toBeLessThanOrEqual(Math.abs(hwOnly - 500 * B[d]) * 0.2 + 1e-9);
    }
  });

  it('weights lie on the grid in [0, 1] and bands never shrink with the horizon (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 15, max: 60 }), fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 0.5, noNaN: true }), (n, seed, noise) => {
        const rng = createRng(seed);
        const dows = dowsOf(n);
        const y = dows.map((d) => Math.max(0, 250 * WEEK[d] * (1 + noise * rng.normal())));
        const fit = fitHw(y, dows);
        const m = combineDayTotals(y, dows, fit.states, fit.params, 14, 1.2, 0.0225);
        for (let h = 1; h <= 14; h++) {
          expect(Math.round(m.weights[h] * 10) / 10).toBeCloseTo(m.weights[h], 12);
          expect(m.weights[h]).toBeGreaterThanOrEqual(0);
          expect(m.weights[h]).toBeLessThanOrEqual(1);
          if (h > 1) expect(m.relVar[h]).toBeGreaterThanOrEqual(m.relVar[h - 1]);
          expect(m.total(h, (n + h) % 7)).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 40 },
    );
  });
});
