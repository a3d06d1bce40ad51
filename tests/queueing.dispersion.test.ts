/**
 * The spread of an interval's realised SL around the model (src/engines/queueing/dispersion.ts) and the typical
 * (median) interval: the Beta-binomial against closed forms and hand cases, the dispersion fit against counts drawn
 * by an independent Pólya urn, and the typical SL beating the expected SL under absolute error on simulated days.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  betaBinomialPmf,
  betaBinomialLogPmf,
  betaBinomialSlQuantile,
  typicalSl,
  fitDispersion,
  fitQueueCalibration,
  predictIntervalSl,
  predictTypicalIntervalSl,
  type CalibrationInterval,
  type DispersionSample,
  type QueueCalibration,
} from '../src/engines/queueing/index.js';
import { simulateDay } from '../src/sample/callsim.js';
import { createRng } from '../src/engines/shared/rng.js';

const choose = (n: number, k: number) => {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
};

describe('Beta-binomial', () => {
  it('sums to 1 with mean n·p and variance n·p(1 − p)(1 + (n − 1)ρ) (closed forms)', () => {
    for (const [n, p, rho] of [[30, 0.8, 0.05], [12, 0.35, 0.2], [200, 0.93, 0.01], [5, 0.5, 0.5]]) {
      const pmf = betaBinomialPmf(n, p, rho);
      const total = pmf.reduce((a, b) => a + b, 0);
      const mean = pmf.reduce((a, q, k) => a + k * q, 0);
      const variance = pmf.reduce((a, q, k) => a + (k - mean) ** 2 * q, 0);
      expect(total).toBeCloseTo(1, 10);
      expect(mean).toBeCloseTo(n * p, 8);
      expect(variance).toBeCloseTo(n * p * (1 - p) * (1 + (n - 1) * rho), 6);
      for (let k = 0; k <= n; k += Math.max(1, Math.floor(n / 7))) expect(Math.exp(betaBinomialLogPmf(k, n, p, rho))).toBeCloseTo(pmf[k], 10);
    }
  });

  it('ρ → 0 is the binomial; ρ = 1/3 with p = ½ on 2 calls is uniform on {0, 1, 2} (a = b = 1), median ½', () => {
    const n = 20;
    const p = 0.7;
    const bb = betaBinomialPmf(n, p, 1e-9);
    const bin = betaBinomialPmf(n, p, 0);
    for (let k = 0; k <= n; k++) {
      const exact = choose(n, k) * p ** k * (1 - p) ** (n - k);
      expect(bin[k]).toBeCloseTo(exact, 12);
      expect(bb[k]).toBeCloseTo(exact, 5);
    }
    const u = betaBinomialPmf(2, 0.5, 1 / 3);
    for (const q of u) expect(q).toBeCloseTo(1 / 3, 12);
    expect(betaBinomialSlQuantile(2, 0.5, 1 / 3, 0.5)).toBe(0.5);
    // one call: a Bernoulli(p), median 1 when p ≥ ½
    expect(betaBinomialSlQuantile(1, 0.6, 0.1, 0.5)).toBe(1);
    expect(betaBinomialSlQuantile(1, 0.4, 0.1, 0.5)).toBe(0);
  });

  it('an interval expected near the top is typically at 100 %; without a dispersion typical = expected', () => {
    // 20 calls, expected 95 %, ρ 0.1: P(all 20 within target) > ½, so the typical interval is at 100 %
    expect(betaBinomialPmf(20, 0.95, 0.1)[20]).toBeGreaterThan(0.5);
    expect(typicalSl(0.95, 20, 0.1)).toBe(1);
    // expected 93 %, ρ 0.06: P(20) < ½ but P(19 or 20) > ½ → typical 19/20 (still above the expected 93 %)
    const pmf = betaBinomialPmf(20, 0.93, 0.06);
    expect(pmf[20]).toBeLessThan(0.5);
    expect(pmf[19] + pmf[20]).toBeGreaterThan(0.5);
    expect(typicalSl(0.93, 20, 0.06)).toBe(0.95);
    expect(typicalSl(0.93, 20, null)).toBe(0.93);
    expect(typicalSl(0.93, 0, 0.06)).toBe(0.93);
  });

  it('property: the typical SL is a fraction k/n in [0, 1] and never falls when the expected SL rises', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.001, max: 0.6, noNaN: true }), (n, p1, p2, rho) => {
        const [lo, hi] = p1 <= p2 ? [p1, p2] : [p2, p1];
        const a = typicalSl(lo, n, rho);
        const b = typicalSl(hi, n, rho);
        expect(a).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThanOrEqual(1);
        expect(Math.abs(a * n - Math.round(a * n))).toBeLessThan(1e-9);
        expect(b).toBeGreaterThanOrEqual(a);
      }),
      { numRuns: 200 },
    );
  });
});

describe('fitDispersion', () => {
  /** X ~ Beta-binomial(n, a, b) drawn by a Pólya urn (a red, b black; each draw returns one more of its colour). */
  function polya(rng: ReturnType<typeof createRng>, n: number, p: number, rho: number): number {
    const s = 1 / rho - 1;
    let red = p * s;
    let total = s;
    let x = 0;
    for (let i = 0; i < n; i++) {
      if (rng.next() < red / total) {
        x++;
        red++;
      }
      total++;
    }
    return x;
  }

  it('recovers a planted ρ from urn-drawn counts (within 25 %), and needs 20 intervals of ≥ 2 calls', () => {
    const rng = createRng(5);
    for (const rho of [0.03, 0.1]) {
      const samples: DispersionSample[] = [];
      for (let i = 0; i < 800; i++) {
        const n = 10 + (i % 40);
        const p = 0.2 + 0.75 * ((i * 37) % 100) / 100;
        samples.push({ expected: p, offered: n, answeredWithinTarget: polya(rng, n, p, rho) });
      }
      const fit = fitDispersion(samples)!;
      expect(Math.abs(fit - rho) / rho).toBeLessThan(0.25);
    }
    const few = Array.from({ length: 30 }, (_, i) => ({ expected: 0.8, offered: i < 15 ? 1 : 20, answeredWithinTarget: i < 15 ? 1 : 16 }));
    expect(fitDispersion(few)).toBeNull(); // 15 usable intervals (one-call ones say nothing about ρ)
  });
});

describe('the typical SL on simulated days', () => {
  it('scores a lower absolute error on unseen days than the expected SL, and is set by the calibration', () => {
    // A well-staffed queue (SL ~ 85–95 %): its half-hours are skewed towards 100 %.
    const rng = createRng(77);
    const days: CalibrationInterval[] = [];
    const T = 1800;
    for (let d = 0; d < 24; d++) {
      const day = new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10);
      const spec = Array.from({ length: 12 }, (_, k) => ({ start: k, lambda: 25 + 10 * Math.sin(k / 2), agents: 6, talkMean: 240, talkCv: 1, acwMean: 0, acwCv: 0 }));
      simulateDay({ rng, intervalSeconds: T, targetAnswerSeconds: 20, patienceMeanSeconds: 300, intervals: spec, talkDistribution: 'exponential' }).forEach((r, k) =>
        days.push({ day, slot: k, offered: r.offered, abandoned: r.abandoned, answeredWithinTarget: r.answered_within_target, ahtSeconds: r.aht_seconds ?? 240, agents: r.agents_staffed, intervalSeconds: T, targetSeconds: 20, answeredWaitSeconds: r.wait_sum_seconds, abandonedWaitSeconds: r.abandoned_wait_sum_seconds }),
      );
    }
    const split = days[12 * 14].day;
    const cal = fitQueueCalibration(days.filter((x) => x.day < split)) as QueueCalibration;
    expect('error' in cal).toBe(false);
    expect(cal.dispersion).not.toBeNull();
    const test = days.filter((x) => x.day >= split && x.offered >= 10);
    let aeMean = 0;
    let aeTyp = 0;
    for (const iv of test) {
      const x = { offered: iv.offered, ahtSeconds: iv.ahtSeconds, agents: iv.agents, intervalSeconds: T, targetSeconds: 20, slot: iv.slot };
      const real = iv.answeredWithinTarget / iv.offered;
      aeMean += Math.abs(predictIntervalSl(cal, x) - real);
      aeTyp += Math.abs(predictTypicalIntervalSl(cal, x) - real);
    }
    expect(aeTyp).toBeLessThan(aeMean);
  });
});
