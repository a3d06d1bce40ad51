/**
 * Train, evaluate and score the escalation / SLA-breach risk model.
 *
 * Training rows: one per ticket, featurised as of cut-off = created_at + horizon (default 2 h), from the
 * ticket rewound to that moment (features.ts). A ticket is eligible when, at its cut-off, the outcome
 * was still open: not resolved yet, not escalated yet (label escalated), not past due yet (label
 * sla_breached); when its cut-off lies within the data (≤ dataEnd); and, by default, when it is resolved
 * (so its label is final).
 *
 * Split by time, never at random: tickets sorted by created_at; the latest `testFraction` is the test
 * slice; the last `validFraction` of the rest is the validation slice (early stopping, calibration,
 * threshold); the remainder trains the trees.
 */
import { customerTextAsOf, featureCount, featureNames, featurize, featurizeBatch, type TextHeads, fitFeatureSchema, rewindTicket, type FeatureContext, type FeatureSchema } from './features.js';
import { matchedPhrases, tokenize } from './text.js';
import { boosterToJson, predictFlat, predictMargins, trainGbdt, DEFAULT_GBDT_PARAMS, type GbdtParams } from './gbdt.js';
import { calibrate, fitIsotonic, fitPlatt, type Calibrator } from './calibration.js';
import { averagePrecision, brierScore, calibrationTable, confusionAt, logLoss, rocAuc, thresholdForPrecision } from './metrics.js';
import { simulateBreachReduction, DEFAULT_INTERVENTION, type InterventionAssumption, type SimTicket } from './simulate.js';
import { explainContributions, type Reason } from './explain.js';
import { TreeShap } from './treeshap.js';
import { RISK_MODEL_FORMAT, type LoadedRiskModel, type ModelCard, type RiskModel, type SliceInfo, type SliceMetrics } from './model.js';
import type { RiskAgent, RiskEvent, RiskLabel, RiskTicket } from './types.js';

export interface RiskData {
  tickets: readonly RiskTicket[];
  events: readonly RiskEvent[];
  agents?: readonly RiskAgent[];
  /** Subject + body signals stored by the warehouse, aligned with `tickets` (scoring uses them when present). */
  textHeads?: TextHeads | null;
}

export interface RiskTrainOptions {
  label: RiskLabel;
  horizonSeconds?: number;
  testFraction?: number;
  validFraction?: number;
  precisionTarget?: number;
  /**
   * One-sided normal quantile for the threshold rule: the Wilson lower bound of validation precision must
   * reach the target (default 1.2816 = 90 % confidence, so the precision holds on new data; 0 = point estimate).
   */
  precisionZ?: number;
  calibration?: 'isotonic' | 'platt';
  gbdt?: Partial<GbdtParams>;
  hashBuckets?: number;
  timeZone?: string | null;
  maxCategories?: number;
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

export interface RiskTrainResult {
  model: RiskModel;
  card: ModelCard;
  /** The test slice as scored, for reports and the bench. */
  test: { ticketIds: string[]; margins: Float64Array; probabilities: Float64Array; labels: Float64Array };
  /** The design matrix and split (row-major), e.g. to export for peer models. */
  matrix: { X: Float64Array; y: Float64Array; d: number; names: string[]; createdAt: string[]; split: { fit: number; valid: number; test: number } };
}

const HOUR_S = 3600;

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

function sliceInfo(tickets: RiskTicket[], y: Float64Array, from: number, to: number): SliceInfo {
  let pos = 0;
  for (let i = from; i < to; i++) pos += y[i];
  const rows = to - from;
  return {
    rows,
    positives: pos,
    positiveRate: rows > 0 ? pos / rows : NaN,
    from: rows > 0 ? tickets[from].created_at : null,
    to: rows > 0 ? tickets[to - 1].created_at : null,
  };
}

function sliceMetrics(margins: Float64Array, probs: Float64Array, y: Float64Array, thresholdMargin: number, thresholdProb: number): SliceMetrics {
  const c = confusionAt(margins, y, thresholdMargin);
  return {
    rows: y.length,
    rocAuc: rocAuc(margins, y),
    prAuc: averagePrecision(margins, y),
    precision: c.precision,
    recall: c.recall,
    f1: c.f1,
    flagged: c.flagged,
    threshold: thresholdProb,
    brier: brierScore(probs, y),
    logLoss: logLoss(probs, y),
  };
}

/** Why a ticket is not a training row at its cut-off, or null when it is. */
export function ineligibility(t: RiskTicket, events: readonly RiskEvent[], label: RiskLabel, cutoffMs: number, dataEndMs: number, requireResolved: boolean): string | null {
  const y = t[label];
  if (y == null) return 'no label';
  if (cutoffMs > dataEndMs) return 'cut-off after the end of the data';
  const resolved = t.resolved_at ? Date.parse(t.resolved_at) : NaN;
  if (requireResolved && !Number.isFinite(resolved)) return 'not resolved (label not final)';
  if (resolved <= cutoffMs) return 'resolved before the cut-off';
  if (label === 'escalated') {
    for (const e of events) if (e.type === 'escalated' && Date.parse(e.at) <= cutoffMs) return 'escalated before the cut-off';
  } else if (t.due_at && Date.parse(t.due_at) <= cutoffMs) return 'due before the cut-off';
  return null;
}

/**
 * Trains and evaluates a risk model (see module comment). Pure apart from CPU; deterministic for a seed.
 * Throws when too few eligible tickets or a slice lacks a class.
 */
export function trainRiskModel(data: RiskData, opts: RiskTrainOptions): RiskTrainResult {
  const label = opts.label;
  const horizonSeconds = opts.horizonSeconds ?? 2 * HOUR_S;
  const horizonMs = horizonSeconds * 1000;
  const testFraction = opts.testFraction ?? 0.2;
  const validFraction = opts.validFraction ?? 0.2;
  const precisionTarget = opts.precisionTarget ?? 0.7;
  const seed = opts.seed ?? 42;
  const dataEnd = opts.dataEndMs ?? latest(data);
  const byTicket = groupEvents(data.events);
  const agents = new Map((data.agents ?? []).map((a) => [a.agent_id, a] as const));
  const ctx: FeatureContext = { agents };

  const excluded: Record<string, number> = {};
  const rows: { t: RiskTicket; evs: RiskEvent[]; cutoff: number }[] = [];
  for (const t of data.tickets) {
    const evs = byTicket.get(t.ticket_id) ?? [];
    const cutoff = Date.parse(t.created_at) + horizonMs;
    const why = ineligibility(t, evs, label, cutoff, dataEnd, opts.requireResolved ?? true);
    if (why) excluded[why] = (excluded[why] ?? 0) + 1;
    else rows.push({ t: rewindTicket(t, evs, cutoff), evs, cutoff });
  }
  rows.sort((a, b) => a.cutoff - b.cutoff || (a.t.ticket_id < b.t.ticket_id ? -1 : a.t.ticket_id > b.t.ticket_id ? 1 : 0));
  const n = rows.length;
  const nTest = Math.round(n * testFraction);
  const nTrain = n - nTest;
  const nValid = Math.round(nTrain * validFraction);
  const nFit = nTrain - nValid;
  if (nFit < 50 || nValid < 20 || nTest < 20) throw new Error(`too few eligible tickets for a time split: ${n} (excluded: ${JSON.stringify(excluded)})`);

  const schema: FeatureSchema = fitFeatureSchema(
    rows.slice(0, nTrain).map((r) => r.t),
    { hashBuckets: opts.hashBuckets, timeZone: opts.timeZone, maxCategories: opts.maxCategories },
  );
  const names = featureNames(schema);
  const d = names.length;
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    X.set(featurize(schema, r.t, r.evs, r.cutoff, ctx), i * d);
    y[i] = r.t[label] ? 1 : 0;
  }
  const tickets = rows.map((r) => r.t);
  for (const [name, a, b] of [['train', 0, nFit], ['validation', nFit, nTrain], ['test', nTrain, n]] as const) {
    let pos = 0;
    for (let i = a; i < b; i++) pos += y[i];
    if (pos === 0 || pos === b - a) throw new Error(`the ${name} slice has only one class (${pos} positives of ${b - a})`);
  }

  const params: GbdtParams = { ...DEFAULT_GBDT_PARAMS, seed, ...opts.gbdt };
  const fit = trainGbdt(X.subarray(0, nFit * d), y.subarray(0, nFit), d, params, {
    X: X.subarray(nFit * d, nTrain * d),
    y: y.subarray(nFit, nTrain),
  });
  const booster = fit.booster;
  const mValid = predictMargins(booster, X.subarray(nFit * d, nTrain * d));
  const yValid = y.subarray(nFit, nTrain);
  const calibKind = opts.calibration ?? 'isotonic';
  const calibration: Calibrator = calibKind === 'platt' ? fitPlatt(mValid, yValid) : fitIsotonic(mValid, yValid);
  const precisionZ = opts.precisionZ ?? 1.2816;
  const choice = thresholdForPrecision(mValid, yValid, precisionTarget, 5, precisionZ);
  const thrMargin = Number.isFinite(choice.threshold) ? choice.threshold : Number.MAX_VALUE;
  const thrProb = calibrate(calibration, thrMargin);
  const pValid = mValid.map((m) => calibrate(calibration, m));

  const mTest = predictMargins(booster, X.subarray(nTrain * d));
  const pTest = mTest.map((m) => calibrate(calibration, m));
  const yTest = y.subarray(nTrain);

  // Global importance: mean |φ| over (up to) shapRows test rows, grouped the way reasons are.
  const shapRows = Math.min(nTest, opts.shapRows ?? 2000);
  const shap = new TreeShap(booster);
  const imp = new Float64Array(d);
  const phi = new Float64Array(d);
  for (let k = 0; k < shapRows; k++) {
    const i = nTrain + Math.floor((k * nTest) / shapRows);
    shap.contributions(X, i * d, phi);
    for (let f = 0; f < d; f++) imp[f] += Math.abs(phi[f]);
  }
  const grouped = new Map<string, number>();
  for (let f = 0; f < d; f++) {
    const key = names[f].startsWith('tok_') ? 'wording (hashed tokens)' : names[f].includes('=') ? names[f].slice(0, names[f].indexOf('=')) : names[f];
    grouped.set(key, (grouped.get(key) ?? 0) + imp[f] / Math.max(1, shapRows));
  }
  const topFeatures = [...grouped.entries()]
    .map(([feature, v]) => ({ feature, meanAbsContribution: v }))
    .sort((a, b) => b.meanAbsContribution - a.meanAbsContribution)
    .slice(0, 12);

  const simTickets: SimTicket[] = [];
  for (let i = nTrain; i < n; i++) {
    const t = rows[i].t;
    simTickets.push({
      ticket_id: t.ticket_id,
      created_at: t.created_at,
      resolved_at: t.resolved_at,
      due_at: t.due_at,
      sla_breached: t.sla_breached,
      cutoffMs: rows[i].cutoff,
      flagged: mTest[i - nTrain] >= thrMargin,
    });
  }
  const intervention = opts.intervention ?? DEFAULT_INTERVENTION;
  const simulation = simulateBreachReduction(simTickets, { intervention, bootstrap: opts.bootstrap ?? 1000, seed });
  // The same replay when a fixed share of tickets is flagged (top scores): what a capacity-bound team could act on.
  const byRank = Array.from({ length: nTest }, (_, k) => k).sort((a, b) => mTest[b] - mTest[a] || a - b);
  const simulationByFlagRate = (opts.flagRates ?? [0.05, 0.1, 0.2, 0.3]).map((rate) => {
    const k = Math.round(rate * nTest);
    const top = new Set(byRank.slice(0, k));
    const sim = simulateBreachReduction(
      simTickets.map((t, j) => ({ ...t, flagged: top.has(j) })),
      { intervention, bootstrap: Math.min(200, opts.bootstrap ?? 1000), seed, sensitivity: [] },
    );
    let tp = 0;
    for (const j of top) tp += yTest[j];
    return { flagRate: rate, flagged: k, precision: k > 0 ? tp / k : NaN, avoided: sim.avoided, reduction: sim.reduction, ci95: sim.ci95.reduction };
  });

  const train = sliceInfo(tickets, y, 0, nFit);
  const validation = sliceInfo(tickets, y, nFit, nTrain);
  const test = sliceInfo(tickets, y, nTrain, n);
  const threshold = { margin: thrMargin, probability: thrProb, precisionTarget, reachedOnValidation: choice.targetReached };
  const card: ModelCard = {
    label,
    horizonSeconds,
    data: { from: tickets[0]?.created_at ?? null, to: tickets[n - 1]?.created_at ?? null, tickets: data.tickets.length, eligible: n, excluded },
    split: {
      method: `by time: earliest ${Math.round((1 - testFraction) * 100)} % train (its last ${Math.round(validFraction * 100)} % = validation), latest ${Math.round(testFraction * 100)} % test`,
      train,
      validation,
      test,
    },
    classBalance: { train: train.positiveRate, validation: validation.positiveRate, test: test.positiveRate },
    metrics: {
      validation: sliceMetrics(mValid, pValid, yValid, thrMargin, thrProb),
      test: sliceMetrics(mTest, pTest, yTest, thrMargin, thrProb),
      calibration: calibrationTable(pTest, yTest, 10),
    },
    threshold,
    model: {
      kind: 'gradient-boosted trees (histogram, logistic loss)',
      trees: booster.trees.length,
      roundsRun: fit.roundsRun,
      features: d,
      params: { ...params },
      positiveWeight: fit.positiveWeight,
      calibration: calibKind,
    },
    topFeatures,
    simulation,
    simulationByFlagRate,
    notes: [
      `Features are computed as of ${horizonSeconds / 3600} h after creation from data known by then; scoring uses "now" as the cut-off.`,
      `Contributions (TreeSHAP, path-dependent) explain the uncalibrated log-odds; probabilities are ${calibKind}-calibrated on the validation slice.`,
      `Threshold chosen on the validation slice for precision ≥ ${precisionTarget}${precisionZ > 0 ? ` with ${(100 * normalCdf(precisionZ)).toFixed(0)} % one-sided confidence (Wilson lower bound)` : ''}${choice.targetReached ? '' : ' (not reachable there: the max-F1 threshold is used instead)'}; recall reported on the test slice.`,
      'ROC-AUC and PR-AUC rank by the raw margin; Brier score and the calibration table use calibrated probabilities.',
      'The warehouse keeps current priority only; a ticket re-prioritised after the cut-off is seen with its later priority.',
    ],
  };
  const model: RiskModel = {
    format: RISK_MODEL_FORMAT,
    version: 1,
    label,
    horizonSeconds,
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
    test: { ticketIds: tickets.slice(nTrain).map((t) => t.ticket_id), margins: mTest, probabilities: pTest, labels: Float64Array.from(yTest) },
    matrix: { X, y, d, names, createdAt: tickets.map((t) => t.created_at), split: { fit: nFit, valid: nValid, test: nTest } },
  };
}

export interface ScoredTicket {
  ticket_id: string;
  probability: number;
  margin: number;
  flagged: boolean;
  /** Present when reasons were asked for. */
  reasons?: Reason[];
  /** SHAP base value (expected margin) when reasons were asked for. */
  base?: number;
}

export interface ScoreOptions {
  agents?: readonly RiskAgent[];
  /** Number of reasons per ticket (0 = none, the fast path). */
  reasons?: number;
  /** Subject + body signals stored by the warehouse, aligned with `tickets` (RiskData's `textHeads`). */
  textHeads?: TextHeads | null;
}

/**
 * Scores tickets as of `nowMs` (features from data known by then). Ticket state is taken as current: do
 * not pass tickets rewound or from the future. Ticket ids are expected to be distinct (the warehouse's key):
 * a repeated id shares its events with the first copy, except when both copies come with their own run of
 * events in order, where each takes its own. O(tickets × (features + trees × depth)); with reasons add
 * TreeSHAP O(trees × leaves × depth²) per ticket.
 */
export function scoreTickets(m: LoadedRiskModel, tickets: readonly RiskTicket[], events: readonly RiskEvent[], nowMs: number, opts: ScoreOptions = {}): ScoredTicket[] {
  // Speculatively as if the events came grouped in the tickets' order (a warehouse read, an export): each
  // batch pairs its tickets with the next events, no id map and no separate pass. Otherwise (found out on
  // the way, or events left over at the end) score again through the map.
  return scoreRanges(m, tickets, events, nowMs, opts, null) ?? scoreRanges(m, tickets, events, nowMs, opts, eventRanges(tickets, events))!;
}

/**
 * scoreTickets over given event ranges, or (ranges null) pairing tickets with consecutive events batch by
 * batch; returns null as soon as that pairing fails (a ticket without events, events left over).
 */
function scoreRanges(m: LoadedRiskModel, tickets: readonly RiskTicket[], events: readonly RiskEvent[], nowMs: number, opts: ScoreOptions, ranges: EventRanges | null): ScoredTicket[] | null {
  const ctx: FeatureContext = { agents: new Map((opts.agents ?? []).map((a) => [a.agent_id, a] as const)) };
  const { model, flat, shap } = m;
  const n = tickets.length;
  const sel = ranges ? ranges.sel : null;
  const start = ranges ? ranges.start : new Int32Array(n + 1);
  let ticketGroup: Int32Array;
  if (ranges) ticketGroup = ranges.ticketGroup;
  else {
    ticketGroup = new Int32Array(n);
    for (let i = 0; i < n; i++) ticketGroup[i] = i;
  }
  let j = 0;
  const out: ScoredTicket[] = [];
  const d = featureCount(model.schema);
  if (d !== flat.nFeatures) throw new Error(`model has ${flat.nFeatures} features, its schema ${d}`);
  const phi = new Float64Array(d);
  const X = new Float64Array(SCORE_BATCH * d);
  for (let b = 0; b < n; b += SCORE_BATCH) {
    const end = Math.min(n, b + SCORE_BATCH);
    if (!ranges) {
      for (let q = b; q < end; q++) {
        const id = tickets[q].ticket_id;
        start[q] = j;
        while (j < events.length && events[j].ticket_id === id) j++;
        // A ticket without events may repeat an earlier id (whose group holds the events): take the map.
        if (j === start[q]) return null;
      }
      start[end] = j;
    }
    warm(tickets, b, end, events, sel, start, ticketGroup, !opts.textHeads);
    featurizeBatch(model.schema, tickets, b, end, events, sel, start, ticketGroup, nowMs, ctx, X, opts.textHeads ?? null);
    for (let i = b; i < end; i++) {
      const t = tickets[i];
      const row = (i - b) * d;
      const margin = predictFlat(flat, X, row);
      const s: ScoredTicket = { ticket_id: t.ticket_id, probability: calibrate(model.calibration, margin), margin, flagged: margin >= model.threshold.margin };
      if (opts.reasons && opts.reasons > 0) {
        const x = X.subarray(row, row + d);
        shap.contributions(x, 0, phi);
        const g = ticketGroup[i];
        const evs: RiskEvent[] = [];
        for (let k = start[g]; k < start[g + 1]; k++) evs.push(events[sel === null ? k : sel[k]]);
        s.reasons = explainContributions(model.featureNames, x, phi, { top: opts.reasons, phrases: matchedPhrases(tokenize(customerTextAsOf(t, evs, nowMs))) });
        s.base = shap.base;
      }
      out.push(s);
    }
  }
  return ranges || j === events.length ? out : null;
}

/** Tickets featurised together (each phase's tables stay in cache over a batch). */
const SCORE_BATCH = 32;
let warmSink = 0;

/**
 * Reads the fields featurisation will read, for tickets [from, to) and their events, in tight loops of
 * independent loads. Scoring is bound by memory latency: every ticket, event and string is a separate heap
 * object, and inside featurize one cache miss at a time stalls the CPU; here many misses overlap, and the
 * lines are in cache when featurize comes (~5 % faster). Reads only; the sum just keeps the loads alive.
 */
function warm(tickets: readonly RiskTicket[], from: number, to: number, events: readonly RiskEvent[], sel: Int32Array | null, start: Int32Array, ticketGroup: Int32Array, text: boolean): void {
  let sink = 0;
  for (let q = from; q < to; q++) {
    const u = tickets[q];
    sink +=
      (u.created_at?.length ?? 0) +
      (u.due_at?.length ?? 0) +
      (u.first_response_at?.length ?? 0) +
      (u.priority?.length ?? 0) +
      (u.customer_tier?.length ?? 0) +
      (u.queue?.length ?? 0) +
      (u.channel?.length ?? 0) +
      (u.category?.length ?? 0);
    if (text) sink += (u.subject?.length ?? 0) + (u.body?.length ?? 0);
  }
  for (let q = from; q < to; q++) {
    const g = ticketGroup[q];
    for (let k = start[g]; k < start[g + 1]; k++) {
      const e = events[sel === null ? k : sel[k]];
      sink += (e.at?.length ?? 0) + (e.type?.length ?? 0);
    }
  }
  warmSink = (warmSink + sink) | 0;
}

/**
 * Each ticket's events as a range of an index: ticket i's are events[sel[k]] for k in
 * [start[ticketGroup[i]], start[ticketGroup[i] + 1]), in input order (`sel` null means the identity). A
 * counting sort by ticket through a map of ids (a repeated ticket id shares its group): what scoring falls
 * back to when the events do not come grouped in the tickets' order.
 */
interface EventRanges {
  sel: Int32Array | null;
  start: Int32Array;
  ticketGroup: Int32Array;
}

function eventRanges(tickets: readonly RiskTicket[], events: readonly RiskEvent[]): EventRanges {
  const n = tickets.length;
  const ticketGroup = new Int32Array(n);
  const groupOf = new Map<string, number>();
  let groups = 0;
  for (let i = 0; i < n; i++) {
    const id = tickets[i].ticket_id;
    let g = groupOf.get(id);
    if (g === undefined) groupOf.set(id, (g = groups++));
    ticketGroup[i] = g;
  }
  const start = new Int32Array(groups + 1);
  const eventGroup = new Int32Array(events.length);
  // Exports list a ticket's events together: reuse the previous event's group when the id repeats.
  let prevId: string | null = null;
  let prevG: number | undefined;
  for (let k = 0; k < events.length; k++) {
    const id = events[k].ticket_id;
    const g = id === prevId ? prevG : groupOf.get(id);
    prevId = id;
    prevG = g;
    eventGroup[k] = g ?? -1;
    if (g !== undefined) start[g + 1]++;
  }
  for (let g = 0; g < groups; g++) start[g + 1] += start[g];
  const sel = new Int32Array(start[groups]);
  const next = start.slice(0, groups);
  for (let k = 0; k < events.length; k++) {
    const g = eventGroup[k];
    if (g >= 0) sel[next[g]++] = k;
  }
  return { sel, start, ticketGroup };
}
