/**
 * Period KPIs from a merged partial, the change against the previous equal period, and which direction
 * of change is good. Rates are percentages (0–100) of their stated denominators; null when the
 * denominator is 0. Percentiles: numpy-linear, exact (percentile.ts).
 */
import type { KpiPartial } from './partial.js';
import type { Backlog } from './backlog.js';
import { percentileOfRuns, runsLength, countAtMost } from './percentile.js';

/** Below this many observations a metric is flagged as a small sample. */
export const SMALL_SAMPLE = 30;

export interface KpiValues {
  tickets: number;
  resolved: number;
  /** FCR tickets / resolved tickets × 100. */
  fcrPct: number | null;
  csatMean: number | null;
  /** Responses 4–5 / responses × 100. */
  csatTop2Pct: number | null;
  csatResponses: number;
  firstResponseN: number;
  firstResponseP50Minutes: number | null;
  firstResponseP90Minutes: number | null;
  firstResponseP95Minutes: number | null;
  resolutionP50Hours: number | null;
  resolutionP90Hours: number | null;
  resolutionP95Hours: number | null;
  /** Resolved by due_at / (resolved with a due_at + unresolved and past due_at at evaluation) × 100. */
  slaCompliancePct: number | null;
  slaEvaluated: number;
  /** Tickets reopened at least once / tickets × 100. */
  reopenPct: number | null;
  /** Escalated / tickets with a known escalated flag × 100. */
  escalatedPct: number | null;
  backlog: number;
  backlogAgeP50Hours: number | null;
  backlogOldestHours: number | null;
}

const rate = (num: number, den: number) => (den > 0 ? (100 * num) / den : null);
const scaled = (v: number | null, by: number) => (v === null ? null : v / by);

/** KPIs of a partial; `dueAsOfMs` decides which unresolved tickets are already past due. */
export function kpiValues(p: KpiPartial, backlog: Backlog, dueAsOfMs: number): KpiValues {
  let overdueOpen = 0;
  for (const r of p.openDue) overdueOpen += countAtMost(r, dueAsOfMs);
  const slaEvaluated = p.dueMet + p.dueMissed + overdueOpen;
  const frt = (q: number) => scaled(percentileOfRuns(p.firstResponse, q), 60);
  const res = (q: number) => scaled(percentileOfRuns(p.resolution, q), 3600);
  return {
    tickets: p.tickets,
    resolved: p.resolved,
    fcrPct: rate(p.fcr, p.resolved),
    csatMean: p.csatN > 0 ? p.csatSum / p.csatN : null,
    csatTop2Pct: rate(p.csatTop2, p.csatN),
    csatResponses: p.csatN,
    firstResponseN: runsLength(p.firstResponse),
    firstResponseP50Minutes: frt(50),
    firstResponseP90Minutes: frt(90),
    firstResponseP95Minutes: frt(95),
    resolutionP50Hours: res(50),
    resolutionP90Hours: res(90),
    resolutionP95Hours: res(95),
    slaCompliancePct: rate(p.dueMet, slaEvaluated),
    slaEvaluated,
    reopenPct: rate(p.reopened, p.tickets),
    escalatedPct: rate(p.escalated, p.escalatedKnown),
    backlog: backlog.count,
    backlogAgeP50Hours: backlog.ageP50Hours,
    backlogOldestHours: backlog.oldestHours,
  };
}

export type Good = 'up' | 'down' | 'neutral';

/** The headline metrics, which way is good, and the sample behind each. */
export const KPI_METRICS: { key: keyof KpiValues; label: string; good: Good; n: (v: KpiValues) => number }[] = [
  { key: 'tickets', label: 'tickets', good: 'neutral', n: (v) => v.tickets },
  { key: 'fcrPct', label: 'FCR', good: 'up', n: (v) => v.resolved },
  { key: 'csatMean', label: 'CSAT', good: 'up', n: (v) => v.csatResponses },
  { key: 'csatTop2Pct', label: 'CSAT 4–5', good: 'up', n: (v) => v.csatResponses },
  { key: 'csatResponses', label: 'surveyed', good: 'neutral', n: () => Infinity },
  { key: 'firstResponseP50Minutes', label: 'first response p50', good: 'down', n: (v) => v.firstResponseN },
  { key: 'firstResponseP90Minutes', label: 'first response p90', good: 'down', n: (v) => v.firstResponseN },
  { key: 'firstResponseP95Minutes', label: 'first response p95', good: 'down', n: (v) => v.firstResponseN },
  { key: 'resolutionP50Hours', label: 'resolution p50', good: 'down', n: (v) => v.resolved },
  { key: 'resolutionP90Hours', label: 'resolution p90', good: 'down', n: (v) => v.resolved },
  { key: 'resolutionP95Hours', label: 'resolution p95', good: 'down', n: (v) => v.resolved },
  { key: 'slaCompliancePct', label: 'SLA compliance', good: 'up', n: (v) => v.slaEvaluated },
  { key: 'reopenPct', label: 'reopen', good: 'down', n: (v) => v.tickets },
  { key: 'escalatedPct', label: 'escalated', good: 'down', n: (v) => v.tickets },
  { key: 'backlog', label: 'backlog', good: 'down', n: () => Infinity },
];

export interface Change {
  delta: number;
  /** ↑ up, ↓ down, → unchanged. */
  arrow: '↑' | '↓' | '→';
  verdict: 'better' | 'worse' | 'same' | 'neutral';
}

/** Change of each headline metric vs the previous period; null where either side is null. */
export function compareKpis(cur: KpiValues, prev: KpiValues): Partial<Record<keyof KpiValues, Change | null>> {
  const out: Partial<Record<keyof KpiValues, Change | null>> = {};
  for (const m of KPI_METRICS) {
    const a = cur[m.key];
    const b = prev[m.key];
    if (a === null || b === null) {
      out[m.key] = null;
      continue;
    }
    const delta = a - b;
    const arrow = delta > 0 ? '↑' : delta < 0 ? '↓' : '→';
    const verdict = m.good === 'neutral' ? 'neutral' : delta === 0 ? 'same' : (delta > 0) === (m.good === 'up') ? 'better' : 'worse';
    out[m.key] = { delta, arrow, verdict };
  }
  return out;
}

/** Metrics whose sample is below SMALL_SAMPLE (but not empty). */
export function smallSamples(v: KpiValues): (keyof KpiValues)[] {
  return KPI_METRICS.filter((m) => {
    const n = m.n(v);
    return n > 0 && n < SMALL_SAMPLE;
  }).map((m) => m.key);
}
