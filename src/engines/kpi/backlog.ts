/**
 * Backlog at an instant E: tickets created before E and not resolved by E (resolved after E, or never),
 * with their ages E − created. Input runs hold tickets sorted by the instant they closed (Infinity = still
 * open), with their creation instants alongside, so a run's backlog is a suffix found by binary search.
 */
import { percentilesOf } from './percentile.js';

export interface ClosedRun {
  /** Ascending: resolved instant (ms), Infinity for unresolved. */
  closedMs: Float64Array;
  /** Creation instant (ms) of the same ticket. */
  createdMs: Float64Array;
}

export interface Backlog {
  count: number;
  /** Age percentiles (hours) of the tickets in the backlog; null when it is empty. */
  ageP50Hours: number | null;
  ageP90Hours: number | null;
  oldestHours: number | null;
}

/** Builds a ClosedRun from (created, resolved | null) pairs. O(n log n). */
export function closedRun(tickets: readonly { createdMs: number; resolvedMs: number | null }[]): ClosedRun {
  const order = tickets.map((t, i) => [t.resolvedMs ?? Infinity, i] as const).sort((a, b) => a[0] - b[0]);
  const closedMs = new Float64Array(order.length);
  const createdMs = new Float64Array(order.length);
  order.forEach(([c, i], k) => {
    closedMs[k] = c;
    createdMs[k] = tickets[i].createdMs;
  });
  return { closedMs, createdMs };
}

/** First index with closedMs > e. */
function firstAfter(a: Float64Array, e: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= e) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Ages (hours) at `atMs` of the runs' tickets open then (created before, closed after). O(R log n + b). */
export function backlogAges(runs: readonly ClosedRun[], atMs: number): number[] {
  const ages: number[] = [];
  for (const r of runs) {
    for (let i = firstAfter(r.closedMs, atMs); i < r.closedMs.length; i++) {
      if (r.createdMs[i] < atMs) ages.push((atMs - r.createdMs[i]) / 3_600_000);
    }
  }
  return ages;
}

/** Backlog summary of ticket ages in hours (any order; selection, not a sort). O(b). */
export function backlogOf(agesHours: readonly number[]): Backlog {
  const [p50, p90] = percentilesOf(agesHours, [50, 90]);
  let oldest: number | null = null;
  for (const a of agesHours) if (oldest === null || a > oldest) oldest = a;
  return { count: agesHours.length, ageP50Hours: p50, ageP90Hours: p90, oldestHours: oldest };
}

/** Backlog at `atMs` over the runs. */
export function backlogAt(runs: readonly ClosedRun[], atMs: number): Backlog {
  return backlogOf(backlogAges(runs, atMs));
}
