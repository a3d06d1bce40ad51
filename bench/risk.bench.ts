/**
 * Risk engine figures on the sample generator's tickets (src/sample, labels drawn from a known latent
 * model whose Bayes-optimal figures it reports), falling back to the engine's own synthetic generator:
 * - quality on the time-split test slice vs scikit-learn LogisticRegression and XGBoost trained by
 *   bench/peers/risk_peer.py (Debian's /usr/bin/python3) on the exact same feature matrix and split;
 * - training time vs XGBoost (same rows, same early stopping), scoring throughput, TreeSHAP latency;
 * - the breach-reduction replay.
 * Targets (issue 6): PR-AUC within 0.02 of XGBoost and above logistic regression; training on 100k tickets
 * ≤ 3× XGBoost's time; scoring ≥ 100k tickets/s; TreeSHAP < 1 ms per ticket; precision ≥ 0.7 at recall
 * ≥ 0.6 for escalation where the data's Bayes limit allows; flags cut breaches by ≥ 20 %.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync, createWriteStream } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchRow } from './types.js';
import { trainRiskModel, scoreTickets, type RiskData, type RiskTrainResult } from '../src/engines/risk/pipeline.js';
import { trainGbdt, predictMargins, DEFAULT_GBDT_PARAMS } from '../src/engines/risk/gbdt.js';
import { loadRiskModel } from '../src/engines/risk/model.js';
import { computeTextHeads, type TextHeads } from '../src/engines/risk/features.js';
import { generateSyntheticTickets } from '../src/engines/risk/synthetic.js';
import { averagePrecision, thresholdForPrecision } from '../src/engines/risk/metrics.js';
import type { RiskTicket } from '../src/engines/risk/types.js';

const here = dirname(fileURLToPath(import.meta.url));
const G = 'risk';

interface Dataset {
  source: string;
  data: RiskData;
  endMs: number;
  /** Bayes-optimal P(escalated) per ticket, when the generator knows it. */
  bayesEsc: Map<string, number> | null;
  /** The generator's own Bayes figures for escalation on tickets open at 2 h, when it reports them. */
  bayesCard: { averagePrecision: number; precisionAtRecall60: number } | null;
}

async function sampleData(tickets: number): Promise<Dataset | null> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import('../src/sample/generate.js')) as Record<string, unknown>;
  } catch {
    return null;
  }
  const gen = (mod.generateTickets ?? mod.generateSample) as ((o: object) => any) | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (typeof gen !== 'function') return null;
  const s = gen({ tickets, days: 120, seed: 42 });
  const cust = new Map<string, { tier: string }>(s.customers.map((c: { customer_id: string; tier: string }) => [c.customer_id, c]));
  const ag = new Map<string, { level: string; hired_at: string }>(s.agents.map((a: { agent_id: string; level: string; hired_at: string }) => [a.agent_id, a]));
  const rows: RiskTicket[] = s.tickets.map((t: RiskTicket) => ({
    ...t,
    customer_tier: t.customer_id ? (cust.get(t.customer_id)?.tier ?? null) : null,
    agent_level: t.agent_id ? (ag.get(t.agent_id)?.level ?? null) : null,
    agent_hired_at: t.agent_id ? (ag.get(t.agent_id)?.hired_at ?? null) : null,
  }));
  const truth = Array.isArray(s.truth) ? new Map<string, number>(s.truth.map((t: { ticket_id: string; pEscalated: number }) => [t.ticket_id, t.pEscalated])) : null;
  const card = s.labels?.riskModel?.bayes?.escalated?.openAt2h ?? null;
  return {
    source: `sample generator (${tickets.toLocaleString('en-US')} tickets)`,
    data: { tickets: rows, events: s.events, agents: s.agents },
    endMs: s.labels?.asOf ? Date.parse(s.labels.asOf) : NaN,
    bayesEsc: truth,
    bayesCard: card,
  };
}

function syntheticData(tickets: number): Dataset {
  const s = generateSyntheticTickets({ tickets, days: 120, seed: 42 });
  return { source: `risk synthetic generator (${tickets.toLocaleString('en-US')} tickets)`, data: s, endMs: s.endMs, bayesEsc: s.bayes, bayesCard: null };
}

const secondsOf = (fn: () => unknown): number => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
};

/**
 * Wall and CPU seconds of fn. The machine is shared (2 cores, other jobs): for single-threaded work the
 * CPU time is the figure that does not depend on what else runs; both are reported.
 */
const timesOf = (fn: () => unknown): { wall: number; cpu: number } => {
  const c0 = process.cpuUsage();
  const wall = secondsOf(fn);
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
};

/** Writes split,y,features… for the peer script (empty = NaN). */
async function exportCsv(path: string, r: RiskTrainResult): Promise<void> {
  const { X, y, d, names, split } = r.matrix;
  const n = y.length;
  const out = createWriteStream(path);
  const write = (s: string) => new Promise<void>((res) => (out.write(s) ? res() : out.once('drain', () => res())));
  await write(['split', 'y', ...names.map((nm) => nm.replace(/[^\w=.-]/g, '_'))].join(',') + '\n');
  let buf = '';
  for (let i = 0; i < n; i++) {
    const s = i < split.fit ? 'fit' : i < split.fit + split.valid ? 'valid' : 'test';
    const cells = [s, String(y[i])];
    for (let f = 0; f < d; f++) {
      const v = X[i * d + f];
      cells.push(Number.isNaN(v) ? '' : String(v));
    }
    buf += cells.join(',') + '\n';
    if (buf.length > 1 << 20) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf);
  await new Promise<void>((res) => out.end(() => res()));
}

interface PeerModel {
  prAuc?: number;
  rocAuc?: number;
  trainSeconds?: number;
  bestIteration?: number;
  version?: string;
  threads?: number;
  secondsByThreads?: Record<string, number>;
  cpuSecondsOneThread?: number | null;
  error?: string;
}

function runPeer(csv: string, params: object, outDir: string): { logistic?: PeerModel; xgboost?: PeerModel; skipped?: string } {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return { skipped: 'no /usr/bin/python3' };
  const check = spawnSync(py, ['-c', 'import sklearn, xgboost, numpy'], { encoding: 'utf8' });
  if (check.status !== 0) return { skipped: 'python3-sklearn / python3-xgboost not installed (apt-get install -y python3-sklearn python3-xgboost)' };
  const pfile = join(outDir, 'risk-peer-params.json');
  writeFileSync(pfile, JSON.stringify(params));
  const r = spawnSync(py, [join(here, 'peers', 'risk_peer.py'), csv, pfile], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { skipped: `peer failed: ${r.stderr.slice(-500)}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export default async function riskBench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const size = ctx.quick ? 20_000 : 100_000;
  const ds = (await sampleData(size)) ?? syntheticData(size);
  process.stderr.write(`  data: ${ds.source}, ${ds.data.events.length.toLocaleString('en-US')} events\n`);
  const seed = 42;

  // ---- escalation model: quality, peers, timing
  let r!: RiskTrainResult;
  const pipelineSeconds = secondsOf(() => {
    r = trainRiskModel(ds.data, { label: 'escalated', seed, dataEndMs: Number.isFinite(ds.endMs) ? ds.endMs : undefined, trainedAt: null });
  });
  const card = r.card;
  const test = card.metrics.test;
  rows.push({ group: G, name: `data: ${ds.source}; escalated, eligible at 2 h`, value: card.data.eligible, unit: 'tickets', note: `test positive rate ${(card.split.test.positiveRate * 100).toFixed(1)} %; excluded ${JSON.stringify(card.data.excluded)}` });

  // Same fit/valid rows and early stopping as inside trainRiskModel, timed alone (binning included).
  const { X, y, d, split } = r.matrix;
  const params = { ...DEFAULT_GBDT_PARAMS, seed };
  const fitN = split.fit;
  const validEnd = split.fit + split.valid;
  let rounds = 0;
  const gbdtTimes = timesOf(() => {
    const f = trainGbdt(X.subarray(0, fitN * d), y.subarray(0, fitN), d, params, { X: X.subarray(fitN * d, validEnd * d), y: y.subarray(fitN, validEnd) });
    rounds = f.roundsRun;
  });
  const gbdtSeconds = gbdtTimes.wall;

  const csv = join(ctx.outDir, 'risk-matrix.csv');
  await exportCsv(csv, r);
  const peer = runPeer(
    csv,
    {
      rounds: params.nRounds,
      learning_rate: params.learningRate,
      max_depth: params.maxDepth,
      max_leaves: params.maxLeaves,
      lambda: params.lambda,
      min_child_weight: params.minChildWeight,
      subsample: params.subsample,
      colsample: params.colsample,
      early_stopping: params.earlyStoppingRounds,
      threads: [1, 2],
      seed,
    },
    ctx.outDir,
  );
  const xgb = peer.xgboost && !peer.xgboost.error ? peer.xgboost : null;
  const lr = peer.logistic && !peer.logistic.error ? peer.logistic : null;
  const prTarget = xgb && lr ? test.prAuc >= (xgb.prAuc ?? NaN) - 0.02 && test.prAuc > (lr.prAuc ?? NaN) : undefined;
  rows.push({
    group: G,
    name: 'PR-AUC (average precision), escalated, test slice — ours',
    value: test.prAuc,
    unit: '',
    target: 'within 0.02 of XGBoost and > logistic regression',
    verdict: prTarget === undefined ? undefined : prTarget ? 'pass' : 'fail',
    note: `ROC-AUC ${test.rocAuc.toFixed(4)}; ${card.model.trees} trees`,
  });
  if (xgb) rows.push({ group: G, name: 'PR-AUC, escalated — XGBoost (hist, lossguide, same params and split)', value: xgb.prAuc!, unit: '', note: `ROC-AUC ${xgb.rocAuc!.toFixed(4)}; best iteration ${xgb.bestIteration}` });
  if (lr) rows.push({ group: G, name: 'PR-AUC, escalated — logistic regression (scikit-learn)', value: lr.prAuc!, unit: '', note: `ROC-AUC ${lr.rocAuc!.toFixed(4)}` });
  if (peer.skipped || !xgb || !lr) rows.push({ group: G, name: 'peer models', value: NaN, unit: '', note: peer.skipped ?? `xgboost: ${peer.xgboost?.error ?? 'ok'}; logistic: ${peer.logistic?.error ?? 'ok'}` });
  if (ds.bayesEsc) {
    const b = r.test.ticketIds.map((id) => ds.bayesEsc!.get(id) ?? NaN);
    rows.push({ group: G, name: 'PR-AUC, escalated — Bayes-optimal scorer on the same test slice', value: averagePrecision(b, r.test.labels), unit: '', note: 'the latent model\'s exact probabilities: the ceiling for any model' });
  }

  // Compared per CPU second with single-threaded XGBoost (both single-threaded, so CPU ≈ wall on an idle
  // machine; on this shared one wall times swing with other jobs). Walls, and XGBoost's 2-thread wall, in notes.
  const xgbCpu = xgb?.cpuSecondsOneThread ?? null;
  rows.push({
    group: G,
    name: `GBDT training, ${fitN.toLocaleString('en-US')} rows × ${d} features (+${split.valid.toLocaleString('en-US')} validation), CPU`,
    value: gbdtTimes.cpu,
    unit: 's',
    target: xgbCpu !== null ? `≤ 3× XGBoost (${(3 * xgbCpu).toFixed(2)} s)` : '≤ 3× XGBoost',
    verdict: xgbCpu !== null ? (gbdtTimes.cpu <= 3 * xgbCpu ? 'pass' : 'fail') : undefined,
    note: `wall ${gbdtSeconds.toFixed(2)} s; ${rounds} rounds run; whole pipeline (features, training, calibration, SHAP importance, bootstrap) ${pipelineSeconds.toFixed(1)} s wall`,
  });
  if (xgb) {
    rows.push({
      group: G,
      name: `XGBoost ${xgb.version ?? ''} training, same rows and parameters, 1 thread (DMatrix build included), CPU`,
      value: xgbCpu ?? NaN,
      unit: 's',
      note: `wall by threads ${JSON.stringify(xgb.secondsByThreads)} (fastest: ${xgb.threads}); best iteration ${xgb.bestIteration}`,
    });
  }

  // ---- precision / recall at the chosen threshold, and the data's Bayes limit
  const pr = test.precision >= 0.7 && test.recall >= 0.6;
  rows.push({
    group: G,
    name: `precision at the validation-chosen threshold (p ≥ ${card.threshold.probability.toFixed(3)}), escalated, test`,
    value: test.precision,
    unit: '',
    target: 'precision ≥ 0.7 at recall ≥ 0.6',
    verdict: pr ? 'pass' : 'fail',
    note: `recall ${test.recall.toFixed(3)}, F1 ${test.f1.toFixed(3)}, ${test.flagged} flagged of ${test.rows}; Brier ${test.brier.toFixed(4)}`,
  });
  if (ds.bayesEsc) {
    const b = r.test.ticketIds.map((id) => ds.bayesEsc!.get(id) ?? NaN);
    const at = thresholdForPrecision(b, r.test.labels, 0.7);
    const ordered = b.map((v, i) => [v, r.test.labels[i]] as const).sort((p, q) => q[0] - p[0]);
    const pos = ordered.reduce((s, [, l]) => s + l, 0);
    let tp = 0;
    let k = 0;
    while (k < ordered.length && tp < 0.6 * pos) tp += ordered[k++][1];
    rows.push({
      group: G,
      name: 'Bayes limit: precision at recall 0.6, escalated, same test slice',
      value: k > 0 ? tp / k : NaN,
      unit: '',
      note: `a perfect model of these labels reaches recall ${at.targetReached ? at.recall.toFixed(3) : 'n/a'} at precision 0.7${ds.bayesCard ? `; generator's own figure on all open-at-2 h tickets: precision@recall0.6 ${ds.bayesCard.precisionAtRecall60.toFixed(3)}, AP ${ds.bayesCard.averagePrecision.toFixed(3)}` : ''}`,
    });
  }

  // ---- scoring throughput and TreeSHAP latency (single-threaded: per CPU second, wall in the note)
  const loaded = loadRiskModel(r.model);
  const nowMs = Number.isFinite(ds.endMs) ? ds.endMs : Date.now();
  const toScore = ds.data.tickets.slice(0, Math.min(ds.data.tickets.length, 100_000));
  // Text heads (subject + body signals) as the warehouse stores them at a ticket's first scoring, then
  // scoring as the warehouse feeds it.
  let heads!: TextHeads;
  const ht = timesOf(() => (heads = computeTextHeads(toScore)));
  rows.push({
    group: G,
    name: `text heads: subject + body signals of ${toScore.length.toLocaleString('en-US')} tickets, per CPU second`,
    value: toScore.length / ht.cpu,
    unit: 'tickets/s',
    note: 'computed once per ticket, at its first scoring, and stored (table ticket_text_heads); later scorings scan only customer comments',
  });
  // Steady state, as in the long-running server that rescores open tickets: one untimed pass (JIT tiers,
  // heap growth), then the median of three timed passes.
  const scoring = (textHeads: TextHeads | null) => {
    scoreTickets(loaded, toScore, ds.data.events, nowMs, { agents: ds.data.agents, textHeads });
    const passes = [0, 1, 2].map(() => timesOf(() => scoreTickets(loaded, toScore, ds.data.events, nowMs, { agents: ds.data.agents, textHeads })));
    const rates = passes.map((p) => toScore.length / p.cpu).sort((a, b) => a - b);
    return { rate: rates[1], note: `passes ${rates.map((r) => r.toFixed(0)).join(' / ')} tickets/s; wall ${passes.map((p) => (toScore.length / p.wall).toFixed(0)).join(' / ')} tickets/s on the shared machine` };
  };
  const withHeads = scoring(heads);
  rows.push({
    group: G,
    name: `scoring ${toScore.length.toLocaleString('en-US')} tickets as of the data's end (features from tickets with stored text heads + ${ds.data.events.length.toLocaleString('en-US')} events, model, calibration), per CPU second, median of 3 passes after one warm-up pass`,
    value: withHeads.rate,
    unit: 'tickets/s',
    target: '≥ 100,000 tickets/s',
    verdict: withHeads.rate >= 100_000 ? 'pass' : 'fail',
    note: withHeads.note,
  });
  const raw = scoring(null);
  rows.push({
    group: G,
    name: `scoring the same tickets from raw text (no stored heads: subject and body scanned too), per CPU second`,
    value: raw.rate,
    unit: 'tickets/s',
    note: raw.note,
  });
  predictMargins(loaded.flat, X.subarray(0, 1000 * d));
  const pm = timesOf(() => predictMargins(loaded.flat, X));
  rows.push({ group: G, name: `model only: margins of ${y.length.toLocaleString('en-US')} feature rows, per CPU second`, value: y.length / pm.cpu, unit: 'rows/s', note: `wall ${(y.length / pm.wall).toFixed(0)} rows/s` });
  const phi = new Float64Array(d);
  const nShap = Math.min(5000, y.length);
  for (let i = 0; i < 500; i++) loaded.shap.contributions(X, i * d, phi);
  const sh = timesOf(() => {
    for (let i = 0; i < nShap; i++) loaded.shap.contributions(X, i * d, phi);
  });
  const shapMs = (sh.cpu * 1000) / nShap;
  rows.push({
    group: G,
    name: `TreeSHAP, one ticket (${card.model.trees} trees, ≤ ${params.maxLeaves} leaves, depth ≤ ${params.maxDepth}), mean CPU over ${nShap}`,
    value: shapMs,
    unit: 'ms',
    target: '< 1 ms',
    verdict: shapMs < 1 ? 'pass' : 'fail',
    note: `wall ${((sh.wall * 1000) / nShap).toFixed(3)} ms`,
  });

  // ---- precision ≥ 0.7 at recall ≥ 0.6 where the data allows it: the engine's own synthetic generator,
  // whose escalation labels carry a strong signal (its Bayes limit is reported beside).
  {
    const syn = syntheticData(ctx.quick ? 20_000 : 50_000);
    const rs = trainRiskModel(syn.data, { label: 'escalated', seed, dataEndMs: syn.endMs });
    const t = rs.card.metrics.test;
    const b = rs.test.ticketIds.map((id) => syn.bayesEsc!.get(id) ?? NaN);
    const bayesAt = thresholdForPrecision(b, rs.test.labels, 0.7);
    rows.push({
      group: G,
      name: `precision at the chosen threshold, escalated, test — ${syn.source}`,
      value: t.precision,
      unit: '',
      target: 'precision ≥ 0.7 at recall ≥ 0.6',
      verdict: t.precision >= 0.7 && t.recall >= 0.6 ? 'pass' : 'fail',
      note: `recall ${t.recall.toFixed(3)}, PR-AUC ${t.prAuc.toFixed(3)} (Bayes ${averagePrecision(b, rs.test.labels).toFixed(3)}); Bayes-optimal recall at precision 0.7: ${bayesAt.recall.toFixed(3)}`,
    });
  }

  // ---- breach reduction: flags of the sla_breached model (and of the escalation model)
  const rb = trainRiskModel(ds.data, { label: 'sla_breached', seed, dataEndMs: Number.isFinite(ds.endMs) ? ds.endMs : undefined });
  for (const [name, res] of [['sla_breached', rb], ['escalated', r]] as const) {
    const sim = res.card.simulation!;
    rows.push({
      group: G,
      name: `breaches cut by acting on ${name} flags at the chosen threshold (test period, ${Math.round(sim.assumption.speedup * 100)} % faster)`,
      value: sim.reduction * 100,
      unit: '%',
      target: '≥ 20 %',
      verdict: Number.isFinite(sim.reduction) ? (sim.reduction >= 0.2 ? 'pass' : 'fail') : undefined,
      note: `${sim.avoided} of ${sim.breachesWithout} breaches avoided, 95 % CI ${(sim.ci95.reduction[0] * 100).toFixed(1)}–${(sim.ci95.reduction[1] * 100).toFixed(1)} %, ${sim.flagged} of ${sim.tickets} flagged; model precision ${res.card.metrics.test.precision.toFixed(3)}, recall ${res.card.metrics.test.recall.toFixed(3)}${res.card.threshold.reachedOnValidation ? '' : '; precision 0.7 was unreachable on validation, so the threshold is the max-F1 one'}`,
    });
    const top = res.card.simulationByFlagRate.find((f) => f.flagRate === 0.2);
    if (top) {
      rows.push({
        group: G,
        name: `breaches cut when the top 20 % of ${name} scores are flagged`,
        value: top.reduction * 100,
        unit: '%',
        target: '≥ 20 %',
        verdict: Number.isFinite(top.reduction) ? (top.reduction >= 0.2 ? 'pass' : 'fail') : undefined,
        note: `${top.avoided} avoided, 95 % CI ${(top.ci95[0] * 100).toFixed(1)}–${(top.ci95[1] * 100).toFixed(1)} %, precision of the flags ${top.precision.toFixed(3)}`,
      });
    }
  }
  rows.push({ group: G, name: 'sla_breached model PR-AUC, test', value: rb.card.metrics.test.prAuc, unit: '', note: `ROC-AUC ${rb.card.metrics.test.rocAuc.toFixed(4)}, positive rate ${(rb.card.split.test.positiveRate * 100).toFixed(1)} %` });
  writeFileSync(join(ctx.outDir, 'risk-card-escalated.json'), JSON.stringify(card, null, 2));
  writeFileSync(join(ctx.outDir, 'risk-card-sla_breached.json'), JSON.stringify(rb.card, null, 2));
  return rows;
}
