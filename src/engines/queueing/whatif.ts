/**
 * What-if engine: apply staffing / handle-time / FCR / volume levers to one queue's day of intervals and report
 * service level, ASA, abandonment, occupancy, load vs capacity, risk and the change against the baseline.
 * Pure: the caller supplies intervals (realised or forecast), the local minute of each interval, the levers and
 * (optionally) the interval model (slModel.ts: a calibrated one, else textbook Erlang A/C).
 */
import { trafficErlangs } from './erlang.js';
import { estimatePatience, type PatienceEstimate } from './erlang-a.js';
import { agentsNeeded, textbookModel, type SlModel } from './slModel.js';

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
  /**
   * The interval model (a calibration fitted on history). Absent → textbook Erlang: Erlang A with
   * meanPatienceSeconds, or patience fitted from the day's abandonment, else Erlang C.
   */
  model?: SlModel;
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
  /** Realised SL of the interval (past days), shown beside the prediction; never mixed into it. */
  realisedSl: number | null;
  /** The model's scenario SL (= scenario.serviceLevel): the EXPECTED SL, which the day's SL and contactsShort add up from. */
  predictedSl: number;
  /**
   * The TYPICAL (median) scenario SL of the interval: the point prediction shown per interval. Differs from
   * predictedSl where the model knows the spread of realised intervals (a calibration's dispersion), else equal.
   */
  typicalSl: number;
  /** Scenario − baseline model SL, in percentage points. */
  slDeltaPts: number;
  belowTarget: boolean;
  /** Contacts affected: scenario offered × (target − predicted SL) when below target, else 0. Ranks atRisk. */
  contactsShort: number;
  /** Agents needed on the phones in the scenario for the model's SL to reach target (Infinity: unreachable). */
  agentsNeeded: number;
  /** agentsNeeded − scenario agents (positive = short). */
  agentGap: number;
}

export interface DaySummary {
  offered: number;
  /** Volume-weighted predicted SL (the model's). */
  serviceLevel: number;
  /** Same as serviceLevel (kept for readers of the earlier result shape). */
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
  patience: { meanPatienceSeconds: number | null; source: 'given' | 'fitted' | 'none' | 'model'; fit?: PatienceEstimate };
  intervals: WhatIfIntervalResult[];
  baseline: DaySummary;
  scenario: DaySummary;
  realisedServiceLevel: number | null;
  delta: { slPts: number; asaSeconds: number; abandonPts: number | null; occupancyPts: number; riskIndex: number };
  /**
   * Scenario intervals below target that have agents or more than TRIVIAL_CONTACTS contacts, most contacts
   * affected (offered × SL gap) first; ties by time.
   */
  atRisk: WhatIfIntervalResult[];
  /** Below-target intervals with no agents and at most TRIVIAL_CONTACTS contacts (a closed night): listed apart. */
  unstaffedTrivial: { intervals: number; minOffered: number; maxOffered: number; localMinutes: number[] };
  /**
   * Realised vs the model's baseline on this day (a past day only), volume-weighted, in points: how far the model
   * was from what happened on the day asked. Null without realised SL.
   */
  realisedVsModel: { intervals: number; maeSlPts: number; biasSlPts: number } | null;
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

function metrics(iv: WhatIfInterval, p: Prepared, model: SlModel, prev: Prepared | null = null): IntervalMetrics {
  const load = trafficErlangs(p.offered, p.aht, iv.intervalSeconds);
  const slot = iv.localMinute !== undefined ? Math.floor((iv.localMinute * 60) / iv.intervalSeconds) : undefined;
  const previous = prev ? { offered: prev.offered, ahtSeconds: prev.aht, agents: prev.agents } : null;
  const r = model.evaluate({ offered: p.offered, ahtSeconds: p.aht, agents: p.agents, intervalSeconds: iv.intervalSeconds, targetSeconds: iv.slTargetSeconds, slot, previous });
  return { offered: p.offered, ahtSeconds: p.aht, loadErlangs: load, capacityAgents: p.agents, serviceLevel: r.serviceLevel, asaSeconds: r.asaSeconds, abandonRate: r.abandonRate, occupancy: r.occupancy };
}

/** A below-target interval with no agents and at most this many contacts is a closed hour, not a risk to rank. */
export const TRIVIAL_CONTACTS = 5;

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
 * Model: opts.model (a calibration fitted on history) when given; else textbook Erlang A when patience is given or
 * fitted from the day's abandonment (estimatePatience), else Erlang C. Baseline and scenario are both the model's
 * predictions from their inputs; a past day's realised SL is reported beside them (realisedServiceLevel,
 * realisedVsModel), never added in. Day SL is volume-weighted (scenario volume); ASA answered-weighted.
 * Risk index: share of volume in intervals whose predicted SL is below target.
 * At risk: below-target intervals ranked by contacts affected (offered × SL gap); no-agent intervals with at most
 * TRIVIAL_CONTACTS contacts go to unstaffedTrivial instead.
 * Agents needed: smallest N whose model SL meets the interval's target (agentsNeeded).
 * Complexity: O(I·(N + J)) for the scenario plus 4 lever re-runs for the ranking, O(I·log N·(N + J)) for agents
 * needed; fitting patience (textbook path only) adds ≈ 60 Erlang A passes over the day.
 */
export function whatIf(intervals: readonly WhatIfInterval[], levers: WhatIfLevers, opts: WhatIfOptions): WhatIfResult {
  const repeatPct = opts.repeatRatePct ?? DEFAULT_REPEAT_PCT;
  if (!(repeatPct >= 0 && repeatPct < 100)) throw new RangeError(`repeatRatePct must be in [0, 100), got ${repeatPct}`);
  const pat: WhatIfResult['patience'] = opts.model
    ? { meanPatienceSeconds: opts.model.meanPatienceSeconds, source: 'model' }
    : resolvePatience(intervals, opts.meanPatienceSeconds);
  const model = opts.model ?? textbookModel(pat.meanPatienceSeconds);
  const patience = model.meanPatienceSeconds;
  const noLevers: WhatIfLevers = {};

  const basePrep = intervals.map((iv) => applyLevers(iv, noLevers, repeatPct));
  const scenPrep = intervals.map((iv) => applyLevers(iv, levers, repeatPct));
  // The interval just before (same day, adjacent start), whose load a calibration's correction may read.
  const prevIdx = intervals.map((iv, i) => (i > 0 && Date.parse(iv.intervalStart) - Date.parse(intervals[i - 1].intervalStart) === iv.intervalSeconds * 1000 ? i - 1 : -1));
  const rows: WhatIfIntervalResult[] = intervals.map((iv, i) => {
    const target = iv.slTargetPct / 100;
    const bp = basePrep[i];
    const b = metrics(iv, bp, model, prevIdx[i] >= 0 ? basePrep[prevIdx[i]] : null);
    const sp = scenPrep[i];
    const spPrev = prevIdx[i] >= 0 ? scenPrep[prevIdx[i]] : null;
    const bpPrev = prevIdx[i] >= 0 ? basePrep[prevIdx[i]] : null;
    const same = (x: Prepared, y: Prepared) => x.offered === y.offered && x.aht === y.aht && x.agents === y.agents;
    // Intervals the levers leave alone (outside the agents window, say, and after an unchanged one) reuse the baseline.
    const s = same(sp, bp) && (spPrev === null || same(spPrev, bpPrev!)) ? b : metrics(iv, sp, model, spPrev);
    const predicted = s.serviceLevel;
    const below = s.offered > 0 && predicted < target - 1e-12;
    const needed = agentsNeeded(model, { offered: sp.offered, ahtSeconds: sp.aht, intervalSeconds: iv.intervalSeconds, targetSeconds: iv.slTargetSeconds }, Math.min(0.999, target));
    return {
      intervalStart: iv.intervalStart,
      localMinute: iv.localMinute,
      slTarget: target,
      baseline: b,
      scenario: s,
      realisedSl: realisedOf(iv),
      predictedSl: predicted,
      typicalSl: s.offered > 0 && model.typicalSl ? model.typicalSl(predicted, s.offered) : predicted,
      slDeltaPts: (s.serviceLevel - b.serviceLevel) * 100,
      belowTarget: below,
      contactsShort: below ? s.offered * (target - predicted) : 0,
      agentsNeeded: needed,
      agentGap: needed - sp.agents,
    };
  });

  const baseline = summarize(rows.map((r, i) => ({ m: r.baseline, predicted: r.baseline.serviceLevel, target: r.slTarget, seconds: intervals[i].intervalSeconds })));
  const scenario = summarize(rows.map((r, i) => ({ m: r.scenario, predicted: r.predictedSl, target: r.slTarget, seconds: intervals[i].intervalSeconds })));

  let calVol = 0;
  let absErr = 0;
  let err = 0;
  let calN = 0;
  let realSum = 0;
  for (const r of rows) {
    if (r.realisedSl === null || r.baseline.offered <= 0) continue;
    const e = r.baseline.serviceLevel - r.realisedSl;
    calVol += r.baseline.offered;
    absErr += r.baseline.offered * Math.abs(e);
    err += r.baseline.offered * e;
    calN += 1;
    realSum += r.baseline.offered * r.realisedSl;
  }
  const realisedVsModel = calN > 0 ? { intervals: calN, maeSlPts: (absErr / calVol) * 100, biasSlPts: (err / calVol) * 100 } : null;

  const assumptions = [
    `FCR model: ${repeatPct}% of contacts are assumed to be repeats of an unresolved earlier contact (baseline FCR ${100 - repeatPct}%); with geometric repeats, raising FCR by p points scales volume by ${100 - repeatPct}/(${100 - repeatPct}+p).`,
    'AHT includes after-call work; an AHT % lever scales talk and ACW alike, ACW levers act on the ACW part only.',
    opts.model
      ? `${patience !== null ? `Erlang A (abandonment), mean patience ${Math.round(patience)} s` : 'Erlang C'}, calibrated on the queue's history; SL = answered within target ÷ offered.`
      : patience !== null
        ? `Erlang A (abandonment) with mean patience ${Math.round(patience)} s (${pat.source === 'given' ? (opts.patienceLabel ?? 'given') : pat.source}); SL = answered within target ÷ offered.`
        : 'Erlang C (no abandonment modelled: no patience given and no abandonment observed).',
    'Baseline and what-if are both the model’s predictions from the day’s inputs; a past day’s realised SL is shown beside them, not mixed in.',
  ];

  const ranked = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.belowTarget);
  const trivial = ranked.filter(({ r }) => r.scenario.capacityAgents <= 0 && r.scenario.offered <= TRIVIAL_CONTACTS);
  const atRisk = ranked
    .filter((x) => !trivial.includes(x))
    .sort((x, y) => y.r.contactsShort - x.r.contactsShort || x.i - y.i)
    .map((x) => x.r);
  const unstaffedTrivial = {
    intervals: trivial.length,
    minOffered: trivial.length ? Math.min(...trivial.map((x) => x.r.scenario.offered)) : 0,
    maxOffered: trivial.length ? Math.max(...trivial.map((x) => x.r.scenario.offered)) : 0,
    localMinutes: trivial.map((x) => x.r.localMinute ?? -1),
  };

  let leverRanking: LeverRank[] = [];
  if (!opts.skipRanking) {
    const scen = scenPrep;
    const fcrUp = { ...levers, fcrPoints: (levers.fcrPoints ?? 0) + 1 };
    const dayPredicted = (tweak: (p: Prepared, i: number) => Prepared) => {
      let vol = 0;
      let sl = 0;
      for (let i = 0; i < intervals.length; i++) {
        const m = metrics(intervals[i], tweak(scen[i], i), model, prevIdx[i] >= 0 ? tweak(scen[prevIdx[i]], prevIdx[i]) : null);
        if (m.offered <= 0) continue;
        vol += m.offered;
        sl += m.offered * m.serviceLevel;
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
    realisedServiceLevel: calVol > 0 ? realSum / calVol : null,
    delta: {
      slPts: (scenario.serviceLevel - baseline.serviceLevel) * 100,
      asaSeconds: scenario.asaSeconds - baseline.asaSeconds,
      abandonPts: scenario.abandonRate !== null && baseline.abandonRate !== null ? (scenario.abandonRate - baseline.abandonRate) * 100 : null,
      occupancyPts: (scenario.occupancy - baseline.occupancy) * 100,
      riskIndex: scenario.riskIndex - baseline.riskIndex,
    },
    atRisk,
    unstaffedTrivial,
    realisedVsModel,
    riskIndexExplanation:
      'Risk index = share of the day’s contacts that fall in intervals whose predicted service level is below target (0 = every contact in an on-target interval, 1 = all in missed intervals).',
    assumptions,
    leverRanking,
  };
}

