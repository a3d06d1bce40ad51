import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng } from '../src/engines/shared/rng.js';
import { simulateDay, type CallsimInterval, type CallsimRow } from '../src/sample/callsim.js';

// ── Independent theory, written here from the textbook formulas (not from the generator's staffing code) ──

/** Erlang C with exponential service by the explicit sum Σ A^k/k! in log space (a different route than Erlang B recursion). */
function erlangC(a: number, c: number): number {
  let logTerm = 0; // log(A^0/0!)
  const terms: number[] = [];
  for (let k = 0; k < c; k++) {
    terms.push(logTerm);
    logTerm += Math.log(a) - Math.log(k + 1);
  }
  const logLast = logTerm + Math.log(c / (c - a)); // A^c/c! · c/(c−A)
  const max = Math.max(logLast, ...terms);
  const sum = terms.reduce((s, t) => s + Math.exp(t - max), 0) + Math.exp(logLast - max);
  return Math.exp(logLast - max) / sum;
}

/** M/M/c+M (Erlang A) by the birth–death stationary distribution, truncated where the tail is negligible. */
function erlangA(lambda: number, mu: number, c: number, theta: number): { pImmediate: number; pAbandon: number } {
  const p: number[] = [1];
  for (let n = 1; n < 5000; n++) {
    const death = Math.min(n, c) * mu + Math.max(0, n - c) * theta;
    p.push((p[n - 1] * lambda) / death);
    if (n > c && p[n] < 1e-300) break;
  }
  const z = p.reduce((a, b) => a + b, 0);
  let below = 0;
  let lq = 0;
  for (let n = 0; n < p.length; n++) {
    if (n < c) below += p[n] / z;
    else lq += ((n - c) * p[n]) / z;
  }
  return { pImmediate: below, pAbandon: (theta * lq) / lambda };
}

function stationary(k: number, lambda: number, agents: number, talkMean: number): CallsimInterval[] {
  return Array.from({ length: k }, (_, i) => ({ start: i, lambda, agents, talkMean, talkCv: 1, acwMean: 0, acwCv: 0 }));
}

type NumKey = 'offered' | 'handled' | 'abandoned' | 'answered_within_target' | 'wait_sum_seconds';
const sum = (rows: CallsimRow[], key: NumKey) => rows.reduce((s, r) => s + r[key], 0);

describe('callsim against queueing theory', () => {
  it('matches Erlang C (infinite patience, exponential service): SL, P(wait > 0) and ASA', () => {
    // λ = 100 per 30 min, mean service 180 s → A = 10 Erlangs, 12 agents.
    const T = 1800;
    const lambda = 100;
    const talk = 180;
    const c = 12;
    const t = 20;
    const rows = simulateDay({
      rng: createRng(11), intervalSeconds: T, targetAnswerSeconds: t, patienceMeanSeconds: Infinity,
      intervals: stationary(3000, lambda, c, talk), talkDistribution: 'exponential',
    });
    const offered = sum(rows, 'offered');
    const handled = sum(rows, 'handled');
    expect(handled).toBe(offered);
    const a = (lambda * talk) / T;
    const pw = erlangC(a, c);
    const slTheory = 1 - pw * Math.exp((-(c - a) * t) / talk);
    const asaTheory = (pw * talk) / (c - a);
    const sl = sum(rows, 'answered_within_target') / offered;
    const asa = sum(rows, 'wait_sum_seconds') / handled;
    expect(Math.abs(sl - slTheory)).toBeLessThan(0.02); // runs of 300k calls vary by ≈ 0.007 (autocorrelated)
    expect(Math.abs(asa - asaTheory) / asaTheory).toBeLessThan(0.1);
    // With t = 0, "within target" means answered at once: 1 − P(wait > 0).
    const rows0 = simulateDay({
      rng: createRng(12), intervalSeconds: T, targetAnswerSeconds: 0, patienceMeanSeconds: Infinity,
      intervals: stationary(3000, lambda, c, talk), talkDistribution: 'exponential',
    });
    expect(Math.abs(1 - sum(rows0, 'answered_within_target') / sum(rows0, 'offered') - pw)).toBeLessThan(0.02);
  });

  it('matches Erlang A (exponential patience): abandonment rate and immediate-answer rate', () => {
    const T = 1800;
    const lambda = 120; // per interval
    const talk = 240;
    const c = 15; // A = 16 > c: overloaded without abandonment, stable with it
    const patience = 200;
    const rows = simulateDay({
      rng: createRng(5), intervalSeconds: T, targetAnswerSeconds: 0, patienceMeanSeconds: patience,
      intervals: stationary(3000, lambda, c, talk), talkDistribution: 'exponential',
    });
    const th = erlangA(lambda / T, 1 / talk, c, 1 / patience);
    const offered = sum(rows, 'offered');
    expect(sum(rows, 'handled') + sum(rows, 'abandoned')).toBe(offered);
    expect(Math.abs(sum(rows, 'abandoned') / offered - th.pAbandon)).toBeLessThan(0.01);
    expect(Math.abs(sum(rows, 'answered_within_target') / offered - th.pImmediate)).toBeLessThan(0.015);
  });

  it('offered is Poisson(λ) per interval: mean and variance both ≈ λ', () => {
    const rows = simulateDay({
      rng: createRng(3), intervalSeconds: 1800, targetAnswerSeconds: 20, patienceMeanSeconds: 300,
      intervals: stationary(4000, 37, 40, 60),
    });
    const xs = rows.map((r) => r.offered);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
    expect(Math.abs(mean - 37)).toBeLessThan(0.4); // sd of the mean ≈ 0.1
    expect(Math.abs(variance / 37 - 1)).toBeLessThan(0.08);
  });

  it('mean handle time is talk + ACW (lognormal means), and ACW is its part', () => {
    const rows = simulateDay({
      rng: createRng(9), intervalSeconds: 1800, targetAnswerSeconds: 20, patienceMeanSeconds: Infinity,
      intervals: Array.from({ length: 2000 }, (_, i) => ({ start: i, lambda: 50, agents: 30, talkMean: 300, talkCv: 0.8, acwMean: 60, acwCv: 0.5 })),
    });
    const h = sum(rows, 'handled');
    const aht = rows.reduce((s, r) => s + (r.aht_seconds ?? 0) * r.handled, 0) / h;
    const acw = rows.reduce((s, r) => s + (r.acw_seconds ?? 0) * r.handled, 0) / h;
    expect(Math.abs(aht - 360) / 360).toBeLessThan(0.01);
    expect(Math.abs(acw - 60) / 60).toBeLessThan(0.01);
  });
});

describe('callsim mechanics', () => {
  it('carries the queue across an interval boundary: callers of an unstaffed half hour are answered in the next', () => {
    const rows = simulateDay({
      rng: createRng(1), intervalSeconds: 1800, targetAnswerSeconds: 20, patienceMeanSeconds: Infinity,
      intervals: [
        { start: 0, lambda: 30, agents: 0, talkMean: 60, talkCv: 0.5, acwMean: 0, acwCv: 0 },
        { start: 1, lambda: 0, agents: 10, talkMean: 60, talkCv: 0.5, acwMean: 0, acwCv: 0 },
      ],
    });
    expect(rows[0].offered).toBeGreaterThan(10);
    expect(rows[0].handled).toBe(rows[0].offered); // counted in the arrival interval
    expect(rows[0].wait_sum_seconds / rows[0].handled).toBeGreaterThan(300); // they waited for the boundary
    expect(rows[0].agents_staffed).toBe(0);
  });

  it('with no agents at all, every caller abandons (end of day), with no handle time', () => {
    const rows = simulateDay({
      rng: createRng(2), intervalSeconds: 1800, targetAnswerSeconds: 20, patienceMeanSeconds: Infinity,
      intervals: stationary(3, 20, 0, 100),
    });
    for (const r of rows) {
      expect(r.abandoned).toBe(r.offered);
      expect(r.aht_seconds).toBeNull();
    }
  });

  it('with agents removed at a boundary the last callers are still served before the day ends', () => {
    const rows = simulateDay({
      rng: createRng(4), intervalSeconds: 1800, targetAnswerSeconds: 20, patienceMeanSeconds: Infinity,
      intervals: [
        { start: 0, lambda: 200, agents: 2, talkMean: 120, talkCv: 0.5, acwMean: 0, acwCv: 0 },
        { start: 1, lambda: 5, agents: 1, talkMean: 120, talkCv: 0.5, acwMean: 0, acwCv: 0 },
      ],
    });
    expect(rows[0].handled).toBe(rows[0].offered);
    expect(rows[1].handled).toBe(rows[1].offered);
  });

  it("arrivals 'fixed': exactly round(λ) callers per interval, spread uniformly over it (the Poisson process given its count)", () => {
    const intervals = [12.4, 0, 30, 7.6].map((lambda, i) => ({ start: i, lambda, agents: 3, talkMean: 60, talkCv: 1, acwMean: 0, acwCv: 0 }));
    for (let seed = 1; seed <= 20; seed++) {
      const rows = simulateDay({ rng: createRng(seed), intervalSeconds: 1800, targetAnswerSeconds: 20, patienceMeanSeconds: 300, intervals, arrivals: 'fixed' });
      expect(rows.map((r) => r.offered)).toEqual([12, 0, 30, 8]);
      for (const r of rows) expect(r.handled + r.abandoned).toBe(r.offered);
    }
    // The times are the Poisson process's given its count: over many one-interval days at λ = 30 (the Poisson
    // count's mean), the SL of fixed-count days agrees with that of Poisson days within sampling error.
    const one = (arrivals: 'fixed' | 'poisson', seed: number) =>
      simulateDay({ rng: createRng(seed), intervalSeconds: 1800, targetAnswerSeconds: 20, patienceMeanSeconds: Infinity, intervals: [{ start: 0, lambda: 30, agents: 2, talkMean: 90, talkCv: 1, acwMean: 0, acwCv: 0 }], talkDistribution: 'exponential', arrivals })[0];
    let fixed = 0;
    let poisson = 0;
    let poissonCalls = 0;
    const N = 600;
    for (let i = 0; i < N; i++) {
      const f = one('fixed', 1000 + i);
      fixed += f.answered_within_target / f.offered;
      const p = one('poisson', 5000 + i);
      poisson += p.answered_within_target;
      poissonCalls += p.offered;
    }
    expect(Math.abs(fixed / N - poisson / poissonCalls)).toBeLessThan(0.04);
  });

  it('property: every row is consistent and the run is deterministic for a seed', () => {
    const ivArb = fc.record({
      lambda: fc.double({ min: 0, max: 80, noNaN: true }),
      agents: fc.integer({ min: 0, max: 30 }),
      talkMean: fc.double({ min: 10, max: 900, noNaN: true }),
      talkCv: fc.double({ min: 0, max: 2, noNaN: true }),
      acwMean: fc.double({ min: 0, max: 200, noNaN: true }),
      acwCv: fc.double({ min: 0, max: 1.5, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(ivArb, { minLength: 1, maxLength: 12 }), fc.integer(), fc.double({ min: 1, max: 900, noNaN: true }),
        fc.integer({ min: 0, max: 120 }),
        (ivs, seed, patience, target) => {
          const intervals = ivs.map((x, i) => ({ ...x, start: i }));
          const opts = { intervalSeconds: 900, targetAnswerSeconds: target, patienceMeanSeconds: patience, intervals };
          const a = simulateDay({ ...opts, rng: createRng(seed) });
          const b = simulateDay({ ...opts, rng: createRng(seed) });
          expect(b).toEqual(a);
          expect(a).toHaveLength(ivs.length);
          for (let i = 0; i < a.length; i++) {
            const r = a[i];
            expect(r.handled + r.abandoned).toBe(r.offered);
            expect(r.answered_within_target).toBeLessThanOrEqual(r.handled);
            expect(r.agents_staffed).toBe(ivs[i].agents);
            if (r.handled === 0) expect(r.aht_seconds).toBeNull();
            else {
              expect(r.aht_seconds!).toBeGreaterThan(0);
              expect(r.acw_seconds!).toBeLessThanOrEqual(r.aht_seconds!);
            }
            if (ivs[i].agents === 0 && i === a.length - 1) expect(r.handled).toBe(0);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
