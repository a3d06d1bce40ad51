import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { attributeDay, attributeSlChange, shapleyValues, PLAYERS, type IntervalRecord, type Player } from '../src/engines/drift/index.js';
import { erlangA, erlangC } from '../src/engines/queueing/index.js';
import { calibratedModel } from '../commands/modelBasis.js';
import { erlangCSl, knownCalibration } from './helpers/calibration.js';

/** One interval record; `date` → dow computed from the calendar, for matching by time of week. */
function rec(date: string, minute: number, p: { offered: number; talk: number; acw: number; agents: number; awt?: number; abandoned?: number }): IntervalRecord {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  const hh = String(Math.floor(minute / 60)).padStart(2, '0');
  const mm = String(minute % 60).padStart(2, '0');
  const abandoned = p.abandoned ?? 0;
  const handled = p.offered - abandoned;
  return {
    queue: 'billing',
    intervalStart: `${date}T${hh}:${mm}:00Z`,
    localDate: date,
    localMinute: minute,
    localDow: dow,
    intervalSeconds: 1800,
    offered: p.offered,
    handled,
    abandoned,
    answeredWithinTarget: p.awt ?? Math.round(handled * 0.8),
    ahtSeconds: handled > 0 ? p.talk + p.acw : null,
    acwSeconds: handled > 0 ? p.acw : null,
    agentsStaffed: p.agents,
    slTargetPct: 80,
    slTargetSeconds: 20,
  };
}

const PERMS: number[][] = (() => {
  const out: number[][] = [];
  const go = (rest: number[], acc: number[]) => {
    if (!rest.length) out.push(acc);
    rest.forEach((x, i) => go([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, x]));
  };
  go([0, 1, 2, 3], []);
  return out;
})();

describe('exact Shapley values', () => {
  it('two players with a pure interaction split it equally; additive parts go to their owner', () => {
    expect(shapleyValues(2, (m) => (m === 3 ? 1 : 0))).toEqual([0.5, 0.5]);
    const phi = shapleyValues(3, (m) => (m & 1 ? 2 : 0) + (m & 2 ? -5 : 0) + (m & 4 ? 0.25 : 0));
    expect(phi).toEqual([2, -5, 0.25]);
  });

  it('efficiency: contributions sum to v(all) − v(none) to 1e-9 for any value function', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 16, maxLength: 16 }), (vals) => {
        const phi = shapleyValues(4, (m) => vals[m]);
        expect(Math.abs(phi.reduce((a, b) => a + b, 0) - (vals[15] - vals[0]))).toBeLessThanOrEqual(1e-9);
      }),
    );
  });

  it('equals the average marginal contribution over all 24 orderings (independent brute force)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 16, maxLength: 16 }), (vals) => {
        const phi = shapleyValues(4, (m) => vals[m]);
        const brute = [0, 0, 0, 0];
        for (const order of PERMS) {
          let mask = 0;
          for (const p of order) {
            brute[p] += (vals[mask | (1 << p)] - vals[mask]) / 24;
            mask |= 1 << p;
          }
        }
        phi.forEach((x, i) => expect(x).toBeCloseTo(brute[i], 12));
      }),
    );
  });

  it('relabelling the players permutes the values the same way (no order dependence)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 16, maxLength: 16 }),
        fc.constantFrom(...PERMS),
        (vals, perm) => {
          const phi = shapleyValues(4, (m) => vals[m]);
          // Player i of the relabelled game is player perm[i] of the original one.
          const relabel = (m: number) => perm.reduce((acc, orig, i) => (m & (1 << i) ? acc | (1 << orig) : acc), 0);
          const psi = shapleyValues(4, (m) => vals[relabel(m)]);
          perm.forEach((orig, i) => expect(psi[i]).toBeCloseTo(phi[orig], 12));
        },
      ),
    );
  });
});

// ── Attribution through the queue model ─────────────────────────────────────────────────────────────────

const slotArb = fc.record({
  offered: fc.integer({ min: 20, max: 200 }),
  talk: fc.integer({ min: 150, max: 400 }),
  acw: fc.integer({ min: 10, max: 120 }),
  extraAgents: fc.integer({ min: 1, max: 15 }),
});

function windowRecords(dates: string[], slots: { offered: number; talk: number; acw: number; extraAgents: number }[], scale: { arrivals: number; talk: number; acw: number; agents: number }): IntervalRecord[] {
  const out: IntervalRecord[] = [];
  for (const date of dates)
    slots.forEach((s, k) => {
      const offered = Math.round(s.offered * scale.arrivals);
      const load = (s.offered * (s.talk + s.acw)) / 1800;
      out.push(rec(date, 540 + 30 * k, { offered, talk: s.talk * scale.talk, acw: s.acw * scale.acw, agents: Math.ceil(load + s.extraAgents) * scale.agents }));
    });
  return out;
}

const factorArb = fc.record({
  arrivals: fc.double({ min: 0.8, max: 1.25, noNaN: true }),
  talk: fc.double({ min: 0.8, max: 1.25, noNaN: true }),
  acw: fc.double({ min: 0.7, max: 1.4, noNaN: true }),
  agents: fc.double({ min: 0.85, max: 1.15, noNaN: true }),
});

describe('attributeSlChange', () => {
  const beforeDates = ['2026-03-03', '2026-03-10', '2026-03-17', '2026-03-24'];
  const afterDates = ['2026-03-31'];

  it('contributions sum to the modelled change to 1e-9, and residual = observed − model', () => {
    fc.assert(
      fc.property(fc.array(slotArb, { minLength: 1, maxLength: 6 }), factorArb, (slots, f) => {
        const before = windowRecords(beforeDates, slots, { arrivals: 1, talk: 1, acw: 1, agents: 1 });
        const after = windowRecords(afterDates, slots, f);
        const a = attributeSlChange(before, after);
        const sum = PLAYERS.reduce((s, p) => s + a.contributions[p], 0);
        expect(Math.abs(sum - a.modelDelta)).toBeLessThanOrEqual(1e-9);
        expect(a.residual).toBe(a.observedDelta - a.modelDelta);
        // Observed SL recomputed here from the records: answered within target ÷ offered.
        const sl = (rs: IntervalRecord[]) => (100 * rs.reduce((s, r) => s + r.answeredWithinTarget, 0)) / rs.reduce((s, r) => s + r.offered, 0);
        expect(a.observedDelta).toBeCloseTo(sl(after) - sl(before), 10);
        expect(a.model).toBe('erlang-c'); // no abandonment → Erlang C
      }),
      { numRuns: 40 },
    );
  });

  it('dummy: a driver that is the same in both windows gets exactly 0', () => {
    fc.assert(
      fc.property(fc.array(slotArb, { minLength: 1, maxLength: 5 }), factorArb, fc.constantFrom<Player>(...PLAYERS), (slots, f, same) => {
        const before = windowRecords(beforeDates, slots, { arrivals: 1, talk: 1, acw: 1, agents: 1 });
        const after = windowRecords(afterDates, slots, { ...f, [same]: 1 });
        const a = attributeSlChange(before, after);
        expect(a.contributions[same]).toBe(0);
        expect(a.driverChanges[same]).toBeCloseTo(0, 12);
      }),
      { numRuns: 40 },
    );
  });

  it('matches a hand-checkable two-window case: Erlang C evaluated here, 24 orderings averaged', () => {
    // One slot. Before: 100 calls, talk 200 s, ACW 40 s, 16 agents. After: 110 calls, talk 230 s, ACW 50 s, 15 agents.
    const B = { offered: 100, talk: 200, acw: 40, agents: 16 };
    const A = { offered: 110, talk: 230, acw: 50, agents: 15 };
    const before = [rec('2026-03-03', 600, { ...B, awt: 85 })];
    const after = [rec('2026-03-10', 600, { ...A, awt: 40 })];
    const att = attributeSlChange(before, after);
    const keys = ['offered', 'talk', 'acw', 'agents'] as const;
    const v = (mask: number) => {
      const x = keys.map((k, i) => (mask & (1 << i) ? A[k] : B[k]));
      return 100 * erlangC({ arrivals: x[0], intervalSeconds: 1800, ahtSeconds: x[1] + x[2], agents: x[3], targetAnswerSeconds: 20 }).serviceLevel;
    };
    const brute = [0, 0, 0, 0];
    for (const order of PERMS) {
      let mask = 0;
      for (const p of order) {
        brute[p] += (v(mask | (1 << p)) - v(mask)) / 24;
        mask |= 1 << p;
      }
    }
    PLAYERS.forEach((p, i) => expect(att.contributions[p]).toBeCloseTo(brute[i], 9));
    expect(att.modelDelta).toBeCloseTo(v(15) - v(0), 12);
    expect(att.before.sl).toBe(85);
    expect(att.after.sl).toBeCloseTo((100 * 40) / 110, 12);
    expect(att.observedDelta).toBeCloseTo((100 * 40) / 110 - 85, 12);
    // Every driver worsened SL here: more calls, longer talk and ACW, fewer agents.
    for (const p of PLAYERS) expect(att.contributions[p]).toBeLessThan(0);
    expect(att.driverChanges).toMatchObject({ arrivals: expect.closeTo(0.1, 12), talk: expect.closeTo(0.15, 12), acw: expect.closeTo(0.25, 12), agents: expect.closeTo(-1 / 16, 12) });
    expect(att.facts.find((f) => f.driver === 'talk')!.text).toMatch(/^Talk time \+15 % contributed −\d+\.\d pts$/);
  });

  it('through a calibrated model (Erlang C, k = 1.1): the split is the brute force on 1.1 × AHT, and a lost agent costs more', () => {
    // One slot. Before: 100 calls, talk 200 s, ACW 40 s, 24 agents. After: 110 calls, talk 230 s, ACW 50 s, 22 agents.
    const B = { offered: 100, talk: 200, acw: 40, agents: 24 };
    const A = { offered: 110, talk: 230, acw: 50, agents: 22 };
    const before = [rec('2026-03-03', 600, { ...B, awt: 85 })];
    const after = [rec('2026-03-10', 600, { ...A, awt: 60 })];
    const split = (k: number) => {
      const keys = ['offered', 'talk', 'acw', 'agents'] as const;
      const v = (mask: number) => {
        const x = keys.map((key, i) => (mask & (1 << i) ? A[key] : B[key]));
        return 100 * erlangCSl(x[0], k * (x[1] + x[2]), x[3], 1800, 20);
      };
      const brute = [0, 0, 0, 0];
      for (const order of PERMS) {
        let mask = 0;
        for (const p of order) {
          brute[p] += (v(mask | (1 << p)) - v(mask)) / 24;
          mask |= 1 << p;
        }
      }
      return { brute, delta: v(15) - v(0) };
    };
    const att = attributeSlChange(before, after, { slModel: calibratedModel(knownCalibration(1.1)) });
    const textbook = attributeSlChange(before, after, { model: 'erlang-c' });
    const hand = split(1.1);
    PLAYERS.forEach((p, i) => expect(att.contributions[p]).toBeCloseTo(hand.brute[i], 9));
    expect(att.modelDelta).toBeCloseTo(hand.delta, 9);
    expect(PLAYERS.reduce((sum, p) => sum + att.contributions[p], 0)).toBeCloseTo(att.modelDelta, 9); // efficiency
    const plain = split(1).brute;
    PLAYERS.forEach((p, i) => expect(textbook.contributions[p]).toBeCloseTo(plain[i], 9));
    // The heavier effective load (k > 1) makes the same two lost agents cost more SL than textbook says.
    expect(att.contributions.agents).toBeLessThan(textbook.contributions.agents);
    expect(att.model).toBe('erlang-c');
    expect(att.observedDelta).toBe(textbook.observedDelta); // the observed change is the data's, not the model's
  });

  it('uses Erlang A with a fitted patience when callers abandon', () => {
    const mk = (date: string, agents: number) => [540, 570, 600].map((m) => rec(date, m, { offered: 120, talk: 240, acw: 60, agents, abandoned: 8, awt: 90 }));
    const before = ['2026-03-03', '2026-03-10'].flatMap((d) => mk(d, 21));
    const after = mk('2026-03-17', 19);
    const att = attributeSlChange(before, after);
    expect(att.model).toBe('erlang-a');
    expect(att.meanPatienceSeconds).toBeGreaterThan(0);
    // Only agents changed: it carries the whole modelled change, which is Erlang A's own difference.
    const sl = (n: number) => 100 * erlangA({ arrivals: 120, intervalSeconds: 1800, ahtSeconds: 300, agents: n, targetAnswerSeconds: 20, meanPatienceSeconds: att.meanPatienceSeconds! }).serviceLevel;
    expect(att.contributions.agents).toBeCloseTo(sl(19) - sl(21), 9);
    expect(att.contributions.arrivals).toBe(0);
    expect(att.contributions.talk).toBe(0);
  });

  it('attributeDay compares a day with the same weekday of the 4 weeks before', () => {
    const recs: IntervalRecord[] = [];
    const days = ['2026-03-03', '2026-03-10', '2026-03-17', '2026-03-24', '2026-03-31'];
    days.forEach((d, i) => recs.push(rec(d, 600, { offered: 100, talk: i === 4 ? 276 : 240, acw: 60, agents: 20 })));
    recs.push(rec('2026-03-30', 600, { offered: 500, talk: 900, acw: 60, agents: 20 })); // a Monday: ignored
    recs.push(rec('2026-02-24', 600, { offered: 500, talk: 900, acw: 60, agents: 20 })); // 5 weeks back: ignored
    const att = attributeDay(recs, '2026-03-31');
    expect(att.before.days).toBe(4);
    expect(att.driverChanges.talk).toBeCloseTo(0.15, 12);
    expect(att.driverChanges.arrivals).toBeCloseTo(0, 12);
    expect(att.facts[0].driver).toBe('talk');
  });
});

describe('window summaries', () => {
  it('offeredPerDay is a daily figure when the windows span several weekdays (time-of-week slots)', () => {
    // Two weeks, 7 days × 3 half-hours of 100 calls: 300 calls a day in both windows.
    const days = (from: string, n: number) => Array.from({ length: n }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
    const mk = (d: string) => [540, 570, 600].map((m) => rec(d, m, { offered: 100, talk: 240, acw: 60, agents: 20 }));
    const before = days('2026-11-02', 7).flatMap(mk);
    const after = days('2026-11-09', 7).flatMap(mk);
    const a = attributeSlChange(before, after);
    expect(a.matchBy).toBe('time-of-week');
    expect(a.before.offeredPerDay).toBeCloseTo(300, 9);
    expect(a.after.offeredPerDay).toBeCloseTo(300, 9);
    // One day against the same weekday: time-of-day slots, still a daily figure.
    const one = attributeSlChange(mk('2026-11-02'), mk('2026-11-09'));
    expect(one.after.offeredPerDay).toBeCloseTo(300, 9);
  });
});

// ── Independent references for the attribution tests below ──────────────────────────────────────────────

/** Erlang B by its definition, (Aⁿ/n!) / Σₖ Aᵏ/k!, summed in log space (no recursion shared with the engine). */
function erlangBDirect(n: number, a: number): number {
  const logs: number[] = [];
  let lf = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) lf += Math.log(k);
    logs.push(k * Math.log(a) - lf);
  }
  const mx = Math.max(...logs);
  const tot = logs.reduce((s, l) => s + Math.exp(l - mx), 0);
  return Math.exp(logs[n] - mx) / tot;
}

/**
 * Erlang C service level as the engine documents it for fractional N: P(wait) linear in N between the
 * integer anchors (the lower anchor is the stability edge (A, 1) when floor(N) ≤ A), SL = 1 − Pw·e^(−(N−A)t/AHT).
 * `step` = true evaluates at floor(N) instead — the wrong variant the tests must tell apart.
 */
function slRef(lambda: number, aht: number, agents: number, target: number, opts: { step?: boolean } = {}): number {
  if (lambda <= 0) return 1;
  const A = (lambda * aht) / 1800;
  const N = opts.step ? Math.floor(agents) : agents;
  if (N <= A) return 0;
  const pwInt = (n: number) => {
    const b = erlangBDirect(n, A);
    return (n * b) / (n - A + A * b);
  };
  const lo = Math.floor(N);
  let pw: number;
  if (lo === N) pw = pwInt(N);
  else if (lo > A) pw = pwInt(lo) + (N - lo) * (pwInt(lo + 1) - pwInt(lo));
  else pw = 1 + ((N - A) / (lo + 1 - A)) * (pwInt(lo + 1) - 1);
  return 1 - pw * Math.exp((-(N - A) * target) / aht);
}

interface RefSlot { lambda: number; talk: number; acw: number; agents: number }

/** Shapley values by brute force over the 24 orderings, v = 100 × volume-weighted model SL of the coalition. */
function bruteShapley(b: RefSlot[], a: RefSlot[], target: number, opts: { unweighted?: boolean; step?: boolean } = {}): number[] {
  const keys = ['lambda', 'talk', 'acw', 'agents'] as const;
  const v = (mask: number) => {
    let num = 0;
    let den = 0;
    b.forEach((sb, s) => {
      const x = keys.map((k, i) => (mask & (1 << i) ? a[s][k] : sb[k]));
      const w = opts.unweighted ? 1 : x[0];
      num += w * slRef(x[0], x[1] + x[2], x[3], target, opts);
      den += w;
    });
    return (100 * num) / den;
  };
  const phi = [0, 0, 0, 0];
  for (const order of PERMS) {
    let mask = 0;
    for (const p of order) {
      phi[p] += (v(mask | (1 << p)) - v(mask)) / 24;
      mask |= 1 << p;
    }
  }
  return phi;
}

describe('arrivals conserve the call total', () => {
  const weeks = ['2026-03-03', '2026-03-10', '2026-03-17', '2026-03-24'];
  const day = '2026-03-31';
  const mk = (date: string, counts: number[], agents = 4) => counts.map((c, k) => rec(date, 540 + 30 * k, { offered: c, talk: 240, acw: 60, agents }));

  it('4 weeks × 2 slots of 10 calls against 5 and 15: arrivals 0 %, 20 calls a day, no arrivals contribution', () => {
    const att = attributeSlChange(weeks.flatMap((d) => mk(d, [10, 10])), mk(day, [5, 15]));
    expect(att.driverChanges.arrivals).toBe(0);
    expect(att.before.offeredPerDay).toBeCloseTo(20, 12);
    expect(att.after.offeredPerDay).toBeCloseTo(20, 12);
    // 5 vs 15 on an expected 10 is within Poisson noise for one day: the shape is not credited.
    expect(att.contributions.arrivals).toBe(0);
    expect(att.facts.find((f) => f.driver === 'arrivals')!.text).toBe('Arrivals +0.0 % contributed +0.0 pts');
  });

  it('8 slots of 40 against [30,50,35,45,40,38,42,40] (both 320): arrivals ≈ 0', () => {
    const after = [30, 50, 35, 45, 40, 38, 42, 40];
    const att = attributeSlChange(weeks.flatMap((d) => mk(d, Array(8).fill(40), 9)), mk(day, after, 9));
    expect(Math.abs(att.driverChanges.arrivals)).toBeLessThan(1e-12);
    expect(att.after.offeredPerDay).toBeCloseTo(320, 9);
    expect(Math.abs(att.contributions.arrivals)).toBeLessThan(0.05);
  });

  it('the denoised after-window keeps its call total for any counts (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 0, max: 120 })), { minLength: 2, maxLength: 10 }), (slots) => {
        const before = weeks.flatMap((d) => mk(d, slots.map((s) => s[0]), 30));
        const after = mk(day, slots.map((s) => s[1]), 30);
        const att = attributeSlChange(before, after);
        const total = slots.reduce((s, x) => s + x[1], 0);
        const base = slots.reduce((s, x) => s + x[0], 0);
        expect(att.after.offeredPerDay).toBeCloseTo(total, 9);
        expect(att.driverChanges.arrivals).toBeCloseTo(total / base - 1, 12);
      }),
      { numRuns: 60 },
    );
  });

  it('a genuine intraday shift on a big queue is kept and credited to arrivals', () => {
    // 200/200 every week, then 100/300 with the same 40 agents: far beyond Poisson noise.
    const att = attributeSlChange(weeks.flatMap((d) => mk(d, [200, 200], 40)), mk(day, [100, 300], 40));
    expect(att.driverChanges.arrivals).toBe(0);
    expect(att.slotSignalShare.arrivals).toBeGreaterThan(0.95);
    // The raw shift's own effect, computed here: the kept share (≥ 95 %) of it goes to arrivals.
    const raw = (100 * (100 * slRef(100, 300, 40, 20) + 300 * slRef(300, 300, 40, 20))) / 400 - 100 * slRef(200, 300, 40, 20);
    expect(raw).toBeLessThan(-5);
    expect(att.contributions.arrivals).toBeLessThan(0.9 * raw);
    expect(att.contributions.arrivals).toBeGreaterThanOrEqual(raw - 1e-9);
    expect(att.facts.find((f) => f.driver === 'arrivals')!.text).toMatch(/^Arrivals \+0\.0 % \(calls moved between intervals\) contributed −\d+\.\d pts$/);
  });
});

describe('attribution against a brute-force Shapley computation', () => {
  // Before: 4 weeks whose agents alternate (mean fractional), target 20 s; after: one day, target 30 s.
  // After-window drivers are exact multiples of the before pattern, so denoising leaves them as they are.
  const weeks = ['2026-03-03', '2026-03-10', '2026-03-17', '2026-03-24'];
  const day = '2026-03-31';
  const shapes: { name: string; offered: number[]; talk: number[]; acw: number[]; agents: number[][]; after: { arrivals: number; talk: number; acw: number; agents: number[] } }[] = [
    { name: 'three uneven slots', offered: [32, 160, 64], talk: [200, 260, 300], acw: [40, 60, 30], agents: [[6, 7, 6, 7], [26, 27, 27, 27], [13, 12, 12, 13]], after: { arrivals: 1.25, talk: 1.1, acw: 1.2, agents: [6, 25, 14] } },
    { name: 'one big and one tiny slot', offered: [400, 8], talk: [240, 180], acw: [60, 20], agents: [[60, 61, 61, 61], [3, 3, 3, 4]], after: { arrivals: 0.75, talk: 1.2, acw: 1, agents: [58, 3] } },
    { name: 'five slots, a peak', offered: [40, 40, 80, 240, 120], talk: [220, 230, 240, 250, 260], acw: [50, 50, 60, 60, 70], agents: [[7, 8, 7, 8], [8, 8, 8, 8], [13, 14, 14, 13], [38, 39, 39, 38], [20, 21, 20, 21]], after: { arrivals: 1.125, talk: 0.95, acw: 1.3, agents: [8, 8, 14, 37, 22] } },
  ];

  for (const sh of shapes)
    it(`${sh.name}: contributions equal the brute force to 1e-8 pts (weighted slots, after target, fractional agents)`, () => {
      const recAt = (date: string, k: number, offered: number, talk: number, acw: number, agents: number, target: number) => ({ ...rec(date, 540 + 30 * k, { offered, talk, acw, agents }), slTargetSeconds: target });
      const before = weeks.flatMap((d, w) => sh.offered.map((o, k) => recAt(d, k, o, sh.talk[k], sh.acw[k], sh.agents[k][w], 20)));
      const after = sh.offered.map((o, k) => recAt(day, k, o * sh.after.arrivals, sh.talk[k] * sh.after.talk, sh.acw[k] * sh.after.acw, sh.after.agents[k], 30));
      const att = attributeSlChange(before, after);
      const b: RefSlot[] = sh.offered.map((o, k) => ({ lambda: o, talk: sh.talk[k], acw: sh.acw[k], agents: sh.agents[k].reduce((s, x) => s + x, 0) / 4 }));
      const a: RefSlot[] = sh.offered.map((o, k) => ({ lambda: o * sh.after.arrivals, talk: sh.talk[k] * sh.after.talk, acw: sh.acw[k] * sh.after.acw, agents: sh.after.agents[k] }));
      const brute = bruteShapley(b, a, 30);
      PLAYERS.forEach((p, i) => expect(att.contributions[p]).toBeCloseTo(brute[i], 8));
      // Each wrong variant moves some contribution by more than 0.05 pts, so the check above tells it apart.
      const differs = (alt: number[]) => Math.max(...alt.map((x, i) => Math.abs(x - brute[i])));
      expect(differs(bruteShapley(b, a, 30, { unweighted: true }))).toBeGreaterThan(0.05);
      expect(differs(bruteShapley(b, a, 20))).toBeGreaterThan(0.05); // the before-window's own target
      expect(differs(bruteShapley(b, a, 30, { step: true }))).toBeGreaterThan(0.05);
    });
});
