/**
 * Erlang A (M/M/N+M, Palm's model): Poisson arrivals λ, exponential service μ = 1/AHT, N agents, and each
 * waiting caller abandons after an exponential patience with rate θ = 1/meanPatience.
 *
 * Computed on the exact birth–death chain (birth λ, death min(k,N)·μ + max(k−N,0)·θ), stably:
 *  - states k ≤ N through the Erlang B recursion (mass of k < N is 1 − B relative to Σ_{k≤N} = 1);
 *  - queue states N + j through rⱼ = Π_{i=1..j} λ/(Nμ + iθ), summed in log-space scaled by their largest term,
 *    so nothing overflows for thousands of agents or long queues;
 *  - for a caller who finds j others waiting (PASTA), the time V to reach an agent has density
 *    θ·(c)_{j+1}/j!·e^{−cθv}(1 − e^{−θv})^j with c = Nμ/θ, hence
 *      P(answered)       = c / (c + j + 1)
 *      P(answered ≤ t)   = c / (c + j + 1) · I_x(j + 1, c + 1),   x = 1 − e^{−θt}  (regularized incomplete beta)
 *      E[wait; answered] = P(answered) · Σ_{i=0..j} 1 / (Nμ + (i+1)θ)
 *    I_x(a, c+1) is carried over a by I(a+1) = I(a) − T(a) with T(a) updated in log-space.
 */
import { erlangB, erlangC, trafficErlangs, type ErlangCInput } from './erlang.js';

export interface ErlangAInput extends ErlangCInput {
  /** Mean caller patience in seconds (> 0). Infinity means nobody abandons: the answer is Erlang C. */
  meanPatienceSeconds: number;
}

export interface ErlangAResult {
  /** P(an arriving caller has to wait). */
  probWait: number;
  /** P(an arriving caller abandons before being answered). */
  probAbandon: number;
  /** Answered within t ÷ all offered (abandoned calls count as misses, whenever they hung up). */
  serviceLevel: number;
  /** Mean wait of answered calls (seconds), zero waits included; Infinity when nobody can be answered (N = 0). */
  asaSeconds: number;
  /** Carried load ÷ agents: A·(1 − P(abandon)) / N, in [0, 1]. */
  occupancy: number;
  model: 'erlang-a';
}

/** Beyond this many queue states the exact sum is replaced by the fluid limit (overload with huge patience). */
const MAX_QUEUE_STATES = 2_000_000;

function erlangAInteger(n: number, lambda: number, aht: number, theta: number, t: number, a: number): ErlangAResult {
  const mu = 1 / aht;
  const nMu = n * mu;
  const c = nMu / theta;
  const g = lambda / theta;
  const jPeak = Math.max(0, Math.floor(g - c));
  if (jPeak > MAX_QUEUE_STATES) {
    // Fluid limit: the queue sits at its abandonment equilibrium; everyone waits, the overflow abandons.
    const served = n / a;
    return { probWait: 1, probAbandon: 1 - served, serviceLevel: 0, asaSeconds: Infinity, occupancy: 1, model: 'erlang-a' };
  }
  // Incomplete beta I_x(a, b) with a = j + 1, b = c + 1; x = 1 − e^{−θt}.
  const b = c + 1;
  const x = -Math.expm1(-theta * t);
  let iBeta = t > 0 ? -Math.expm1(-theta * t * b) : 0; // I_x(1, b) = 1 − (1 − x)^b
  // T(a) = x^a (1−x)^b Γ(a+b) / (Γ(a+1) Γ(b)); T(1) = b·x·(1 − x)^b. Kept in logs while it would underflow.
  let logT = t > 0 ? Math.log(b) + Math.log(x) - theta * t * b : -Infinity;
  let tTerm = logT > -700 ? Math.exp(logT) : 0;
  let tInLogs = t > 0 && tTerm === 0;

  // wⱼ = rⱼ·e^{−logScale}: multiplied up state by state and rescaled when large, so neither overflow nor an
  // exp/log per state is needed.
  let logScale = 0;
  let w = 1;
  let W = 0; // Σ wⱼ
  let sServed = 0; // Σ wⱼ·P(answered | j)
  let sWithin = 0; // Σ wⱼ·P(answered ≤ t | j)
  let sWait = 0; // Σ wⱼ·E[wait; answered | j]
  let h = 0; // Σ_{i=0..j} 1/(Nμ + (i+1)θ)
  for (let j = 0; ; j++) {
    if (j > 0) {
      w *= g / (c + j);
      if (w > 1e250) {
        w *= 1e-250;
        W *= 1e-250;
        sServed *= 1e-250;
        sWithin *= 1e-250;
        sWait *= 1e-250;
        logScale += 250 * Math.LN10;
      }
    }
    h += 1 / (nMu + (j + 1) * theta);
    const served = c / (c + j + 1);
    W += w;
    sServed += w * served;
    if (iBeta > 0) sWithin += w * served * iBeta;
    sWait += w * served * h;
    if (t > 0) {
      // advance I_x(a, b) → I_x(a + 1, b)
      const ratio = (x * (j + 1 + b)) / (j + 2);
      if (tInLogs) {
        logT += Math.log(ratio);
        if (logT > -700) {
          tTerm = Math.exp(logT);
          tInLogs = false;
        }
      } else {
        iBeta -= tTerm;
        tTerm *= ratio;
      }
    }
    if (j >= jPeak) {
      const q = g / (c + j + 1);
      if (q < 1 && w * (q / (1 - q)) <= 1e-17 * W) break;
      if (w === 0) break;
    }
    if (j > jPeak + MAX_QUEUE_STATES) break;
  }

  const bN = erlangB(n, a);
  const logHigh = Math.log(bN) + logScale + Math.log(W);
  const logLow = Math.log1p(-bN);
  const d = logHigh - logLow;
  const pWait = d === Infinity ? 1 : d === -Infinity ? 0 : 1 / (1 + Math.exp(-d));
  const pLow = d === Infinity ? 0 : d === -Infinity ? 1 : 1 / (1 + Math.exp(d));
  const servedShare = pLow + (pWait * sServed) / W;
  const probAbandon = Math.min(1, Math.max(0, (pWait * (W - sServed)) / W));
  const serviceLevel = Math.min(1, Math.max(0, pLow + (pWait * sWithin) / W));
  const asaSeconds = servedShare > 0 ? (pWait * sWait) / W / servedShare : Infinity;
  const occupancy = n > 0 ? Math.min(1, (a * (1 - probAbandon)) / n) : 1;
  return { probWait: pWait, probAbandon, serviceLevel, asaSeconds, occupancy, model: 'erlang-a' };
}

/**
 * Erlang A (M/M/N+M) for one interval: P(wait), P(abandon), service level, ASA of answered calls, occupancy.
 *
 * SL convention: answered within t ÷ all offered calls (abandoned calls are misses, including those who hung up
 * before t). ASA: mean wait of answered calls. Occupancy: carried load A(1 − P(abandon)) / N.
 * Complexity: O(N + J) where J is the number of queue states carrying mass (≈ a few × √ of the queue length at
 * equilibrium, tens for realistic patience), with one log/exp pair per queue state.
 * Edge cases: A = 0 → idle (SL 1, everything else 0). Patience = Infinity → Erlang C (probAbandon 0).
 * Patience = 0 → pure loss system: waiters leave at once, P(abandon) = P(wait) = Erlang B, SL = 1 − B, ASA 0.
 * N = 0 → everybody waits and abandons. Infinite traffic (zero interval) → P(abandon) 1.
 * Overloaded with so long a patience that > 2·10⁶ queue states carry mass → the fluid limit
 * (P(wait) 1, P(abandon) 1 − N/A, SL 0).
 * Fractional N: every output interpolated linearly between floor(N) and ceil(N) (stable for all N, and each
 * output is monotone over the integers, so the interpolant is monotone too).
 * Converges to Erlang C as patience → ∞ when N > A.
 */
export function erlangA(input: ErlangAInput): ErlangAResult {
  const { agents: n, ahtSeconds: aht, targetAnswerSeconds: t, meanPatienceSeconds: patience } = input;
  if (!(n >= 0)) throw new RangeError(`agents must be a non-negative number, got ${n}`);
  if (!(t >= 0)) throw new RangeError(`targetAnswerSeconds must be a non-negative number, got ${t}`);
  if (!(patience >= 0)) throw new RangeError(`meanPatienceSeconds must be a non-negative number, got ${patience}`);
  const a = trafficErlangs(input.arrivals, aht, input.intervalSeconds);
  if (a === 0) return { probWait: 0, probAbandon: 0, serviceLevel: 1, asaSeconds: 0, occupancy: 0, model: 'erlang-a' };
  if (a === Infinity) return { probWait: 1, probAbandon: 1, serviceLevel: 0, asaSeconds: Infinity, occupancy: 1, model: 'erlang-a' };
  if (patience === Infinity) {
    const c = erlangC(input);
    return { probWait: c.probWait, probAbandon: 0, serviceLevel: c.serviceLevel, asaSeconds: c.asaSeconds, occupancy: c.occupancy, model: 'erlang-a' };
  }
  if (!Number.isInteger(n)) {
    const lo = Math.floor(n);
    const f = n - lo;
    const rl = erlangA({ ...input, agents: lo });
    const rh = erlangA({ ...input, agents: lo + 1 });
    const mix = (u: number, v: number) => (u === v ? u : u === Infinity ? Infinity : u + f * (v - u));
    return {
      probWait: mix(rl.probWait, rh.probWait),
      probAbandon: mix(rl.probAbandon, rh.probAbandon),
      serviceLevel: mix(rl.serviceLevel, rh.serviceLevel),
      asaSeconds: mix(rl.asaSeconds, rh.asaSeconds),
      occupancy: mix(rl.occupancy, rh.occupancy),
      model: 'erlang-a',
    };
  }
  if (patience === 0) {
    const bN = erlangB(n, a);
    return { probWait: bN, probAbandon: bN, serviceLevel: 1 - bN, asaSeconds: n > 0 ? 0 : Infinity, occupancy: n > 0 ? Math.min(1, (a * (1 - bN)) / n) : 1, model: 'erlang-a' };
  }
  const lambda = input.arrivals / input.intervalSeconds;
  return erlangAInteger(n, lambda, aht, 1 / patience, t, a);
}

export interface PatienceInterval {
  offered: number;
  abandoned: number;
  intervalSeconds: number;
  ahtSeconds: number;
  agents: number;
  /** Total seconds spent waiting by all callers of the interval (answered and abandoned), when the ACD logs it. */
  totalWaitSeconds?: number;
}

export interface PatienceEstimate {
  /** Mean patience in seconds; Infinity when nobody abandoned (no evidence of impatience). */
  meanPatienceSeconds: number;
  method: 'censored-mle' | 'abandon-rate-match' | 'none';
  /** Σ abandoned ÷ Σ offered over the intervals used. */
  observedAbandonRate: number;
  /** The fitted model's Σ offered·P(abandon) ÷ Σ offered (equals the observed rate unless a bound was hit). */
  modelAbandonRate: number;
  intervalsUsed: number;
  /** True when the fit hit the search bound (1 s or 10⁶ s) rather than matching the observed rate. */
  atBound: boolean;
}

const MIN_PATIENCE = 1;
const MAX_PATIENCE = 1e6;

/**
 * Fits the mean patience of an exponential-patience (Erlang A) model from observed abandonment.
 *
 * Method 1 ('censored-mle', when every interval has totalWaitSeconds): with exponential patience, each caller's
 * wait is an observation of patience censored by being answered, so the maximum-likelihood estimate is
 * mean patience = Σ waiting time of all callers ÷ Σ abandoned (Mandelbaum & Zeltyn's standard estimator).
 * Method 2 ('abandon-rate-match', otherwise): find the patience for which Σ offered × P_erlangA(abandon) over the
 * intervals equals Σ abandoned; P(abandon) decreases with patience, so a bracketed root search on log-patience
 * (bracket [30 s, 3000 s] widened tenfold as needed up to [1 s, 10⁶ s]; Illinois regula falsi, typically < 12
 * passes) converges. Intervals with no offered calls are
 * skipped; an interval with no agents counts too. No abandonment at all → Infinity ('none').
 * Complexity: method 1 O(intervals); method 2 O(passes·Σ(N + J)).
 */
export function estimatePatience(
  intervals: readonly PatienceInterval[],
  opts: { targetAnswerSeconds?: number } = {},
): PatienceEstimate {
  const used = intervals.filter((iv) => iv.offered > 0 && iv.intervalSeconds > 0 && iv.ahtSeconds > 0);
  const offered = used.reduce((s, iv) => s + iv.offered, 0);
  const abandoned = used.reduce((s, iv) => s + Math.min(iv.abandoned, iv.offered), 0);
  const observed = offered > 0 ? abandoned / offered : 0;
  if (abandoned <= 0) {
    return { meanPatienceSeconds: Infinity, method: 'none', observedAbandonRate: observed, modelAbandonRate: 0, intervalsUsed: used.length, atBound: false };
  }
  if (used.every((iv) => iv.totalWaitSeconds !== undefined && iv.totalWaitSeconds >= 0)) {
    const wait = used.reduce((s, iv) => s + (iv.totalWaitSeconds ?? 0), 0);
    const p = wait / abandoned;
    return { meanPatienceSeconds: p, method: 'censored-mle', observedAbandonRate: observed, modelAbandonRate: modelRate(used, p, opts.targetAnswerSeconds ?? 0), intervalsUsed: used.length, atBound: false };
  }
  const t = opts.targetAnswerSeconds ?? 0;
  const rate = (p: number) => modelRate(used, p, t);
  // Bracket from the typical range [30 s, 3000 s], widening tenfold towards [1 s, 10⁶ s] only when needed: long
  // patience makes every Erlang A pass longer (more queue states carry mass), so the wide bounds are costly.
  let pLo = 30;
  let pHi = 3000;
  let rLo = rate(pLo);
  let rHiKnown: number | null = null;
  while (rLo <= observed && pLo > MIN_PATIENCE) {
    pHi = pLo;
    rHiKnown = rLo;
    pLo = Math.max(MIN_PATIENCE, pLo / 10);
    rLo = rate(pLo);
  }
  if (rLo <= observed) {
    return { meanPatienceSeconds: MIN_PATIENCE, method: 'abandon-rate-match', observedAbandonRate: observed, modelAbandonRate: rLo, intervalsUsed: used.length, atBound: true };
  }
  let rHi = rHiKnown ?? rate(pHi);
  while (rHi >= observed && pHi < MAX_PATIENCE) {
    pLo = pHi;
    rLo = rHi;
    pHi = Math.min(MAX_PATIENCE, pHi * 10);
    rHi = rate(pHi);
  }
  if (rHi >= observed) {
    return { meanPatienceSeconds: MAX_PATIENCE, method: 'abandon-rate-match', observedAbandonRate: observed, modelAbandonRate: rHi, intervalsUsed: used.length, atBound: true };
  }
  // Illinois (safeguarded regula falsi) on u = ln(patience), f(u) = model rate − observed: f is decreasing and
  // smooth in u, so this converges superlinearly (typically < 10 passes) and never leaves the bracket.
  let lo = Math.log(pLo);
  let hi = Math.log(pHi);
  let fLo = rLo - observed;
  let fHi = rHi - observed;
  let side = 0;
  let u = lo;
  let fu = fLo;
  for (let k = 0; k < 100 && hi - lo > 1e-10; k++) {
    u = (lo * fHi - hi * fLo) / (fHi - fLo);
    if (!(u > lo && u < hi)) u = (lo + hi) / 2;
    fu = rate(Math.exp(u)) - observed;
    if (Math.abs(fu) <= 1e-11 * observed) break;
    if (fu > 0) {
      lo = u;
      fLo = fu;
      if (side === 1) fHi /= 2;
      side = 1;
    } else {
      hi = u;
      fHi = fu;
      if (side === -1) fLo /= 2;
      side = -1;
    }
  }
  return { meanPatienceSeconds: Math.exp(u), method: 'abandon-rate-match', observedAbandonRate: observed, modelAbandonRate: fu + observed, intervalsUsed: used.length, atBound: false };
}

function modelRate(intervals: readonly PatienceInterval[], patience: number, t: number): number {
  let off = 0;
  let ab = 0;
  for (const iv of intervals) {
    const r = erlangA({ arrivals: iv.offered, intervalSeconds: iv.intervalSeconds, ahtSeconds: iv.ahtSeconds, agents: iv.agents, targetAnswerSeconds: t, meanPatienceSeconds: patience });
    off += iv.offered;
    ab += iv.offered * r.probAbandon;
  }
  return off > 0 ? ab / off : 0;
}

/**
 * Erlang A service level alone, with no intermediate objects: the inner loop of the calibration fits
 * (calibration.ts), thousands of evaluations per optimiser pass. Same value as
 * `erlangA({ arrivals, intervalSeconds, ahtSeconds, agents, targetAnswerSeconds, meanPatienceSeconds }).serviceLevel`
 * for valid input (fractional agents interpolated the same way); no input checks.
 */
export function erlangAServiceLevel(arrivals: number, intervalSeconds: number, ahtSeconds: number, agents: number, targetAnswerSeconds: number, meanPatienceSeconds: number): number {
  if (!(arrivals > 0) || !(ahtSeconds > 0)) return 1;
  if (!(intervalSeconds > 0)) return 0;
  const a = (arrivals * ahtSeconds) / intervalSeconds;
  if (meanPatienceSeconds === Infinity) return erlangC({ arrivals, intervalSeconds, ahtSeconds, agents, targetAnswerSeconds }).serviceLevel;
  const at = (n: number): number => {
    if (meanPatienceSeconds === 0) return 1 - erlangB(n, a);
    return erlangAInteger(n, arrivals / intervalSeconds, ahtSeconds, 1 / meanPatienceSeconds, targetAnswerSeconds, a).serviceLevel;
  };
  if (Number.isInteger(agents)) return at(agents);
  const lo = Math.floor(agents);
  const sl = at(lo);
  const sh = at(lo + 1);
  return sl === sh ? sl : sl + (agents - lo) * (sh - sl);
}
