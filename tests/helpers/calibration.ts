/** Test fixtures for the calibrated queue model: a calibration with known parameters and an independent Erlang C. */
import type { QueueCalibration } from '../../src/engines/queueing/index.js';

/** Erlang C service level by the textbook sums (independent of the engine): P(wait ≤ t) for Poisson arrivals. */
export function erlangCSl(calls: number, ahtSeconds: number, agents: number, intervalSeconds: number, targetSeconds: number): number {
  const a = (calls * ahtSeconds) / intervalSeconds;
  if (agents <= a) return 0;
  let term = 1;
  let sum = 0;
  for (let k = 0; k < agents; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  const tail = term * (agents / (agents - a));
  const pw = tail / (sum + tail);
  return 1 - pw * Math.exp((-(agents - a) * targetSeconds) / ahtSeconds);
}

/** Erlang C average speed of answer by the textbook formula (independent of the engine): P(wait) · AHT ÷ (N − A). */
export function erlangCAsa(calls: number, ahtSeconds: number, agents: number, intervalSeconds: number): number {
  const a = (calls * ahtSeconds) / intervalSeconds;
  if (agents <= a) return Infinity;
  let term = 1;
  let sum = 0;
  for (let k = 0; k < agents; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  const tail = term * (agents / (agents - a));
  return ((tail / (sum + tail)) * ahtSeconds) / (agents - a);
}

/** An Erlang C calibration with handle-time factor `k`, no agent factor, no correction, no backtest. */
export function knownCalibration(k: number): QueueCalibration {
  return {
    model: 'erlang_c', handleTimeFactor: k, agentFactor: 1, patienceSeconds: null, patienceSource: 'none', patienceNote: '', fitFrom: '2026-11-01', fitThrough: '2026-11-12',
    intervals: 192, days: 12, candidate: 'Erlang C, k', dispersion: null, factorNote: null, correction: null, backtest: null, candidates: [],
    inputRange: { agents: [1, 100], offered: [1, 1000], ahtSeconds: [60, 900], loadPerAgent: [0, 1], intervalSeconds: [1800] },
  };
}
