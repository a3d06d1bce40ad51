/**
 * Required agents for one interval (Erlang C), and the raw → scheduled conversion for shrinkage.
 */
import { erlangB, erlangCFromB, trafficErlangs } from './erlang.js';
import { erlangA } from './erlang-a.js';

export interface RequiredAgentsInput {
  arrivals: number;
  intervalSeconds: number;
  ahtSeconds: number;
  /** Service-level target in percent, 0 ≤ pct ≤ 100 (80 for "80/20"). */
  targetSlPct: number;
  /** Service-level threshold in seconds (20 for "80/20"). */
  targetAnswerSeconds: number;
  /** Maximum occupancy as a fraction in (0, 1]; default 1 (no cap). */
  maxOccupancy?: number;
  /** Shrinkage as a fraction in [0, 1) (breaks, training, absence); default 0. */
  shrinkage?: number;
}

export interface RequiredAgentsResult {
  /** Agents needed on the phones (integer). */
  rawAgents: number;
  /** Agents to schedule so that rawAgents remain after shrinkage: ceil(raw / (1 − shrinkage)). */
  scheduledAgents: number;
  /** Which constraint set rawAgents ('service_level' when both bind at the same N, or with no traffic). */
  bindingConstraint: 'service_level' | 'occupancy';
  serviceLevel: number;
  occupancy: number;
  probWait: number;
  asaSeconds: number;
}

/** SL comparisons allow this much float noise so a target met exactly (0.8 vs 0.7999999999999999) counts as met. */
export const SL_EPSILON = 1e-12;

/**
 * ceil(raw / (1 − shrinkage)) without float traps: the quotient is rounded to 9 decimals before ceil, so
 * 21 / 0.7 = 30.000000000000004 gives 30, not 31. O(1). raw = 0 → 0. Shrinkage must be in [0, 1).
 */
export function scheduledFromRaw(rawAgents: number, shrinkage = 0): number {
  if (!(shrinkage >= 0 && shrinkage < 1)) throw new RangeError(`shrinkage must be in [0, 1), got ${shrinkage}`);
  if (!(rawAgents >= 0)) throw new RangeError(`rawAgents must be ≥ 0, got ${rawAgents}`);
  const q = rawAgents / (1 - shrinkage);
  return Math.ceil(Math.round(q * 1e9) / 1e9);
}

/** Smallest integer n with a / n ≤ maxOcc (n ≥ 1), guarding the same float trap as scheduledFromRaw. */
function occupancyFloor(a: number, maxOcc: number): number {
  return Math.max(1, Math.ceil(Math.round((a / maxOcc) * 1e9) / 1e9));
}

/**
 * Smallest integer N > A meeting SL ≥ target (Erlang C) and A/N ≤ maxOccupancy, then shrinkage on top.
 *
 * Search starts at floor(A) + 1 (the first stable N — not round(A + 1), which skips it for A = 9.6) and walks
 * up carrying the Erlang B recursion, so the whole solve is O(N) (one recursion pass), not O(N²).
 * Edge cases: zero traffic → 0 raw, 0 scheduled, SL 1. targetSlPct = 100 terminates where SL rounds to 1.
 * Negative/NaN inputs, shrinkage ∉ [0, 1) or maxOccupancy ∉ (0, 1] throw RangeError.
 */
export function requiredAgents(input: RequiredAgentsInput): RequiredAgentsResult {
  const { ahtSeconds: aht, targetAnswerSeconds: t } = input;
  const maxOcc = input.maxOccupancy ?? 1;
  const shrinkage = input.shrinkage ?? 0;
  if (!(maxOcc > 0 && maxOcc <= 1)) throw new RangeError(`maxOccupancy must be in (0, 1], got ${maxOcc}`);
  if (!(input.targetSlPct >= 0 && input.targetSlPct <= 100)) throw new RangeError(`targetSlPct must be in [0, 100], got ${input.targetSlPct}`);
  if (!(t >= 0)) throw new RangeError(`targetAnswerSeconds must be ≥ 0, got ${t}`);
  const a = trafficErlangs(input.arrivals, aht, input.intervalSeconds);
  if (a === 0) {
    return { rawAgents: 0, scheduledAgents: 0, bindingConstraint: 'service_level', serviceLevel: 1, occupancy: 0, probWait: 0, asaSeconds: 0 };
  }
  if (!Number.isFinite(a)) throw new RangeError('requiredAgents: infinite traffic (zero interval with arrivals)');
  const target = input.targetSlPct / 100;
  const nOcc = occupancyFloor(a, maxOcc);
  let n = Math.floor(a) + 1;
  let b = erlangB(n, a);
  let nSl = -1;
  for (;;) {
    const r = erlangCFromB(n, a, b, aht, t);
    if (nSl < 0 && r.serviceLevel >= target - SL_EPSILON) nSl = n;
    if (nSl >= 0 && n >= nOcc) {
      return {
        rawAgents: n,
        scheduledAgents: scheduledFromRaw(n, shrinkage),
        bindingConstraint: n > nSl ? 'occupancy' : 'service_level',
        serviceLevel: r.serviceLevel,
        occupancy: r.occupancy,
        probWait: r.probWait,
        asaSeconds: r.asaSeconds,
      };
    }
    n += 1;
    const ab = a * b;
    b = ab / (n + ab);
  }
}

/**
 * Smallest integer N whose Erlang A service level (answered within t ÷ offered) meets the target, for queues
 * whose patience is known. Unlike Erlang C, N ≤ A can suffice (abandonment keeps the queue stable), so the
 * search is exponential + binary over N ≥ 0 using SL monotone in N: O(log N · (N + J)).
 * Returns Infinity when the target is unreachable (e.g. 100 % with abandonment at t > 0 is impossible).
 * `hint` (e.g. the agents staffed) starts a galloping search there: the answer is usually within a few agents of
 * it, so a what-if day needs ~3 evaluations per interval instead of ~2·log₂ N.
 */
export function requiredAgentsErlangA(input: RequiredAgentsInput & { meanPatienceSeconds: number }, hint?: number): number {
  const a = trafficErlangs(input.arrivals, input.ahtSeconds, input.intervalSeconds);
  if (a === 0) return 0;
  const target = input.targetSlPct / 100;
  const maxOcc = input.maxOccupancy ?? 1;
  const base = { arrivals: input.arrivals, intervalSeconds: input.intervalSeconds, ahtSeconds: input.ahtSeconds, targetAnswerSeconds: input.targetAnswerSeconds, meanPatienceSeconds: input.meanPatienceSeconds, agents: 0 };
  const ok = (n: number) => {
    base.agents = n;
    const r = erlangA(base);
    return r.serviceLevel >= target - SL_EPSILON && r.occupancy <= maxOcc + SL_EPSILON;
  };
  // Bracket (lo fails, hi passes) by galloping from the start point, then bisect.
  const start = Math.max(0, Math.round(hint ?? Math.ceil(a)));
  let lo: number;
  let hi: number;
  if (ok(start)) {
    if (start === 0) return 0;
    hi = start;
    let step = 1;
    lo = Math.max(0, hi - step);
    while (ok(lo)) {
      hi = lo;
      if (lo === 0) return 0;
      step *= 2;
      lo = Math.max(0, hi - step);
    }
  } else {
    lo = start;
    let step = 1;
    hi = lo + step;
    let guard = 0;
    while (!ok(hi)) {
      lo = hi;
      step *= 2;
      hi = lo + step;
      if (++guard > 40) return Infinity;
    }
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
