/**
 * KPI partials: everything the period KPIs need from a set of tickets, in a form that merges exactly
 * (counts add; sorted runs are kept side by side, so percentiles of the union stay exact). The warehouse
 * stores one partial per queue and local day; a period is the merge of its days.
 */
import type { TicketFact } from './facts.js';

/** The counts of a set of tickets: what a KPI partial and a stored cell (cell.ts) both hold besides their sorted values. */
export interface KpiCounts {
  tickets: number;
  resolved: number;
  fcr: number;
  reopened: number;
  /** Tickets whose escalated flag is known, and those escalated. */
  escalatedKnown: number;
  escalated: number;
  csatN: number;
  csatSum: number;
  /** Responses scoring 4 or 5. */
  csatTop2: number;
  /** Tickets with a due time resolved at or before it / after it. */
  dueMet: number;
  dueMissed: number;
}

/** The counts' names, in the stored column order. */
export const KPI_COUNTS = ['tickets', 'resolved', 'fcr', 'reopened', 'escalatedKnown', 'escalated', 'csatN', 'csatSum', 'csatTop2', 'dueMet', 'dueMissed'] as const satisfies readonly (keyof KpiCounts)[];

export const emptyCounts = (): KpiCounts => ({ tickets: 0, resolved: 0, fcr: 0, reopened: 0, escalatedKnown: 0, escalated: 0, csatN: 0, csatSum: 0, csatTop2: 0, dueMet: 0, dueMissed: 0 });

export interface KpiPartial extends KpiCounts {
  /** Ascending runs of whole seconds. */
  firstResponse: Int32Array[];
  resolution: Int32Array[];
  /** Ascending due instants (ms) of unresolved tickets: overdue ones count as missed as of the evaluation time. */
  openDue: Float64Array[];
}

export function emptyPartial(): KpiPartial {
  return { ...emptyCounts(), firstResponse: [], resolution: [], openDue: [] };
}

const ascending = (a: number, b: number) => a - b;

/** The partial of a set of ticket facts. O(n log n) (sorting the durations). */
export function partialOf(facts: readonly TicketFact[]): KpiPartial {
  const p = emptyPartial();
  const frt: number[] = [];
  const res: number[] = [];
  const openDue: number[] = [];
  for (const f of facts) {
    p.tickets++;
    if (f.resolutionS !== null) {
      p.resolved++;
      res.push(f.resolutionS);
    }
    if (f.fcr) p.fcr++;
    if (f.reopened) p.reopened++;
    if (f.escalated !== null) {
      p.escalatedKnown++;
      if (f.escalated) p.escalated++;
    }
    if (f.csat !== null) {
      p.csatN++;
      p.csatSum += f.csat;
      if (f.csat >= 4) p.csatTop2++;
    }
    if (f.dueMs !== null) {
      if (f.resolvedMs === null) openDue.push(f.dueMs);
      else if (f.resolvedMs <= f.dueMs) p.dueMet++;
      else p.dueMissed++;
    }
    if (f.firstResponseS !== null) frt.push(f.firstResponseS);
  }
  if (frt.length) p.firstResponse.push(Int32Array.from(frt).sort());
  if (res.length) p.resolution.push(Int32Array.from(res).sort());
  if (openDue.length) p.openDue.push(Float64Array.from(openDue.sort(ascending)));
  return p;
}

/** Merges partials (counts add, runs concatenate). O(number of partials). */
export function mergePartials(parts: readonly KpiPartial[]): KpiPartial {
  const m = emptyPartial();
  for (const p of parts) {
    for (const k of KPI_COUNTS) m[k] += p[k];
    m.firstResponse.push(...p.firstResponse);
    m.resolution.push(...p.resolution);
    m.openDue.push(...p.openDue);
  }
  return m;
}
