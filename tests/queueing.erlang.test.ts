import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { erlangC, erlangB, erlangA, estimatePatience, requiredAgents, scheduledFromRaw, requiredAgentsErlangA } from '../src/engines/queueing/index.js';
import { createRng } from '../src/engines/shared/rng.js';

const D = Decimal.clone({ precision: 60 });

/**
 * Independent reference: the textbook direct formula with big numbers,
 *   Pw = (Aᴺ/N! · N/(N−A)) / (Σ_{k<N} Aᵏ/k! + Aᴺ/N! · N/(N−A)),
 * summed term by term in 60-digit decimals (no Erlang B recursion, no float).
 */
function refErlangC(arrivals: number, interval: number, aht: number, n: number, t: number) {
  const a = new D(arrivals).mul(aht).div(interval);
  let term = new D(1);
  let sum = new D(0);
  for (let k = 0; k < n; k++) {
    sum = sum.add(term);
    term = term.mul(a).div(k + 1);
  }
  const slack = new D(n).sub(a);
  const top = term.mul(n).div(slack);
  const pw = top.div(sum.add(top));
  const sl = new D(1).sub(pw.mul(D.exp(slack.neg().mul(t).div(aht))));
  const asa = pw.mul(aht).div(slack);
  return { a: a.toNumber(), pw: pw.toNumber(), sl: sl.toNumber(), asa: asa.toNumber() };
}

const rel = (x: number, ref: number) => Math.abs(x - ref) / Math.max(Math.abs(ref), 1e-300);

describe('erlangC — published worked example', () => {
  it('100 calls / 30 min, AHT 180 s, 14 agents, 20 s: A=10, Pw 0.1741, SL 0.8884, ASA 7.84 s', () => {
    const r = erlangC({ arrivals: 100, intervalSeconds: 1800, ahtSeconds: 180, agents: 14, targetAnswerSeconds: 20 });
    expect(r.trafficErlangs).toBe(10);
    expect(r.probWait).toBeCloseTo(0.1741, 4);
    expect(r.serviceLevel).toBeCloseTo(0.8884, 4);
    expect(r.asaSeconds).toBeCloseTo(7.84, 2);
    expect(r.occupancy).toBeCloseTo(10 / 14, 12);
    const ref = refErlangC(100, 1800, 180, 14, 20);
    expect(ref.pw).toBeCloseTo(0.1741, 4);
    expect(ref.sl).toBeCloseTo(0.8884, 4);
    expect(ref.asa).toBeCloseTo(7.84, 2);
  });

  it('13 agents miss 80/20 and 14 meet it; 14 raw → 20 scheduled at 30 % shrinkage', () => {
    const sl13 = refErlangC(100, 1800, 180, 13, 20).sl;
    expect(sl13).toBeLessThan(0.8);
    const r = requiredAgents({ arrivals: 100, intervalSeconds: 1800, ahtSeconds: 180, targetSlPct: 80, targetAnswerSeconds: 20, shrinkage: 0.3 });
    expect(r.rawAgents).toBe(14);
    expect(r.scheduledAgents).toBe(20);
    expect(r.bindingConstraint).toBe('service_level');
  });
});

describe('erlangC — against the big-number reference', () => {
  const traffics = [0.5, 1, 2.5, 7.3, 10, 37.7, 100, 250.3, 500, 1000, 1499.9, 2000];
  const cases: Array<[number, number]> = [];
  for (const a of traffics) {
    const s = Math.sqrt(a);
    const ns = new Set([Math.floor(a) + 1, Math.floor(a) + 2, Math.ceil(a + s), Math.ceil(a + 2 * s), Math.ceil(a + 4 * s) + 3]);
    for (const n of ns) cases.push([a, n]);
  }
  cases.push([2000, 2100], [1990.5, 2100], [0.5, 60]);

  it.each(cases)('A=%f N=%i: Pw, SL, ASA within 1e-9 relative', (a, n) => {
    // arrivals per 30 min at AHT 300 s giving traffic a
    const arrivals = (a * 1800) / 300;
    for (const t of [0, 20, 60]) {
      const ref = refErlangC(arrivals, 1800, 300, n, t);
      const got = erlangC({ arrivals, intervalSeconds: 1800, ahtSeconds: 300, agents: n, targetAnswerSeconds: t });
      expect(rel(got.trafficErlangs, ref.a)).toBeLessThan(1e-12);
      expect(rel(got.probWait, ref.pw)).toBeLessThan(1e-9);
      expect(rel(got.serviceLevel, ref.sl)).toBeLessThan(1e-9);
      expect(rel(got.asaSeconds, ref.asa)).toBeLessThan(1e-9);
    }
  });

  it('erlangB matches Aᴺ/N! / Σ Aᵏ/k! at N = 2100', () => {
    const a = new D(2000);
    let term = new D(1);
    let sum = new D(1);
    for (let k = 1; k <= 2100; k++) {
      term = term.mul(a).div(k);
      sum = sum.add(term);
    }
    expect(rel(erlangB(2100, 2000), term.div(sum).toNumber())).toBeLessThan(1e-9);
  });
});

describe('erlangC — edges', () => {
  it('N = A exactly is unstable (equality included), and so is N < A', () => {
    for (const n of [10, 9, 0, 9.99]) {
      const r = erlangC({ arrivals: 100, intervalSeconds: 1800, ahtSeconds: 180, agents: n, targetAnswerSeconds: 20 });
      expect(r).toEqual({ trafficErlangs: 10, probWait: 1, serviceLevel: 0, asaSeconds: Infinity, occupancy: 1 });
    }
  });

  it('zero traffic: no arrivals, or AHT 0, whatever N (even 0)', () => {
    for (const [arrivals, aht, n] of [[0, 180, 5], [50, 0, 0], [0, 0, 0], [0, 180, 0]]) {
      const r = erlangC({ arrivals, intervalSeconds: 1800, ahtSeconds: aht, agents: n, targetAnswerSeconds: 20 });
      expect(r).toEqual({ trafficErlangs: 0, probWait: 0, serviceLevel: 1, asaSeconds: 0, occupancy: 0 });
    }
  });

  it('never NaN for finite non-negative input', () => {
    const nn = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 3000 }));
    fc.assert(
      fc.property(nn, fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e5, noNaN: true })), nn, fc.double({ min: 0, max: 2500, noNaN: true }), nn, (arr, iv, aht, n, t) => {
        const r = erlangC({ arrivals: arr, intervalSeconds: iv, ahtSeconds: aht, agents: n, targetAnswerSeconds: t });
        for (const v of Object.values(r)) expect(Number.isNaN(v)).toBe(false);
        expect(r.serviceLevel).toBeGreaterThanOrEqual(0);
        expect(r.serviceLevel).toBeLessThanOrEqual(1);
        expect(r.probWait).toBeGreaterThanOrEqual(0);
        expect(r.probWait).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it('negative input throws', () => {
    expect(() => erlangC({ arrivals: -1, intervalSeconds: 1800, ahtSeconds: 180, agents: 5, targetAnswerSeconds: 20 })).toThrow(RangeError);
  });
});

describe('erlangC — monotonicity (fast-check)', () => {
  const base = fc.record({
    arrivals: fc.double({ min: 1, max: 3000, noNaN: true }),
    aht: fc.double({ min: 30, max: 900, noNaN: true }),
    t: fc.double({ min: 0, max: 120, noNaN: true }),
  });

  it('SL rises and ASA falls with agents, including fractional agents', () => {
    fc.assert(
      fc.property(base, fc.double({ min: 0, max: 60, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), ({ arrivals, aht, t }, extra, step) => {
        const a = (arrivals * aht) / 1800;
        const n1 = Math.max(0, a - 3 + extra);
        const n2 = n1 + step;
        const r1 = erlangC({ arrivals, intervalSeconds: 1800, ahtSeconds: aht, agents: n1, targetAnswerSeconds: t });
        const r2 = erlangC({ arrivals, intervalSeconds: 1800, ahtSeconds: aht, agents: n2, targetAnswerSeconds: t });
        expect(r2.serviceLevel).toBeGreaterThanOrEqual(r1.serviceLevel - 1e-12);
        expect(r2.asaSeconds).toBeLessThanOrEqual(r1.asaSeconds * (1 + 1e-12));
        expect(r2.probWait).toBeLessThanOrEqual(r1.probWait + 1e-12);
      }),
      { numRuns: 400 },
    );
  });

  it('SL falls with AHT at fixed agents', () => {
    fc.assert(
      fc.property(base, fc.integer({ min: 1, max: 400 }), fc.double({ min: 0, max: 100, noNaN: true }), ({ arrivals, aht, t }, n, dAht) => {
        const r1 = erlangC({ arrivals, intervalSeconds: 1800, ahtSeconds: aht, agents: n, targetAnswerSeconds: t });
        const r2 = erlangC({ arrivals, intervalSeconds: 1800, ahtSeconds: aht + dAht, agents: n, targetAnswerSeconds: t });
        expect(r2.serviceLevel).toBeLessThanOrEqual(r1.serviceLevel + 1e-12);
      }),
      { numRuns: 400 },
    );
  });

  it('fractional agents are exact at integers and lie between neighbours', () => {
    const at = (n: number) => erlangC({ arrivals: 100, intervalSeconds: 1800, ahtSeconds: 180, agents: n, targetAnswerSeconds: 20 });
    const s12 = at(12).serviceLevel;
    const s13 = at(13).serviceLevel;
    const s125 = at(12.5).serviceLevel;
    expect(s125).toBeGreaterThan(s12);
    expect(s125).toBeLessThan(s13);
    // continuous across the stability edge A = 10: just above 10 the SL is near 0
    expect(at(10.001).serviceLevel).toBeLessThan(0.01);
    expect(at(10.001).serviceLevel).toBeGreaterThan(0);
  });
});

describe('requiredAgents', () => {
  it('float trap: ceil(21 / 0.7) is 30, not 31', () => {
    expect(21 / 0.7).toBeGreaterThan(30); // the trap is real in IEEE doubles
    expect(scheduledFromRaw(21, 0.3)).toBe(30);
    expect(scheduledFromRaw(14, 0.3)).toBe(20);
    expect(scheduledFromRaw(7, 0.3)).toBe(10);
    expect(scheduledFromRaw(10, 0)).toBe(10);
    expect(scheduledFromRaw(11, 0.3)).toBe(16); // 15.71… really rounds up
  });

  it('searches from floor(A) + 1: A = 9.6 with a 0 % target needs 10, not round(A + 1) = 11', () => {
    const r = requiredAgents({ arrivals: 96, intervalSeconds: 1800, ahtSeconds: 180, targetSlPct: 0, targetAnswerSeconds: 20 });
    expect(r.rawAgents).toBe(10);
  });

  it('zero arrivals → 0 agents', () => {
    const r = requiredAgents({ arrivals: 0, intervalSeconds: 1800, ahtSeconds: 180, targetSlPct: 80, targetAnswerSeconds: 20, shrinkage: 0.3 });
    expect(r.rawAgents).toBe(0);
    expect(r.scheduledAgents).toBe(0);
  });

  it('occupancy cap binds when stricter than the SL target', () => {
    // A = 10, max occupancy 60 % → N ≥ 16.67 → 17, while 80/20 alone needs 14
    const r = requiredAgents({ arrivals: 100, intervalSeconds: 1800, ahtSeconds: 180, targetSlPct: 80, targetAnswerSeconds: 20, maxOccupancy: 0.6 });
    expect(r.rawAgents).toBe(17);
    expect(r.bindingConstraint).toBe('occupancy');
    // exactly-representable boundary: A = 10, 80 % → 12.5 → 13; A = 8.5, 85 % → 10 exactly (not 11)
    expect(requiredAgents({ arrivals: 85, intervalSeconds: 1800, ahtSeconds: 180, targetSlPct: 0, targetAnswerSeconds: 20, maxOccupancy: 0.85 }).rawAgents).toBe(10);
  });

  it('meets the target and N − 1 does not (fast-check, against the big-number reference)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 600, noNaN: true }),
        fc.double({ min: 60, max: 600, noNaN: true }),
        fc.integer({ min: 50, max: 99 }),
        fc.integer({ min: 0, max: 60 }),
        fc.oneof(fc.constant(1), fc.double({ min: 0.6, max: 1, noNaN: true })),
        (arrivals, aht, pct, t, maxOcc) => {
          const r = requiredAgents({ arrivals, intervalSeconds: 1800, ahtSeconds: aht, targetSlPct: pct, targetAnswerSeconds: t, maxOccupancy: maxOcc });
          const a = (arrivals * aht) / 1800;
          const meets = (n: number) => n > a && refErlangC(arrivals, 1800, aht, n, t).sl >= pct / 100 - 1e-9 && a / n <= maxOcc + 1e-9;
          expect(meets(r.rawAgents)).toBe(true);
          expect(meets(r.rawAgents - 1)).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });
});

// ---------- Erlang A ----------

/**
 * Independent Erlang A reference in 60-digit decimals: the truncated birth–death chain summed directly; the
 * abandon probability by Little's law (θ·E[queue]/λ); the wait of a caller who finds j waiting as a
 * hypoexponential with distinct rates f_i = Nμ + iθ (i = 0..j), integrated by partial fractions:
 *   P(answered ≤ t | j) = Σ_i w_i · f_i/(f_i + θ) · (1 − e^{−(f_i+θ)t}),  w_i = Π_{k≠i} f_k/(f_k − f_i)
 *   E[wait; answered | j] = Σ_i w_i · f_i/(f_i + θ)².
 */
function refErlangA(arrivals: number, interval: number, aht: number, n: number, t: number, patience: number) {
  const P = Decimal.clone({ precision: 40 });
  const lam = new P(arrivals).div(interval);
  const mu = new P(1).div(aht);
  const th = new P(1).div(patience);
  const weights: Decimal[] = [];
  let p = new P(1);
  weights.push(p);
  for (let k = 1; k <= n; k++) {
    p = p.mul(lam).div(mu.mul(k));
    weights.push(p);
  }
  const nMu = mu.mul(n);
  let total = weights.reduce((s, w) => s.add(w), new P(0));
  const queue: Decimal[] = [];
  for (let j = 1; j < 400; j++) {
    p = p.mul(lam).div(nMu.add(th.mul(j)));
    queue.push(p);
    if (p.div(total).lt(1e-20)) break;
  }
  total = queue.reduce((s, w) => s.add(w), total);
  const pN = weights[n];
  const below = weights.slice(0, n).reduce((s, w) => s.add(w), new P(0));
  const eq = queue.reduce((s, w, idx) => s.add(w.mul(idx + 1)), new P(0)).div(total);
  const probAbandon = th.mul(eq).div(lam);
  let within = below.div(total);
  let waitServed = new P(0);
  const states = [pN, ...queue];
  // Partial-fraction weights of the hypoexponential with rates f_0..f_j, updated as j grows:
  // w_i(j) = w_i(j−1)·f_j/(f_j − f_i) for i < j, and w_j(j) = Π_{k<j} f_k/(f_k − f_j).
  const f: Decimal[] = [];
  const w: Decimal[] = [];
  const tail: Decimal[] = []; // 1 − e^{−(f_i+θ)t}
  states.forEach((sw, j) => {
    const fj = nMu.add(th.mul(j));
    for (let i = 0; i < j; i++) w[i] = w[i].mul(fj).div(fj.sub(f[i]));
    let wj = new P(1);
    for (let k = 0; k < j; k++) wj = wj.mul(f[k]).div(f[k].sub(fj));
    f.push(fj);
    w.push(wj);
    tail.push(new P(1).sub(P.exp(fj.add(th).neg().mul(t))));
    let pj = new P(0);
    let ej = new P(0);
    for (let i = 0; i <= j; i++) {
      const r = f[i].add(th);
      if (t > 0) pj = pj.add(w[i].mul(f[i]).div(r).mul(tail[i]));
      ej = ej.add(w[i].mul(f[i]).div(r.mul(r)));
    }
    within = within.add(sw.div(total).mul(pj));
    waitServed = waitServed.add(sw.div(total).mul(ej));
  });
  const probWait = total.sub(below).div(total);
  const answered = new P(1).sub(probAbandon);
  return {
    probWait: probWait.toNumber(),
    probAbandon: probAbandon.toNumber(),
    serviceLevel: within.toNumber(),
    asaSeconds: waitServed.div(answered).toNumber(),
  };
}

describe('erlangA', () => {
  const cases: Array<[number, number, number, number, number]> = [
    // arrivals/30 min, AHT, agents, t, patience
    [100, 180, 14, 20, 120],
    [100, 180, 8, 20, 60],
    [100, 180, 12, 0, 300],
    [40, 300, 2, 15, 30],
    [300, 240, 42, 30, 90],
    [30, 400, 5, 60, 200],
    [200, 150, 14, 20, 45],
  ];
  it.each(cases)('arrivals %i, AHT %i, N %i, t %i, patience %i matches the decimal chain to 1e-9', (arr, aht, n, t, pat) => {
    const ref = refErlangA(arr, 1800, aht, n, t, pat);
    const got = erlangA({ arrivals: arr, intervalSeconds: 1800, ahtSeconds: aht, agents: n, targetAnswerSeconds: t, meanPatienceSeconds: pat });
    expect(got.model).toBe('erlang-a');
    expect(rel(got.probWait, ref.probWait)).toBeLessThan(1e-9);
    expect(rel(got.probAbandon, ref.probAbandon)).toBeLessThan(1e-9);
    expect(rel(got.serviceLevel, ref.serviceLevel)).toBeLessThan(1e-9);
    expect(rel(got.asaSeconds, ref.asaSeconds)).toBeLessThan(1e-9);
  });

  it('converges to Erlang C as patience → ∞', () => {
    const c = erlangC({ arrivals: 300, intervalSeconds: 1800, ahtSeconds: 240, agents: 44, targetAnswerSeconds: 30 });
    let prevGap = Infinity;
    for (const pat of [1e3, 1e4, 1e5, 1e6, 1e8, 1e10]) {
      const a = erlangA({ arrivals: 300, intervalSeconds: 1800, ahtSeconds: 240, agents: 44, targetAnswerSeconds: 30, meanPatienceSeconds: pat });
      const gap = Math.abs(a.serviceLevel - c.serviceLevel) + Math.abs(a.probWait - c.probWait) + Math.abs(a.asaSeconds - c.asaSeconds) / 100;
      expect(gap).toBeLessThan(prevGap);
      prevGap = gap;
    }
    expect(prevGap).toBeLessThan(1e-7); // the gap shrinks like 1/patience
  });

  it('patience 0 is the Erlang B loss system; A = 0 is idle', () => {
    const r = erlangA({ arrivals: 100, intervalSeconds: 1800, ahtSeconds: 180, agents: 12, targetAnswerSeconds: 20, meanPatienceSeconds: 0 });
    expect(rel(r.probAbandon, erlangB(12, 10))).toBeLessThan(1e-12);
    expect(rel(r.serviceLevel, 1 - erlangB(12, 10))).toBeLessThan(1e-12);
    const idle = erlangA({ arrivals: 0, intervalSeconds: 1800, ahtSeconds: 180, agents: 12, targetAnswerSeconds: 20, meanPatienceSeconds: 60 });
    expect(idle.serviceLevel).toBe(1);
    expect(idle.probAbandon).toBe(0);
  });

  it('stays finite and sane for 2000 Erlangs and heavy overload', () => {
    for (const n of [1500, 1900, 2000, 2100]) {
      const r = erlangA({ arrivals: 40000, intervalSeconds: 3600, ahtSeconds: 180, agents: n, targetAnswerSeconds: 20, meanPatienceSeconds: 200 });
      for (const v of [r.probWait, r.probAbandon, r.serviceLevel, r.asaSeconds, r.occupancy]) expect(Number.isFinite(v)).toBe(true);
      if (n === 1500) expect(r.probAbandon).toBeGreaterThan(0.2); // ≈ 1 − N/A = 0.25 in the fluid limit
    }
  });

  it('SL rises with agents and abandonment falls (fast-check)', () => {
    fc.assert(
      fc.property(fc.double({ min: 10, max: 400, noNaN: true }), fc.double({ min: 60, max: 600, noNaN: true }), fc.double({ min: 10, max: 1000, noNaN: true }), fc.integer({ min: 0, max: 80 }), (arr, aht, pat, n) => {
        const at = (k: number) => erlangA({ arrivals: arr, intervalSeconds: 1800, ahtSeconds: aht, agents: k, targetAnswerSeconds: 20, meanPatienceSeconds: pat });
        const r1 = at(n);
        const r2 = at(n + 1);
        expect(r2.serviceLevel).toBeGreaterThanOrEqual(r1.serviceLevel - 1e-12);
        expect(r2.probAbandon).toBeLessThanOrEqual(r1.probAbandon + 1e-12);
      }),
      { numRuns: 150 },
    );
  });

  it('agrees with a call-by-call simulation of M/M/N+M (SL within 3 standard errors)', () => {
    // FCFS, N agents, exponential service and patience, 20 s target; SL = answered within t / offered.
    const rng = createRng(7);
    const lam = 300 / 1800;
    const aht = 240;
    const n = 40;
    const pat = 90;
    const t = 20;
    const free: number[] = Array(n).fill(0); // time each agent frees up
    let now = 0;
    let offered = 0;
    let within = 0;
    let abandoned = 0;
    // Simple FCFS assignment: each caller takes the earliest free agent unless they give up first.
    // (Exact for FCFS: the agent that frees first serves the head of the queue.)
    const calls = 200_000;
    for (let i = 0; i < calls; i++) {
      now += rng.exponential(1 / lam);
      const giveUp = now + rng.exponential(pat);
      let best = 0;
      for (let k = 1; k < n; k++) if (free[k] < free[best]) best = k;
      const start = Math.max(now, free[best]);
      offered++;
      if (start > giveUp) {
        abandoned++;
        continue;
      }
      if (start - now <= t) within++;
      free[best] = start + rng.exponential(aht);
    }
    const simSl = within / offered;
    const simAb = abandoned / offered;
    const r = erlangA({ arrivals: 300, intervalSeconds: 1800, ahtSeconds: aht, agents: n, targetAnswerSeconds: t, meanPatienceSeconds: pat });
    const se = Math.sqrt((simSl * (1 - simSl)) / offered) * 3; // iid bound; correlated sample, so allow 3×
    expect(Math.abs(simSl - r.serviceLevel)).toBeLessThan(Math.max(3 * se, 0.01));
    expect(Math.abs(simAb - r.probAbandon)).toBeLessThan(0.01);
  });
});

describe('estimatePatience', () => {
  it('censored MLE: total waiting time ÷ abandons', () => {
    const e = estimatePatience([
      { offered: 100, abandoned: 4, intervalSeconds: 1800, ahtSeconds: 180, agents: 11, totalWaitSeconds: 1000 },
      { offered: 50, abandoned: 1, intervalSeconds: 1800, ahtSeconds: 180, agents: 6, totalWaitSeconds: 200 },
    ]);
    expect(e.method).toBe('censored-mle');
    expect(e.meanPatienceSeconds).toBe(240);
  });

  it('abandon-rate match recovers the patience that generated the abandonment', () => {
    const truth = 150;
    const ivs = [
      [80, 9],
      [120, 12],
      [200, 17],
      [60, 6],
    ].map(([offered, agents]) => {
      const p = erlangA({ arrivals: offered, intervalSeconds: 1800, ahtSeconds: 200, agents, targetAnswerSeconds: 0, meanPatienceSeconds: truth }).probAbandon;
      return { offered, abandoned: offered * p, intervalSeconds: 1800, ahtSeconds: 200, agents };
    });
    const e = estimatePatience(ivs);
    expect(e.method).toBe('abandon-rate-match');
    expect(e.meanPatienceSeconds).toBeCloseTo(truth, 3);
    expect(e.atBound).toBe(false);
  });

  it.each([5, 20_000])('recovers a patience of %i s outside the first bracket [30 s, 3000 s]', (truth) => {
    const ivs = [[100, 11], [150, 15], [60, 7]].map(([offered, agents]) => ({
      offered,
      abandoned: offered * erlangA({ arrivals: offered, intervalSeconds: 1800, ahtSeconds: 180, agents, targetAnswerSeconds: 0, meanPatienceSeconds: truth }).probAbandon,
      intervalSeconds: 1800,
      ahtSeconds: 180,
      agents,
    }));
    const e = estimatePatience(ivs);
    expect(e.atBound).toBe(false);
    expect(Math.abs(e.meanPatienceSeconds / truth - 1)).toBeLessThan(1e-6);
  });

  it('no abandonment → infinite patience', () => {
    expect(estimatePatience([{ offered: 100, abandoned: 0, intervalSeconds: 1800, ahtSeconds: 180, agents: 12 }]).meanPatienceSeconds).toBe(Infinity);
  });

  it('requiredAgentsErlangA: minimal N meeting the target', () => {
    const inp = { arrivals: 100, intervalSeconds: 1800, ahtSeconds: 180, targetSlPct: 80, targetAnswerSeconds: 20, meanPatienceSeconds: 120 };
    const n = requiredAgentsErlangA(inp);
    const sl = (k: number) => refErlangA(100, 1800, 180, k, 20, 120).serviceLevel;
    expect(sl(n)).toBeGreaterThanOrEqual(0.8);
    expect(sl(n - 1)).toBeLessThan(0.8);
  });
});
