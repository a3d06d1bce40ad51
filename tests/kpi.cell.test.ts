/**
 * KPI cells: a cell updated by removing some tickets and adding others equals the cell built from the
 * resulting tickets; a built cell holds what the older partial (partialOf, closedRun) holds, in canonical
 * order; a removal the cell does not hold is refused.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { cellOf, updateCell, emptyCell, CellOutOfStep, partialOf, type TicketFact } from '../src/engines/kpi/index.js';

const fact: fc.Arbitrary<TicketFact> = fc
  .record({
    created: fc.integer({ min: 0, max: 50 }),
    frt: fc.option(fc.integer({ min: 0, max: 20 })),
    res: fc.option(fc.integer({ min: 0, max: 20 })),
    due: fc.option(fc.integer({ min: 0, max: 80 })),
    csat: fc.option(fc.integer({ min: 1, max: 5 })),
    reopened: fc.boolean(),
    escalated: fc.option(fc.boolean()),
    fcr: fc.boolean(),
  })
  .map((r) => ({
    createdMs: r.created * 1000,
    firstResponseS: r.frt,
    resolutionS: r.res,
    resolvedMs: r.res === null ? null : r.created * 1000 + r.res * 1000,
    dueMs: r.due === null ? null : r.due * 1000,
    csat: r.csat,
    reopened: r.reopened,
    escalated: r.escalated,
    fcr: r.res !== null && r.fcr,
  }));

const sorted = (a: ArrayLike<number>) => [...Array.from(a)].sort((x, y) => x - y);

describe('KPI cells', () => {
  test('update = build of the resulting tickets (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fact, { maxLength: 30 }), fc.array(fc.boolean(), { maxLength: 30 }), fc.array(fact, { maxLength: 10 }), (start, drop, add) => {
        const removed = start.filter((_, i) => drop[i]);
        const kept = start.filter((_, i) => !drop[i]);
        // Removed in a different order than they were added: the cell must not care.
        const updated = updateCell(cellOf(start), [...removed].reverse(), add);
        expect(updated).toEqual(cellOf([...add, ...kept]));
      }),
      { numRuns: 300, seed: 17 },
    );
  });

  test('a built cell holds the partial’s counts and runs, and the backlog pairs ordered by (closed, created)', () => {
    fc.assert(
      fc.property(fc.array(fact, { maxLength: 30 }), (facts) => {
        const c = cellOf(facts);
        const p = partialOf(facts);
        for (const k of ['tickets', 'resolved', 'fcr', 'reopened', 'escalatedKnown', 'escalated', 'csatN', 'csatSum', 'csatTop2', 'dueMet', 'dueMissed'] as const) expect(c[k]).toBe(p[k]);
        expect(Array.from(c.firstResponse)).toEqual(p.firstResponse.length ? Array.from(p.firstResponse[0]) : []);
        expect(Array.from(c.resolution)).toEqual(p.resolution.length ? Array.from(p.resolution[0]) : []);
        expect(Array.from(c.openDue)).toEqual(p.openDue.length ? Array.from(p.openDue[0]) : []);
        // Pairs written out by hand from the facts, sorted by (resolved, created).
        const pairs = facts.filter((f) => f.resolvedMs !== null).map((f) => [f.resolvedMs!, f.createdMs]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(Array.from(c.closedMs)).toEqual(pairs.map((x) => x[0]));
        expect(Array.from(c.closedCreatedMs)).toEqual(pairs.map((x) => x[1]));
        expect(Array.from(c.openCreated)).toEqual(sorted(facts.filter((f) => f.resolvedMs === null).map((f) => f.createdMs)));
      }),
      { numRuns: 200, seed: 18 },
    );
  });

  test('removing what the cell does not hold is refused', () => {
    const a: TicketFact = { createdMs: 0, firstResponseS: 60, resolutionS: 120, resolvedMs: 120_000, dueMs: null, csat: 4, reopened: false, escalated: false, fcr: true };
    const b: TicketFact = { ...a, firstResponseS: 61 };
    expect(() => updateCell(cellOf([a]), [b], [])).toThrow(CellOutOfStep);
    expect(() => updateCell(emptyCell(), [a], [])).toThrow(CellOutOfStep);
    // The matching removal leaves the empty cell.
    expect(updateCell(cellOf([a]), [a], [])).toEqual(emptyCell());
  });
});
