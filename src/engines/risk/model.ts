/**
 * The trained risk model as a JSON-able object (what the registry stores), its zod parser, and the
 * loaded form that predicts and explains.
 */
import { z } from 'zod';
import type { FeatureSchema } from './features.js';
import { boosterFromJson, type Booster, type BoosterJson } from './gbdt.js';
import type { Calibrator } from './calibration.js';
import { TreeShap } from './treeshap.js';
import type { RiskLabel } from './types.js';
import type { CalibrationBin } from './metrics.js';
import type { SimResult } from './simulate.js';

export const RISK_MODEL_FORMAT = 'sla-radar/risk-model';

export interface SliceInfo {
  tickets: number;
  /** (ticket, cut-off) rows. */
  rows: number;
  positives: number;
  positiveRate: number;
  from: string | null;
  to: string | null;
}

export interface SliceMetrics {
  rows: number;
  positives: number;
  rocAuc: number;
  prAuc: number;
  precision: number;
  /** 95 % Wilson interval of the precision at the threshold. */
  precisionCi95: [number, number];
  recall: number;
  f1: number;
  flagged: number;
  confusion: { tp: number; fp: number; fn: number; tn: number };
  /** Calibrated-probability threshold. */
  threshold: number;
  brier: number;
  logLoss: number;
}

/** Test metrics on the tickets still open at one cut-off. */
export interface CutoffMetrics extends SliceMetrics {
  cutoffHours: number;
  population: string;
}

/** One model of `radar risk compare` on the same split (see commands/risk.ts). */
export interface ComparedModel {
  model: string;
  prAuc: number;
  rocAuc: number;
  brier: number;
  precision: number;
  recall: number;
  confusion: { tp: number; fp: number; fn: number; tn: number };
}

/** Training age range (hours after creation) of a model: scoring outside it is flagged. */
export interface Support {
  minHours: number;
  maxHours: number;
}

export interface ModelCard {
  label: RiskLabel;
  cutoffHours: number[];
  support: Support;
  /** Range of ticket creation times used (all slices). */
  data: { from: string | null; to: string | null; tickets: number; eligible: number; rows: number; excluded: Record<string, number> };
  split: { method: string; train: SliceInfo; validation: SliceInfo; test: SliceInfo };
  classBalance: { train: number; validation: number; test: number };
  metrics: { population: string; validation: SliceMetrics; test: SliceMetrics; byCutoff: CutoffMetrics[]; calibration: CalibrationBin[] };
  threshold: { probability: number; margin: number; precisionTarget: number; reachedOnValidation: boolean };
  model: {
    kind: string;
    trees: number;
    roundsRun: number;
    features: number;
    params: Record<string, unknown>;
    positiveWeight: number;
    calibration: string;
    search: { params: Record<string, unknown>; validLogLoss: number; trees: number; chosen: boolean }[];
  };
  /** The ticket attributes the model reads (names without attr_). */
  attributes: { numeric: string[]; categorical: string[] };
  topFeatures: {
    feature: string;
    meanAbsContribution: number;
    /** 'by level': a categorical column (its effect depends on the level, not on a higher value). */
    direction: 'higher raises risk' | 'higher lowers risk' | 'mixed' | 'by level';
  }[];
  /** `radar risk compare` on the same split, when run (threshold metrics at each model's own validation threshold). */
  comparison: { models: ComparedModel[]; population: string } | null;
  simulation: SimResult | null;
  /** The replay when the top `flagRate` share of test tickets is flagged instead of the threshold. */
  simulationByFlagRate: { flagRate: number; flagged: number; precision: number; avoided: number; reduction: number; ci95: [number, number] }[];
  notes: string[];
}

export interface RiskModel {
  format: typeof RISK_MODEL_FORMAT;
  version: 2;
  label: RiskLabel;
  /** The last training cut-off in seconds (the registry's horizon column). */
  horizonSeconds: number;
  support: Support;
  trainedAt: string | null;
  schema: FeatureSchema;
  featureNames: string[];
  booster: BoosterJson;
  calibration: Calibrator;
  threshold: { margin: number; probability: number; precisionTarget: number; reachedOnValidation: boolean };
  card: ModelCard;
}

const num = z.number();
/** JSON turns NaN into null: accept null where a metric can be undefined. */
const numOrNull = z.number().nullable();

const boosterSchema = z.object({
  baseScore: num,
  nFeatures: z.number().int().positive(),
  trees: z.array(
    z.object({
      feature: z.array(z.number().int()),
      threshold: z.array(num),
      left: z.array(z.number().int()),
      right: z.array(z.number().int()),
      value: z.array(num),
      cover: z.array(num),
      cat: z.array(z.object({ edges: z.array(num), left: z.array(z.number().int().min(0).max(1)) }).nullable()).optional(),
      missingRight: z.array(z.number().int().min(0).max(1)).optional(),
    }),
  ),
});

const calibratorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('isotonic'), x: z.array(num), y: z.array(num) }),
  z.object({ kind: z.literal('platt'), a: num, b: num }),
  z.object({ kind: z.literal('identity') }),
]);

const riskModelSchema = z.object({
  format: z.literal(RISK_MODEL_FORMAT),
  version: z.literal(2, { message: 'stored model is of an older format: retrain it with `radar risk train`' }),
  label: z.enum(['escalated', 'sla_breached']),
  horizonSeconds: z.number().positive(),
  support: z.object({ minHours: z.number().min(0), maxHours: z.number().min(0) }),
  trainedAt: z.string().nullable(),
  schema: z.object({
    version: z.literal(2),
    hashBuckets: z.number().int().min(0),
    timeZone: z.string().nullable(),
    waitingStatuses: z.array(z.string()),
    numericAttributes: z.array(z.string()),
    categoricals: z.array(z.object({ name: z.string(), levels: z.record(z.string(), z.tuple([num, num])) })),
    prior: num,
    priorWeight: num,
    textEvidence: z.object({ tokens: z.record(z.string(), z.tuple([num, num])) }).nullable().optional(),
  }),
  featureNames: z.array(z.string()),
  booster: boosterSchema,
  calibration: calibratorSchema,
  threshold: z.object({ margin: num, probability: numOrNull, precisionTarget: num, reachedOnValidation: z.boolean() }),
  card: z.looseObject({}),
});

/** Parses a stored model (JSON text or object); throws a zod error naming the bad field. */
export function parseRiskModel(input: unknown): RiskModel {
  const obj = typeof input === 'string' ? JSON.parse(input) : input;
  const m = riskModelSchema.parse(obj) as unknown as RiskModel;
  for (const t of m.booster.trees) {
    const k = t.feature.length;
    if ([t.threshold, t.left, t.right, t.value, t.cover].some((a) => a.length !== k)) throw new Error('risk model: tree arrays differ in length');
  }
  if (m.booster.nFeatures !== m.featureNames.length) throw new Error('risk model: feature count mismatch');
  return m;
}

/** A model ready to predict and explain. */
export interface LoadedRiskModel {
  model: RiskModel;
  booster: Booster;
  shap: TreeShap;
}

export function loadRiskModel(model: RiskModel): LoadedRiskModel {
  const booster = boosterFromJson(model.booster);
  return { model, booster, shap: new TreeShap(booster) };
}
