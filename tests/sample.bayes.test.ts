import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { expectedSigmoid, rankFigures } from '../src/sample/bayes.js';

describe('expectedSigmoid = E[σ(x + sd·Z)]', () => {
  it('is ½ at x = 0 by symmetry, and reduces to σ(x) when sd = 0', () => {
    expect(expectedSigmoid(0, 1.3)).toBeCloseTo(0.5, 12);
    expect(expectedSigmoid(1.2, 0)).toBeCloseTo(1 / (1 + Math.exp(-1.2)), 12);
  });

  it('matches Simpson integration on a fine grid (a second, independent quadrature)', () => {
    fc.assert(
      fc.property(fc.double({ min: -6, max: 6, noNaN: true }), fc.double({ min: 0.05, max: 3, noNaN: true }), (x, sd) => {
        const n = 4000;
        const a = -10;
        const h = 20 / n;
        let s = 0;
        for (let i = 0; i <= n; i++) {
          const z = a + i * h;
          const f = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI) / (1 + Math.exp(-(x + sd * z)));
          s += (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * f;
        }
        expect(Math.abs(expectedSigmoid(x, sd) - (s * h) / 3)).toBeLessThan(1e-7);
      }),
      { numRuns: 60 },
    );
  });
});

describe('rankFigures', () => {
  /** Brute force: ROC AUC by pair counting, AP by the step-wise definition over distinct thresholds. */
  function brute(score: number[], label: number[]) {
    let pairs = 0;
    let wins = 0;
    for (let i = 0; i < score.length; i++) {
      for (let j = 0; j < score.length; j++) {
        if (label[i] !== 1 || label[j] !== 0) continue;
        pairs++;
        wins += score[i] > score[j] ? 1 : score[i] === score[j] ? 0.5 : 0;
      }
    }
    const P = label.filter((y) => y === 1).length;
    const thresholds = [...new Set(score)].sort((a, b) => b - a);
    let ap = 0;
    let prevRecall = 0;
    for (const t of thresholds) {
      const sel = score.map((s, i) => [s, label[i]]).filter(([s]) => s >= t);
      const tp = sel.filter(([, y]) => y === 1).length;
      const recall = tp / P;
      ap += (recall - prevRecall) * (tp / sel.length);
      prevRecall = recall;
    }
    return { auc: wins / pairs, ap };
  }

  it('matches brute force on random scores with ties', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 1 })), { minLength: 2, maxLength: 40 })
          .filter((xs) => xs.some(([, y]) => y === 1) && xs.some(([, y]) => y === 0)),
        (xs) => {
          const score = xs.map(([s]) => s / 6);
          const label = xs.map(([, y]) => y);
          const got = rankFigures(score, label);
          const want = brute(score, label);
          expect(got.rocAuc).toBeCloseTo(want.auc, 10);
          expect(got.averagePrecision).toBeCloseTo(want.ap, 10);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a hand example: precision at recall 0.6', () => {
    // scores 0.9(1) 0.8(0) 0.7(1) 0.6(1) 0.5(0) 0.4(1) 0.3(1): recall reaches 3/5 = 0.6 at the 4th ticket → precision 3/4.
    const f = rankFigures([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3], [1, 0, 1, 1, 0, 1, 1]);
    expect(f.precisionAtRecall60).toBeCloseTo(0.75, 12);
    expect(f.precisionAtRecall80).toBeCloseTo(4 / 6, 12);
    expect(f.baseRate).toBeCloseTo(5 / 7, 12);
  });
});
