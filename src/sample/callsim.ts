import type { Rng } from '../engines/shared/rng.js';

/**
 * Call-by-call simulation of one day of an FCFS multi-server queue with impatient callers (M/G/c+M with
 * time-varying λ and c), producing interval rows that are consistent call by call.
 *
 * Model
 * - Intervals are consecutive, each `intervalSeconds` long; interval k covers [k·T, (k+1)·T) of simulated time.
 * - Arrivals: Poisson process with rate λ_k / T inside interval k (so offered ~ Poisson(λ_k), arrival times
 *   uniform within the interval), drawn as exponential gaps (exact, one log per call); or, with
 *   `arrivals: 'fixed'`, exactly round(λ_k) callers at sorted independent uniform times (the same process
 *   conditioned on its count).
 * - Each caller has patience ~ Exponential(mean = patienceMeanSeconds; Infinity = never abandons).
 * - Service is first-come-first-served: a caller is answered by the first agent to become free, at
 *   max(arrival, that agent's free time), provided that is ≤ arrival + patience; otherwise the caller abandons
 *   at arrival + patience and consumes no agent time. Abandoners never delay others, so processing callers in
 *   arrival order against a min-heap of agent free times is exact (a Lindley-type recursion).
 * - Handle time = talk + ACW, talk ~ Lognormal(talkMean, talkCv) (or Exponential, for theory checks), ACW ~ Lognormal(acwMean, acwCv)
 *   (acwMean = 0 → no ACW); the agent is busy for the whole handle time.
 * - Staffing: `agents` (rounded to an integer ≥ 0) logged in during interval k. At a boundary, added agents are
 *   free at the boundary; removed agents are the earliest-free ones (idle agents log off first; a busy agent
 *   that must leave finishes its call first). The waiting queue carries across boundaries.
 * - End of day: callers still waiting after the last interval are served by the last interval's agents (no
 *   further boundaries); if there are none they abandon (at arrival + patience, or at once if patience is
 *   infinite). Hence every row satisfies handled + abandoned = offered.
 *
 * Counting convention: every figure is attributed to the caller's ARRIVAL interval — offered, handled,
 * abandoned, answered_within_target (answered with wait ≤ targetAnswerSeconds), aht_seconds (mean handle time
 * of the interval's answered callers, ACW included; null when handled = 0) and acw_seconds (their mean ACW).
 * Realised SL = answered_within_target / offered.
 *
 * Complexity: O(N log c) time for N callers and c agents, O(c + waiting) memory. Deterministic for an Rng.
 */
export interface CallsimInterval {
  /** Label echoed into the row (e.g. epoch seconds of the interval start); not used for timing. */
  start: number;
  /** Expected arrivals in the interval (λ ≥ 0). */
  lambda: number;
  /** Agents logged in (rounded to an integer ≥ 0). */
  agents: number;
  /** Mean talk seconds (> 0) and its coefficient of variation (≥ 0). */
  talkMean: number;
  talkCv: number;
  /** Mean ACW seconds (≥ 0; 0 = none) and its coefficient of variation. */
  acwMean: number;
  acwCv: number;
  /** Optional per-interval override of the patience mean (seconds). */
  patienceMeanSeconds?: number;
}

export interface CallsimOptions {
  rng: Rng;
  /** Interval length in seconds (e.g. 1800). */
  intervalSeconds: number;
  /** Service-level answer-time target t (seconds): answered with wait ≤ t counts as within target. */
  targetAnswerSeconds: number;
  /** Mean caller patience in seconds; Infinity = callers never abandon (Erlang C). */
  patienceMeanSeconds: number;
  intervals: readonly CallsimInterval[];
  /**
   * Talk-time distribution: 'lognormal' (default, realistic) or 'exponential' (talkCv ignored), the latter so
   * runs can be checked against Erlang C / Erlang A, which assume exponential service.
   */
  talkDistribution?: 'lognormal' | 'exponential';
  /**
   * 'poisson' (default): interval k gets Poisson(λ_k) callers. 'fixed': exactly round(λ_k) callers at independent
   * uniform times in the interval, i.e. the Poisson process conditioned on its count: the day as a plan with known
   * volumes would see it (the calibration bench's noise floor).
   */
  arrivals?: 'poisson' | 'fixed';
}

export interface CallsimRow {
  start: number;
  offered: number;
  handled: number;
  abandoned: number;
  answered_within_target: number;
  /** Mean handle time (talk + ACW) of the interval's answered callers; null when handled = 0. */
  aht_seconds: number | null;
  /** Mean ACW of the interval's answered callers; null when handled = 0. */
  acw_seconds: number | null;
  agents_staffed: number;
  /** Sum of waits of answered callers (seconds), for ASA = wait_sum / handled. */
  wait_sum_seconds: number;
  /** Sum of waits of abandoned callers until they hung up (seconds); with wait_sum_seconds, the patience MLE's numerator. */
  abandoned_wait_sum_seconds: number;
}

/** Binary min-heap of agent free times in a Float64Array (no per-call allocation). */
class FreeTimeHeap {
  a = new Float64Array(64);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    const a = this.a;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= v) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = v;
  }
  /** Replaces the minimum by v (pop + push in one sift-down). */
  replaceTop(v: number): void {
    const a = this.a;
    const n = this.n;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && a[c + 1] < a[c]) c++;
      if (a[c] >= v) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = v;
  }
  pop(): void {
    const last = this.a[--this.n];
    if (this.n > 0) this.replaceTop(last);
  }
  min(): number {
    return this.n > 0 ? this.a[0] : Infinity;
  }
}

/** Simulates one day; see the module comment for the model. Returns one row per input interval. */
export function simulateDay(opts: CallsimOptions): CallsimRow[] {
  const { rng, intervalSeconds: T, targetAnswerSeconds: target, intervals } = opts;
  const K = intervals.length;
  const offered = new Int32Array(K);
  const handled = new Int32Array(K);
  const abandoned = new Int32Array(K);
  const within = new Int32Array(K);
  const htSum = new Float64Array(K);
  const acwSum = new Float64Array(K);
  const waitSum = new Float64Array(K);
  const abWaitSum = new Float64Array(K);
  const staffed = new Int32Array(K);
  const heap = new FreeTimeHeap();
  const expTalk = opts.talkDistribution === 'exponential';
  // Lognormal parameters per interval, so each call costs one normal and one exp (same law as rng.lognormal).
  const talkMu = new Float64Array(K);
  const talkSd = new Float64Array(K);
  const acwMu = new Float64Array(K);
  const acwSd = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const iv = intervals[k];
    const ts2 = Math.log(1 + iv.talkCv * iv.talkCv);
    talkMu[k] = Math.log(iv.talkMean) - ts2 / 2;
    talkSd[k] = Math.sqrt(ts2);
    const as2 = Math.log(1 + iv.acwCv * iv.acwCv);
    acwMu[k] = iv.acwMean > 0 ? Math.log(iv.acwMean) - as2 / 2 : 0;
    acwSd[k] = Math.sqrt(as2);
  }

  // Waiting callers carried across boundaries (FCFS order): arrival, deadline (arrival + patience), interval.
  let qArr: number[] = [];
  let qDead: number[] = [];
  let qInt: number[] = [];
  let qHead = 0;

  /** Resolves waiting callers in order until one must wait past `horizon`. */
  const drain = (horizon: number): void => {
    while (qHead < qArr.length) {
      const a = qArr[qHead];
      const dead = qDead[qHead];
      const k = qInt[qHead];
      const free = heap.min();
      const answerAt = free > a ? free : a;
      if (answerAt <= dead && answerAt < horizon) {
        const iv = intervals[k];
        const talk = expTalk ? rng.exponential(iv.talkMean) : Math.exp(talkMu[k] + talkSd[k] * rng.normal());
        const acw = iv.acwMean > 0 ? Math.exp(acwMu[k] + acwSd[k] * rng.normal()) : 0;
        heap.replaceTop(answerAt + talk + acw);
        const wait = answerAt - a;
        handled[k]++;
        if (wait <= target) within[k]++;
        htSum[k] += talk + acw;
        acwSum[k] += acw;
        waitSum[k] += wait;
      } else if (dead < answerAt && dead < horizon) {
        abandoned[k]++;
        abWaitSum[k] += dead - a;
      } else {
        return; // blocked: its fate depends on what happens after the horizon, and so does everyone behind it
      }
      qHead++;
    }
  };

  for (let k = 0; k < K; k++) {
    const iv = intervals[k];
    const t0 = k * T;
    const t1 = t0 + T;
    // Staffing change at the boundary t0.
    const c = Math.max(0, Math.round(iv.agents));
    staffed[k] = c;
    while (heap.n < c) heap.push(t0);
    while (heap.n > c) heap.pop();
    // Arrivals of interval k, appended behind anyone still waiting.
    if (qHead > 1024 && qHead * 2 > qArr.length) {
      qArr = qArr.slice(qHead);
      qDead = qDead.slice(qHead);
      qInt = qInt.slice(qHead);
      qHead = 0;
    }
    const patienceMean = iv.patienceMeanSeconds ?? opts.patienceMeanSeconds;
    if (opts.arrivals === 'fixed') {
      const n = Math.max(0, Math.round(iv.lambda));
      const times = Array.from({ length: n }, () => t0 + rng.next() * T).sort((a, b) => a - b);
      for (const t of times) {
        offered[k]++;
        qArr.push(t);
        qDead.push(Number.isFinite(patienceMean) ? t + rng.exponential(patienceMean) : Infinity);
        qInt.push(k);
      }
    } else if (iv.lambda > 0) {
      const gapMean = T / iv.lambda;
      let t = t0 + rng.exponential(gapMean);
      while (t < t1) {
        offered[k]++;
        qArr.push(t);
        qDead.push(Number.isFinite(patienceMean) ? t + rng.exponential(patienceMean) : Infinity);
        qInt.push(k);
        t += rng.exponential(gapMean);
      }
    }
    drain(t1);
  }
  // End of day: no more boundaries; with no agents left, waiting callers abandon.
  drain(Infinity);
  while (qHead < qArr.length) {
    const k = qInt[qHead];
    abandoned[k]++;
    if (Number.isFinite(qDead[qHead])) abWaitSum[k] += qDead[qHead] - qArr[qHead];
    qHead++;
  }

  const rows: CallsimRow[] = new Array(K);
  for (let k = 0; k < K; k++) {
    const h = handled[k];
    rows[k] = {
      start: intervals[k].start,
      offered: offered[k],
      handled: h,
      abandoned: abandoned[k],
      answered_within_target: within[k],
      aht_seconds: h > 0 ? htSum[k] / h : null,
      acw_seconds: h > 0 ? acwSum[k] / h : null,
      agents_staffed: staffed[k],
      wait_sum_seconds: waitSum[k],
      abandoned_wait_sum_seconds: abWaitSum[k],
    };
  }
  return rows;
}
