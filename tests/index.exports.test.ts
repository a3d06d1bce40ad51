import { describe, it, expect } from 'vitest';
import * as pkg from '../src/index.js';

describe('package entry', () => {
  it('exports each engine as a namespace', () => {
    expect(Object.keys(pkg).sort()).toEqual(['drift', 'forecast', 'queueing', 'retrieval', 'risk']);
    expect(typeof pkg.drift.detectDrift).toBe('function');
    expect(typeof pkg.risk.trainRiskModel).toBe('function');
    expect(typeof pkg.retrieval.searchTickets).toBe('function');
  });

  it('queueing through the entry gives the hand-derived Erlang C value', () => {
    // N = 2, A = 1 Erlang: Erlang B(2, 1) = (1/2)/(1 + 1 + 1/2) = 1/5; Pw = N·B/(N − A + A·B) = 0.4/1.2 = 1/3.
    const r = pkg.queueing.erlangC({ arrivals: 6, intervalSeconds: 1800, ahtSeconds: 300, agents: 2, targetAnswerSeconds: 0 });
    expect(r.probWait).toBeCloseTo(1 / 3, 12);
  });
});
