/**
 * Staffing requirement for one queue's day: per interval the Erlang C raw and scheduled agents needed for a
 * service-level target vs the agents staffed, the gap, worst intervals first, and daily agent-hours.
 */
import { requiredAgents, scheduledFromRaw, type RequiredAgentsResult } from './required.js';
import { agentsNeeded, type SlModel } from './slModel.js';

export interface StaffingInterval {
  intervalStart: string;
  localMinute?: number;
  intervalSeconds: number;
  /** Contacts offered or forecast. */
  offered: number;
  /** AHT including ACW, seconds. */
  ahtSeconds: number;
  /** Agents logged in and available (on the phones, i.e. after shrinkage). */
  agentsStaffed: number;
  /** The interval's own target, used when the options give none. */
  slTargetPct?: number;
  slTargetSeconds?: number;
}

export interface StaffingOptions {
  /** Target override: percent and seconds (80/20). */
  targetSlPct?: number;
  targetAnswerSeconds?: number;
  /** Fraction in [0, 1); default 0. */
  shrinkage?: number;
  /** Fraction in (0, 1]; default 1 (no cap). */
  maxOccupancy?: number;
  /** The interval model (a calibration); absent → textbook Erlang C on the recorded inputs. */
  model?: SlModel;
}

export interface StaffingRow {
  intervalStart: string;
  localMinute?: number;
  loadErlangs: number;
  targetSlPct: number;
  targetAnswerSeconds: number;
  rawAgents: number;
  scheduledAgents: number;
  bindingConstraint: RequiredAgentsResult['bindingConstraint'];
  agentsStaffed: number;
  /** agentsStaffed − rawAgents: negative = short on the phones. */
  gap: number;
  /** SL the raw requirement achieves (Erlang C). */
  serviceLevelAtRaw: number;
}

export interface StaffingResult {
  /** Every interval, worst gap first (most short), ties by time. */
  rows: StaffingRow[];
  intervalsShort: number;
  totals: {
    rawAgentHours: number;
    scheduledAgentHours: number;
    staffedAgentHours: number;
    /** Σ max(0, raw − staffed) × hours: agent-hours missing on the phones. */
    shortAgentHours: number;
    /** Σ max(0, staffed − raw) × hours: agent-hours above requirement. */
    surplusAgentHours: number;
  };
  shrinkage: number;
  maxOccupancy: number;
}

/**
 * Per-interval requirement: requiredAgents (Erlang C, smallest N > A meeting SL and occupancy; scheduled =
 * ceil(raw / (1 − shrinkage)) float-safe). Gap compares staffed with raw because agents_staffed already counts
 * only agents available, i.e. after shrinkage. Agent-hours = agents × interval seconds / 3600.
 * Target: the options' override, else each interval's own; an interval with neither throws RangeError.
 * Complexity: O(Σ N) over the intervals.
 */
/**
 * Requirement through a supplied model: the smallest N whose model SL meets the target (agentsNeeded; target
 * capped at 99.9 %), raised to the occupancy floor ⌈A / maxOccupancy⌉ on the recorded load, then shrinkage.
 * An unreachable target gives Infinity raw and scheduled agents.
 */
function requiredThrough(model: SlModel, iv: StaffingInterval, pct: number, secs: number, shrinkage: number, maxOccupancy: number): Pick<RequiredAgentsResult, 'rawAgents' | 'scheduledAgents' | 'bindingConstraint' | 'serviceLevel'> {
  const x = { offered: iv.offered, ahtSeconds: iv.ahtSeconds, intervalSeconds: iv.intervalSeconds, targetSeconds: secs };
  if (!(iv.offered > 0) || !(iv.ahtSeconds > 0)) return { rawAgents: 0, scheduledAgents: 0, bindingConstraint: 'service_level', serviceLevel: 1 };
  const nSl = agentsNeeded(model, x, Math.min(0.999, pct / 100));
  const load = (iv.offered * iv.ahtSeconds) / iv.intervalSeconds;
  const nOcc = maxOccupancy < 1 ? Math.max(1, Math.ceil(Math.round((load / maxOccupancy) * 1e9) / 1e9)) : 0;
  const raw = Math.max(nSl, nOcc);
  return {
    rawAgents: raw,
    scheduledAgents: Number.isFinite(raw) ? scheduledFromRaw(raw, shrinkage) : Infinity,
    bindingConstraint: nOcc > nSl ? 'occupancy' : 'service_level',
    serviceLevel: Number.isFinite(raw) ? model.evaluate({ ...x, agents: raw }).serviceLevel : 0,
  };
}

export function staffingPlan(intervals: readonly StaffingInterval[], opts: StaffingOptions = {}): StaffingResult {
  const shrinkage = opts.shrinkage ?? 0;
  const maxOccupancy = opts.maxOccupancy ?? 1;
  const totals = { rawAgentHours: 0, scheduledAgentHours: 0, staffedAgentHours: 0, shortAgentHours: 0, surplusAgentHours: 0 };
  const rows: StaffingRow[] = intervals.map((iv) => {
    const pct = opts.targetSlPct ?? iv.slTargetPct;
    const secs = opts.targetAnswerSeconds ?? iv.slTargetSeconds;
    if (pct === undefined || secs === undefined) throw new RangeError(`staffingPlan: no SL target for interval ${iv.intervalStart}`);
    const r = opts.model
      ? requiredThrough(opts.model, iv, pct, secs, shrinkage, maxOccupancy)
      : requiredAgents({ arrivals: iv.offered, intervalSeconds: iv.intervalSeconds, ahtSeconds: iv.ahtSeconds, targetSlPct: pct, targetAnswerSeconds: secs, shrinkage, maxOccupancy });
    const h = iv.intervalSeconds / 3600;
    totals.rawAgentHours += r.rawAgents * h;
    totals.scheduledAgentHours += r.scheduledAgents * h;
    totals.staffedAgentHours += iv.agentsStaffed * h;
    const gap = iv.agentsStaffed - r.rawAgents;
    if (gap < 0) totals.shortAgentHours += -gap * h;
    else totals.surplusAgentHours += gap * h;
    return {
      intervalStart: iv.intervalStart,
      localMinute: iv.localMinute,
      loadErlangs: iv.offered > 0 && iv.ahtSeconds > 0 ? (iv.offered * iv.ahtSeconds) / iv.intervalSeconds : 0,
      targetSlPct: pct,
      targetAnswerSeconds: secs,
      rawAgents: r.rawAgents,
      scheduledAgents: r.scheduledAgents,
      bindingConstraint: r.bindingConstraint,
      agentsStaffed: iv.agentsStaffed,
      gap,
      serviceLevelAtRaw: r.serviceLevel,
    };
  });
  const sorted = rows.map((r, i) => ({ r, i })).sort((x, y) => x.r.gap - y.r.gap || x.i - y.i).map((x) => x.r);
  return { rows: sorted, intervalsShort: rows.filter((r) => r.gap < 0).length, totals, shrinkage, maxOccupancy };
}
