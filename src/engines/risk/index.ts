/**
 * Escalation / SLA-breach risk engine: features as of a cut-off, a histogram GBDT with exact TreeSHAP
 * contributions, calibration and metrics, a breach-reduction simulation and reasons in words.
 * Pure: no database, clock or I/O (callers: commands/risk.ts, commands/riskScoring.ts).
 */
export * from './types.js';
export { featurize, rawFeatures, encode, featureNames, fitFeatureSchema, attributeKinds, rewindTicket, isoMs, BASE_FEATURES, BASE_CATEGORICALS, DEFAULT_WAITING_STATUSES, type FeatureSchema, type FeatureContext } from './features.js';
export { trainGbdt, predictMargins, predictMarginRow, DEFAULT_GBDT_PARAMS, type GbdtParams, type Booster } from './gbdt.js';
export { TreeShap, treeShap, expectedMargin } from './treeshap.js';
export { fitIsotonic, fitPlatt, calibrate, type Calibrator } from './calibration.js';
export { rocAuc, averagePrecision, thresholdForPrecision, confusionAt, brierScore, logLoss, calibrationTable } from './metrics.js';
export { simulateBreachReduction, DEFAULT_INTERVENTION, type SimTicket, type SimResult, type InterventionAssumption } from './simulate.js';
export { explainContributions, formatReason, formatDuration, type Reason } from './explain.js';
export { trainRiskModel, scoreTickets, groupEvents, ineligibility, sliceMetrics, DEFAULT_CUTOFF_HOURS, TUNING_GRID, type RiskData, type RiskTrainOptions, type RiskTrainResult, type RiskMatrix, type ScoredTicket } from './pipeline.js';
export { parseRiskModel, loadRiskModel, RISK_MODEL_FORMAT, type RiskModel, type LoadedRiskModel, type ModelCard } from './model.js';
