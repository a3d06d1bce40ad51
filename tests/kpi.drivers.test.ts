import { describe, expect, test } from 'vitest';
import { csatDrivers, encodeDrivers, fitRidgeLogistic, predictLowCsat, type DriverObservation, type DriverSpec } from '../src/engines/kpi/drivers.js';
import { createRng } from '../src/engines/shared/rng.js';

const WAIT: DriverSpec = { name: 'first_response', label: 'first-response wait', order: ['fast', 'slow'] };
const CHANNEL: DriverSpec = { name: 'channel', label: 'channel' };

/** CSAT 1 (low) with probability pLow, else 5. */
const score = (r: () => number, pLow: number) => (r() < pLow ? 1 : 5);

describe('CSAT drivers engine', () => {
  test('intercept only: the fit is the logit of the low rate', () => {
    // 3 low of 10 → β0 = ln(0.3 / 0.7).
    const y = Uint8Array.from([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    const beta = fitRidgeLogistic(new Int32Array(0), 0, 0, y, new Float64Array(10).fill(1), 1);
    expect(beta[0]).toBeCloseTo(Math.log(0.3 / 0.7), 8);
  });

  test('one binary driver, almost no penalty: adjusted effect = raw difference counted by hand', () => {
    // fast: 100 tickets, 10 low; slow: 50 tickets, 20 low → 40 % − 10 % = +30 pts.
    const rows: DriverObservation[] = [];
    for (let i = 0; i < 100; i++) rows.push({ csat: i < 10 ? 1 : 5, levels: ['fast'] });
    for (let i = 0; i < 50; i++) rows.push({ csat: i < 20 ? 2 : 4, levels: ['slow'] });
    const fit = csatDrivers([WAIT], rows, { lambda: 1e-9, bootstrap: 50 });
    expect(fit.n).toBe(150);
    expect(fit.lowCount).toBe(30);
    const e = fit.effects[0];
    expect(e.level).toBe('slow');
    expect(e.reference).toBe('fast');
    expect(e.n).toBe(50);
    expect(e.lowPct).toBeCloseTo(40, 10);
    expect(e.rawPts).toBeCloseTo(30, 8);
    // With one driver, the standardised effect of the saturated model is the raw difference.
    expect(e.adjustedPts).toBeCloseTo(30, 5);
    // Odds ratio (20/30) / (10/90) = 6.
    expect(e.oddsRatio).toBeCloseTo(6, 4);
    expect(e.clear).toBe(true);
  });

  test('recovers a planted effect and finds none where there is none (coverage over 10 seeded data sets)', () => {
    let covers = 0;
    let nullCovers = 0;
    let nullLevels = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const r = createRng(seed);
      const rows: DriverObservation[] = [];
      for (let i = 0; i < 3000; i++) {
        const slow = r.next() < 0.3;
        const ch = ['email', 'chat', 'phone'][r.int(3)];
        rows.push({ csat: score(() => r.next(), slow ? 0.3 : 0.1), levels: [slow ? 'slow' : 'fast', ch] });
      }
      const fit = csatDrivers([WAIT, CHANNEL], rows, { bootstrap: 100, seed });
      const slow = fit.effects.find((e) => e.level === 'slow')!;
      // Planted: 30 % − 10 % = +20 pts, always clearly above 0.
      if (slow.adjustedCi.low < 20 && slow.adjustedCi.high > 20) covers++;
      expect(slow.clear).toBe(true);
      expect(slow.adjustedCi.low).toBeGreaterThan(5);
      expect(fit.effects[0].level).toBe('slow');
      for (const c of fit.effects.filter((e) => e.driver === 'channel')) {
        nullLevels++;
        if (c.adjustedCi.low < 0 && c.adjustedCi.high > 0) nullCovers++;
      }
    }
    // 95 % intervals: 8 of 10 is the least a correct interval gives with probability > 98 %.
    expect(covers).toBeGreaterThanOrEqual(8);
    expect(nullLevels).toBe(20);
    expect(nullCovers).toBeGreaterThanOrEqual(16);
  });

  test('adjusts for a confounder: a channel with slow waits is not blamed for them', () => {
    const r = createRng(11);
    const rows: DriverObservation[] = [];
    for (let i = 0; i < 8000; i++) {
      const email = r.next() < 0.5;
      // Email waits long 80 % of the time, chat 20 %; only the wait moves CSAT.
      const slow = r.next() < (email ? 0.8 : 0.2);
      rows.push({ csat: score(() => r.next(), slow ? 0.35 : 0.1), levels: [slow ? 'slow' : 'fast', email ? 'email' : 'chat'] });
    }
    const fit = csatDrivers([WAIT, CHANNEL], rows, { bootstrap: 150 });
    const ch = fit.effects.find((e) => e.driver === 'channel')!;
    // Raw: email's low rate exceeds chat's by (0.8 − 0.2) × 25 pts = +15 pts (either level may be the reference).
    expect(Math.abs(ch.rawPts)).toBeGreaterThan(11);
    expect(Math.abs(ch.rawPts)).toBeLessThan(19);
    expect(ch.adjustedCi.low).toBeLessThan(0);
    expect(ch.adjustedCi.high).toBeGreaterThan(0);
    const slow = fit.effects.find((e) => e.level === 'slow')!;
    expect(slow.adjustedCi.low).toBeLessThan(25);
    expect(slow.adjustedCi.high).toBeGreaterThan(25);
  });

  test('pools rare levels into "other", drops one-level drivers, predicts unseen levels as other', () => {
    const rows: DriverObservation[] = [];
    for (let i = 0; i < 100; i++) rows.push({ csat: 5, levels: ['a', 'same'] });
    for (let i = 0; i < 40; i++) rows.push({ csat: 1, levels: ['b', 'same'] });
    for (let i = 0; i < 5; i++) rows.push({ csat: 1, levels: ['c', 'same'] });
    for (let i = 0; i < 4; i++) rows.push({ csat: 2, levels: ['d', 'same'] });
    const specs: DriverSpec[] = [{ name: 'x', label: 'x' }, { name: 'y', label: 'y' }];
    const { encoding, dropped } = encodeDrivers(specs, rows, 30);
    expect(encoding.drivers).toHaveLength(1);
    expect(encoding.drivers[0].levels).toEqual(['a', 'b', 'other']);
    expect(encoding.drivers[0].reference).toBe('a');
    expect(dropped[0]).toMatch(/^y/);
    const fit = csatDrivers(specs, rows, { bootstrap: 20 });
    const [pc, pz] = predictLowCsat(specs, fit.model, [{ levels: ['c', 'same'] }, { levels: ['zzz', 'same'] }]);
    // An unseen level is read as "other", like the pooled "c".
    expect(pz).toBeCloseTo(pc, 12);
    const [pa] = predictLowCsat(specs, fit.model, [{ levels: ['a', 'same'] }]);
    expect(pc).toBeGreaterThan(pa);
  });
});
