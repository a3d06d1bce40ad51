/**
 * The interval model every answer asks: one function from an interval's inputs (offered, AHT, agents, interval
 * length, answer-time target) to its service level, ASA, abandonment and occupancy. The what-if, staffing and
 * the alert projection take one of these, so the same (calibrated or textbook) model answers all of them.
 */
import { erlangC, trafficErlangs } from './erlang.js';
import { erlangA } from './erlang-a.js';

export interface SlModelInput {
  offered: number;
  /** AHT including ACW, seconds, as recorded / planned (a calibrated model applies its own factors). */
  ahtSeconds: number;
  agents: number;
  intervalSeconds: number;
  /** Answer-time target of the SL, seconds. */
  targetSeconds: number;
  /** Interval index within the local day (a calibration's time-of-day correction reads it). */
  slot?: number;
  /** The preceding interval's inputs (null: the day starts here); a calibration's load correction reads it. */
  previous?: { offered: number; ahtSeconds: number; agents: number } | null;
}

export interface SlModelOutput {
  /** Answered within target ÷ offered, fraction in [0, 1]. */
  serviceLevel: number;
  asaSeconds: number;
  /** P(abandon); null when the model has no abandonment (Erlang C). */
  abandonRate: number | null;
  occupancy: number;
}

export interface SlModel {
  kind: 'erlang-a' | 'erlang-c';
  /** Mean patience the model uses (Erlang A), else null. */
  meanPatienceSeconds: number | null;
  evaluate(x: SlModelInput): SlModelOutput;
  /**
   * The typical (median) SL of one interval whose expected SL is `expectedSl` with `offered` contacts, where the
   * model knows how realised intervals spread around it (a calibration's dispersion); absent → the expected SL.
   */
  typicalSl?(expectedSl: number, offered: number): number;
}

/**
 * Textbook Erlang on the recorded inputs: Erlang A with the given mean patience, Erlang C when it is null or
 * infinite. An interval with no contacts has SL 1 (nobody waited), ASA 0. Cost: one Erlang pass, O(N + J).
 */
export function textbookModel(meanPatienceSeconds: number | null): SlModel {
  const patience = meanPatienceSeconds !== null && Number.isFinite(meanPatienceSeconds) && meanPatienceSeconds > 0 ? meanPatienceSeconds : null;
  return {
    kind: patience !== null ? 'erlang-a' : 'erlang-c',
    meanPatienceSeconds: patience,
    evaluate: (x) => erlangMetrics(x, 1, 1, patience),
  };
}

/**
 * Erlang metrics with effective inputs: AHT × `ahtFactor`, agents × `agentFactor`; Erlang A when `patience` is a
 * positive finite number of seconds, else Erlang C. A zero-volume interval returns SL 1, ASA 0, no abandonment.
 */
export function erlangMetrics(x: SlModelInput, ahtFactor: number, agentFactor: number, patience: number | null): SlModelOutput {
  const aht = x.ahtSeconds * ahtFactor;
  const agents = x.agents * agentFactor;
  if (!(x.offered > 0) || !(aht > 0)) return { serviceLevel: 1, asaSeconds: 0, abandonRate: patience !== null ? 0 : null, occupancy: 0 };
  const base = { arrivals: x.offered, intervalSeconds: x.intervalSeconds, ahtSeconds: aht, agents, targetAnswerSeconds: x.targetSeconds };
  if (patience !== null) {
    const r = erlangA({ ...base, meanPatienceSeconds: patience });
    return { serviceLevel: r.serviceLevel, asaSeconds: r.asaSeconds, abandonRate: r.probAbandon, occupancy: r.occupancy };
  }
  const r = erlangC(base);
  return { serviceLevel: r.serviceLevel, asaSeconds: r.asaSeconds, abandonRate: null, occupancy: r.occupancy };
}

/** Largest agent count agentsNeeded searches: beyond it the target is reported as unreachable (Infinity). */
export const MAX_AGENTS_SEARCHED = 100_000;

/**
 * Smallest whole number of agents N ≥ 0 whose model SL meets `targetSl` (fraction), with the other inputs as
 * given. Relies on SL being non-decreasing in agents (true of Erlang C/A and of their calibrated forms).
 * No contacts → 0. A target the model cannot reach by MAX_AGENTS_SEARCHED agents → Infinity.
 * Search: doubling from the offered load, then bisection: O(log N) model passes.
 */
export function agentsNeeded(model: SlModel, x: Omit<SlModelInput, 'agents'>, targetSl: number): number {
  if (!(x.offered > 0) || !(x.ahtSeconds > 0)) return 0;
  const meets = (n: number) => model.evaluate({ ...x, agents: n }).serviceLevel >= targetSl - 1e-12;
  if (meets(0)) return 0;
  let lo = 0; // fails
  let hi = Math.max(1, Math.ceil(trafficErlangs(x.offered, x.ahtSeconds, x.intervalSeconds)));
  while (!meets(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > MAX_AGENTS_SEARCHED) return meets(MAX_AGENTS_SEARCHED) ? bisect(meets, lo, MAX_AGENTS_SEARCHED) : Infinity;
  }
  return bisect(meets, lo, hi);
}

function bisect(meets: (n: number) => boolean, lo: number, hi: number): number {
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (meets(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
