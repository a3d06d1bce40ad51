import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { detectDrift, countEvents, thresholdFor, type IntervalRecord } from '../src/engines/drift/index.js';
import { dayIncrement, fitVariance, newDayAcc, observe, zOf, type Obs } from '../src/engines/drift/residuals.js';
import { dayBaseline, median } from '../src/engines/drift/baseline.js';
import { buildGrid } from '../src/engines/drift/grid.js';
import { createRng, type Rng } from '../src/engines/shared/rng.js';

/**
 * A synthetic queue with strong seasonality, independent of the engine and of callsim (fast):
 * Monday–Friday ≈ 5× the weekend, a 10× intraday swing, Poisson arrivals, talk/ACW interval means with
 * their sampling noise (CV 0.9 / 0.6 per call ÷ √handled), scheduled agents, binomial SL.
 */
interface Change {
  driver: 'arrivals' | 'talk' | 'acw' | 'agents';
  factor: number;
  /** Epoch ms from which the change applies (interval start ≥ this). */
  fromMs: number;
}

const START = Date.parse('2026-03-02T00:00:00Z'); // Monday
const WEEK = [0.2, 1.1, 1.0, 1.0, 0.95, 0.9, 0.25];
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';

function shape(minute: number): number {
  const g = (mu: number, sd: number) => Math.exp(-0.5 * ((minute - mu) / sd) ** 2);
  return 0.1 + 0.9 * g(630, 100) + 0.7 * g(840, 110);
}

/** Day-level noise: each whole day's arrivals and talk time scaled by 1 + cv·N(0, 1) (busier or quieter days). */
interface DayNoise {
  arrivalsCv: number;
  talkCv: number;
}

function synthQueue(days: number, peak: number, rng: Rng, changes: Change[] = [], throughMinuteLastDay = 24 * 60, dayNoise?: DayNoise): IntervalRecord[] {
  const out: IntervalRecord[] = [];
  const f0 = (d: Change['driver'], ms: number) => changes.filter((c) => c.driver === d && ms >= c.fromMs).reduce((p, c) => p * c.factor, 1);
  let dayArr = 1;
  let dayTalk = 1;
  const f = (d: Change['driver'], ms: number) => f0(d, ms) * (d === 'arrivals' ? dayArr : d === 'talk' ? dayTalk : 1);
  for (let d = 0; d < days; d++) {
    const d0 = START + d * 86_400_000;
    const date = iso(d0).slice(0, 10);
    const dow = new Date(d0).getUTCDay();
    if (dayNoise) {
      dayArr = Math.max(0.5, 1 + dayNoise.arrivalsCv * rng.normal());
      dayTalk = Math.max(0.5, 1 + dayNoise.talkCv * rng.normal());
    }
    for (let m = 8 * 60; m < 20 * 60; m += 30) {
      if (d === days - 1 && m > throughMinuteLastDay) break;
      const ms = d0 + m * 60_000;
      const lambda = peak * WEEK[dow] * shape(m) * f('arrivals', ms);
      const offered = rng.poisson(lambda);
      const agents = Math.max(1, Math.round(((peak * WEEK[dow] * shape(m) * 330) / 1800) * 1.15 + 1)) * f('agents', ms);
      const handled = Math.round(offered * 0.95);
      const talkMean = 260 * f('talk', ms);
      const acwMean = 70 * f('acw', ms);
      const talk = handled > 0 ? talkMean * (1 + (0.9 / Math.sqrt(handled)) * rng.normal()) : null;
      const acw = handled > 0 ? acwMean * (1 + (0.6 / Math.sqrt(handled)) * rng.normal()) : null;
      let awt = 0;
      for (let i = 0; i < offered; i++) if (rng.next() < 0.85) awt++;
      out.push({
        queue: 'billing',
        intervalStart: iso(ms),
        localDate: date,
        localMinute: m,
        localDow: dow,
        intervalSeconds: 1800,
        offered,
        handled,
        abandoned: offered - handled,
        answeredWithinTarget: Math.min(awt, handled),
        ahtSeconds: talk === null ? null : talk + (acw as number),
        acwSeconds: acw,
        agentsStaffed: agents,
        slTargetPct: 80,
        slTargetSeconds: 20,
      });
    }
  }
  return out;
}

const dateOf = (day: number) => iso(START + day * 86_400_000).slice(0, 10);

describe('drift detection', () => {
  it('raises nothing on null data with strong weekly and intraday seasonality', () => {
    const recs = synthQueue(42, 120, createRng(11));
    const res = detectDrift(recs, { from: dateOf(28), trainDays: 28, falseAlarmsPer30Days: 0.25, seed: 3 });
    expect(res.trainDaysUsed).toBeGreaterThanOrEqual(26);
    for (const c of Object.values(res.calibration)) expect(c!.calibrated).toBe(true);
    expect(res.events).toEqual([]);
    expect(Math.max(...res.timeline.map((p) => p.score))).toBeLessThan(1);
    // The seasonal swing is real: weekday peak slots carry > 15× the weekend's early slots.
    const offered = recs.map((r) => r.offered);
    expect(Math.max(...offered)).toBeGreaterThan(15 * median(recs.filter((r) => r.localDow === 0 && r.localMinute === 480).map((r) => r.offered)));
  });

  it('detects a talk-time step with the onset near the truth, as one event however long it lasts', () => {
    const onsetMs = START + 31 * 86_400_000 + 11 * 3_600_000; // day 31 (a Thursday) 11:00
    const recs = synthQueue(45, 120, createRng(12), [{ driver: 'talk', factor: 1.2, fromMs: onsetMs }]);
    const res = detectDrift(recs, { from: dateOf(28), trainDays: 28, seed: 3 });
    const talk = res.events.filter((e) => e.driver === 'talk');
    expect(talk).toHaveLength(1);
    const ev = talk[0];
    expect(ev.direction).toBe('up');
    expect(ev.status).toBe('open');
    const stepMs = 1_800_000;
    const detected = Date.parse(ev.detectedAt);
    expect(detected).toBeGreaterThanOrEqual(onsetMs);
    expect(detected - onsetMs).toBeLessThanOrEqual(8 * stepMs);
    expect(Math.abs(Date.parse(ev.onsetEstimate) - onsetMs)).toBeLessThanOrEqual(3 * stepMs);
    expect(ev.magnitude).toBeGreaterThan(0.15);
    expect(ev.magnitude).toBeLessThan(0.25);
    // No event of any driver before the onset.
    expect(res.events.filter((e) => Date.parse(e.detectedAt) < onsetMs)).toEqual([]);
    // ACW did not change: its statistic stays quiet.
    expect(res.events.filter((e) => e.driver === 'acw')).toEqual([]);
  });

  it('detects arrivals and agents going down, with the right direction', () => {
    const onsetMs = START + 30 * 86_400_000 + 9 * 3_600_000;
    const arr = detectDrift(synthQueue(38, 120, createRng(13), [{ driver: 'arrivals', factor: 0.8, fromMs: onsetMs }]), { from: dateOf(28), seed: 3 });
    const a = arr.events.find((e) => e.driver === 'arrivals');
    expect(a?.direction).toBe('down');
    expect(Date.parse(a!.detectedAt)).toBeGreaterThanOrEqual(onsetMs);
    expect(a!.magnitude).toBeCloseTo(-0.2, 1);
    const ag = detectDrift(synthQueue(38, 120, createRng(14), [{ driver: 'agents', factor: 0.85, fromMs: onsetMs }]), { from: dateOf(28), seed: 3 });
    const g = ag.events.find((e) => e.driver === 'agents');
    expect(g?.direction).toBe('down');
    expect(Date.parse(g!.detectedAt) - onsetMs).toBeLessThan(86_400_000);
  });

  it('closes an event when the shift ends', () => {
    const on = START + 30 * 86_400_000 + 9 * 3_600_000;
    const off = START + 35 * 86_400_000 + 9 * 3_600_000; // a Monday: the next intervals are busy
    const recs = synthQueue(42, 120, createRng(15), [
      { driver: 'talk', factor: 1.25, fromMs: on },
      { driver: 'talk', factor: 1 / 1.25, fromMs: off },
    ]);
    const res = detectDrift(recs, { from: dateOf(28), seed: 3 });
    const talk = res.events.filter((e) => e.driver === 'talk' && e.direction === 'up');
    expect(talk).toHaveLength(1);
    expect(talk[0].status).toBe('closed');
    expect(Date.parse(talk[0].closedAt!)).toBeGreaterThan(off);
    expect(Date.parse(talk[0].closedAt!) - off).toBeLessThan(86_400_000);
  });

  it('uses only data up to each interval: appending future data changes no earlier score', () => {
    const recs = synthQueue(40, 60, createRng(16), [{ driver: 'talk', factor: 1.3, fromMs: START + 36 * 86_400_000 }]);
    const cut = dateOf(34);
    const opts = { from: dateOf(28), trainDays: 28, seed: 5 };
    const full = detectDrift(recs, opts);
    const head = detectDrift(recs.filter((r) => r.localDate <= cut), opts);
    expect(full.timeline.slice(0, head.timeline.length)).toEqual(head.timeline);
  });

  it('"today so far" flags a partial day whose arrivals run 40 % above baseline', () => {
    const lastDay = 35;
    const recs = synthQueue(lastDay + 1, 120, createRng(17), [{ driver: 'arrivals', factor: 1.4, fromMs: START + lastDay * 86_400_000 }], 12 * 60);
    const res = detectDrift(recs, { from: dateOf(28), seed: 3 });
    expect(res.today?.localDate).toBe(dateOf(lastDay));
    expect(res.today?.throughMinute).toBe(12 * 60);
    const arr = res.today!.drivers.arrivals!;
    expect(arr.change).toBeGreaterThan(0.3);
    expect(arr.change).toBeLessThan(0.5);
    expect(res.today!.warnings[0]).toMatchObject({ driver: 'arrivals', direction: 'up' });
    expect(Math.abs(res.today!.drivers.talk!.z)).toBeLessThan(3);
  });
});

describe('volume weighting and the variance model', () => {
  const grid = buildGrid(synthQueue(8, 100, createRng(21)));
  const b = dayBaseline(grid.days.slice(0, 4), grid.slotsPerDay);
  const s = grid.days[7].cells.findIndex((c) => c && c.handled > 50);

  it('standardises a talk deviation by √handled: 4× the calls, twice the z for the same relative change', () => {
    const cell = grid.days[7].cells[s]!;
    const base = b.talk[s];
    const mk = (handled: number) => observe('talk', { ...cell, handled, talk: base * 1.1 }, b, s)!;
    const vm = { phi: 0.81, tau2: 0, n: 0 };
    const z1 = zOf('talk', mk(25), vm);
    const z4 = zOf('talk', mk(100), vm);
    expect(z1).toBeCloseTo(0.1 / (0.9 / 5), 10);
    expect(z4 / z1).toBeCloseTo(2, 10);
  });

  it('fitVariance recovers φ and τ² from residuals drawn with known values', () => {
    const rng = createRng(5);
    const obs: Obs[] = [];
    for (let i = 0; i < 20000; i++) {
      const n = 1 + rng.int(400);
      const v = 0.8 / n + 0.002;
      obs.push({ e: Math.sqrt(v) * rng.normal(), u: 1 / n, observed: 0, expected: 0, weight: n, y: 0, mu: 0 });
    }
    const vm = fitVariance('talk', obs);
    expect(vm.phi).toBeGreaterThan(0.8 * 0.93);
    expect(vm.phi).toBeLessThan(0.8 * 1.07);
    expect(vm.tau2).toBeGreaterThan(0.002 * 0.85);
    expect(vm.tau2).toBeLessThan(0.002 * 1.15);
  });
});

describe('CUSUM events and threshold calibration', () => {
  it('counts events by the monitor rule on a hand-worked sequence', () => {
    // h = 2.5: S = 1, 2, 3→open, cap 2.5, 0.5, 0 → close; 2, 3→open (2nd), cap 2.5, then −10 → 0.
    const up = Float64Array.from([1, 1, 1, -2, -1, 2, 1, -10]);
    const down = Float64Array.from([-1, -1, -1, -1, -1, -1, -1, 3]);
    expect(countEvents({ up, down, days: 1 }, 2.5)).toBe(3);
    expect(countEvents({ up, down, days: 1 }, 3.5)).toBe(0);
  });

  it('a capped open event does not count again while the statistic stays above zero', () => {
    const up = Float64Array.from([5, -1, 1, -1, 1, -1, 1]);
    expect(countEvents({ up, down: new Float64Array(up.length).fill(-1), days: 1 }, 3)).toBe(1);
  });

  it('the calibrated threshold holds its false-alarm rate on fresh data from the same null law', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0.3, max: 2, noNaN: true }), (seed, s) => {
        const rng = createRng(seed);
        const gen = (n: number) => {
          const up = new Float64Array(n);
          const down = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            const z = rng.normal();
            up[i] = s * z - (s * s) / 2;
            down[i] = -s * z - (s * s) / 2;
          }
          return { up, down, days: n / 30 };
        };
        const cal = thresholdFor(gen(30 * 4000), 0.5)!;
        const fresh = gen(30 * 8000);
        const rate = (countEvents(fresh, cal.threshold) * 30) / fresh.days;
        expect(rate).toBeLessThan(1.0);
        expect(rate).toBeGreaterThan(0.2);
      }),
      { numRuns: 4 },
    );
  });
});

describe('the baseline never overlaps a suspected shift', () => {
  it('while a talk event is open, later days are compared with the weeks before its onset, and it stays one open event', () => {
    const onsetMs = START + 31 * 86_400_000 + 11 * 3_600_000;
    const recs = synthQueue(56, 120, createRng(31), [{ driver: 'talk', factor: 1.2, fromMs: onsetMs }]);
    const res = detectDrift(recs, { from: dateOf(28), trainDays: 28, seed: 3 });
    const talk = res.events.filter((e) => e.driver === 'talk');
    expect(talk).toHaveLength(1);
    expect(talk[0].status).toBe('open');
    // 15–24 days after the onset, 2–3 of the 4 trailing same weekdays are shifted: a trailing baseline would
    // expect ≈ 10–20 % more talk. Frozen before the onset it still expects the generator's 260 s.
    const late = res.timeline.filter((p) => p.localDate >= dateOf(46) && p.values.talk);
    const w = late.reduce((s2, p) => s2 + p.values.talk!.weight, 0);
    const expected = late.reduce((s2, p) => s2 + p.values.talk!.weight * p.values.talk!.expected, 0) / w;
    expect(expected).toBeGreaterThan(250);
    expect(expected).toBeLessThan(270);
    expect(talk[0].magnitude).toBeGreaterThan(0.15);
  });
});

describe('day-level noise (whole days busier or quieter)', () => {
  it('sequential day increments sum to the Gaussian random-effect likelihood ratio (Σ = diag(Var) + σ²·11ᵀ solved here)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ e: fc.double({ min: -0.3, max: 0.3, noNaN: true }), handled: fc.integer({ min: 5, max: 200 }) }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0, max: 0.02, noNaN: true }),
        (xs, sd2) => {
          const vm = { phi: 0.8, tau2: 0.002, n: 100 };
          const delta = 0.1;
          const acc = newDayAcc();
          let up = 0;
          let down = 0;
          const obs: Obs[] = xs.map((x) => ({ e: x.e, u: 1 / x.handled, observed: 0, expected: 0, weight: x.handled, y: 0, mu: 0 }));
          for (const o of obs) {
            const [u, d] = dayIncrement('talk', o, vm, delta, o.e, sd2, acc);
            up += u;
            down += d;
          }
          // Reference: solve Σ·x = e and Σ·y = 1 by Gaussian elimination; LLR± = ±δ·1ᵀx − δ²/2·1ᵀy.
          const n = obs.length;
          const solve = (rhs: number[]) => {
            const m = obs.map((o, i) => [...obs.map((_, j) => (i === j ? vm.phi * o.u + vm.tau2 : 0) + sd2), rhs[i]]);
            for (let c = 0; c < n; c++) {
              for (let r = c + 1; r < n; r++) {
                const f = m[r][c] / m[c][c];
                for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
              }
            }
            const x = new Array<number>(n).fill(0);
            for (let r = n - 1; r >= 0; r--) x[r] = (m[r][n] - m[r].slice(r + 1, n).reduce((s2, v, k) => s2 + v * x[r + 1 + k], 0)) / m[r][r];
            return x;
          };
          const oneX = solve(obs.map((o) => o.e)).reduce((a2, b2) => a2 + b2, 0);
          const oneY = solve(obs.map(() => 1)).reduce((a2, b2) => a2 + b2, 0);
          expect(up).toBeCloseTo(delta * oneX - (delta * delta * oneY) / 2, 9);
          expect(down).toBeCloseTo(-delta * oneX - (delta * delta * oneY) / 2, 9);
        },
      ),
      { numRuns: 100 },
    );
  });

  const noisy = { arrivalsCv: 0.1, talkCv: 0.05 };

  it('estimates the day-level variance the generator put in, and inflates each interval by the design effect κ = 1 + W·σ²_day', () => {
    const res = detectDrift(synthQueue(42, 120, createRng(21), [], 24 * 60, noisy), { from: dateOf(28), trainDays: 28, seed: 3 });
    const arr = res.calibration.arrivals!;
    // Injected: CV 10 % → σ² = 0.01, plus the baseline's own level error (a median of 4 such days) on top.
    expect(arr.dayVariance).toBeGreaterThan(0.006);
    expect(arr.dayVariance).toBeLessThan(0.03);
    // A weekday's ≈ 2,000 calls are worth ≈ 2,000/φ independent ones without the day effect; with it, the day
    // is worth at most 1/σ²_day ≈ 100: κ far above 1 (κ = 1 would treat 24 correlated intervals as independent).
    for (const dow of [1, 2, 3, 4, 5]) expect(arr.dayInflation[dow]).toBeGreaterThan(5);
    expect(res.calibration.talk!.dayInflation[2]).toBeGreaterThan(2);
    // Without day-level noise: σ²_day ≈ 0 and κ ≈ 1.
    const calm = detectDrift(synthQueue(42, 120, createRng(21)), { from: dateOf(28), trainDays: 28, seed: 3 });
    expect(calm.calibration.arrivals!.dayVariance).toBeLessThan(0.002);
    for (const dow of [1, 2, 3, 4, 5]) expect(calm.calibration.arrivals!.dayInflation[dow]).toBeLessThan(2);
  });

  it('holds the stated false-alarm rate on null data with day-level noise, over several seeds', () => {
    // 6 seeds × 42 monitored days = 252 queue-days at the stated 0.5 events per 30 days: ≈ 4 expected at most.
    let events = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const res = detectDrift(synthQueue(70, 120, createRng(100 + seed), [], 24 * 60, noisy), { from: dateOf(28), trainDays: 28, seed });
      events += res.events.length;
    }
    expect(events).toBeLessThanOrEqual(9); // Poisson(4.2) exceeds 9 with probability < 2 %
  });
});
