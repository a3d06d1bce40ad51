import { describe, it, expect } from 'vitest';
import { fitLogistic, predictLogistic } from '../src/engines/risk/logistic.js';
import { createRng } from '../src/engines/shared/rng.js';

describe('logistic regression (compare peer)', () => {
  it('recovers known coefficients of a logistic model and handles missing values', () => {
    // y ~ Bernoulli(σ(−1 + 2·x1 − 1·x2)), x ~ N(0, 1): with little regularisation the fit is close.
    const rng = createRng(7);
    const n = 20000;
    const d = 2;
    const X = new Float64Array(n * d);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = rng.normal();
      const b = rng.normal();
      X[i * d] = a;
      X[i * d + 1] = i % 50 === 0 ? NaN : b;
      y[i] = rng.next() < 1 / (1 + Math.exp(-(-1 + 2 * a - b))) ? 1 : 0;
    }
    const m = fitLogistic(X, y, null, d, 1e-3);
    // Coefficients are on standardised columns: undo the scaling of x1 and x2.
    const b1 = m.beta[1] / m.scale[0];
    const b2 = m.beta[2] / m.scale[1];
    expect(Math.abs(b1 - 2)).toBeLessThan(0.12);
    expect(Math.abs(b2 + 1)).toBeLessThan(0.12);
    expect(m.indicators).toEqual([1]);
    const p = predictLogistic(m, Float64Array.from([0, 0, 1, NaN]), d);
    expect(p[0]).toBeGreaterThan(0.2);
    expect(p[0]).toBeLessThan(0.33); // σ(−1) = 0.269
    expect(p[1]).toBeGreaterThan(p[0]);
  });
});
