import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  fitQueueCalibration,
  predictIntervalSl,
  predictionRange,
  deltaPredictionRange,
  outOfFittedRange,
  erlangA,
  erlangAServiceLevel,
  studentTQuantile,
  fitTimeOfDay,
  fitLoadCorrection,
  applyCorrection,
  factorBoundNote,
  type CorrectionSample,
  type CalibrationInterval,
  type QueueCalibration,
} from '../src/engines/queueing/index.js';
import { simulateDay } from '../src/sample/callsim.js';
import { accuracyLine } from '../commands/modelBasis.js';
import { createRng } from '../src/engines/shared/rng.js';

const T = 1800;

interface SimSpec {
  days: number;
  slots: number;
  lambda: (slot: number) => number;
  agents: (slot: number) => number;
  talkMean: number;
  patience: number;
  /** Recorded AHT = true mean handle time ÷ this (the inputs understate work, as on the real bank). */
  ahtUnderstatement: number;
  seed: number;
  withWaits?: boolean;
  firstDay?: string;
}

function addDays(d: string, n: number): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Simulated history: call-by-call days (src/sample/callsim.ts), exponential service, recorded as intervals. */
function simulate(s: SimSpec): CalibrationInterval[] {
  const rng = createRng(s.seed);
  const out: CalibrationInterval[] = [];
  for (let d = 0; d < s.days; d++) {
    const day = addDays(s.firstDay ?? '2026-01-01', d);
    const ivs = Array.from({ length: s.slots }, (_, k) => ({ start: k, lambda: s.lambda(k), agents: s.agents(k), talkMean: s.talkMean, talkCv: 1, acwMean: 0, acwCv: 0 }));
    const rows = simulateDay({ rng, intervalSeconds: T, targetAnswerSeconds: 20, patienceMeanSeconds: s.patience, intervals: ivs, talkDistribution: 'exponential' });
    rows.forEach((r, k) =>
      out.push({
        day,
        slot: k,
        offered: r.offered,
        abandoned: r.abandoned,
        answeredWithinTarget: r.answered_within_target,
        // the recorded AHT: the interval's measured mean ÷ the understatement (the day's mean when nobody was answered)
        ahtSeconds: (r.aht_seconds ?? s.talkMean) / s.ahtUnderstatement,
        agents: r.agents_staffed,
        intervalSeconds: T,
        targetSeconds: 20,
        answeredWaitSeconds: s.withWaits === false ? null : r.wait_sum_seconds,
        abandonedWaitSeconds: s.withWaits === false ? null : r.abandoned_wait_sum_seconds,
      }),
    );
  }
  return out;
}

const ok = (c: QueueCalibration | { error: string }): QueueCalibration => {
  if ('error' in c) throw new Error(c.error);
  return c;
};

describe('Student t quantiles (published table values)', () => {
  it.each([
    [0.9, 4, 1.533206],
    [0.95, 4, 2.131847],
    [0.975, 10, 2.228139],
    [0.9, 1, 3.077684],
    [0.99, 30, 2.457262],
  ])('t(%f, df=%i) = %f', (p, df, want) => {
    expect(studentTQuantile(p, df)).toBeCloseTo(want, 5);
    expect(studentTQuantile(1 - p, df)).toBeCloseTo(-want, 5);
  });
});

describe('fitQueueCalibration on simulated calls', () => {
  // 10 agents, 50 calls per half-hour at 5.4 min true handle time (load 9 Erlangs: a busy queue), patience 300 s;
  // the recorded AHT understates the handle time by 1.3 (as unlogged wrap-up would).
  const spec: SimSpec = { days: 12, slots: 16, lambda: (k) => 46 + 8 * Math.sin(k / 2.5), agents: () => 10, talkMean: 324, patience: 300, ahtUnderstatement: 1.3, seed: 11 };
  const history = simulate(spec);
  const cal = ok(fitQueueCalibration(history));

  it('recovers the patience from the wait totals (Σ waits ÷ Σ abandons) within 10 %', () => {
    expect(cal.patienceSource).toBe('waits');
    expect(cal.patienceSeconds).not.toBeNull();
    expect(Math.abs(cal.patienceSeconds! / 300 - 1)).toBeLessThan(0.1);
  });

  it('chooses Erlang A and recovers the handle-time factor within 0.12 (effective load per agent within 8 %)', () => {
    expect(cal.model).toBe('erlang_a');
    // k and m trade off against each other (load per agent ≈ k/m); with the agents counted right m ≈ 1.
    expect(Math.abs(cal.handleTimeFactor / cal.agentFactor / 1.3 - 1)).toBeLessThan(0.08);
    if (cal.agentFactor === 1) expect(Math.abs(cal.handleTimeFactor - 1.3)).toBeLessThan(0.12);
  });

  it('reports the fit window, the backtest and every candidate', () => {
    expect(cal.fitFrom).toBe('2026-01-01');
    expect(cal.fitThrough).toBe('2026-01-12');
    expect(cal.days).toBe(12);
    expect(cal.backtest?.origins).toBe(5);
    expect(cal.backtest?.perDay.map((d) => d.day)).toEqual(['2026-01-08', '2026-01-09', '2026-01-10', '2026-01-11', '2026-01-12']);
    expect(cal.candidates.map((c) => c.name).slice(0, 4)).toEqual(['Erlang C, k', 'Erlang C, k + m', 'Erlang A, k', 'Erlang A, k + m']);
    expect(cal.candidates).toHaveLength(12);
    const best = Math.min(...cal.candidates.map((c) => c.maePp));
    // the simplest candidate within 0.2 pp of the best is chosen
    expect(cal.backtest!.maePp).toBeLessThanOrEqual(best + 0.2);
    const simpler = cal.candidates.slice(0, cal.candidates.findIndex((c) => c.name === cal.candidate));
    for (const c of simpler) expect(c.maePp).toBeGreaterThan(best + 0.2);
  });

  it('the realised per-day SL in the backtest is the day’s answered-within-target ÷ offered', () => {
    for (const d of cal.backtest!.perDay) {
      const rows = history.filter((r) => r.day === d.day);
      const off = rows.reduce((s, r) => s + r.offered, 0);
      const ans = rows.reduce((s, r) => s + r.answeredWithinTarget, 0);
      expect(d.offered).toBe(off);
      expect(d.realisedPct).toBeCloseTo((100 * ans) / off, 1);
    }
  });

  it('predictIntervalSl is the Erlang A SL at the effective inputs (independent evaluation)', () => {
    const cal = ok(fitQueueCalibration(history, { candidates: ['Erlang A, k + m'] }));
    expect(cal.correction).toBeNull();
    const x = { offered: 50, ahtSeconds: 250, agents: 10, intervalSeconds: T, targetSeconds: 20 };
    const want = erlangA({ arrivals: 50, intervalSeconds: T, ahtSeconds: 250 * cal.handleTimeFactor, agents: 10 * cal.agentFactor, targetAnswerSeconds: 20, meanPatienceSeconds: cal.patienceSeconds! }).serviceLevel;
    expect(predictIntervalSl(cal, x)).toBeCloseTo(want, 12);
  });

  it('warns when inputs lie outside the fitted range, and not inside it', () => {
    expect(outOfFittedRange(cal, [{ offered: 50, ahtSeconds: 250, agents: 10, intervalSeconds: T }])).toEqual([]);
    const w = outOfFittedRange(cal, [{ offered: 50, ahtSeconds: 250, agents: 30, intervalSeconds: T }]);
    expect(w.some((s) => /agents up to 30/.test(s))).toBe(true);
  });
});

describe('patience that cannot be estimated', () => {
  it('a match at the search bound says "cannot estimate patience" and drops Erlang A', () => {
    // 20 agents for 5 Erlangs, yet 60 % of callers abandon: no exponential patience on these inputs makes the
    // model abandon that often (even 1 s gives only Erlang B), so the abandon-rate match ends at its 1 s bound.
    const history: CalibrationInterval[] = [];
    for (let d = 0; d < 8; d++)
      for (let k = 0; k < 10; k++)
        history.push({ day: addDays('2026-02-01', d), slot: k, offered: 60, abandoned: 36, answeredWithinTarget: 20 + ((d + k) % 5), ahtSeconds: 150, agents: 20, intervalSeconds: T, targetSeconds: 20 });
    const cal = ok(fitQueueCalibration(history));
    expect(cal.patienceSeconds).toBeNull();
    expect(cal.patienceNote).toMatch(/^cannot estimate patience/);
    expect(cal.model).toBe('erlang_c');
    expect(cal.candidates.some((c) => c.name.startsWith('Erlang A'))).toBe(false);
  });

  it('a handle-time factor at its search bound is reported (a limit, not an estimate), in the accuracy line too', () => {
    // The recorded AHT is 1,000 s for calls that really take 300 s (true k = 0.3, below the 0.5 bound): the fit
    // can only go down to k = 0.5, and says so.
    const h = simulate({ days: 10, slots: 8, lambda: () => 30, agents: () => 7, talkMean: 300, patience: 300, ahtUnderstatement: 0.3, seed: 12 });
    const cal = ok(fitQueueCalibration(h));
    expect(cal.handleTimeFactor).toBeLessThanOrEqual(0.51);
    expect(cal.factorNote).toMatch(/^handle-time factor k 0\.5\d is at its search bound \(0\.5\): the history wants a lower k than the fit allows/);
    expect(cal.factorNote).toMatch(/a limit, not an estimate/);
    expect(accuracyLine(cal, T)!.text).toMatch(/^model: Erlang [AC], k 0\.5\d.* \(at a search bound: a limit, not an estimate\); backtest/);
    // An ordinary fit (true k inside the bounds) carries no note.
    const fine = ok(fitQueueCalibration(simulate({ days: 10, slots: 8, lambda: () => 30, agents: () => 7, talkMean: 300, patience: 300, ahtUnderstatement: 1.3, seed: 12 })));
    expect(fine.handleTimeFactor).toBeGreaterThan(0.6);
    expect(fine.factorNote).toBeNull();
    expect(accuracyLine(fine, T)!.text).not.toMatch(/search bound/);
  });

  it('factorBoundNote: both bounds of k and of the agent factor, and nothing inside them', () => {
    expect(factorBoundNote(0.5, null)).toMatch(/^handle-time factor k 0\.50 is at its search bound \(0\.5\): the history wants a lower k/);
    expect(factorBoundNote(3.995, null)).toMatch(/^handle-time factor k 4\.00 is at its search bound \(4\): the history wants a higher k/);
    expect(factorBoundNote(1.2, 0.4)).toMatch(/^agent factor 0\.40 is at its search bound \(0\.4\): the history wants a lower factor/);
    expect(factorBoundNote(0.5, 1.5)).toMatch(/k 0\.50 .*; agent factor 1\.50 is at its search bound \(1\.5\): the history wants a higher factor/);
    expect(factorBoundNote(0.52, 0.42)).toBeNull();
    expect(factorBoundNote(1.2, null)).toBeNull();
  });

  it('too little history is an error saying how many days there are and how many are needed', () => {
    const h = simulate({ days: 4, slots: 8, lambda: () => 30, agents: () => 6, talkMean: 300, patience: 300, ahtUnderstatement: 1, seed: 2 });
    const r = fitQueueCalibration(h);
    expect('error' in r && r.error).toMatch(/only 4 days .* at least 7/);
  });
});

describe('the backtest never uses the day it predicts', () => {
  const base = simulate({ days: 10, slots: 12, lambda: () => 40, agents: () => 8, talkMean: 300, patience: 250, ahtUnderstatement: 1.2, seed: 5 });
  const one = { candidates: ['Erlang A, k'] };
  const predicted = (h: CalibrationInterval[]) => ok(fitQueueCalibration(h, one)).backtest!.perDay;
  const before = predicted(base);
  const D = before[2].day; // the third of five origins

  it('an absurd outcome planted on D leaves the predictions of D and earlier origins unchanged', () => {
    const planted = base.map((r) => (r.day === D ? { ...r, answeredWithinTarget: 0, abandoned: r.offered, answeredWaitSeconds: 1e7 } : r));
    const after = predicted(planted);
    for (let i = 0; i <= 2; i++) expect(after[i].predictedPct).toBe(before[i].predictedPct);
    expect(after[2].realisedPct).toBe(0);
    // later origins did train on D, so they move
    expect(after[3].predictedPct).not.toBe(before[3].predictedPct);
  });

  it('changing D − 1 changes the prediction of D', () => {
    const dm1 = before[1].day;
    const changed = base.map((r) => (r.day === dm1 ? { ...r, answeredWithinTarget: 0 } : r));
    expect(predicted(changed)[2].predictedPct).not.toBe(before[2].predictedPct);
  });
});

describe('prediction intervals cover simulated days at about their stated rate', () => {
  it('80 % intervals on the next day of 30 independently simulated queues cover 60–95 %', () => {
    let covered = 0;
    const n = 30;
    for (let i = 0; i < n; i++) {
      const spec: SimSpec = { days: 11, slots: 10, lambda: (k) => 30 + 3 * k, agents: (k) => 6 + Math.floor(k / 3), talkMean: 280, patience: 280, ahtUnderstatement: 1.25, seed: 100 + i };
      const all = simulate(spec);
      const history = all.filter((r) => r.day < '2026-01-11');
      const next = all.filter((r) => r.day === '2026-01-11');
      const cal = ok(fitQueueCalibration(history, { candidates: ['Erlang A, k'] }));
      const off = next.reduce((s, r) => s + r.offered, 0);
      const predicted = (100 * next.reduce((s, r) => s + r.offered * predictIntervalSl(cal, r), 0)) / off;
      const realised = (100 * next.reduce((s, r) => s + r.answeredWithinTarget, 0)) / off;
      const band = predictionRange(cal, predicted, 0.8);
      if (realised >= band.lowPct && realised <= band.highPct) covered++;
    }
    expect(covered / n).toBeGreaterThanOrEqual(0.6);
    expect(covered / n).toBeLessThanOrEqual(0.95);
  });
});

describe('the what-if change interval covers simulated changes at about its stated rate', () => {
  it('80 % interval on +2 agents all day: the realised change (a day with the agents − a day without) is covered 60–95 % of 30 queues', () => {
    let covered = 0;
    let hits = 0;
    const n = 30;
    const base = (k: number) => 6 + Math.floor(k / 3);
    for (let i = 0; i < n; i++) {
      const spec: SimSpec = { days: 11, slots: 10, lambda: (k) => 30 + 3 * k, agents: base, talkMean: 280, patience: 280, ahtUnderstatement: 1.25, seed: 500 + i };
      const all = simulate(spec);
      const history = all.filter((r) => r.day < '2026-01-11');
      const day = all.filter((r) => r.day === '2026-01-11');
      // The same day's demand with two more agents in every interval, simulated on its own (independent noise).
      const withLever = simulate({ ...spec, agents: (k) => base(k) + 2, seed: 9000 + i }).filter((r) => r.day === '2026-01-11');
      const cal = ok(fitQueueCalibration(history, { candidates: ['Erlang A, k'] }));
      const daySl = (rows: CalibrationInterval[], f: (r: CalibrationInterval) => number) => (100 * rows.reduce((s, r) => s + f(r), 0)) / rows.reduce((s, r) => s + r.offered, 0);
      const predictedBase = daySl(day, (r) => r.offered * predictIntervalSl(cal, r));
      const predictedDelta = daySl(day, (r) => r.offered * predictIntervalSl(cal, { ...r, agents: r.agents + 2 })) - predictedBase;
      const realisedDelta = daySl(withLever, (r) => r.answeredWithinTarget) - daySl(day, (r) => r.answeredWithinTarget);
      const band = deltaPredictionRange(cal, predictedDelta, predictedBase, 0.8)!;
      expect(band.lowPts).toBeLessThanOrEqual(predictedDelta);
      expect(band.highPts).toBeGreaterThanOrEqual(predictedDelta);
      if (realisedDelta >= band.lowPts && realisedDelta <= band.highPts) covered++;
      if (Math.sign(predictedDelta) === Math.sign(realisedDelta)) hits++;
    }
    expect(covered / n).toBeGreaterThanOrEqual(0.6);
    expect(covered / n).toBeLessThanOrEqual(0.95);
    expect(hits / n).toBeGreaterThanOrEqual(0.8); // two more agents help, and the model says so
  });

  it('is null with fewer than 3 backtest days, and the clamp keeps baseline + change within 0–100 %', () => {
    const spec: SimSpec = { days: 11, slots: 10, lambda: (k) => 30 + 3 * k, agents: (k) => 6 + Math.floor(k / 3), talkMean: 280, patience: 280, ahtUnderstatement: 1.25, seed: 42 };
    const cal = ok(fitQueueCalibration(simulate(spec), { candidates: ['Erlang A, k'] }));
    const r = deltaPredictionRange(cal, 5, 97)!;
    expect(r.highPts).toBeLessThanOrEqual(3);
    expect(deltaPredictionRange({ ...cal, backtest: { ...cal.backtest!, perDay: cal.backtest!.perDay.slice(0, 2) } }, 5, 50)).toBeNull();
    // Half-width by hand: t(0.9, df = n − 1) · √2 · sd of the day residuals.
    const res = cal.backtest!.perDay.map((d) => d.predictedPct - d.realisedPct);
    const m = res.reduce((a, b) => a + b, 0) / res.length;
    const sd = Math.sqrt(res.reduce((a, x) => a + (x - m) ** 2, 0) / (res.length - 1));
    const t4 = 1.533206; // published t table, 0.90 quantile, 4 degrees of freedom
    expect(res.length).toBe(5);
    const mid = deltaPredictionRange(cal, 0, 50)!;
    expect(mid.highPts).toBeCloseTo(Math.min(50, t4 * Math.SQRT2 * sd), 4);
  });
});

describe('residual corrections', () => {
  it('time of day: a planted per-slot bias is recovered (shrunk by 100 pseudo-calls)', () => {
    const samples: CorrectionSample[] = [];
    for (let i = 0; i < 40; i++) for (const slot of [0, 1]) samples.push({ slot, offered: 50, answeredWithinTarget: slot === 0 ? 40 : 30, modelSl: 0.7, rho: 0.8, rhoPrev: 0.8 });
    const c = fitTimeOfDay(samples);
    // slot 0: realised 0.8 vs model 0.7 → +0.1 × 2000 / (2000 + 100); slot 1: −0.1 likewise
    expect(c.kind === 'time_of_day' && c.bySlot['0']).toBeCloseTo((0.1 * 2000) / 2100, 10);
    expect(c.kind === 'time_of_day' && c.bySlot['1']).toBeCloseTo((-0.1 * 2000) / 2100, 10);
    expect(applyCorrection(c, 0.7, { slot: 0, offered: 10, rho: 0.8, rhoPrev: 0.8 })).toBeCloseTo(0.7 + (0.1 * 2000) / 2100, 10);
    expect(applyCorrection(c, 0.7, { slot: 7, offered: 10, rho: 0.8, rhoPrev: 0.8 })).toBe(0.7);
  });

  it('load: recovers planted logistic coefficients from binomial data', () => {
    const rng = createRng(4);
    const truth = [0.5, 0.8, -1.2, -0.6];
    const samples: CorrectionSample[] = [];
    for (let i = 0; i < 3000; i++) {
      const modelSl = 0.2 + 0.75 * rng.next();
      const rho = 0.3 + rng.next();
      const rhoPrev = 0.3 + rng.next();
      const z = truth[0] + truth[1] * Math.log(modelSl / (1 - modelSl)) + truth[2] * rho + truth[3] * rhoPrev;
      const p = 1 / (1 + Math.exp(-z));
      let y = 0;
      for (let j = 0; j < 40; j++) if (rng.next() < p) y++;
      samples.push({ slot: 0, offered: 40, answeredWithinTarget: y, modelSl, rho, rhoPrev });
    }
    const c = fitLoadCorrection(samples);
    expect(c.kind).toBe('load');
    if (c.kind === 'load') c.coefficients.forEach((b, j) => expect(Math.abs(b - truth[j])).toBeLessThan(0.12));
  });

  it('load: a correction that would make more load raise SL is refused (identity)', () => {
    const samples: CorrectionSample[] = [];
    for (let i = 0; i < 200; i++) {
      const rho = 0.2 + (i % 10) / 10;
      samples.push({ slot: 0, offered: 30, answeredWithinTarget: Math.round(30 * Math.min(0.95, 0.3 + 0.5 * rho)), modelSl: 0.6, rho, rhoPrev: 0.5 });
    }
    const c = fitLoadCorrection(samples);
    expect(c.kind === 'load' && c.coefficients).toEqual([0, 1, 0, 0]);
  });
});

describe('erlangAServiceLevel (the fits’ allocation-free path)', () => {
  it('equals erlangA(...).serviceLevel, fractional agents and patience 0 / ∞ included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.double({ min: 10, max: 1200, noNaN: true }),
        fc.oneof(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 40, noNaN: true })),
        fc.oneof(fc.constant(0), fc.constant(Infinity), fc.double({ min: 1, max: 5000, noNaN: true })),
        fc.integer({ min: 0, max: 120 }),
        (arr, aht, n, pat, t) => {
          const want = erlangA({ arrivals: arr, intervalSeconds: T, ahtSeconds: aht, agents: n, targetAnswerSeconds: t, meanPatienceSeconds: pat }).serviceLevel;
          return Math.abs(erlangAServiceLevel(arr, T, aht, n, t, pat) - want) <= 1e-12;
        },
      ),
    );
  });
});

describe('properties (fast-check)', () => {
  const cal = ok(fitQueueCalibration(simulate({ days: 8, slots: 8, lambda: () => 35, agents: () => 7, talkMean: 300, patience: 300, ahtUnderstatement: 1.1, seed: 9 }), { candidates: ['Erlang A, k'] }));
  const corrected = ok(fitQueueCalibration(simulate({ days: 8, slots: 8, lambda: (k) => 20 + 6 * k, agents: () => 7, talkMean: 300, patience: 300, ahtUnderstatement: 1.1, seed: 9 }), { candidates: ['Erlang A, k + load correction'] }));

  it('with the load correction too, SL is in [0, 1] and never falls when an agent is added (every interval)', () => {
    expect(corrected.correction?.kind).toBe('load');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: 30, max: 900, noNaN: true }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 100 }), (offered, aht, agents, prevOffered) => {
        const prev = { offered: prevOffered, ahtSeconds: aht, agents };
        const x = { offered, ahtSeconds: aht, agents, intervalSeconds: T, targetSeconds: 20, previous: prev };
        const a = predictIntervalSl(corrected, x);
        const b = predictIntervalSl(corrected, { ...x, agents: agents + 1, previous: { ...prev, agents: agents + 1 } });
        return a >= 0 && a <= 1 && b >= a - 1e-12;
      }),
    );
  });

  it('predicted SL is in [0, 1] and never falls when an agent is added', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.double({ min: 30, max: 900, noNaN: true }), fc.integer({ min: 0, max: 40 }), (offered, aht, agents) => {
        const x = { offered, ahtSeconds: aht, agents, intervalSeconds: T, targetSeconds: 20 };
        const a = predictIntervalSl(cal, x);
        const b = predictIntervalSl(cal, { ...x, agents: agents + 1 });
        return a >= 0 && a <= 1 && b >= a - 1e-12;
      }),
    );
  });

  it('the prediction range contains the prediction and widens with the level', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0.5, max: 0.95, noNaN: true }), (p, level) => {
        const a = predictionRange(cal, p, level);
        const b = predictionRange(cal, p, Math.min(0.99, level + 0.04));
        return a.lowPct <= p && p <= a.highPct && b.lowPct <= a.lowPct + 1e-9 && b.highPct >= a.highPct - 1e-9 && a.lowPct >= 0 && a.highPct <= 100;
      }),
    );
  });
});
