import { describe, it, expect } from 'vitest';
import { erlangC } from '../src/engines/queueing/index.js';

/**
 * Jagerman's continuous Erlang B (an independent reference for fractional agents):
 * 1/B(x, A) = ∫₀^∞ e^(−u)·(1 + u/A)^x du, here by Simpson's rule on a grid far past the integrand's peak.
 * At integer x it is the ordinary Erlang B; Erlang C follows as Pw = x·B / (x − A + A·B).
 */
function invBContinuous(x: number, a: number): number {
  const hi = Math.max(x, a) + 60 * Math.sqrt(x + 1) + 60;
  const n = 40_000;
  const h = hi / n;
  let s = 0;
  for (let i = 0; i <= n; i++) {
    const u = i * h;
    s += Math.exp(-u + x * Math.log1p(u / a)) * (i === 0 || i === n ? 1 : i % 2 ? 4 : 2);
  }
  return (s * h) / 3;
}

function slContinuous(x: number, a: number, aht: number, t: number): number {
  if (x <= a) return 0;
  const b = 1 / invBContinuous(x, a);
  const pw = (x * b) / (x - a + a * b);
  return 1 - pw * Math.exp((-(x - a) * t) / aht);
}

const sl = (arrivals: number, aht: number, agents: number) => erlangC({ arrivals, intervalSeconds: 1800, ahtSeconds: aht, agents, targetAnswerSeconds: 20 }).serviceLevel;

describe('Erlang C with fractional agents against the continuous (Jagerman) extension', () => {
  const cases = [
    { arrivals: 30, aht: 240 }, // A = 4
    { arrivals: 100, aht: 300 }, // A = 16.7
    { arrivals: 400, aht: 270 }, // A = 60
  ];

  it('agrees with the continuous formula at integer N (the reference is right)', () => {
    for (const c of cases) {
      const a = (c.arrivals * c.aht) / 1800;
      for (let n = Math.floor(a) + 1; n < a + 8; n++) expect(sl(c.arrivals, c.aht, n)).toBeCloseTo(slContinuous(n, a, c.aht, 20), 9);
    }
  });

  it('between integers, follows the continuous curve: within 15 % of the one-agent SL step (a step at floor(N) is off by ≥ 25 %)', () => {
    for (const c of cases) {
      const a = (c.arrivals * c.aht) / 1800;
      for (let n = Math.floor(a) + 1; n < a + 8; n++) {
        const gap = sl(c.arrivals, c.aht, n + 1) - sl(c.arrivals, c.aht, n);
        for (const f of [0.25, 0.5, 0.75]) {
          const err = sl(c.arrivals, c.aht, n + f) - slContinuous(n + f, a, c.aht, 20);
          expect(Math.abs(err)).toBeLessThanOrEqual(0.15 * gap);
        }
      }
    }
  });

  it('is continuous across the stability edge N = A and rises from SL 0', () => {
    const a = (100 * 300) / 1800;
    expect(sl(100, 300, a)).toBe(0);
    const just = sl(100, 300, a + 1e-6);
    expect(just).toBeGreaterThanOrEqual(0);
    expect(just).toBeLessThan(1e-4);
    expect(sl(100, 300, a + 0.2)).toBeGreaterThan(just);
  });
});
