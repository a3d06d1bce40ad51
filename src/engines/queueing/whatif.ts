/**
 * What-if engine: apply staffing / handle-time / FCR / volume levers to one queue's day of intervals and report
 * service level, ASA, abandonment, occupancy, load vs capacity, risk and the change against the baseline.
 * Pure: the caller supplies intervals (realised or forecast), the local minute of each interval and the levers.
 */
import { erlangC, trafficErlangs } from './erlang.js';
import { erlangA, estimatePatience, type PatienceEstimate } from './erlang-a.js';
import { requiredAgents, requiredAgentsErlangA } from './required.js';

export type WhatIfBasis = 'realised' | 'forecast' | 'recent-average';

export interface WhatIfInterval {
  /** Interval start, ISO-8601 (UTC). */
  intervalStart: string;
  /** Minutes since local midnight of the interval start, for hour-range levers (caller converts time zones). */
  localMinute?: number;
  intervalSeconds: number;
  /** Contacts offered (realised) or forecast. */
  offered: number;
  handled?: number;
  abandoned?: number;
  answeredWithinTarget?: number;
  /** Average handle time including after-call work, seconds. */
  ahtSeconds: number;
  /** After-call-work part of AHT, seconds (≤ AHT). Unknown → ACW levers act on AHT directly. */
  acwSeconds?: number;
  /** Average agents logged in and available (may be fractional). */
  agentsStaffed: number;
  slTargetPct: number;
  slTargetSeconds: number;
  /** Realised SL as a fraction (answered within target ÷ offered); derived from answeredWithinTarget when absent. */
  realisedSl?: number | null;
}

export interface WhatIfLevers {
  /** Agents added (or removed, negative) in every interval of the window, floored at zero agents. */
  agentsDelta?: number;
  /** Local-minute window [fromMinute, toMinute) for agentsDelta; absent = all open intervals (agents or contacts > 0). */
  agentsWindow?: { fromMinute: number; toMinute: number };
  /** Percent change of the whole AHT (talk and ACW alike): −10 → AHT × 0.9. */
  ahtPct?: number;
  /** Seconds added to talk time (negative = shorter calls), applied after ahtPct, talk floored at 0. */
  ahtSeconds?: number;
  /** Seconds added to ACW (negative = less), ACW floored at 0. */
  acwSeconds?: number;
  /** Percent change of ACW. */
  acwPct?: number;
  /** First-contact-resolution improvement in percentage points. */
  fcrPoints?: number;
  /** Percent change of offered volume. */
  volumePct?: number;
}

export interface WhatIfOptions {
  basis: WhatIfBasis;
  /** Known mean patience (seconds). Absent → fitted from the day's abandonment when there is any, else Erlang C. */
  meanPatienceSeconds?: number;
  /**
   * FCR model assumption: share of offered contacts that are repeats of an unresolved earlier contact, percent.
   * Default 30 (i.e. baseline FCR 70 %, the commonly quoted industry average).
   */
  repeatRatePct?: number;
  /** How the caller obtained meanPatienceSeconds, for the assumption text (default 'given'). */
  patienceLabel?: string;
  /** Skip the lever ranking (saves 4 model passes over the day). */
  skipRanking?: boolean;
}

export interface IntervalMetrics {
  offered: number;
  ahtSeconds: number;
  /** Offered load, Erlangs. */
  loadErlangs: number;
  /** Agents available. */
  capacityAgents: number;
  serviceLevel: number;
  asaSeconds: number;
  /** P(abandon) under Erlang A; null under Erlang C, which does not model abandonment. */
  abandonRate: number | null;
  occupancy: number;
}

export interface WhatIfIntervalResult {
  intervalStart: string;
  localMinute?: number;
  slTarget: number;
  baseline: IntervalMetrics;
  scenario: IntervalMetrics;
  realisedSl: number | null;
  /** Calibrated scenario SL: realised + (scenario − baseline model), clamped to [0, 1]; the model SL otherwise. */
  predictedSl: number;
  calibrated: boolean;
  /** Scenario − baseline model SL, in percentage points. */
  slDeltaPts: number;
  belowTarget: boolean;
  /** Agents needed on the phones in the scenario to bring predicted SL to target (calibrated offset included). */
  agentsNeeded: number;
  /** agentsNeeded − scenario agents (positive = short). */
  agentGap: number;
}

export interface DaySummary {
  offered: number;
  /** Volume-weighted predicted (calibrated where possible) SL. */
  serviceLevel: number;
  /** Volume-weighted modelled SL (no calibration). */
  modelServiceLevel: number;
  asaSeconds: number;
  abandonRate: number | null;
  /** Σ carried load ÷ Σ agents, time-weighted. */
  occupancy: number;
  loadErlangHours: number;
  capacityAgentHours: number;
  /** Share of the day's volume falling in intervals whose predicted SL is below target, in [0, 1]. */
  riskIndex: number;
  intervalsBelowTarget: number;
}

export interface LeverRank {
  lever: '+1 agent all day' | '−10 s AHT' | '−10 s ACW' | '+1 pt FCR';
  /** Day SL points gained on top of the scenario. */
  slPts: number;
}

export interface WhatIfResult {
  basis: WhatIfBasis;
  model: 'erlang-a' | 'erlang-c';
  patience: { meanPatienceSeconds: number | null; source: 'given' | 'fitted' | 'none'; fit?: PatienceEstimate };
  intervals: WhatIfIntervalResult[];
  baseline: DaySummary;
  scenario: DaySummary;
  realisedServiceLevel: number | null;
  delta: { slPts: number; asaSeconds: number; abandonPts: number | null; occupancyPts: number; riskIndex: number };
  /** Scenario intervals below target, worst predicted SL first. */
  atRisk: WhatIfIntervalResult[];
  /** Modelled baseline SL vs realised, volume-weighted, in points (null without realised SL). */
  calibration: { intervals: number; maeSlPts: number; biasSlPts: number } | null;
  riskIndexExplanation: string;
  assumptions: string[];
  /** SL points bought by one unit of each lever on top of the scenario, most first (ties keep this order). */
  leverRanking: LeverRank[];
}

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
const DEFAULT_REPEAT_PCT = 30;

function realisedOf(iv: WhatIfInterval): number | null {
  if (iv.realisedSl !== undefined && iv.realisedSl !== null && Number.isFinite(iv.realisedSl)) return clamp01(iv.realisedSl);
  if (iv.answeredWithinTarget !== undefined && iv.offered > 0) return clamp01(iv.answeredWithinTarget / iv.offered);
  return null;
}

interface Prepared {
  offered: number;
  aht: number;
  /** ACW part of aht (= aht when the interval does not report ACW). */
  acw: number;
  agents: number;
}

/** Applies the levers to one interval. FCR: geometric repeat model, see `whatIf`. */
function applyLevers(iv: WhatIfInterval, lv: WhatIfLevers, repeatPct: number): Prepared {
  let offered = iv.offered * (1 + (lv.volumePct ?? 0) / 100);
  const fcr = lv.fcrPoints ?? 0;
  if (fcr !== 0) {
    const base = 1 - repeatPct / 100; // baseline FCR
    const next = Math.min(1, Math.max(1e-9, base + fcr / 100));
    offered *= base / next;
  }
  const scale = 1 + (lv.ahtPct ?? 0) / 100;
  const acw = Math.min(iv.acwSeconds ?? iv.ahtSeconds, iv.ahtSeconds);
  const talk = iv.ahtSeconds - acw;
  const acwScaled = acw * scale;
  const acwNew = Math.max(0, acwScaled * (1 + (lv.acwPct ?? 0) / 100) + (lv.acwSeconds ?? 0));
  const aht = Math.max(0, talk * scale + (lv.ahtSeconds ?? 0)) + acwNew;
  let agents = iv.agentsStaffed;
  const d = lv.agentsDelta ?? 0;
  if (d !== 0) {
    const w = lv.agentsWindow;
    const m = iv.localMinute;
    // "All day" means the hours the queue is open (staffed or receiving contacts), not the closed night.
    const inWindow = w
      ? m !== undefined && (w.fromMinute <= w.toMinute ? m >= w.fromMinute && m < w.toMinute : m >= w.fromMinute || m < w.toMinute)
      : iv.agentsStaffed > 0 || iv.offered > 0;
    if (inWindow) agents = Math.max(0, agents + d);
  }
  return { offered: Math.max(0, offered), aht, acw: Math.min(acwNew, aht), agents };
}

function metrics(iv: WhatIfInterval, p: Prepared, patience: number | null): IntervalMetrics {
  const base = { arrivals: p.offered, intervalSeconds: iv.intervalSeconds, ahtSeconds: p.aht, agents: p.agents, targetAnswerSeconds: iv.slTargetSeconds };
  const load = trafficErlangs(p.offered, p.aht, iv.intervalSeconds);
  if (patience !== null) {
    const r = erlangA({ ...base, meanPatienceSeconds: patience });
    return { offered: p.offered, ahtSeconds: p.aht, loadErlangs: load, capacityAgents: p.agents, serviceLevel: r.serviceLevel, asaSeconds: r.asaSeconds, abandonRate: r.probAbandon, occupancy: r.occupancy };
  }
  const r = erlangC(base);
  return { offered: p.offered, ahtSeconds: p.aht, loadErlangs: load, capacityAgents: p.agents, serviceLevel: r.serviceLevel, asaSeconds: r.asaSeconds, abandonRate: null, occupancy: r.occupancy };
}

function summarize(rows: Array<{ m: IntervalMetrics; predicted: number; target: number; seconds: number }>): DaySummary {
  let vol = 0;
  let sl = 0;
  let msl = 0;
  let asaW = 0;
  let asa = 0;
  let ab = 0;
  let abKnown = true;
  let load = 0;
  let cap = 0;
  let carried = 0;
  let riskVol = 0;
  let below = 0;
  for (const { m, predicted, target, seconds } of rows) {
    const h = seconds / 3600;
    load += m.loadErlangs * h;
    cap += m.capacityAgents * h;
    carried += m.occupancy * m.capacityAgents * h;
    if (m.offered <= 0) continue;
    vol += m.offered;
    sl += m.offered * predicted;
    msl += m.offered * m.serviceLevel;
    const answered = m.offered * (1 - (m.abandonRate ?? 0));
    if (Number.isFinite(m.asaSeconds)) {
      asa += answered * m.asaSeconds;
      asaW += answered;
    } else if (answered > 0) {
      asa = Infinity;
      asaW += answered;
    }
    if (m.abandonRate === null) abKnown = false;
    else ab += m.offered * m.abandonRate;
    if (predicted < target - 1e-12) {
      riskVol += m.offered;
      below += 1;
    }
  }
  return {
    offered: vol,
    serviceLevel: vol > 0 ? sl / vol : 1,
    modelServiceLevel: vol > 0 ? msl / vol : 1,
    asaSeconds: asaW > 0 ? asa / asaW : 0,
    abandonRate: abKnown ? (vol > 0 ? ab / vol : 0) : null,
    occupancy: cap > 0 ? Math.min(1, carried / cap) : 0,
    loadErlangHours: load,
    capacityAgentHours: cap,
    riskIndex: vol > 0 ? riskVol / vol : 0,
    intervalsBelowTarget: below,
  };
}

/** Resolves which model answers: given patience → Erlang A; abandonment in the data → fitted Erlang A; else C. */
export function resolvePatience(intervals: readonly WhatIfInterval[], given?: number): WhatIfResult['patience'] {
  if (given !== undefined && Number.isFinite(given) && given >= 0) return { meanPatienceSeconds: given, source: 'given' };
  const withAb = intervals.filter((iv) => iv.abandoned !== undefined && iv.offered > 0);
  if (withAb.length === 0 || withAb.every((iv) => (iv.abandoned ?? 0) <= 0)) return { meanPatienceSeconds: null, source: 'none' };
  const fit = estimatePatience(
    withAb.map((iv) => ({ offered: iv.offered, abandoned: iv.abandoned ?? 0, intervalSeconds: iv.intervalSeconds, ahtSeconds: iv.ahtSeconds, agents: iv.agentsStaffed })),
  );
  if (!Number.isFinite(fit.meanPatienceSeconds)) return { meanPatienceSeconds: null, source: 'none', fit };
  return { meanPatienceSeconds: fit.meanPatienceSeconds, source: 'fitted', fit };
}

/**
 * Full-day what-if for one queue.
 *
 * Levers per interval: volume × (1 + volume%); FCR (geometric repeat model: with baseline FCR f₀ = 1 − repeat
 * rate, each contact resolves with probability f₀, so offered = unique issues ÷ f₀; raising FCR by p points gives
 * offered × f₀ / (f₀ + p/100)); AHT% scales talk and ACW; AHT ± s then acts on talk time (floored at 0); ACW ± s / %
 * act on the (scaled) ACW, floored at 0;
 * agents ± N in the local-minute window (wrapping past midnight allowed) or, without a window, in every open interval
 * (agents or contacts > 0), floored at 0.
 * Model: Erlang A when patience is given or fitted from the day's abandonment (estimatePatience), else Erlang C.
 * Calibration: where realised SL exists, predicted = clamp(realised + scenario model − baseline model); zero levers
 * therefore predict exactly the realised SL. Day SL is volume-weighted (scenario volume); ASA answered-weighted.
 * Risk index: share of volume in intervals whose predicted SL is below target.
 * Agents needed: smallest N whose calibrated SL meets the interval's target (model target shifted by the
 * calibration offset, capped at 99.9 %).
 * Complexity: O(I·(N + J)) for the scenario plus 4 lever re-runs for the ranking, O(I·log N·(N + J)) for agents
 * needed; fitting patience adds ≈ 60 Erlang A passes over the day.
 */
export function whatIf(intervals: readonly WhatIfInterval[], levers: WhatIfLevers, opts: WhatIfOptions): WhatIfResult {
  const repeatPct = opts.repeatRatePct ?? DEFAULT_REPEAT_PCT;
  if (!(repeatPct >= 0 && repeatPct < 100)) throw new RangeError(`repeatRatePct must be in [0, 100), got ${repeatPct}`);
  const pat = resolvePatience(intervals, opts.meanPatienceSeconds);
  const patience = pat.meanPatienceSeconds;
  const noLevers: WhatIfLevers = {};

  const rows: WhatIfIntervalResult[] = intervals.map((iv) => {
    const target = iv.slTargetPct / 100;
    const bp = applyLevers(iv, noLevers, repeatPct);
    const b = metrics(iv, bp, patience);
    const sp = applyLevers(iv, levers, repeatPct);
    // Intervals the levers leave alone (outside the agents window, say) reuse the baseline.
    const s = sp.offered === bp.offered && sp.aht === bp.aht && sp.agents === bp.agents ? b : metrics(iv, sp, patience);
    const realised = realisedOf(iv);
    const calibrated = realised !== null;
    const offset = calibrated ? realised - b.serviceLevel : 0;
    const predicted = calibrated ? clamp01(realised + (s.serviceLevel - b.serviceLevel)) : s.serviceLevel;
    const modelTarget = Math.min(0.999, Math.max(0, target - offset));
    const reqIn = { arrivals: sp.offered, intervalSeconds: iv.intervalSeconds, ahtSeconds: sp.aht, targetSlPct: modelTarget * 100, targetAnswerSeconds: iv.slTargetSeconds };
    const needed = patience !== null ? requiredAgentsErlangA({ ...reqIn, meanPatienceSeconds: patience }, sp.agents) : requiredAgents(reqIn).rawAgents;
    return {
      intervalStart: iv.intervalStart,
      localMinute: iv.localMinute,
      slTarget: target,
      baseline: b,
      scenario: s,
      realisedSl: realised,
      predictedSl: predicted,
      calibrated,
      slDeltaPts: (s.serviceLevel - b.serviceLevel) * 100,
      belowTarget: s.offered > 0 && predicted < target - 1e-12,
      agentsNeeded: needed,
      agentGap: needed - sp.agents,
    };
  });

  const baseline = summarize(rows.map((r, i) => ({ m: r.baseline, predicted: r.realisedSl ?? r.baseline.serviceLevel, target: r.slTarget, seconds: intervals[i].intervalSeconds })));
  const scenario = summarize(rows.map((r, i) => ({ m: r.scenario, predicted: r.predictedSl, target: r.slTarget, seconds: intervals[i].intervalSeconds })));

  let calVol = 0;
  let absErr = 0;
  let err = 0;
  let calN = 0;
  let realVol = 0;
  let realSum = 0;
  for (const r of rows) {
    if (r.realisedSl === null || r.baseline.offered <= 0) continue;
    const e = r.baseline.serviceLevel - r.realisedSl;
    calVol += r.baseline.offered;
    absErr += r.baseline.offered * Math.abs(e);
    err += r.baseline.offered * e;
    calN += 1;
    realVol += r.baseline.offered;
    realSum += r.baseline.offered * r.realisedSl;
  }
  const calibration = calN > 0 ? { intervals: calN, maeSlPts: (absErr / calVol) * 100, biasSlPts: (err / calVol) * 100 } : null;

  const assumptions = [
    `FCR model: ${repeatPct}% of contacts are assumed to be repeats of an unresolved earlier contact (baseline FCR ${100 - repeatPct}%); with geometric repeats, raising FCR by p points scales volume by ${100 - repeatPct}/(${100 - repeatPct}+p).`,
    'AHT includes after-call work; an AHT % lever scales talk and ACW alike, ACW levers act on the ACW part only.',
    patience !== null
      ? `Erlang A (abandonment) with mean patience ${Math.round(patience)} s (${pat.source === 'given' ? (opts.patienceLabel ?? 'given') : pat.source}); SL = answered within target ÷ offered.`
      : 'Erlang C (no abandonment modelled: no patience given and no abandonment observed).',
    calibration ? 'Predicted SL = realised SL + (modelled scenario − modelled baseline), so model bias cancels.' : 'No realised SL: figures are the model’s own.',
  ];

  let leverRanking: LeverRank[] = [];
  if (!opts.skipRanking) {
    const scen = intervals.map((iv) => applyLevers(iv, levers, repeatPct));
    const fcrUp = { ...levers, fcrPoints: (levers.fcrPoints ?? 0) + 1 };
    const dayPredicted = (tweak: (p: Prepared, i: number) => Prepared) => {
      let vol = 0;
      let sl = 0;
      for (let i = 0; i < intervals.length; i++) {
        const m = metrics(intervals[i], tweak(scen[i], i), patience);
        if (m.offered <= 0) continue;
        const r = rows[i];
        const pred = r.realisedSl !== null ? clamp01(r.realisedSl + (m.serviceLevel - r.baseline.serviceLevel)) : m.serviceLevel;
        vol += m.offered;
        sl += m.offered * pred;
      }
      return vol > 0 ? sl / vol : 1;
    };
    const cur = scenario.serviceLevel;
    const candidates: Array<[LeverRank['lever'], (p: Prepared, i: number) => Prepared]> = [
      ['+1 agent all day', (p) => ({ ...p, agents: p.agents + 1 })],
      ['−10 s AHT', (p) => ({ ...p, aht: Math.max(0, p.aht - 10) })],
      ['−10 s ACW', (p) => ({ ...p, aht: p.aht - Math.min(10, p.acw), acw: Math.max(0, p.acw - 10) })],
      ['+1 pt FCR', (p, i) => ({ ...p, offered: applyLevers(intervals[i], fcrUp, repeatPct).offered })],
    ];
    leverRanking = candidates.map(([lever, tweak]) => ({ lever, slPts: (dayPredicted(tweak) - cur) * 100 }));
    leverRanking.sort((x, y) => y.slPts - x.slPts);
  }

  return {
    basis: opts.basis,
    model: patience !== null ? 'erlang-a' : 'erlang-c',
    patience: pat,
    intervals: rows,
    baseline,
    scenario,
    realisedServiceLevel: realVol > 0 ? realSum / realVol : null,
    delta: {
      slPts: (scenario.serviceLevel - baseline.serviceLevel) * 100,
      asaSeconds: scenario.asaSeconds - baseline.asaSeconds,
      abandonPts: scenario.abandonRate !== null && baseline.abandonRate !== null ? (scenario.abandonRate - baseline.abandonRate) * 100 : null,
      occupancyPts: (scenario.occupancy - baseline.occupancy) * 100,
      riskIndex: scenario.riskIndex - baseline.riskIndex,
    },
    atRisk: rows.filter((r) => r.belowTarget).sort((x, y) => x.predictedSl - y.predictedSl),
    calibration,
    riskIndexExplanation:
      'Risk index = share of the day’s contacts that fall in intervals whose predicted service level is below target (0 = every contact in an on-target interval, 1 = all in missed intervals).',
    assumptions,
    leverRanking,
  };
}

