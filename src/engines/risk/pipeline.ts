/**
 * Train, evaluate and score the escalation / SLA-breach risk model.
 *
 * Training rows: each ticket is featurised at several cut-offs after its creation (default 0, 1, 2, 4, 8
 * and 24 h), from the ticket rewound to that moment (features.ts), so that scoring at any age up to the
 * last cut-off stays inside what the model saw. A (ticket, cut-off) row exists when, at the cut-off, the
 * outcome was still open (not resolved, not escalated yet for label escalated, not past due for
 * sla_breached) and the cut-off lies within the data; by default the ticket must be resolved (its label
 * final). Each row weighs 1 / (rows of its ticket), so long tickets do not dominate.
 *
 * Split by time, never at random: tickets sorted by created_at; the latest `testFraction` of tickets is
 * the test slice; the last `validFraction` of the rest is the validation slice (early stopping, the
 * hyper-parameter search, calibration, threshold); the remainder trains the trees. A ticket's rows all
 * fall in its ticket's slice.
 */
import {
  addLevelCounts,
  addTextCounts,
  pruneTextCounts,
  textEvidence,
  categoricalOffset,
  customerTextAsOf,
  encodeLevels,
  featureNames,
  fitFeatureSchema,
  isoMs,
  rawFeatures,
  rewindTicket,
  encode,
  type FeatureContext,
  type FeatureSchema,
} from './features.js';
import { matchedPhrases, tokenize } from './text.js';
import { boosterToJson, predictMarginRow, predictMargins, sigmoid, trainGbdt, DEFAULT_GBDT_PARAMS, type Booster, type GbdtParams, type Tree, type TrainResult } from './gbdt.js';
import { calibrate, fitIsotonic, fitPlatt, type Calibrator } from './calibration.js';
import { averagePrecision, brierScore, calibrationTable, confusionAt, logLoss, rocAuc, thresholdForPrecision, wilsonLower } from './metrics.js';
import { simulateBreachReduction, DEFAULT_INTERVENTION, type InterventionAssumption, type SimTicket } from './simulate.js';
import { explainContributions, type Reason } from './explain.js';
import { TreeShap } from './treeshap.js';
import { fitLogistic, predictLogistic } from './logistic.js';
import { RISK_MODEL_FORMAT, type ComparedModel, type CutoffMetrics, type LoadedRiskModel, type ModelCard, type RiskModel, type SliceInfo, type SliceMetrics } from './model.js';
import type { RiskAgent, RiskEvent, RiskLabel, RiskTicket } from './types.js';

export interface RiskData {
  tickets: readonly RiskTicket[];
  events: readonly RiskEvent[];
  agents?: readonly RiskAgent[];
}

/** Categorical columns with at most this many levels get subset splits (more levels overfit them: the agent column of the sample, 175 levels, lost AP that way); the rest keep threshold splits on ordered statistics. */
export const MAX_NATIVE_LEVELS = 64;

/** The default training cut-offs, hours after creation. */
export const DEFAULT_CUTOFF_HOURS = [0, 1, 2, 4, 8, 24];

/**
 * The budgeted hyper-parameter search: each candidate is trained on the fit slice with early stopping on
 * the validation slice; the lowest validation log-loss wins. Six fits in all.
 */
export const TUNING_GRID: Partial<GbdtParams>[] = [
  { learningRate: 0.1, maxLeaves: 15, maxDepth: 4 },
  { learningRate: 0.05, maxLeaves: 31, maxDepth: 6 },
  { learningRate: 0.1, maxLeaves: 7, maxDepth: 3 },
  { learningRate: 0.2, maxLeaves: 15, maxDepth: 4 },
  { learningRate: 0.05, maxLeaves: 15, maxDepth: 5, minChildWeight: 20 },
  { learningRate: 0.1, maxLeaves: 31, maxDepth: 5, lambda: 10 },
];

export interface RiskTrainOptions {
  label: RiskLabel;
  /** Training cut-offs in hours after creation (default DEFAULT_CUTOFF_HOURS). */
  cutoffHours?: readonly number[];
  /**
   * The label of a ticket (0/1, null = unknown) when it is not the `label` column itself, e.g. low CSAT in
   * the bench. Eligibility then checks only resolution and the end of the data.
   */
  labelOf?: (t: RiskTicket) => number | null;
  testFraction?: number;
  validFraction?: number;
  precisionTarget?: number;
  /**
   * One-sided normal quantile for the threshold rule: the Wilson lower bound of validation precision must
   * reach the target (default 1.2816 = 90 % confidence, so the precision holds on new data; 0 = point estimate).
   */
  precisionZ?: number;
  calibration?: 'isotonic' | 'platt';
  /** Fixed GBDT parameters: skips the search (merged over DEFAULT_GBDT_PARAMS). */
  gbdt?: Partial<GbdtParams>;
  /** Candidates of the search (default TUNING_GRID); ignored with `gbdt`. */
  grid?: readonly Partial<GbdtParams>[];
  hashBuckets?: number;
  timeZone?: string | null;
  /** Status values that mean waiting on the customer (default DEFAULT_WAITING_STATUSES). */
  waitingStatuses?: readonly string[];
  /** Categorical columns left out of the model (e.g. 'agent'). */
  excludeCategoricals?: readonly string[];
  /** Split categorical columns by subsets of levels (default true); false = thresholds on the statistic only. */
  nativeCategorical?: boolean;
  /** Most levels a column may have for subset splits (default MAX_NATIVE_LEVELS). */
  maxNativeLevels?: number;
  /** Pseudo-count of the prior in categorical target statistics (default 10). */
  priorWeight?: number;
  /** Add the text_evidence column (ordered naive-Bayes evidence of the customer's words; default true). */
  textEvidence?: boolean;
  /** Words kept for text_evidence: used by at least this many training tickets (default 3). */
  textMinTickets?: number;
  /** Epoch ms of the end of the data ("now" of the export); default: the latest timestamp in it. */
  dataEndMs?: number;
  /** Keep only tickets whose label is final (resolved). Default true. */
  requireResolved?: boolean;
  intervention?: InterventionAssumption;
  bootstrap?: number;
  seed?: number;
  /** Shares of test tickets flagged (top scores) for the extra simulation table. */
  flagRates?: number[];
  /** Test rows explained for the global importance table. */
  shapRows?: number;
  /** Stamped on the model (engines have no clock). */
  trainedAt?: string | null;
}

/** The training rows as matrices, for peers (bench, compare) that must see identical inputs and splits. */
export interface RiskMatrix {
  /** Encoded vectors (row-major, d columns): numeric columns then target statistics. */
  X: Float64Array;
  y: Float64Array;
  /** Row weights (1 / rows of the ticket). */
  w: Float64Array;
  d: number;
  names: string[];
  /** Number of numeric columns (the first ones); the rest are categorical. */
  numericColumns: number;
  /** Raw level of each categorical column per row ('' = missing). */
  levels: string[][];
  /** Hours after creation of each row's cut-off. */
  cutoffHours: Float64Array;
  /** Ticket index (in creation order) of each row. */
  ticket: Int32Array;
  /** Rows [0, fit) fit, [fit, fit + valid) validation, the rest test. */
  split: { fit: number; valid: number; test: number };
  /**
   * Categorical columns (indices into X) that the ensemble's first member splits by subsets of levels.
   * X holds ordered target statistics on the fit rows; for those columns `nativeFit` holds the whole fit
   * slice's statistic instead (row-major, fit rows × nativeColumns): the level's identity for subset splits.
   * Validation, test and scoring rows are the same for both.
   */
  nativeColumns: number[];
  nativeFit: Float64Array;
}

export interface EnsembleFit {
  /** Both members' trees, each leaf value halved: the booster's margin is the members' mean margin. */
  booster: Booster;
  /** Validation log-loss of the mean margin (weighted like the rows). */
  validLoss: number;
  /** Rounds run and trees kept per member (native, ordered). */
  members: { roundsRun: number; trees: number }[];
  positiveWeight: number;
}

/**
 * The model of `radar risk train`: the mean of two boosted ensembles fitted on the fit rows with the same
 * parameters, each early-stopped on the validation rows. Member 1 splits the `nativeColumns` by subsets of
 * levels (LightGBM-style), member 2 splits every categorical column by thresholds on its ordered target
 * statistic (CatBoost-style) with the next seed. The two encodings err differently (subset splits fit each
 * level of the fit slice, ordered statistics shrink rare levels to the prior), so the mean ranks better than
 * either on held-out time (bench/risk.bench.ts), and needs no choice between them on the validation slice.
 * Both members read the same vector at scoring, so the result is one ordinary booster.
 * X's fit rows are swapped to the native values for member 1 and restored before returning.
 */
export function fitRiskEnsemble(m: RiskMatrix, params: GbdtParams): EnsembleFit {
  const { X, y, w, d, split } = m;
  const nFit = split.fit;
  const nTrain = split.fit + split.valid;
  const validSet = { X: X.subarray(nFit * d, nTrain * d), y: y.subarray(nFit, nTrain), w: w.subarray(nFit, nTrain) };
  const swapNative = (): void => {
    const c = m.nativeColumns;
    for (let r = 0; r < nFit; r++)
      for (let j = 0; j < c.length; j++) {
        const k = r * d + c[j];
        const v = X[k];
        X[k] = m.nativeFit[r * c.length + j];
        m.nativeFit[r * c.length + j] = v;
      }
  };
  const train = (p: GbdtParams): TrainResult => trainGbdt(X.subarray(0, nFit * d), y.subarray(0, nFit), d, p, validSet, w.subarray(0, nFit));
  swapNative();
  let native: TrainResult;
  try {
    native = train({ ...params, categoricalFeatures: m.nativeColumns });
  } finally {
    swapNative();
  }
  const ordered = train({ ...params, categoricalFeatures: [], seed: params.seed + 1 });
  const half = (t: Tree): Tree => ({ ...t, value: t.value.map((v) => v / 2) });
  const booster: Booster = {
    baseScore: (native.booster.baseScore + ordered.booster.baseScore) / 2,
    nFeatures: d,
    trees: [...native.booster.trees, ...ordered.booster.trees].map(half),
  };
  const mv = predictMargins(booster, validSet.X);
  let loss = 0;
  let wSum = 0;
  for (let i = 0; i < mv.length; i++) {
    const pr = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(mv[i])));
    loss -= validSet.w[i] * (validSet.y[i] > 0 ? Math.log(pr) : Math.log(1 - pr));
    wSum += validSet.w[i];
  }
  return {
    booster,
    validLoss: loss / Math.max(1e-12, wSum),
    members: [native, ordered].map((r) => ({ roundsRun: r.roundsRun, trees: r.booster.trees.length })),
    positiveWeight: native.positiveWeight,
  };
}

export interface RiskTrainResult {
  model: RiskModel;
  card: ModelCard;
  /** The test rows as scored, for reports and the bench. */
  test: { ticketIds: string[]; cutoffHours: Float64Array; margins: Float64Array; probabilities: Float64Array; labels: Float64Array };
  matrix: RiskMatrix;
  /** CPU-relevant timings are the caller's; this says which search candidate won and how each did. */
  search: { params: Partial<GbdtParams>; validLogLoss: number; trees: number }[];
  /** The chosen parameters (what a peer should be given). */
  params: GbdtParams;
}

const HOUR = 3_600_000;

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7): only for wording the card. */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t) * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Groups events by ticket id (input order kept). O(E). */
export function groupEvents(events: readonly RiskEvent[]): Map<string, RiskEvent[]> {
  const m = new Map<string, RiskEvent[]>();
  for (const e of events) {
    let a = m.get(e.ticket_id);
    if (!a) m.set(e.ticket_id, (a = []));
    a.push(e);
  }
  return m;
}

const latest = (data: RiskData): number => {
  let t = -Infinity;
  for (const k of data.tickets) for (const v of [k.created_at, k.resolved_at, k.first_response_at]) if (v) t = Math.max(t, Date.parse(v));
  for (const e of data.events) t = Math.max(t, Date.parse(e.at));
  return t;
};

/** Why a ticket is not a training row at this cut-off, or null when it is. */
export function ineligibility(
  t: RiskTicket,
  events: readonly RiskEvent[],
  label: RiskLabel,
  cutoffMs: number,
  dataEndMs: number,
  requireResolved: boolean,
  labelOf?: (t: RiskTicket) => number | null,
): string | null {
  const y = labelOf ? labelOf(t) : t[label];
  if (y == null) return 'no label';
  if (cutoffMs > dataEndMs) return 'cut-off after the end of the data';
  const resolved = isoMs(t.resolved_at);
  if (requireResolved && !Number.isFinite(resolved)) return 'not resolved (label not final)';
  if (resolved <= cutoffMs) return 'resolved before the cut-off';
  if (labelOf) return null;
  if (label === 'escalated') {
    for (const e of events) if (e.type === 'escalated' && isoMs(e.at) <= cutoffMs) return 'escalated before the cut-off';
  } else if (t.due_at && isoMs(t.due_at) <= cutoffMs) return 'due before the cut-off';
  return null;
}

function sliceInfo(tickets: readonly RiskTicket[], yOf: (t: RiskTicket) => number, from: number, to: number, rows: number): SliceInfo {
  let pos = 0;
  for (let i = from; i < to; i++) pos += yOf(tickets[i]);
  const n = to - from;
  return { tickets: n, rows, positives: pos, positiveRate: n > 0 ? pos / n : NaN, from: n > 0 ? tickets[from].created_at : null, to: n > 0 ? tickets[to - 1].created_at : null };
}

/** Metrics of scored rows at a margin threshold; with z the Wilson interval of the precision. */
export function sliceMetrics(margins: ArrayLike<number>, probs: ArrayLike<number>, y: ArrayLike<number>, thresholdMargin: number, thresholdProb: number, z = 1.96): SliceMetrics {
  const c = confusionAt(margins, y, thresholdMargin);
  const flagged = c.tp + c.fp;
  return {
    rows: y.length,
    positives: c.tp + c.fn,
    rocAuc: rocAuc(margins, y),
    prAuc: averagePrecision(margins, y),
    precision: c.precision,
    precisionCi95: flagged > 0 ? [wilsonLower(c.tp, flagged, z), 1 - wilsonLower(c.fp, flagged, z)] : [NaN, NaN],
    recall: c.recall,
    f1: c.f1,
    flagged,
    confusion: { tp: c.tp, fp: c.fp, fn: c.fn, tn: c.tn },
    threshold: thresholdProb,
    brier: brierScore(probs, y),
    logLoss: logLoss(probs, y),
  };
}

/**
 * Trains and evaluates a risk model (see module comment). Pure apart from CPU; deterministic for a seed.
 * Throws when too few eligible tickets or a slice lacks a class.
 */
export function trainRiskModel(data: RiskData, opts: RiskTrainOptions): RiskTrainResult {
  const label = opts.label;
  const cutoffs = [...new Set(opts.cutoffHours ?? DEFAULT_CUTOFF_HOURS)].sort((a, b) => a - b);
  if (cutoffs.length === 0 || cutoffs.some((c) => !(c >= 0) || !Number.isFinite(c))) throw new Error(`cut-offs must be hours ≥ 0, got ${JSON.stringify(opts.cutoffHours)}`);
  const testFraction = opts.testFraction ?? 0.2;
  const validFraction = opts.validFraction ?? 0.2;
  const precisionTarget = opts.precisionTarget ?? 0.7;
  const precisionZ = opts.precisionZ ?? 1.2816;
  const seed = opts.seed ?? 42;
  const dataEnd = opts.dataEndMs ?? latest(data);
  const requireResolved = opts.requireResolved ?? true;
  const yOf = (t: RiskTicket): number => ((opts.labelOf ? opts.labelOf(t) : t[label]) ? 1 : 0);
  const byTicket = groupEvents(data.events);
  const ctx: FeatureContext = { agents: new Map((data.agents ?? []).map((a) => [a.agent_id, a] as const)) };

  // Eligible (ticket, cut-off) pairs; a ticket with none is counted under the reason at its first cut-off.
  const excluded: Record<string, number> = {};
  const candidates: { t: RiskTicket; evs: RiskEvent[]; cuts: number[] }[] = [];
  for (const t of data.tickets) {
    const evs = byTicket.get(t.ticket_id) ?? [];
    const created = isoMs(t.created_at);
    const cuts: number[] = [];
    let firstWhy: string | null = null;
    for (const c of cutoffs) {
      const why = ineligibility(t, evs, label, created + c * HOUR, dataEnd, requireResolved, opts.labelOf);
      if (why === null) cuts.push(c);
      else firstWhy ??= why;
    }
    if (cuts.length > 0) candidates.push({ t, evs, cuts });
    else excluded[firstWhy!] = (excluded[firstWhy!] ?? 0) + 1;
  }
  candidates.sort((a, b) => isoMs(a.t.created_at) - isoMs(b.t.created_at) || (a.t.ticket_id < b.t.ticket_id ? -1 : a.t.ticket_id > b.t.ticket_id ? 1 : 0));
  const nT = candidates.length;
  const nTestT = Math.round(nT * testFraction);
  const nTrainT = nT - nTestT;
  const nValidT = Math.round(nTrainT * validFraction);
  const nFitT = nTrainT - nValidT;
  if (nFitT < 50 || nValidT < 20 || nTestT < 20) throw new Error(`too few eligible tickets for a time split: ${nT} (excluded: ${JSON.stringify(excluded)})`);
  const tickets = candidates.map((c) => c.t);
  // text_evidence only when the training tickets have words at all (a constant column would only take a
  // slot in every tree's column sample).
  const hasText = candidates.slice(0, nTrainT).some((c) => /\S/.test(`${c.t.subject ?? ''} ${c.t.body ?? ''}`) || c.evs.some((e) => e.type === 'comment' && /\S/.test(String(e.body ?? ''))));

  const schema: FeatureSchema = fitFeatureSchema(tickets.slice(0, nTrainT), {
    excludeCategoricals: opts.excludeCategoricals,
    hashBuckets: opts.hashBuckets,
    timeZone: opts.timeZone,
    waitingStatuses: opts.waitingStatuses,
    priorWeight: opts.priorWeight,
    textEvidence: opts.textEvidence !== false && hasText,
  });
  let fitPos = 0;
  for (let i = 0; i < nFitT; i++) fitPos += yOf(tickets[i]);
  schema.prior = fitPos / nFitT;
  const names = featureNames(schema);
  const d = names.length;
  const nNum = categoricalOffset(schema);

  // Rows in ticket order; numeric part and levels now, target statistics below.
  const rowTicket: number[] = [];
  const rowCut: number[] = [];
  const raws: ReturnType<typeof rawFeatures>[] = [];
  const firstRow = new Int32Array(nT + 1);
  candidates.forEach((c, i) => {
    firstRow[i] = rowTicket.length;
    const created = isoMs(c.t.created_at);
    for (const h of c.cuts) {
      const cutoff = created + h * HOUR;
      raws.push(rawFeatures(schema, rewindTicket(c.t, c.evs, cutoff), c.evs, cutoff, ctx));
      rowTicket.push(i);
      rowCut.push(h);
    }
  });
  firstRow[nT] = rowTicket.length;
  const n = rowTicket.length;
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const i = rowTicket[r];
    X.set(raws[r].numeric, r * d);
    y[r] = yOf(tickets[i]);
    w[r] = 1 / (firstRow[i + 1] - firstRow[i]);
  }
  // Ordered target statistics on the fit slice (categorical levels and text evidence): a ticket's rows see
  // only the tickets created before it.
  const textCol = schema.textEvidence ? nNum - 1 : -1;
  for (let i = 0; i < nFitT; i++) {
    for (let r = firstRow[i]; r < firstRow[i + 1]; r++) {
      encodeLevels(schema, raws[r].levels, X, r * d + nNum);
      if (textCol >= 0) X[r * d + textCol] = textEvidence(schema, raws[r].words);
    }
    for (let r = firstRow[i]; r < firstRow[i + 1]; r++) {
      addLevelCounts(schema, raws[r].levels, y[r], w[r]);
      addTextCounts(schema, raws[r].words, y[r], w[r]);
    }
  }
  pruneTextCounts(schema, opts.textMinTickets ?? 3);
  // Columns with few enough levels for one bin each can be split natively by subsets of levels: their value
  // is then only the level's identity, so fit rows take the whole fit slice's statistic (no label is read
  // through it). X keeps the ordered statistics; `nativeFit` holds the fit rows' whole-slice values.
  const nativeCols: number[] = [];
  if (opts.nativeCategorical !== false) {
    schema.categoricals.forEach((c, k) => {
      if (Object.keys(c.levels).length <= (opts.maxNativeLevels ?? MAX_NATIVE_LEVELS)) nativeCols.push(k);
    });
  }
  const nativeFit = new Float64Array(firstRow[nFitT] * nativeCols.length);
  const tmp = new Float64Array(schema.categoricals.length);
  for (let r = 0; r < firstRow[nFitT]; r++) {
    encodeLevels(schema, raws[r].levels, tmp, 0);
    nativeCols.forEach((k, j) => (nativeFit[r * nativeCols.length + j] = tmp[k]));
  }
  // Validation and test rows (and scoring) use the statistics of the whole fit slice.
  for (let r = firstRow[nFitT]; r < n; r++) {
    encodeLevels(schema, raws[r].levels, X, r * d + nNum);
    if (textCol >= 0) X[r * d + textCol] = textEvidence(schema, raws[r].words);
  }

  const nFit = firstRow[nFitT];
  const nTrain = firstRow[nTrainT];
  const nTest = n - nTrain;
  for (const [name, a, b] of [['train', 0, nFit], ['validation', nFit, nTrain], ['test', nTrain, n]] as const) {
    let pos = 0;
    for (let i = a; i < b; i++) pos += y[i];
    if (pos === 0 || pos === b - a) throw new Error(`the ${name} slice has only one class (${pos} positives of ${b - a} rows)`);
  }

  const matrix: RiskMatrix = {
    X,
    y,
    w,
    d,
    names,
    numericColumns: nNum,
    levels: raws.map((r) => r.levels),
    cutoffHours: Float64Array.from(rowCut),
    ticket: Int32Array.from(rowTicket),
    split: { fit: nFit, valid: nTrain - nFit, test: nTest },
    nativeColumns: nativeCols.map((k) => nNum + k),
    nativeFit,
  };

  // Fit: the given parameters, or the budgeted search on the validation slice.
  const validSet = { X: X.subarray(nFit * d, nTrain * d), y: y.subarray(nFit, nTrain), w: w.subarray(nFit, nTrain) };
  const candidatesParams = opts.gbdt ? [opts.gbdt] : (opts.grid ?? TUNING_GRID);
  const search: RiskTrainResult['search'] = [];
  let fit: EnsembleFit | null = null;
  let params: GbdtParams = { ...DEFAULT_GBDT_PARAMS, seed };
  let bestLoss = Infinity;
  for (const cand of candidatesParams) {
    const p: GbdtParams = { ...DEFAULT_GBDT_PARAMS, seed, categoricalFeatures: matrix.nativeColumns, ...cand };
    const f = fitRiskEnsemble(matrix, p);
    search.push({ params: cand, validLogLoss: f.validLoss, trees: f.booster.trees.length });
    if (!fit || f.validLoss < bestLoss) {
      fit = f;
      params = p;
      bestLoss = f.validLoss;
    }
  }
  const booster = fit!.booster;
  const mValid = predictMargins(booster, validSet.X);
  const yValid = validSet.y;
  const calibKind = opts.calibration ?? 'isotonic';
  const calibration: Calibrator = calibKind === 'platt' ? fitPlatt(mValid, yValid) : fitIsotonic(mValid, yValid);
  const choice = thresholdForPrecision(mValid, yValid, precisionTarget, 5, precisionZ);
  const thrMargin = Number.isFinite(choice.threshold) ? choice.threshold : Number.MAX_VALUE;
  const thrProb = calibrate(calibration, thrMargin);
  const pValid = mValid.map((m) => calibrate(calibration, m));

  const mTest = predictMargins(booster, X.subarray(nTrain * d));
  const pTest = mTest.map((m) => calibrate(calibration, m));
  const yTest = y.subarray(nTrain);
  const cutTest = Float64Array.from(rowCut.slice(nTrain));

  // Per cut-off: the test tickets still open at it (the rows that exist there).
  const byCutoff: CutoffMetrics[] = cutoffs.map((h) => {
    const idx: number[] = [];
    for (let k = 0; k < nTest; k++) if (cutTest[k] === h) idx.push(k);
    const pick = (a: Float64Array) => Float64Array.from(idx, (k) => a[k]);
    return { cutoffHours: h, population: `test tickets still open at ${h} h`, ...sliceMetrics(pick(mTest), pick(pTest), pick(yTest), thrMargin, thrProb) };
  });

  // Global importance: mean |φ| over (up to) shapRows test rows.
  const shapRows = Math.min(nTest, opts.shapRows ?? 2000);
  const shap = new TreeShap(booster);
  const imp = new Float64Array(d);
  const phi = new Float64Array(d);
  const meanX = new Float64Array(d);
  const corr = new Float64Array(d);
  const shapSample: number[] = [];
  for (let k = 0; k < shapRows; k++) shapSample.push(nTrain + Math.floor((k * nTest) / shapRows));
  const phis: Float64Array[] = [];
  for (const i of shapSample) {
    shap.contributions(X, i * d, phi);
    phis.push(phi.slice());
    for (let f = 0; f < d; f++) {
      imp[f] += Math.abs(phi[f]);
      meanX[f] += Number.isFinite(X[i * d + f]) ? X[i * d + f] : 0;
    }
  }
  // Direction: sign of the covariance between a feature's value and its contribution.
  for (let f = 0; f < d; f++) meanX[f] /= Math.max(1, shapRows);
  phis.forEach((ph, k) => {
    const i = shapSample[k];
    for (let f = 0; f < d; f++) corr[f] += ((Number.isFinite(X[i * d + f]) ? X[i * d + f] : 0) - meanX[f]) * ph[f];
  });
  const grouped = new Map<string, { v: number; dir: number }>();
  for (let f = 0; f < d; f++) {
    const key = names[f].startsWith('tok_') ? 'wording (hashed tokens)' : names[f];
    const g = grouped.get(key) ?? { v: 0, dir: 0 };
    g.v += imp[f] / Math.max(1, shapRows);
    g.dir += corr[f];
    grouped.set(key, g);
  }
  // A categorical column's value is its level's statistic, and the hashed tokens are many columns: neither
  // has a "higher value" to speak of.
  const categorical = new Set(names.slice(nNum));
  const direction = (feature: string, dir: number): ModelCard['topFeatures'][number]['direction'] =>
    categorical.has(feature) ? 'by level' : feature.startsWith('wording') ? 'mixed' : dir > 0 ? 'higher raises risk' : dir < 0 ? 'higher lowers risk' : 'mixed';
  const topFeatures = [...grouped.entries()]
    .map(([feature, g]) => ({ feature, meanAbsContribution: g.v, direction: direction(feature, g.dir) }))
    .sort((a, b) => b.meanAbsContribution - a.meanAbsContribution)
    .slice(0, 12);

  // Simulation: a test ticket is flagged at its first cut-off whose score passes the threshold.
  const simTickets: SimTicket[] = [];
  const ticketTop = new Float64Array(nTestT).fill(-Infinity);
  for (let i = nTrainT; i < nT; i++) {
    const t = tickets[i];
    let flaggedAt = NaN;
    for (let r = firstRow[i]; r < firstRow[i + 1]; r++) {
      const m = mTest[r - nTrain];
      ticketTop[i - nTrainT] = Math.max(ticketTop[i - nTrainT], m);
      if (Number.isNaN(flaggedAt) && m >= thrMargin) flaggedAt = isoMs(t.created_at) + rowCut[r] * HOUR;
    }
    simTickets.push({
      ticket_id: t.ticket_id,
      created_at: t.created_at,
      resolved_at: t.resolved_at,
      due_at: t.due_at,
      sla_breached: t.sla_breached,
      cutoffMs: Number.isNaN(flaggedAt) ? isoMs(t.created_at) : flaggedAt,
      flagged: !Number.isNaN(flaggedAt),
    });
  }
  const intervention = opts.intervention ?? DEFAULT_INTERVENTION;
  const simulation = simulateBreachReduction(simTickets, { intervention, bootstrap: opts.bootstrap ?? 1000, seed });
  // The same replay when a fixed share of tickets is flagged (highest score over its cut-offs, at its first row).
  const byRank = Array.from({ length: nTestT }, (_, k) => k).sort((a, b) => ticketTop[b] - ticketTop[a] || a - b);
  const simulationByFlagRate = (opts.flagRates ?? [0.05, 0.1, 0.2, 0.3]).map((rate) => {
    const k = Math.round(rate * nTestT);
    const top = new Set(byRank.slice(0, k));
    const sim = simulateBreachReduction(
      simTickets.map((t, j) => ({ ...t, cutoffMs: isoMs(t.created_at), flagged: top.has(j) })),
      { intervention, bootstrap: Math.min(200, opts.bootstrap ?? 1000), seed, sensitivity: [] },
    );
    let tp = 0;
    for (const j of top) tp += yOf(tickets[nTrainT + j]);
    return { flagRate: rate, flagged: k, precision: k > 0 ? tp / k : NaN, avoided: sim.avoided, reduction: sim.reduction, ci95: sim.ci95.reduction };
  });

  const train = sliceInfo(tickets, yOf, 0, nFitT, nFit);
  const validation = sliceInfo(tickets, yOf, nFitT, nTrainT, nTrain - nFit);
  const test = sliceInfo(tickets, yOf, nTrainT, nT, nTest);
  const support = { minHours: cutoffs[0], maxHours: cutoffs[cutoffs.length - 1] };
  const threshold = { margin: thrMargin, probability: thrProb, precisionTarget, reachedOnValidation: choice.targetReached };
  const testAll = sliceMetrics(mTest, pTest, yTest, thrMargin, thrProb);
  const card: ModelCard = {
    label,
    cutoffHours: cutoffs,
    support,
    data: { from: tickets[0]?.created_at ?? null, to: tickets[nT - 1]?.created_at ?? null, tickets: data.tickets.length, eligible: nT, rows: n, excluded },
    split: {
      method: `by time: earliest ${Math.round((1 - testFraction) * 100)} % of tickets train (their last ${Math.round(validFraction * 100)} % = validation), latest ${Math.round(testFraction * 100)} % test; each ticket's rows stay in its slice`,
      train,
      validation,
      test,
    },
    classBalance: { train: train.positiveRate, validation: validation.positiveRate, test: test.positiveRate },
    metrics: {
      population: 'all test rows: every test ticket at every cut-off where it was still open (pooled)',
      validation: sliceMetrics(mValid, pValid, yValid, thrMargin, thrProb),
      test: testAll,
      byCutoff,
      calibration: calibrationTable(pTest, yTest, 10),
    },
    threshold,
    model: {
      kind: 'mean of two gradient-boosted tree ensembles (histogram, logistic loss): categoricals by subset splits in one, by ordered target statistics in the other',
      trees: booster.trees.length,
      roundsRun: Math.max(...fit!.members.map((x) => x.roundsRun)),
      features: d,
      params: { ...params },
      positiveWeight: fit!.positiveWeight,
      calibration: calibKind,
      search: search.map((s) => ({ ...s, chosen: s.validLogLoss === bestLoss })),
    },
    attributes: { numeric: schema.numericAttributes, categorical: schema.categoricals.filter((c) => c.name.startsWith('attr_')).map((c) => c.name.slice(5)) },
    topFeatures,
    comparison: null,
    simulation,
    simulationByFlagRate,
    notes: [
      `Rows: every ticket at the cut-offs ${cutoffs.join(', ')} h after creation where it was still open, each ticket weighted 1 in all; scoring outside ${support.minHours}–${support.maxHours} h of age is flagged as outside the training support.`,
      `Categorical columns (channel, queue, category, status, agent and text attributes) hold ordered target statistics (CatBoost: a training ticket sees only earlier tickets' labels). The model is the mean of two boosted ensembles with the same parameters: one splits the columns with ≤ ${opts.maxNativeLevels ?? MAX_NATIVE_LEVELS} levels by subsets of levels (LightGBM-style native splits), the other splits every categorical column by thresholds on its statistic. Every level keeps its own statistic, unseen levels get the prior; none is folded into "other".`,
      `The customer's words up to the cut-off: ${schema.hashBuckets} hashed token counts, sentiment, escalation phrases${schema.textEvidence ? ' and text_evidence (naive-Bayes evidence of each word from the training tickets, ordered like the categorical statistics)' : ''}.`,
      `Hyper-parameters: ${opts.gbdt ? 'fixed' : `the best of ${search.length} candidates by validation log-loss, rounds by early stopping`}; the test slice is never used to choose.`,
      `Contributions (TreeSHAP, path-dependent) explain the uncalibrated log-odds; probabilities are ${calibKind}-calibrated on the validation slice.`,
      `Threshold chosen on the validation slice for precision ≥ ${precisionTarget}${precisionZ > 0 ? ` with ${(100 * normalCdf(precisionZ)).toFixed(0)} % one-sided confidence (Wilson lower bound)` : ''}${choice.targetReached ? '' : ' (not reachable there: the max-F1 threshold is used instead)'}; test precision is reported with its 95 % Wilson interval.`,
      'ROC-AUC and PR-AUC rank by the raw margin; Brier score and the calibration table use calibrated probabilities.',
      'The warehouse keeps current priority and attributes only; a ticket re-prioritised after the cut-off is seen with its later priority.',
    ],
  };
  const model: RiskModel = {
    format: RISK_MODEL_FORMAT,
    version: 2,
    label,
    horizonSeconds: Math.max(1, support.maxHours * 3600),
    support,
    trainedAt: opts.trainedAt ?? null,
    schema,
    featureNames: names,
    booster: boosterToJson(booster),
    calibration,
    threshold,
    card,
  };
  return {
    model,
    card,
    test: { ticketIds: rowTicket.slice(nTrain).map((i) => tickets[i].ticket_id), cutoffHours: cutTest, margins: mTest, probabilities: pTest, labels: Float64Array.from(yTest) },
    matrix,
    search,
    params,
  };
}

export interface ScoredTicket {
  ticket_id: string;
  probability: number;
  margin: number;
  flagged: boolean;
  /** Hours since creation at the scoring time. */
  ageHours: number;
  /**
   * True when the ticket's age lies outside the training cut-offs (older than the last one, or created
   * after "now"): the probability extrapolates beyond what the model saw.
   */
  outsideSupport: boolean;
  /** Present when reasons were asked for. */
  reasons?: Reason[];
  /** SHAP base value (expected margin) when reasons were asked for. */
  base?: number;
}

export interface ScoreOptions {
  agents?: readonly RiskAgent[];
  /** Number of reasons per ticket (0 = none). */
  reasons?: number;
}

/**
 * Scores tickets as of `nowMs` (features from data known by then). Ticket state is taken as current: do
 * not pass tickets rewound or from the future. O(tickets × (features + trees × depth)); with reasons add
 * TreeSHAP O(trees × leaves × depth²) per ticket.
 */
export function scoreTickets(m: LoadedRiskModel, tickets: readonly RiskTicket[], events: readonly RiskEvent[], nowMs: number, opts: ScoreOptions = {}): ScoredTicket[] {
  const ctx: FeatureContext = { agents: new Map((opts.agents ?? []).map((a) => [a.agent_id, a] as const)) };
  const { model, booster, shap } = m;
  const byTicket = groupEvents(events);
  const { minHours, maxHours } = model.support;
  return tickets.map((t) => {
    const evs = byTicket.get(t.ticket_id) ?? [];
    const raw = rawFeatures(model.schema, t, evs, nowMs, ctx);
    const x = encode(model.schema, raw);
    const margin = predictMarginRow(booster, x);
    const ageHours = (nowMs - isoMs(t.created_at)) / HOUR;
    // A small tolerance below the first cut-off: "just created" is age 0 give or take clock skew.
    const outsideSupport = !(ageHours >= minHours - 0.25 && ageHours <= maxHours);
    const s: ScoredTicket = { ticket_id: t.ticket_id, probability: calibrate(model.calibration, margin), margin, flagged: margin >= model.threshold.margin, ageHours, outsideSupport };
    if (opts.reasons && opts.reasons > 0) {
      const phi = shap.contributions(x, 0);
      const levels: Record<string, string> = {};
      model.schema.categoricals.forEach((c, k) => (levels[c.name] = raw.levels[k]));
      s.reasons = explainContributions(model.featureNames, x, phi, { top: opts.reasons, phrases: matchedPhrases(tokenize(customerTextAsOf(t, evs, nowMs))), levels });
      s.base = shap.base;
    }
    return s;
  });
}

/**
 * `radar risk compare`: this model, a logistic regression (logistic.ts, on the same encoded rows) and the
 * class prior, on the same split as `r` (fit rows train, validation rows choose each model's threshold
 * with the same precision rule, test rows judge). Threshold metrics are each model's at its own threshold.
 */
export function compareModels(r: RiskTrainResult, opts: { precisionZ?: number } = {}): { models: ComparedModel[]; population: string } {
  const { X, y, w, d, split } = r.matrix;
  const fitEnd = split.fit;
  const validEnd = split.fit + split.valid;
  const yValid = y.subarray(fitEnd, validEnd);
  const yTest = y.subarray(validEnd);
  const target = r.model.threshold.precisionTarget;
  const z = opts.precisionZ ?? 1.2816;
  const row = (model: string, scoreTest: ArrayLike<number>, probTest: ArrayLike<number>, thr: number): ComparedModel => {
    const c = confusionAt(scoreTest, yTest, thr);
    return { model, prAuc: averagePrecision(scoreTest, yTest), rocAuc: rocAuc(scoreTest, yTest), brier: brierScore(probTest, yTest), precision: c.precision, recall: c.recall, confusion: { tp: c.tp, fp: c.fp, fn: c.fn, tn: c.tn } };
  };
  const ours = row('this model (GBDT)', r.test.margins, r.test.probabilities, r.model.threshold.margin);
  const lr = fitLogistic(X.subarray(0, fitEnd * d), y.subarray(0, fitEnd), w.subarray(0, fitEnd), d);
  const pValid = predictLogistic(lr, X.subarray(fitEnd * d, validEnd * d), d);
  const pTest = predictLogistic(lr, X.subarray(validEnd * d), d);
  const lrThr = thresholdForPrecision(pValid, yValid, target, 5, z).threshold;
  let pos = 0;
  let wAll = 0;
  for (let i = 0; i < fitEnd; i++) {
    pos += w[i] * y[i];
    wAll += w[i];
  }
  const prior = new Float64Array(yTest.length).fill(pos / wAll);
  return {
    models: [ours, row('logistic regression', pTest, pTest, Number.isFinite(lrThr) ? lrThr : Infinity), row('class prior', prior, prior, Infinity)],
    population: r.card.metrics.population,
  };
}
