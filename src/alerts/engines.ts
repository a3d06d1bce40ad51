/**
 * The engines alerting uses, as optional functions. A metric whose engine is missing (not built yet, or failed
 * to load) is reported as unavailable instead of breaking every rule. Tests pass their own set.
 */
import type { Db } from '../warehouse/db.js';
import { erlangC } from '../engines/queueing/erlang.js';
import { detectDrift } from '../engines/drift/detect.js';
import { attributeDay } from '../engines/drift/attribution.js';
import type { IntervalRecord } from '../engines/drift/types.js';

export interface ErlangCLike {
  (input: { arrivals: number; intervalSeconds: number; ahtSeconds: number; agents: number; targetAnswerSeconds: number }): {
    serviceLevel: number;
    asaSeconds: number;
  };
}

/** Record shape of the drift engine: one definition, owned by the engine. */
export type DriftRecord = IntervalRecord;

export interface DriftEventLike {
  queue: string;
  driver: string;
  direction: 'up' | 'down';
  detectedAt: string;
  onsetEstimate: string;
  magnitude: number;
  status: 'open' | 'closed';
  closedAt?: string;
}

export interface AttributionLike {
  observedDelta: number;
  modelDelta: number;
  residual: number;
  facts: { driver: string; change: number; contribution: number; text: string }[];
}

export interface RiskScoreLike {
  ticketId: string;
  queue: string;
  /** Probability in [0, 1]. */
  score: number;
  subject?: string;
  priority?: string;
  createdAt?: string;
}

export interface Engines {
  erlangC?: ErlangCLike;
  detectDrift?: (
    records: readonly DriftRecord[],
    opts: { from: string; to?: string; trainDays?: number; thresholds?: Record<string, number> },
  ) => { events: DriftEventLike[]; calibration?: Record<string, { threshold: number } | undefined> };
  attributeDay?: (records: readonly DriftRecord[], date: string, opts?: { weeks?: number }) => AttributionLike;
  /** Risk scores of the tickets open at `now` (the risk engine + model registry). */
  scoreOpenTickets?: (db: Db, now: Date) => RiskScoreLike[];
}

type AnyFn = (...a: never[]) => unknown;
const isFn = (f: unknown): f is AnyFn => typeof f === 'function';

/**
 * The engines that exist: queueing and drift are imported statically (they are part of the build); the risk
 * scorer is looked up at run time in commands/riskScoring.ts, so alerting works without the risk engine.
 */
export async function loadEngines(log?: { warn: (o: object, m?: string) => void }): Promise<Engines> {
  const out: Engines = { erlangC, detectDrift: detectDrift as unknown as Engines['detectDrift'], attributeDay: attributeDay as unknown as Engines['attributeDay'] };
  try {
    const spec = '../../commands/riskScoring.js';
    const m = (await import(spec)) as Record<string, unknown>;
    const scorer = m.scoreOpenTickets ?? m.openTicketRisks ?? m.scoreOpen;
    if (isFn(scorer)) out.scoreOpenTickets = scorer as unknown as Engines['scoreOpenTickets'];
    else log?.warn({}, 'alerts: commands/riskScoring.ts has no scoreOpenTickets(db, now); risk metrics are disabled');
  } catch (err) {
    log?.warn({ err: String(err) }, 'alerts: risk model registry not available; risk metrics are disabled');
  }
  return out;
}

/** The engines that need no loading (queueing, drift): what tests and the bench use. */
export function staticEngines(): Engines {
  return { erlangC, detectDrift: detectDrift as unknown as Engines['detectDrift'], attributeDay: attributeDay as unknown as Engines['attributeDay'] };
}

export function engineAvailable(engines: Engines, need: 'queueing' | 'drift' | 'risk' | undefined): boolean {
  if (!need) return true;
  if (need === 'queueing') return Boolean(engines.erlangC);
  if (need === 'drift') return Boolean(engines.detectDrift);
  return Boolean(engines.scoreOpenTickets);
}
