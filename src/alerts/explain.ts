/**
 * The two explanations an alert carries: the likely driver (exact Shapley attribution of today's SL vs the same
 * weekday of the last 4 weeks, drift engine) and the what-if that recovers it (smallest extra agents over the
 * next two hours that brings the projected end-of-day SL back to target, queueing engine).
 */
import type { Engines } from './engines.js';
import type { QueueRows } from './data.js';
import { projectDay, projectionBasis, toDriftRecord } from './providers.js';
import { addDays, localParts } from '../time.js';
import { hhmm } from './rules.js';

export interface DriverExplanation {
  /** "Arrivals +18 % contributed −6.2 pts" — the largest negative contribution. */
  text: string;
  driver: string;
  /** All four, largest |contribution| first. */
  facts: { driver: string; change: number; contribution: number; text: string }[];
  observedDelta: number;
  modelDelta: number;
  residual: number;
}

/** Today so far vs the same weekday of the previous 4 weeks (same slots), through the queue's calibration when it has one; null when there is nothing to compare. */
export function likelyDriver(src: QueueRows, now: number, engines: Engines): DriverExplanation | null {
  if (!engines.attributeDay) return null;
  const today = localParts(now, src.tz).date;
  const records = src.rowsOn(today).filter((r) => r.endMs <= now).map(toDriftRecord);
  if (!records.some((r) => r.offered > 0)) return null;
  for (let w = 1; w <= 4; w++) records.push(...src.rowsOn(addDays(today, -7 * w)).map(toDriftRecord));
  try {
    // Through the queue's calibration when there is one: the same model as the projection, whatif and why.
    const slModel = projectionBasis(src, today, engines)?.slModel ?? null;
    const a = engines.attributeDay(records, today, slModel ? { weeks: 4, slModel } : { weeks: 4 });
    const facts = [...a.facts].sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution));
    const worst = [...a.facts].sort((x, y) => x.contribution - y.contribution)[0];
    if (!worst) return null;
    const top = worst.contribution < 0 ? worst : facts[0];
    return { text: top.text, driver: top.driver, facts, observedDelta: a.observedDelta, modelDelta: a.modelDelta, residual: a.residual };
  } catch {
    return null;
  }
}

export interface WhatIfSuggestion {
  /** "+2 agents 14:00–16:00 → projected SL 82.1 % (target 80 %)". */
  text: string;
  /** Registry command line for the "Run what-if" button, e.g. `whatif billing +2 agents 14:00-16:00`. */
  command: string;
  agents: number;
  fromMinute: number;
  toMinute: number;
  projectedBefore: number | null;
  projectedAfter: number | null;
}

/**
 * Smallest +N agents (N ≤ 30) over the next `windowMinutes` (then to the end of the day) whose projected end-of-day
 * SL reaches `targetPct`, projected with the same basis as the projected_sl metric (the queue's calibration when
 * there is one; the text names the model). Null without a projection (no queueing engine or no baseline).
 * O(30 × slots) model calls.
 */
export function recoveringWhatIf(src: QueueRows, now: number, targetPct: number, engines: Engines, windowMinutes = 120): WhatIfSuggestion | null {
  const today = localParts(now, src.tz).date;
  const basis = projectionBasis(src, today, engines);
  if (!basis) return null;
  const rows = src.rowsOn(today).filter((r) => r.endMs <= now);
  const base = src.baseline(today);
  const p0 = projectDay(rows, base, basis);
  if (p0.sl === null) return null;
  const q = src.queue.queue;
  const before = 100 * p0.sl;
  if (!p0.remaining.length) return null;
  const from = p0.remaining[0].localMinute;
  if (before >= targetPct) {
    return {
      text: `Projected end-of-day SL with current staffing: ${before.toFixed(1)} % (target ${targetPct} %) — on track without changes.`,
      command: `whatif ${q} today`, agents: 0, fromMinute: from, toMinute: from, projectedBefore: before, projectedAfter: before,
    };
  }
  const lastSlot = p0.remaining[p0.remaining.length - 1].localMinute + src.queue.intervalSeconds / 60;
  for (const to of [Math.min(from + windowMinutes, lastSlot), lastSlot]) {
    for (let n = 1; n <= 30; n++) {
      const p = projectDay(rows, base, basis, { agents: n, fromMinute: from, toMinute: to });
      if (p.sl !== null && 100 * p.sl >= targetPct) {
        const win = `${hhmm(from)}-${hhmm(to % 1440)}`;
        return {
          text: `+${n} agent${n === 1 ? '' : 's'} ${hhmm(from)}–${hhmm(to % 1440)} → projected SL ${(100 * p.sl).toFixed(1)} % (target ${targetPct} %; now ${before.toFixed(1)} %)`,
          command: `whatif ${q} today +${n} agents ${win}`, agents: n, fromMinute: from, toMinute: to, projectedBefore: before, projectedAfter: 100 * p.sl,
        };
      }
    }
    if (to === lastSlot) break;
  }
  return {
    text: `Even +30 agents for the rest of today would not bring the day to ${targetPct} % (projected ${before.toFixed(1)} %): the morning's shortfall is already banked.`,
    command: `whatif ${q} today`, agents: 30, fromMinute: from, toMinute: lastSlot, projectedBefore: before, projectedAfter: null,
  };
}
