/**
 * KPI cells: the stored form of a KPI partial (one per queue and local day, or per segment of it), kept in a
 * canonical form so that a cell maintained ticket by ticket is identical to one built from scratch.
 *
 * A cell is counts plus five sorted multisets: first-response seconds, resolution seconds, due instants of
 * unresolved tickets, (resolved instant, created instant) pairs of resolved tickets ordered by both, and the
 * creation instants of unresolved tickets. Each ticket contributes to them by fixed rules (`contribution`),
 * so a change of tickets is applied by removing what the old versions contributed and adding what the new
 * ones do (`updateCell`): counts add, multisets are merged in one pass. `cellOf(facts)` is the same update
 * from the empty cell, which is how a full build makes them.
 */
import type { TicketFact } from './facts.js';
import { KPI_COUNTS, emptyCounts, type KpiCounts } from './partial.js';

export interface KpiCell extends KpiCounts {
  /** Ascending whole seconds. */
  firstResponse: Int32Array;
  resolution: Int32Array;
  /** Ascending due instants (ms) of unresolved tickets. */
  openDue: Float64Array;
  /** Resolved tickets ascending by (resolved ms, created ms): the two columns side by side. */
  closedMs: Float64Array;
  closedCreatedMs: Float64Array;
  /** Ascending creation instants (ms) of unresolved tickets. */
  openCreated: Float64Array;
}

export function emptyCell(): KpiCell {
  return {
    ...emptyCounts(),
    firstResponse: new Int32Array(0), resolution: new Int32Array(0), openDue: new Float64Array(0),
    closedMs: new Float64Array(0), closedCreatedMs: new Float64Array(0), openCreated: new Float64Array(0),
  };
}

/** The cell is out of step with the tickets it is told about (a removal of something it does not hold). */
export class CellOutOfStep extends Error {}

interface Contribution {
  counts: Partial<KpiCounts>;
  firstResponse: number[];
  resolution: number[];
  openDue: number[];
  closed: [number, number][];
  openCreated: number[];
}

/** What one ticket adds to a cell. */
function contribution(f: TicketFact): Contribution {
  const c: Contribution = { counts: { tickets: 1 }, firstResponse: [], resolution: [], openDue: [], closed: [], openCreated: [] };
  const n = c.counts;
  if (f.resolutionS !== null) {
    n.resolved = 1;
    c.resolution.push(f.resolutionS);
  }
  if (f.fcr) n.fcr = 1;
  if (f.reopened) n.reopened = 1;
  if (f.escalated !== null) {
    n.escalatedKnown = 1;
    if (f.escalated) n.escalated = 1;
  }
  if (f.csat !== null) {
    n.csatN = 1;
    n.csatSum = f.csat;
    if (f.csat >= 4) n.csatTop2 = 1;
  }
  if (f.dueMs !== null) {
    if (f.resolvedMs === null) c.openDue.push(f.dueMs);
    else if (f.resolvedMs <= f.dueMs) n.dueMet = 1;
    else n.dueMissed = 1;
  }
  if (f.firstResponseS !== null) c.firstResponse.push(f.firstResponseS);
  if (f.resolvedMs !== null) c.closed.push([f.resolvedMs, f.createdMs]);
  else c.openCreated.push(f.createdMs);
  return c;
}

const lexicographic = (a: readonly number[], b: readonly number[]): number => {
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return a[j] - b[j];
  return 0;
};

/**
 * The sorted multiset `cols` (k parallel ascending columns, ordered lexicographically) without `remove` and
 * with `add` (tuples of k values): one merge pass, O(n + m log m). A removal it does not hold → CellOutOfStep.
 */
function rewrite(cols: readonly ArrayLike<number>[], remove: number[][], add: number[][]): number[][] {
  const k = cols.length;
  const n = cols[0].length;
  remove.sort(lexicographic);
  add.sort(lexicographic);
  const at = (i: number, t: readonly number[]): number => {
    for (let j = 0; j < k; j++) if (cols[j][i] !== t[j]) return cols[j][i] - t[j];
    return 0;
  };
  const out: number[][] = Array.from({ length: k }, () => []);
  let i = 0;
  let r = 0;
  let a = 0;
  for (;;) {
    if (r < remove.length) {
      const c = i < n ? at(i, remove[r]) : 1;
      if (c === 0) {
        i++;
        r++;
        continue;
      }
      if (c > 0) throw new CellOutOfStep(`a KPI cell does not hold ${remove[r].join('/')} it was told to remove`);
    }
    if (i < n && (a >= add.length || at(i, add[a]) <= 0)) {
      for (let j = 0; j < k; j++) out[j].push(cols[j][i]);
      i++;
    } else if (a < add.length) {
      for (let j = 0; j < k; j++) out[j].push(add[a][j]);
      a++;
    } else break;
  }
  return out;
}

/** The cell after its tickets `removed` (as they were counted) left it and `added` (as they are now) joined it. */
export function updateCell(cell: KpiCell, removed: readonly TicketFact[], added: readonly TicketFact[]): KpiCell {
  const out: KpiCell = { ...cell };
  const lists = { firstResponse: [[], []], resolution: [[], []], openDue: [[], []], closed: [[], []], openCreated: [[], []] } as Record<
    'firstResponse' | 'resolution' | 'openDue' | 'closed' | 'openCreated',
    [number[][], number[][]]
  >;
  const take = (facts: readonly TicketFact[], side: 0 | 1, sign: number) => {
    for (const f of facts) {
      const c = contribution(f);
      for (const key of KPI_COUNTS) if (c.counts[key] !== undefined) out[key] += sign * c.counts[key]!;
      for (const v of c.firstResponse) lists.firstResponse[side].push([v]);
      for (const v of c.resolution) lists.resolution[side].push([v]);
      for (const v of c.openDue) lists.openDue[side].push([v]);
      for (const v of c.closed) lists.closed[side].push(v);
      for (const v of c.openCreated) lists.openCreated[side].push([v]);
    }
  };
  take(removed, 0, -1);
  take(added, 1, 1);
  for (const key of KPI_COUNTS) if (out[key] < 0) throw new CellOutOfStep(`a KPI cell's ${key} would go below zero`);
  const one = (col: ArrayLike<number>, l: [number[][], number[][]]) => (l[0].length || l[1].length ? rewrite([col], l[0], l[1])[0] : null);
  const fr = one(cell.firstResponse, lists.firstResponse);
  if (fr) out.firstResponse = Int32Array.from(fr);
  const res = one(cell.resolution, lists.resolution);
  if (res) out.resolution = Int32Array.from(res);
  const due = one(cell.openDue, lists.openDue);
  if (due) out.openDue = Float64Array.from(due);
  const oc = one(cell.openCreated, lists.openCreated);
  if (oc) out.openCreated = Float64Array.from(oc);
  if (lists.closed[0].length || lists.closed[1].length) {
    const [closed, created] = rewrite([cell.closedMs, cell.closedCreatedMs], lists.closed[0], lists.closed[1]);
    out.closedMs = Float64Array.from(closed);
    out.closedCreatedMs = Float64Array.from(created);
  }
  return out;
}

/** The cell of a set of ticket facts (a full build). */
export function cellOf(facts: readonly TicketFact[]): KpiCell {
  return updateCell(emptyCell(), [], facts);
}
