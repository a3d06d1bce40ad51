/**
 * The engines alerting uses, as optional functions. A metric whose engine is missing (not built yet, or failed
 * to load) is reported as unavailable instead of breaking every rule. Tests pass their own set.
 */
import type { Db } from '../warehouse/db.js';
import { erlangC } from '../engines/queueing/erlang.js';
import { detectDrift } from '../engines/drift/detect.js';
import { attributeDay } from '../engines/drift/attribution.js';
import type { IntervalRecord } from '../engines/drift/types.js';
import type { SlModel, SlModelInput } from '../engines/queueing/slModel.js';
import { rememberedProjectionSources, type DayVolumes, type ProjectionModel } from '../../commands/projectionBasis.js';

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
  attributeDay?: (records: readonly DriftRecord[], date: string, opts?: { weeks?: number; slModel?: SlModel }) => AttributionLike;
  /** Risk scores of the tickets open at `now` (the risk engine + model registry). */
  scoreOpenTickets?: (db: Db, now: Date) => RiskScoreLike[];
  /** The queue's calibrated model for a day, fitted before it (whatif's and staffing's); missing → textbook Erlang C. */
  queueModelFor?: (db: Db, queue: string, day: string) => ProjectionModel | { error: string };
  /** A day's expected volumes (the loaded plan, else the demand forecast); missing or null → the same-weekday baseline. */
  dayVolumesFor?: (db: Db, queue: string, day: string) => DayVolumes | null;
}

export type { DayVolumes, ProjectionModel };

/** What the day's projection projects with (src/alerts/providers.ts `projectionBasis` builds it once per queue-day). */
export interface ProjectionBasis {
  /** Modelled SL of one interval, fraction. */
  sl: (x: SlModelInput) => number;
  /** The calibrated model as an SlModel (the likely-driver split uses it); null for the textbook fallback. */
  slModel: SlModel | null;
  /**
   * Textbook fallback only: every modelled slot is shifted by today's realised − modelled SL so far. A calibration
   * is applied as fitted, so the backtest accuracy it is shown with is the accuracy of what is projected.
   */
  offset: boolean;
  /** The day's expected volumes per local minute; null → the same-weekday baseline × today's volume ratio. */
  volumes: DayVolumes | null;
  /** The model, as the alert names it. */
  model: string;
  /** The calibration's backtest accuracy line; null when uncalibrated. */
  accuracy: string | null;
  /** Why the textbook model is used; null when calibrated. */
  fallbackReason: string | null;
}

type AnyFn = (...a: never[]) => unknown;
const isFn = (f: unknown): f is AnyFn => typeof f === 'function';

/**
 * The engines that exist: queueing (with the queue calibration and forecast volumes for the projection) and drift
 * are imported statically (they are part of the build); the risk
 * scorer is looked up at run time in commands/riskScoring.ts, so alerting works without the risk engine.
 */
export async function loadEngines(log?: { warn: (o: object, m?: string) => void }): Promise<Engines> {
  const out: Engines = calibratedEngines();
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

/**
 * The static engines plus the queue calibration and the day's plan / forecast volumes (what alerting runs with),
 * remembered per queue-day until the next ingest.
 */
export function calibratedEngines(): Engines {
  return { ...staticEngines(), ...rememberedProjectionSources() };
}

/** The engines that need no loading (queueing as textbook Erlang C, drift): what most tests and the bench use. */
export function staticEngines(): Engines {
  return { erlangC, detectDrift: detectDrift as unknown as Engines['detectDrift'], attributeDay: attributeDay as unknown as Engines['attributeDay'] };
}

export function engineAvailable(engines: Engines, need: 'queueing' | 'drift' | 'risk' | undefined): boolean {
  if (!need) return true;
  if (need === 'queueing') return Boolean(engines.erlangC);
  if (need === 'drift') return Boolean(engines.detectDrift);
  return Boolean(engines.scoreOpenTickets);
}
