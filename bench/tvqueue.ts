/**
 * Time-varying Erlang A (M/M/N+M with λ, N, AHT changing per interval and the queue carried across interval
 * boundaries) by the forward Kolmogorov equations, explicit Euler, state space truncated at K callers.
 * Bench only: the "true model" of src/sample/callsim.ts with exponential service, used to score the simulated
 * floor (what a perfect model of the queue still misses per half-hour).
 *
 * SL of an interval = time-average over the interval of P(a caller arriving now is answered within τ), where
 * for a caller finding k in system: answered at once if k < N, else the Erlang A within-τ probability for a
 * caller with k − N ahead (the same incomplete-beta form as src/engines/queueing/erlang-a.ts, frozen rates).
 */
export interface TvSlot {
  /** Arrivals per second. */
  lambda: number;
  ahtSeconds: number;
  agents: number;
}

function withinProbs(n: number, mu: number, theta: number, tau: number, jMax: number): Float64Array {
  const out = new Float64Array(jMax + 1);
  const c = (n * mu) / theta;
  const b = c + 1;
  const x = -Math.expm1(-theta * tau);
  let iB = -Math.expm1(-theta * tau * b);
  let t = b * x * Math.exp(-theta * tau * b);
  for (let j = 0; j <= jMax; j++) {
    out[j] = (c / (c + j + 1)) * Math.max(0, iB);
    iB -= t;
    t *= (x * (j + 1 + b)) / (j + 2);
  }
  return out;
}

export function timeVaryingErlangASl(slots: readonly TvSlot[], intervalSeconds: number, patienceSeconds: number, tau: number, maxState = 80, maxStep = 2): number[] {
  let p = new Float64Array(maxState + 1);
  p[0] = 1;
  let q = new Float64Array(maxState + 1);
  const theta = 1 / patienceSeconds;
  const res: number[] = [];
  for (const s of slots) {
    const n = Math.max(0, Math.round(s.agents));
    const mu = s.ahtSeconds > 0 ? 1 / s.ahtSeconds : 1;
    const lam = s.lambda;
    const jMax = Math.max(0, maxState - n);
    const w = n > 0 ? withinProbs(n, mu, theta, tau, jMax) : new Float64Array(jMax + 1);
    const maxRate = lam + n * mu + jMax * theta;
    const h = Math.min(maxStep, 0.8 / Math.max(maxRate, 1e-9));
    const steps = Math.ceil(intervalSeconds / h);
    const dt = intervalSeconds / steps;
    let acc = 0;
    for (let st = 0; st < steps; st++) {
      let sl = 0;
      for (let k = 0; k <= maxState; k++) {
        const pk = p[k];
        if (pk < 1e-14) continue;
        sl += pk * (k < n ? 1 : w[k - n]);
      }
      acc += sl;
      q.fill(0);
      for (let k = 0; k <= maxState; k++) {
        const pk = p[k];
        if (pk === 0) continue;
        const d = Math.min(k, n) * mu + Math.max(k - n, 0) * theta;
        const up = k < maxState ? lam : 0;
        q[k] += pk * (1 - (up + d) * dt);
        if (k < maxState) q[k + 1] += pk * up * dt;
        if (k > 0) q[k - 1] += pk * d * dt;
      }
      [p, q] = [q, p];
    }
    res.push(acc / steps);
  }
  return res;
}
