import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { fightinWords, termLift, terms, type TermCounts } from '../src/engines/retrieval/index.js';
import { createRng } from '../src/engines/shared/rng.js';

const counts = (docs: number, o: Record<string, number>): TermCounts => ({ docs, counts: new Map(Object.entries(o)) });

describe('fightinWords (Monroe, Colaresi & Quinn 2008)', () => {
  test('matches a hand-derived value', () => {
    // window a:10 b:5 (n_i = 15); baseline a:10 b:40 (n_j = 50); α0 = 6.5.
    // a: α_a = 6.5·20/65 = 2; δ = ln(12/9.5) − ln(12/44.5) = ln(44.5/9.5); σ² = 1/12 + 1/12.
    const out = fightinWords(counts(20, { a: 10, b: 5 }), counts(60, { a: 10, b: 40 }), { zMin: 0, minCount: 1, priorStrength: 6.5 });
    expect(out.map((t) => t.term)).toEqual(['a']); // b is less frequent than usual: not reported
    const delta = Math.log(44.5 / 9.5);
    expect(out[0].delta).toBeCloseTo(delta, 12);
    expect(out[0].z).toBeCloseTo(delta / Math.sqrt(2 / 12), 12);
    expect(out[0].z).toBeCloseTo(3.7824956690232, 10);
    expect(out[0].windowShare).toBe(0.5);
    expect(out[0].baselineShare).toBeCloseTo(1 / 6, 12);
    expect(out[0].lift).toBeCloseTo(3, 12);
  });

  test('the default α0 is a tenth of the pooled corpus', () => {
    const dflt = fightinWords(counts(20, { a: 10, b: 5 }), counts(60, { a: 10, b: 40 }), { zMin: 0, minCount: 1 });
    const explicit = fightinWords(counts(20, { a: 10, b: 5 }), counts(60, { a: 10, b: 40 }), { zMin: 0, minCount: 1, priorStrength: 6.5 });
    expect(dflt).toEqual(explicit);
  });

  test('a term the baseline never saw needs volume: 12 new mentions pass, 3 do not', () => {
    // Window 30 tickets, baseline 300; every ticket has 10 background terms.
    const bg = (docs: number) => Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`w${i}`, docs]));
    const base = counts(300, bg(300));
    expect(fightinWords(counts(30, { ...bg(30), outage: 12 }), base).map((t) => t.term)).toEqual(['outage']);
    expect(fightinWords(counts(30, { ...bg(30), outage: 3 }), base)).toEqual([]);
  });

  test('an explicit prior strength is used as α0', () => {
    // α0 = 13 → α_a = 4: δ = ln(14/(28 − 14)) − ln(14/(63 − 14)) = ln(49/14).
    const [a] = fightinWords(counts(20, { a: 10, b: 5 }), counts(60, { a: 10, b: 40 }), { zMin: 0, minCount: 1, priorStrength: 13 });
    expect(a.delta).toBeCloseTo(Math.log(49 / 14), 12);
    expect(a.z).toBeCloseTo(Math.log(49 / 14) / Math.sqrt(2 / 14), 12);
  });

  test('thresholds: minCount and zMin filter; empty corpora give nothing', () => {
    const w = counts(10, { rare: 2, spike: 30, same: 10 });
    const b = counts(100, { rare: 0, spike: 10, same: 100 });
    expect(fightinWords(w, b, { minCount: 3 }).map((t) => t.term)).toEqual(['spike']);
    expect(fightinWords(w, counts(0, {}))).toEqual([]);
    expect(fightinWords(counts(0, {}), b)).toEqual([]);
  });

  test('property: scaling all counts and α0 by k keeps δ and multiplies z by √k', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 60 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 2, max: 9 }),
        (yi, yj, oi, oj, k) => {
          const opts = { zMin: -Infinity, minCount: 0, collapse: false, priorStrength: 20 };
          const a = fightinWords(counts(1, { t: yi, o: oi }), counts(1, { t: yj, o: oj }), opts).find((x) => x.term === 't');
          const b = fightinWords(counts(1, { t: yi * k, o: oi * k }), counts(1, { t: yj * k, o: oj * k }), { ...opts, priorStrength: 20 * k }).find((x) => x.term === 't');
          expect(Boolean(a)).toBe(Boolean(b));
          if (a && b) {
            expect(b.delta).toBeCloseTo(a.delta, 9);
            expect(b.z).toBeCloseTo(a.z * Math.sqrt(k), 6);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a term at exactly the same share is not reported, whatever the rounding (fast-check counterexample 4,58,2,29,5)', () => {
    // t: 4 of 6 in the window, 58 of 87 in the baseline: both 2/3, so δ = 0; float rounding gave +2.2e-16.
    const opts = { zMin: -Infinity, minCount: 0, collapse: false, priorStrength: 20 };
    expect(fightinWords(counts(1, { t: 4, o: 2 }), counts(1, { t: 58, o: 29 }), opts)).toEqual([]);
    expect(fightinWords(counts(1, { t: 20, o: 10 }), counts(1, { t: 290, o: 145 }), { ...opts, priorStrength: 100 })).toEqual([]);
  });

  test('property: a term at the same share in both corpora has δ ≈ 0 and is never reported', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 10 }), (y, other, k) => {
        const out = fightinWords(counts(1, { t: y, o: other }), counts(1, { t: y * k, o: other * k }), { zMin: -Infinity, minCount: 0, collapse: false });
        return !out.some((x) => x.term === 't' && x.delta > 1e-9);
      }),
    );
  });

  test('a bigram absorbs the words it explains', () => {
    const out = fightinWords(
      counts(50, { invoice: 20, portal: 19, 'invoice portal': 18, refund: 5 }),
      counts(500, { invoice: 20, portal: 2, 'invoice portal': 1, refund: 50 }),
    );
    expect(out.map((t) => t.term)).toEqual(['invoice portal']);
  });
});

describe('terms', () => {
  test('words and bigrams of content words, redacted data and stopwords left out', () => {
    const t = terms('Hi team, the Invoice Portal shows error 500 — mail me at jo@example.com or +1 (555) 123-4567. Thanks!');
    expect([...t].sort()).toEqual(['500', 'error', 'error 500', 'invoice', 'invoice portal', 'mail', 'portal', 'portal shows', 'shows', 'shows error'].sort());
  });
});

describe('termLift on the warehouse', () => {
  function seed(db: Db): void {
    db.prepare(`INSERT INTO sla_policy (queue, sl_target_pct, sl_target_seconds, time_zone) VALUES ('billing', 80, 20, 'America/New_York')`).run();
    const ins = db.prepare(`INSERT INTO tickets (ticket_id, created_at, status, priority, channel, queue, subject, body) VALUES (?, ?, 'open', 'normal', 'email', ?, ?, ?)`);
    const rng = createRng(7);
    const usual = [
      ['Refund request', 'I would like a refund for my last order'],
      ['Password reset', 'I cannot reset my password, the link expired'],
      ['Delivery late', 'My parcel is late and tracking has not moved'],
      ['Change address', 'Please update my shipping address before dispatch'],
      ['Cancel subscription', 'How do I cancel my subscription renewal'],
      ['Double charge', 'My card was charged twice this month'],
    ];
    let n = 0;
    // 28 baseline days (Oct 23 – Nov 19) and a 3-day window (Nov 20 – 22), 10 tickets a day, at 15:00 UTC.
    for (let d = 0; d < 31; d++) {
      const day = new Date(Date.UTC(2026, 9, 23 + d, 15)).toISOString().slice(0, 19) + 'Z';
      for (let i = 0; i < 10; i++) {
        const spike = d >= 28 && i < 4;
        const [s, b] = spike ? ['Invoice portal error', `The invoice portal shows error 500 when I open invoice ${rng.int(900) + 100}`] : rng.pick(usual);
        ins.run(`T-${++n}`, day, !spike && rng.next() < 0.2 ? 'sales' : 'billing', s, b);
      }
    }
    // The same spike text in another queue must not leak into billing's answer.
    for (let i = 0; i < 30; i++) ins.run(`S-${i}`, '2026-11-21T15:00:00Z', 'sales', 'Quota dashboard broken', 'quota dashboard blank');
  }

  test('finds the injected spike with example tickets, in the queue and window asked', () => {
    const db = openWarehouse(':memory:');
    seed(db);
    const r = termLift(db, { queue: 'billing', from: '2026-11-20', to: '2026-11-22' });
    expect(r.tz).toBe('America/New_York');
    expect(r.window).toMatchObject({ from: '2026-11-20T05:00:00Z', to: '2026-11-23T05:00:00Z' });
    expect(r.baseline).toMatchObject({ from: '2026-10-23T05:00:00Z', to: '2026-11-20T05:00:00Z' });
    expect(r.terms.length).toBeGreaterThan(0);
    expect(r.terms[0].term).toMatch(/invoice portal|portal|error 500/);
    const top = r.terms.slice(0, 3).map((t) => t.term).join(' | ');
    expect(top).toContain('portal');
    for (const t of r.terms) {
      expect(t.term).not.toMatch(/refund|password|parcel|quota|dashboard/);
      expect(t.examples.length).toBeGreaterThan(0);
      for (const e of t.examples) {
        expect(e.queue).toBe('billing');
        expect(e.createdAt >= '2026-11-20T05:00:00Z' && e.createdAt < '2026-11-23T05:00:00Z').toBe(true);
      }
    }
    expect(r.terms[0].examples[0].subject).toBe('Invoice portal error');
  });

  test('a window like its baseline reports nothing; an explicit baseline is honoured', () => {
    const db = openWarehouse(':memory:');
    seed(db);
    const quiet = termLift(db, { queue: 'billing', from: '2026-11-10', to: '2026-11-12' });
    expect(quiet.terms).toEqual([]);
    const r = termLift(db, { queue: 'billing', from: '2026-11-20T05:00:00Z', to: '2026-11-23T05:00:00Z', baselineFrom: '2026-11-01', baselineTo: '2026-11-14' });
    expect(r.baseline).toMatchObject({ from: '2026-11-01T04:00:00Z', to: '2026-11-15T05:00:00Z' });
    expect(r.window.from).toBe('2026-11-20T05:00:00Z');
    expect(r.terms.map((t) => t.term).join(' ')).toContain('portal');
  });
});

describe('sign-off names', () => {
  test('are not terms, while names elsewhere stay', async () => {
    const { terms } = await import('../src/engines/retrieval/text.js');
    expect(terms('Hi, the portal is down.\nThanks,\nEthan')).not.toContain('ethan');
    expect(terms('Is there an outage? Thanks, Hannah')).not.toContain('hannah');
    expect(terms('Kind regards,\nMaria Lopez')).not.toContain('maria');
    expect(terms('Ethan from accounts says the invoice is wrong')).toContain('ethan');
    expect(terms('Is there an outage? Thanks, Hannah')).toContain('outage');
  });
});
