import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { whatIf, staffingPlan, fitHandleTimeFactor, type WhatIfInterval } from '../src/engines/queueing/index.js';

const D = Decimal.clone({ precision: 50 });

/** Independent Erlang C service level: direct big-number sum (no Erlang B recursion). */
function refSl(arrivals: number, interval: number, aht: number, n: number, t: number): number {
  const a = new D(arrivals).mul(aht).div(interval);
  if (a.gte(n)) return 0;
  let term = new D(1);
  let sum = new D(0);
  for (let k = 0; k < n; k++) {
    sum = sum.add(term);
    term = term.mul(a).div(k + 1);
  }
  const slack = new D(n).sub(a);
  const top = term.mul(n).div(slack);
  const pw = top.div(sum.add(top));
  return new D(1).sub(pw.mul(D.exp(slack.neg().mul(t).div(aht)))).toNumber();
}

function iv(over: Partial<WhatIfInterval> & { localMinute: number }): WhatIfInterval {
  return {
    intervalStart: `2026-01-05T${String(Math.floor(over.localMinute / 60)).padStart(2, '0')}:${String(over.localMinute % 60).padStart(2, '0')}:00Z`,
    intervalSeconds: 1800,
    offered: 100,
    ahtSeconds: 180,
    acwSeconds: 30,
    agentsStaffed: 14,
    slTargetPct: 80,
    slTargetSeconds: 20,
    ...over,
  };
}

/** A realistic day: volume bell 07:00–19:00, agents ≈ 1.1 × load, 5 % abandonment, realised SL 60–90 %. */
function sampleDay(seed: number, withRealised = true): WhatIfInterval[] {
  const out: WhatIfInterval[] = [];
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let k = 0; k < 48; k++) {
    const m = k * 30;
    const shape = Math.max(0.05, Math.sin(Math.PI * Math.max(0, Math.min(1, (m - 420) / 720))));
    const offered = Math.round(160 * shape * (0.9 + 0.2 * rnd()));
    const aht = 240 + 120 * rnd();
    const agents = Math.max(1, Math.round(((offered * aht) / 1800) * (1.05 + 0.2 * rnd())));
    const abandoned = Math.round(offered * 0.05 * rnd() * 2);
    out.push(
      iv({
        localMinute: m,
        offered,
        ahtSeconds: aht,
        acwSeconds: 30 + 30 * rnd(),
        agentsStaffed: agents,
        abandoned,
        ...(withRealised ? { answeredWithinTarget: Math.round(offered * (0.6 + 0.3 * rnd())) } : {}),
      }),
    );
  }
  return out;
}

describe('whatIf — identities', () => {
  it('zero levers → zero delta; predicted SL is the model’s own, the realised SL is reported beside it', () => {
    const day = sampleDay(3);
    const r = whatIf(day, {}, { basis: 'realised' });
    expect(r.model).toBe('erlang-a');
    expect(r.patience.source).toBe('fitted');
    expect(r.delta.slPts).toBe(0);
    expect(r.delta.asaSeconds).toBe(0);
    expect(r.delta.riskIndex).toBe(0);
    for (const row of r.intervals) {
      expect(row.slDeltaPts).toBe(0);
      expect(row.predictedSl).toBe(row.baseline.serviceLevel);
    }
    const vol = day.reduce((s, d) => s + d.offered, 0);
    const realised = day.reduce((s, d) => s + (d.answeredWithinTarget ?? 0), 0) / vol;
    expect(r.realisedServiceLevel).toBeCloseTo(realised, 12);
    // No identity: the model (fitted patience, recorded inputs) does not land on the realised figure.
    expect(Math.abs(r.scenario.serviceLevel - realised)).toBeGreaterThan(0.005);
  });

  it('a supplied model answers every interval: Erlang C at 1.5 × AHT against the independent reference', () => {
    const day = [iv({ localMinute: 540, offered: 100, agentsStaffed: 16 }), iv({ localMinute: 570, offered: 60, ahtSeconds: 240, agentsStaffed: 12 })];
    const slow = { kind: 'erlang-c' as const, meanPatienceSeconds: null, evaluate: (x: { offered: number; ahtSeconds: number; agents: number; intervalSeconds: number; targetSeconds: number }) => ({ serviceLevel: refSl(x.offered, x.intervalSeconds, x.ahtSeconds * 1.5, x.agents, x.targetSeconds), asaSeconds: 0, abandonRate: null, occupancy: 0 }) };
    const r = whatIf(day, { agentsDelta: 2 }, { basis: 'forecast', model: slow });
    expect(r.patience.source).toBe('model');
    expect(r.intervals[0].baseline.serviceLevel).toBeCloseTo(refSl(100, 1800, 270, 16, 20), 12);
    expect(r.intervals[0].predictedSl).toBeCloseTo(refSl(100, 1800, 270, 18, 20), 12);
    expect(r.intervals[1].predictedSl).toBeCloseTo(refSl(60, 1800, 360, 14, 20), 12);
    // Agents needed through the same model: N meets 80 % at 1.5 × AHT, N − 1 does not.
    const a = r.intervals[0];
    expect(refSl(100, 1800, 270, a.agentsNeeded, 20)).toBeGreaterThanOrEqual(0.8);
    expect(refSl(100, 1800, 270, a.agentsNeeded - 1, 20)).toBeLessThan(0.8);
  });

  it('realised vs model on the day: volume-weighted MAE and bias (hand-checked, Erlang C)', () => {
    // two intervals, no abandonment → Erlang C; model SL from the independent reference
    const day = [
      iv({ localMinute: 540, offered: 100, agentsStaffed: 14, realisedSl: 0.8 }),
      iv({ localMinute: 570, offered: 300, ahtSeconds: 120, agentsStaffed: 22, realisedSl: 0.95 }),
    ];
    const r = whatIf(day, {}, { basis: 'realised' });
    expect(r.model).toBe('erlang-c');
    const m1 = refSl(100, 1800, 180, 14, 20);
    const m2 = refSl(300, 1800, 120, 22, 20);
    const e1 = m1 - 0.8;
    const e2 = m2 - 0.95;
    expect(r.realisedVsModel!.maeSlPts).toBeCloseTo(((100 * Math.abs(e1) + 300 * Math.abs(e2)) / 400) * 100, 8);
    expect(r.realisedVsModel!.biasSlPts).toBeCloseTo(((100 * e1 + 300 * e2) / 400) * 100, 8);
    expect(r.intervals[0].predictedSl).toBeCloseTo(m1, 12);
  });

  it('at risk ranks by contacts affected (volume × SL gap), and no-agent trivial intervals are listed apart', () => {
    // A hand-built model: SL by volume, so each interval's SL is known exactly.
    const slOf: Record<number, number> = { 200: 0.7, 20: 0.1, 3: 0, 2: 0, 50: 0.9, 40: 0.5, 9: 0 };
    const model = { kind: 'erlang-c' as const, meanPatienceSeconds: null, evaluate: (x: { offered: number }) => ({ serviceLevel: slOf[x.offered], asaSeconds: 0, abandonRate: null, occupancy: 0 }) };
    const day = [
      iv({ localMinute: 0, offered: 3, agentsStaffed: 0 }), // no agents, 3 contacts: apart
      iv({ localMinute: 30, offered: 2, agentsStaffed: 0 }), // no agents, 2 contacts: apart
      iv({ localMinute: 540, offered: 20, agentsStaffed: 2 }), // gap 70 pts × 20 = 14 contacts
      iv({ localMinute: 570, offered: 200, agentsStaffed: 20 }), // gap 10 pts × 200 = 20 contacts
      iv({ localMinute: 600, offered: 50, agentsStaffed: 8 }), // on target
      iv({ localMinute: 630, offered: 40, agentsStaffed: 5 }), // gap 30 pts × 40 = 12 contacts
      iv({ localMinute: 1380, offered: 9, agentsStaffed: 0 }), // no agents but 9 contacts: ranked (9 × 0.8 = 7.2)
    ];
    const r = whatIf(day, {}, { basis: 'forecast', model, skipRanking: true });
    expect(r.atRisk.map((x) => x.localMinute)).toEqual([570, 540, 630, 1380]);
    expect(r.atRisk.map((x) => x.contactsShort)).toEqual([200 * 0.1, 20 * 0.7, 40 * 0.3, 9 * 0.8].map((v) => expect.closeTo(v, 9)));
    expect(r.unstaffedTrivial).toEqual({ intervals: 2, minOffered: 2, maxOffered: 3, localMinutes: [0, 30] });
    // The risk index still counts every contact in a below-target interval.
    expect(r.scenario.riskIndex).toBeCloseTo((3 + 2 + 20 + 200 + 40 + 9) / 324, 12);
  });
});

describe('whatIf — levers', () => {
  it('+agents never lowers SL, per interval or for the day (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 5 }),
        fc.option(fc.tuple(fc.integer({ min: 0, max: 1410 }), fc.integer({ min: 30, max: 600 }))),
        fc.boolean(),
        (seed, n, win, withPatience) => {
          const day = sampleDay(seed).map((d) => (withPatience ? d : { ...d, abandoned: 0 })); // Erlang A or C
          const agentsWindow = win ? { fromMinute: win[0], toMinute: (win[0] + win[1]) % 1440 } : undefined;
          const opts = { basis: 'realised' as const, skipRanking: true, meanPatienceSeconds: withPatience ? 120 : undefined };
          const base = whatIf(day, {}, opts);
          const more = whatIf(day, { agentsDelta: n, agentsWindow }, opts);
          expect(more.scenario.serviceLevel).toBeGreaterThanOrEqual(base.scenario.serviceLevel - 1e-12);
          more.intervals.forEach((row, i) => expect(row.predictedSl).toBeGreaterThanOrEqual(base.intervals[i].predictedSl - 1e-12));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('agents lever applies only inside the local window, which may wrap past midnight', () => {
    const day = [0, 600, 690, 720, 1410].map((m) => iv({ localMinute: m }));
    const r = whatIf(day, { agentsDelta: 2, agentsWindow: { fromMinute: 540, toMinute: 720 } }, { basis: 'forecast' });
    expect(r.intervals.map((x) => x.scenario.capacityAgents)).toEqual([14, 16, 16, 14, 14]);
    const w = whatIf(day, { agentsDelta: -20, agentsWindow: { fromMinute: 1380, toMinute: 60 } }, { basis: 'forecast' });
    expect(w.intervals.map((x) => x.scenario.capacityAgents)).toEqual([0, 14, 14, 14, 0]);
  });

  it('without a window, agents are added only where the queue is open (agents or contacts), not the closed night', () => {
    const day = [iv({ localMinute: 60, offered: 0, agentsStaffed: 0 }), iv({ localMinute: 120, offered: 5, agentsStaffed: 0 }), iv({ localMinute: 600 })];
    const r = whatIf(day, { agentsDelta: 3 }, { basis: 'forecast' });
    expect(r.intervals.map((x) => x.scenario.capacityAgents)).toEqual([0, 3, 17]);
  });

  it('AHT %, ACW s (floored at the ACW there is), volume % and FCR transform the interval as documented', () => {
    const day = [iv({ localMinute: 600, ahtSeconds: 200, acwSeconds: 40, offered: 100 })];
    const at = (lv: Parameters<typeof whatIf>[1]) => whatIf(day, lv, { basis: 'forecast' }).intervals[0].scenario;
    expect(at({ ahtPct: -10 }).ahtSeconds).toBeCloseTo(180, 12);
    expect(at({ acwSeconds: -20 }).ahtSeconds).toBeCloseTo(180, 12);
    expect(at({ acwSeconds: -100 }).ahtSeconds).toBeCloseTo(160, 12); // only 40 s of ACW to remove
    expect(at({ acwPct: -50 }).ahtSeconds).toBeCloseTo(180, 12);
    expect(at({ ahtPct: -10, acwSeconds: -20 }).ahtSeconds).toBeCloseTo(160, 12); // 144 talk + (36 − 20)
    expect(at({ ahtSeconds: -15 }).ahtSeconds).toBeCloseTo(185, 12);
    expect(at({ ahtSeconds: -500 }).ahtSeconds).toBeCloseTo(40, 12); // talk floored at 0, ACW stays
    expect(at({ volumePct: 20 }).offered).toBeCloseTo(120, 12);
    // geometric repeats, 30 % repeat rate: FCR 70 % → 75 % scales volume by 70/75
    expect(at({ fcrPoints: 5 }).offered).toBeCloseTo((100 * 70) / 75, 12);
    const r = whatIf(day, { fcrPoints: 5 }, { basis: 'forecast', repeatRatePct: 20 });
    expect(r.intervals[0].scenario.offered).toBeCloseTo((100 * 80) / 85, 12);
    expect(r.assumptions[0]).toMatch(/20% of contacts are assumed to be repeats/);
  });

  it('lever ranking on a hand-checkable interval (Erlang C, values from the big-number reference)', () => {
    // A = 10 Erlangs, 13 agents, AHT 180 s of which only 4 s ACW: −10 s ACW can only remove 4 s.
    const day = [iv({ localMinute: 600, agentsStaffed: 13, acwSeconds: 4 })];
    const r = whatIf(day, {}, { basis: 'forecast' });
    expect(r.model).toBe('erlang-c');
    const base = refSl(100, 1800, 180, 13, 20);
    const expected = {
      '+1 agent all day': refSl(100, 1800, 180, 14, 20) - base,
      '−10 s AHT': refSl(100, 1800, 170, 13, 20) - base,
      '−10 s ACW': refSl(100, 1800, 176, 13, 20) - base,
      '+1 pt FCR': refSl((100 * 70) / 71, 1800, 180, 13, 20) - base,
    };
    expect(r.leverRanking.map((x) => x.lever)).toEqual(['+1 agent all day', '−10 s AHT', '−10 s ACW', '+1 pt FCR']);
    for (const x of r.leverRanking) expect(x.slPts).toBeCloseTo(expected[x.lever] * 100, 7);
  });
});

describe('whatIf — outputs', () => {
  it('risk index = share of volume in intervals below target; at-risk worst first', () => {
    const day = [
      iv({ localMinute: 540, offered: 100, agentsStaffed: 11 }), // SL ≈ 0.35 < 0.8
      iv({ localMinute: 570, offered: 100, agentsStaffed: 12 }), // ≈ 0.65 < 0.8
      iv({ localMinute: 600, offered: 200, ahtSeconds: 90, agentsStaffed: 16 }), // comfortably above
    ];
    const r = whatIf(day, {}, { basis: 'forecast' });
    expect(refSl(100, 1800, 180, 11, 20)).toBeLessThan(0.8);
    expect(refSl(100, 1800, 180, 12, 20)).toBeLessThan(0.8);
    expect(refSl(200, 1800, 90, 16, 20)).toBeGreaterThan(0.8);
    expect(r.scenario.riskIndex).toBeCloseTo(0.5, 12);
    expect(r.atRisk.map((x) => x.localMinute)).toEqual([540, 570]);
    expect(r.riskIndexExplanation).toMatch(/share of the day/);
  });

  it('day SL is volume-weighted and agents needed meet the target while one fewer does not (forecast, Erlang C)', () => {
    const day = [iv({ localMinute: 540, offered: 100, agentsStaffed: 12 }), iv({ localMinute: 570, offered: 300, ahtSeconds: 240, agentsStaffed: 40 })];
    const r = whatIf(day, {}, { basis: 'forecast' });
    const s1 = refSl(100, 1800, 180, 12, 20);
    const s2 = refSl(300, 1800, 240, 40, 20);
    expect(r.scenario.serviceLevel).toBeCloseTo((100 * s1 + 300 * s2) / 400, 9);
    const [a, b] = r.intervals;
    expect(refSl(100, 1800, 180, a.agentsNeeded, 20)).toBeGreaterThanOrEqual(0.8);
    expect(refSl(100, 1800, 180, a.agentsNeeded - 1, 20)).toBeLessThan(0.8);
    expect(a.agentGap).toBe(a.agentsNeeded - 12);
    expect(refSl(300, 1800, 240, b.agentsNeeded, 20)).toBeGreaterThanOrEqual(0.8);
    expect(refSl(300, 1800, 240, b.agentsNeeded - 1, 20)).toBeLessThan(0.8);
  });

  it('model choice: given patience, fitted from abandonment, or Erlang C without evidence', () => {
    expect(whatIf([iv({ localMinute: 0 })], {}, { basis: 'forecast', meanPatienceSeconds: 90 }).patience).toEqual({ meanPatienceSeconds: 90, source: 'given' });
    const fitted = whatIf([iv({ localMinute: 0, agentsStaffed: 11, abandoned: 8 })], {}, { basis: 'realised' });
    expect(fitted.model).toBe('erlang-a');
    expect(fitted.patience.source).toBe('fitted');
    expect(fitted.intervals[0].baseline.abandonRate).toBeCloseTo(0.08, 9); // the fit reproduces the observed rate
    const c = whatIf([iv({ localMinute: 0, abandoned: 0 })], {}, { basis: 'realised' });
    expect(c.model).toBe('erlang-c');
    expect(c.intervals[0].scenario.abandonRate).toBeNull();
  });
});

describe('staffingPlan', () => {
  it('classic example: 14 raw → 20 scheduled at 30 % shrinkage; gaps worst first; agent-hours', () => {
    const ivs = [
      { intervalStart: '2026-01-05T09:00:00Z', intervalSeconds: 1800, offered: 100, ahtSeconds: 180, agentsStaffed: 12, slTargetPct: 80, slTargetSeconds: 20 },
      { intervalStart: '2026-01-05T09:30:00Z', intervalSeconds: 1800, offered: 100, ahtSeconds: 180, agentsStaffed: 15, slTargetPct: 80, slTargetSeconds: 20 },
      { intervalStart: '2026-01-05T10:00:00Z', intervalSeconds: 1800, offered: 0, ahtSeconds: 180, agentsStaffed: 2, slTargetPct: 80, slTargetSeconds: 20 },
    ];
    const r = staffingPlan(ivs, { shrinkage: 0.3 });
    expect(r.rows.map((x) => x.intervalStart)).toEqual(['2026-01-05T09:00:00Z', '2026-01-05T09:30:00Z', '2026-01-05T10:00:00Z']);
    expect(r.rows[0]).toMatchObject({ rawAgents: 14, scheduledAgents: 20, gap: -2 });
    expect(r.rows[1]).toMatchObject({ rawAgents: 14, scheduledAgents: 20, gap: 1 });
    expect(r.rows[2]).toMatchObject({ rawAgents: 0, scheduledAgents: 0, gap: 2 });
    expect(r.intervalsShort).toBe(1);
    expect(r.totals).toEqual({ rawAgentHours: 14, scheduledAgentHours: 20, staffedAgentHours: 14.5, shortAgentHours: 1, surplusAgentHours: 1.5 });
  });

  it('target and occupancy overrides change the requirement', () => {
    const one = [{ intervalStart: 'x', intervalSeconds: 1800, offered: 100, ahtSeconds: 180, agentsStaffed: 12, slTargetPct: 80, slTargetSeconds: 20 }];
    const strict = staffingPlan(one, { targetSlPct: 90, targetAnswerSeconds: 15 }).rows[0];
    expect(refSl(100, 1800, 180, strict.rawAgents, 15)).toBeGreaterThanOrEqual(0.9);
    expect(refSl(100, 1800, 180, strict.rawAgents - 1, 15)).toBeLessThan(0.9);
    const occ = staffingPlan(one, { maxOccupancy: 0.6 }).rows[0];
    expect(occ.rawAgents).toBe(17);
    expect(occ.bindingConstraint).toBe('occupancy');
    expect(() => staffingPlan([{ ...one[0], slTargetPct: undefined }])).toThrow(RangeError);
  });
});

describe('fitHandleTimeFactor', () => {
  it('recovers the handle-time factor that generated the realised SL (Erlang C, SL from the big-number reference)', () => {
    const history = [
      [80, 10],
      [100, 13],
      [150, 18],
      [60, 8],
      [120, 15],
    ].map(([offered, agents]) => ({ offered, intervalSeconds: 1800, ahtSeconds: 150, agents, targetAnswerSeconds: 20, realisedSl: refSl(offered, 1800, 150 * 1.3, agents, 20) }));
    const fit = fitHandleTimeFactor(history);
    expect(fit.factor).toBeCloseTo(1.3, 4);
    expect(fit.mse).toBeLessThan(1e-10);
  });
});
