import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  percentileSorted, percentileOfRuns, kthOfRuns, percentilesOf, selectInPlace, backlogOf, repeatContacts, ticketFacts, partialOf, mergePartials, closedRun, backlogAt,
  kpiValues, compareKpis, smallSamples, type TicketRecord,
} from '../src/engines/kpi/index.js';

const H = 3_600_000;
const D = 24 * H;

/** numpy.percentile(x, p) (method='linear'), written from its definition in the numpy docs. */
function numpyLinear(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * (p / 100);
  const j = Math.floor(h);
  const g = h - j;
  return j + 1 < s.length ? (1 - g) * s[j] + g * s[j + 1] : s[j];
}

describe('percentiles (numpy linear)', () => {
  test('hand-computed values', () => {
    // np.percentile([1,2,3,4,10], 90) = 7.6; 50 → 3; 95 → 8.8
    expect(percentileSorted([1, 2, 3, 4, 10], 90)).toBeCloseTo(7.6, 12);
    expect(percentileSorted([1, 2, 3, 4, 10], 50)).toBe(3);
    expect(percentileSorted([1, 2, 3, 4, 10], 95)).toBeCloseTo(8.8, 12);
    // Ties: np.percentile([1,1,2,2], 50) = 1.5; [5,5,5,5] → 5 at any p.
    expect(percentileSorted([1, 1, 2, 2], 50)).toBe(1.5);
    expect(percentileSorted([5, 5, 5, 5], 90)).toBe(5);
    // One sample and none.
    expect(percentileSorted([42], 95)).toBe(42);
    expect(percentileSorted([], 50)).toBeNull();
    expect(percentileOfRuns([], 50)).toBeNull();
  });

  test('over several sorted runs equals the percentile of their union', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: -1000, max: 100000 }), { maxLength: 40 }), { minLength: 1, maxLength: 6 }), fc.double({ min: 0, max: 100, noNaN: true }), (arrays, p) => {
        const runs = arrays.map((a) => Int32Array.from(a).sort());
        const union = arrays.flat();
        const got = percentileOfRuns(runs, p);
        if (!union.length) return got === null;
        return Math.abs(got! - numpyLinear(union, p)) < 1e-6 * Math.max(1, Math.abs(numpyLinear(union, p)));
      }),
    );
  });

  test('k-th of runs is the k-th of the sorted union', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 20 }), { minLength: 1, maxLength: 5 }), (arrays) => {
        const union = arrays.flat().sort((a, b) => a - b);
        const runs = arrays.map((a) => Int32Array.from(a).sort());
        return union.every((v, k) => kthOfRuns(runs, k) === v) && kthOfRuns(runs, union.length) === null;
      }),
    );
  });
});

describe('fast paths equal the plain computation exactly', () => {
  const sortedCopy = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

  test('percentiles of runs (windowed k-th, next rank from the k-th) = percentileSorted of the merged union, bit for bit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: -5, max: 2_000_000 }), { maxLength: 60 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 }),
        (arrays, ps) => {
          const runs = arrays.map((a) => Int32Array.from(a).sort());
          const union = sortedCopy(arrays.flat());
          return ps.every((p) => Object.is(percentileOfRuns(runs, p), percentileSorted(union, p)));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('k-th of runs over epoch-millisecond values (wide ranges, many ties)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 40 }).map((v) => 1_790_000_000_000 + v * 3_600_000), { maxLength: 30 }), { minLength: 1, maxLength: 8 }), (arrays) => {
        const union = sortedCopy(arrays.flat());
        const runs = arrays.map((a) => Float64Array.from(a).sort());
        return union.every((v, k) => kthOfRuns(runs, k) === v);
      }),
    );
  });

  test('selection percentiles = percentileSorted of the sorted values, bit for bit; the input is left as it was', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 5 })), { maxLength: 300 }),
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 5 }),
        (xs, ps) => {
          const before = [...xs];
          const got = percentilesOf(xs, ps);
          const sorted = sortedCopy(xs.map((x) => (Object.is(x, -0) ? 0 : x)));
          const ok = ps.every((p, i) => (xs.length ? got[i] === percentileSorted(sorted, p) : got[i] === null));
          return ok && xs.every((x, i) => Object.is(x, before[i]));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('selectInPlace puts the k-th value at k, smaller before and larger after, also on adversarial orders', () => {
    const n = 5000;
    const orders: [string, (i: number) => number][] = [['ascending', (i) => i], ['descending', (i) => n - i], ['all equal', () => 7], ['organ pipe', (i) => Math.min(i, n - i)], ['few values', (i) => i % 3]];
    for (const [, f] of orders) {
      for (const k of [0, 1, n >> 1, n - 2, n - 1]) {
        const a = Float64Array.from({ length: n }, (_, i) => f(i));
        const want = Float64Array.from(a).sort()[k];
        selectInPlace(a, k);
        expect(a[k]).toBe(want);
        for (let i = 0; i < k; i++) if (a[i] > want) throw new Error(`a[${i}] > a[k]`);
        for (let i = k + 1; i < n; i++) if (a[i] < want) throw new Error(`a[${i}] < a[k]`);
      }
    }
  });

  test('backlog summary by selection = the sorted computation', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { maxLength: 200 }), (ages) => {
        const s = sortedCopy(ages);
        const want = { count: s.length, ageP50Hours: percentileSorted(s, 50), ageP90Hours: percentileSorted(s, 90), oldestHours: s.length ? s[s.length - 1] : null };
        expect(backlogOf(ages)).toEqual(want);
      }),
    );
  });
});

const t0 = Date.parse('2026-11-02T09:00:00Z');
function rec(id: string, over: Partial<TicketRecord>): TicketRecord {
  return { ticketId: id, createdMs: t0, firstResponseMs: null, resolvedMs: null, dueMs: null, csat: null, reopenCount: 0, escalated: 0, customerId: 'C1', category: 'billing', ...over };
}

describe('first-contact resolution', () => {
  test('a repeat by the same customer in the same category within 7 days of resolution breaks FCR', () => {
    const ts = [
      rec('a', { createdMs: t0, resolvedMs: t0 + H }),
      rec('b', { createdMs: t0 + 7 * D + H, resolvedMs: t0 + 8 * D }), // exactly 7 days after a's resolution: a repeat
      rec('c', { createdMs: t0 + 20 * D, resolvedMs: t0 + 20 * D + H }), // 12 days after b's resolution: not
      rec('d', { createdMs: t0 + D, resolvedMs: t0 + D + H, category: 'shipping' }), // other category
      rec('e', { createdMs: t0 + D, resolvedMs: t0 + D + H, customerId: 'C2' }), // other customer
      rec('f', { createdMs: t0 + 2 * D, resolvedMs: t0 + 2 * D + H, customerId: null }), // no customer
    ];
    expect(repeatContacts(ts)).toEqual([true, false, false, false, false, false]);
    // One second later and a's window has closed.
    ts[1] = { ...ts[1], createdMs: t0 + 7 * D + H + 1000 };
    expect(repeatContacts(ts)[0]).toBe(false);
  });

  test('a chaser while the ticket is open is a repeat; reopened or unresolved tickets are never FCR', () => {
    const ts = [
      rec('open', { createdMs: t0 }),
      rec('chaser', { createdMs: t0 + 30 * D, resolvedMs: t0 + 30 * D + H }),
      rec('reopened', { createdMs: t0, resolvedMs: t0 + H, reopenCount: 1, customerId: 'C9' }),
    ];
    expect(repeatContacts(ts)).toEqual([true, false, false]);
    expect(ticketFacts(ts).map((f) => f.fcr)).toEqual([false, true, false]);
  });

  test('tickets created at the same instant are each other’s repeats', () => {
    const ts = [rec('x', { resolvedMs: t0 + H }), rec('y', { resolvedMs: t0 + H })];
    expect(repeatContacts(ts)).toEqual([true, true]);
  });
});

describe('partials, backlog and comparison', () => {
  const ts = [
    rec('1', { createdMs: t0, firstResponseMs: t0 + 60_000, resolvedMs: t0 + 2 * H, dueMs: t0 + 3 * H, csat: 5, customerId: 'A' }),
    rec('2', { createdMs: t0 + H, firstResponseMs: t0 + H + 180_000, resolvedMs: t0 + 6 * H, dueMs: t0 + 2 * H, csat: 2, escalated: 1, customerId: 'B' }),
    rec('3', { createdMs: t0 + 2 * H, firstResponseMs: t0 + 2 * H + 120_000, dueMs: t0 + 4 * H, reopenCount: 1, escalated: null, customerId: 'C' }),
  ];
  const facts = ticketFacts(ts);

  test('merging partials equals the partial of all tickets', () => {
    const whole = kpiValues(partialOf(facts), backlogAt([], 0), t0 + 5 * H);
    const merged = kpiValues(mergePartials([partialOf(facts.slice(0, 1)), partialOf(facts.slice(1))]), backlogAt([], 0), t0 + 5 * H);
    expect(merged).toEqual(whole);
    // By hand: 3 tickets, 2 resolved (both FCR), FRT minutes [1, 2, 3], resolution hours [2, 5].
    expect(whole).toMatchObject({ tickets: 3, resolved: 2, fcrPct: 100, csatMean: 3.5, csatTop2Pct: 50, csatResponses: 2, firstResponseP50Minutes: 2, resolutionP50Hours: 3.5, reopenPct: (100 * 1) / 3 });
    expect(whole.firstResponseP90Minutes).toBeCloseTo(2.8, 12);
    // escalated known for 2 of 3, one of them escalated.
    expect(whole.escalatedPct).toBe(50);
    // SLA at t0+5h: #1 met, #2 missed, #3 open and past due (t0+4h) → 1 / 3.
    expect(whole.slaCompliancePct).toBeCloseTo(100 / 3, 12);
    expect(whole.slaEvaluated).toBe(3);
    // Before #3 is due it is not evaluated yet.
    expect(kpiValues(partialOf(facts), backlogAt([], 0), t0 + 3 * H).slaEvaluated).toBe(2);
  });

  test('backlog at an instant counts tickets created before it and not resolved by it', () => {
    const run = closedRun(facts);
    // At t0+3h: #2 (created t0+1h, resolved t0+6h) and #3 (open, created t0+2h) → ages 2 h and 1 h.
    expect(backlogAt([run], t0 + 3 * H)).toEqual({ count: 2, ageP50Hours: 1.5, ageP90Hours: 1.9, oldestHours: 2 });
    // At t0+2h: #1 resolved exactly then (not open), #2 open for 1 h, #3 created exactly then (not yet).
    expect(backlogAt([run], t0 + 2 * H)).toEqual({ count: 1, ageP50Hours: 1, ageP90Hours: 1, oldestHours: 1 });
    expect(backlogAt([run], t0 - 1).count).toBe(0);
  });

  test('arrows know which direction is good; small samples are flagged; empty periods are null', () => {
    const none = kpiValues(partialOf([]), backlogAt([], 0), t0);
    expect(none).toMatchObject({ tickets: 0, fcrPct: null, csatMean: null, firstResponseP50Minutes: null, slaCompliancePct: null, reopenPct: null, backlog: 0 });
    const cur = kpiValues(partialOf(facts), backlogAt([closedRun(facts)], t0 + 3 * H), t0 + 5 * H);
    const prev = { ...cur, fcrPct: 80, firstResponseP50Minutes: 1, backlog: 2, csatMean: 3.5, tickets: 10 };
    const ch = compareKpis(cur, prev);
    expect(ch.fcrPct).toEqual({ delta: 20, arrow: '↑', verdict: 'better' });
    expect(ch.firstResponseP50Minutes).toEqual({ delta: 1, arrow: '↑', verdict: 'worse' });
    expect(ch.backlog).toEqual({ delta: 0, arrow: '→', verdict: 'same' });
    expect(ch.tickets).toMatchObject({ arrow: '↓', verdict: 'neutral' });
    expect(compareKpis(cur, none).fcrPct).toBeNull();
    expect(smallSamples(cur)).toContain('csatMean');
    expect(smallSamples(none)).toEqual([]);
  });
});
