/**
 * Risk engine against XGBoost and logistic regression on identical rows, inputs, weights and
 * chronological splits, on two datasets:
 * - the sample generator's tickets (label escalated; its latent model's Bayes figures beside);
 * - the real e-commerce CSAT contacts in ../shared/data/shopzilla_ecommerce_csat (label "low CSAT", 1–2),
 *   when present. Only what is known at the cut-off is a feature: channel, category, sub-category, agent,
 *   supervisor, manager, tenure bucket, shift, product category, city, item price, order age, hour and
 *   weekday of the report, and (from the later cut-off) whether and when the first response came. The
 *   customer remarks are written after the outcome and are never read.
 * Each is measured at first contact (cut-off 0 h) and at a later cut-off (tickets still open then).
 * Peers: bench/peers/risk_peer.py under Debian's /usr/bin/python3 (sklearn, xgboost), given the same
 * hyper-parameters the model's validation search chose. Targets (issue 13): AP ≥ XGBoost's on both
 * datasets at both cut-offs; training CPU ≤ 3× XGBoost single-threaded.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, createWriteStream, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { BenchContext, BenchRow } from './types.js';
import { trainRiskModel, scoreTickets, fitRiskEnsemble, type RiskData, type RiskTrainOptions, type RiskTrainResult } from '../src/engines/risk/pipeline.js';
import { predictMargins } from '../src/engines/risk/gbdt.js';
import { loadRiskModel } from '../src/engines/risk/model.js';
import { averagePrecision, rocAuc } from '../src/engines/risk/metrics.js';
import type { RiskEvent, RiskTicket } from '../src/engines/risk/types.js';
import { generateTickets, writeSample } from '../src/sample/generate.js';
import { openWarehouse } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { risk, type RiskTrainResult as TrainCommandResult } from '../commands/risk.js';

const here = dirname(fileURLToPath(import.meta.url));
const G = 'risk';
const SHOPZILLA = join(here, '..', '..', 'shared', 'data', 'shopzilla_ecommerce_csat', 'customer_support_data_first10527.csv');
const SHOPZILLA_ALT = '/work/shared/data/shopzilla_ecommerce_csat/customer_support_data_first10527.csv';

const timesOf = (fn: () => unknown): { wall: number; cpu: number } => {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
};

// ---------------------------------------------------------------- datasets

export function sampleData(tickets: number): { data: RiskData; endMs: number; source: string } {
  const s = generateTickets({ tickets, days: 120, seed: 42 });
  const cust = new Map(s.customers.map((c) => [c.customer_id, c]));
  const ag = new Map(s.agents.map((a) => [a.agent_id, a]));
  const rows = s.tickets.map((t) => ({
    ...(t as unknown as RiskTicket),
    customer_tier: t.customer_id ? (cust.get(t.customer_id)?.tier ?? null) : null,
    agent_level: t.agent_id ? (ag.get(t.agent_id)?.level ?? null) : null,
    agent_hired_at: t.agent_id ? (ag.get(t.agent_id)?.hired_at ?? null) : null,
  }));
  return {
    data: { tickets: rows, events: s.events as unknown as RiskEvent[], agents: s.agents as never },
    endMs: s.labels?.asOf ? Date.parse(s.labels.asOf) : NaN,
    source: `sample generator (${tickets.toLocaleString('en-US')} tickets, seed 42)`,
  };
}

/** 'd/m/Y H:M' → ISO UTC (the file has no zone; its order is what matters). */
function dmy(s: string): string | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const p = (v: string) => v.padStart(2, '0');
  return `${m[3]}-${p(m[2])}-${p(m[1])}T${p(m[4])}:${m[5]}:00Z`;
}

/**
 * The CSAT contacts as tickets: reported = created, responded = first response. Channel, category and
 * sub-category fill the built-in channel / queue / category; the other fields known at first contact
 * become attributes. Remarks, survey date and CSAT are not features (CSAT is the label).
 */
export function shopzillaData(): { data: RiskData; source: string } | null {
  const path = existsSync(SHOPZILLA) ? SHOPZILLA : existsSync(SHOPZILLA_ALT) ? SHOPZILLA_ALT : null;
  if (!path) return null;
  const recs = parse(readFileSync(path), { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
  const tickets: RiskTicket[] = [];
  for (const r of recs) {
    const created = dmy(r['Issue_reported at']);
    const csat = Number(r['CSAT Score']);
    if (!created || !(csat >= 1 && csat <= 5)) continue;
    const responded = dmy(r['issue_responded']);
    const order = dmy(r['order_date_time']);
    const orderAge = order ? (Date.parse(created) - Date.parse(order)) / 3_600_000 : null;
    tickets.push({
      ticket_id: r['Unique id'],
      created_at: created,
      first_response_at: responded && responded >= created ? responded : null,
      priority: 'normal',
      channel: r['channel_name'],
      queue: r['category'],
      category: r['Sub-category'],
      subject: '',
      body: '',
      csat,
      attributes: {
        agent: r['Agent_name'] || null,
        supervisor: r['Supervisor'] || null,
        manager: r['Manager'] || null,
        tenure: r['Tenure Bucket'] || null,
        shift: r['Agent Shift'] || null,
        product_category: r['Product_category'] || null,
        city: r['Customer_City'] || null,
        item_price: r['Item_price'] === '' ? null : Number(r['Item_price']),
        order_age_hours: orderAge,
      },
    });
  }
  return { data: { tickets, events: [] }, source: `shopzilla CSAT contacts (${tickets.length.toLocaleString('en-US')} with a score)` };
}

/**
 * The acceptance run, end to end as a user does it: `radar sample --seed 11 --tickets 20000` (ending
 * on a fixed day so the figure is reproducible), `radar ingest`, `radar risk train --label escalated` at the
 * sample's snapshot time. The threshold is chosen on the validation slice by the command; the test figures
 * are the time-ordered test slice's.
 */
async function freshSampleTrain(ctx: BenchContext): Promise<BenchRow[]> {
  const dir = join(ctx.outDir, 'risk-seed11');
  rmSync(dir, { recursive: true, force: true });
  const tickets = ctx.quick ? 10_000 : 20_000;
  const sample = await writeSample(dir, { seed: 11, tickets, end: '2026-12-03' });
  const db = openWarehouse(join(dir, 'warehouse.db'));
  try {
    await ingestFiles(db, [dir]);
    const now = new Date(sample.labels.asOf);
    let r!: TrainCommandResult;
    const t = timesOf(() => {
      r = risk.run({ db, now, config: loadConfig({}), surface: 'cli' }, { action: 'train', label: 'escalated', horizonSeconds: null, precision: 0.7, waiting: [], speedup: 0.3 }) as TrainCommandResult;
    });
    const row = (what: string, m: TrainCommandResult['test'] | TrainCommandResult['byCutoff'][number]): BenchRow => ({
      group: G,
      name: `fresh sample (seed 11, ${tickets.toLocaleString('en-US')} tickets) risk train --label escalated: test precision, ${what}`,
      value: m.precision ?? NaN,
      unit: '',
      target: 'precision ≥ 0.7 at recall ≥ 0.6',
      verdict: (m.precision ?? 0) >= 0.7 && (m.recall ?? 0) >= 0.6 ? 'pass' : 'fail',
      note: `recall ${m.recall?.toFixed(3)}; 95 % Wilson CI ${m.precisionCi95.map((v) => v?.toFixed(3)).join('–')}; ${m.flagged} flagged of ${m.rows} rows; PR-AUC ${m.prAuc?.toFixed(3)}; threshold p ≥ ${m.threshold?.toFixed(3)} chosen on validation`,
    });
    const at2 = r.byCutoff.find((c) => c.cutoffHours === 2)!;
    return [
      row('all test rows (every ticket at every cut-off where still open)', r.test),
      row('test tickets still open at 2 h', at2),
      { group: G, name: 'fresh sample: risk train CPU (features, 6-candidate search, calibration, SHAP, simulation)', value: t.cpu, unit: 's', note: `wall ${t.wall.toFixed(1)} s` },
    ];
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- peers

/** split,y,w,cutoff, num:…, cat:…, ts:… for the peer script. */
export async function exportCsv(path: string, r: RiskTrainResult): Promise<void> {
  const { X, y, w, d, names, numericColumns, levels, cutoffHours, split } = r.matrix;
  const out = createWriteStream(path);
  const write = (s: string) => new Promise<void>((res) => (out.write(s) ? res() : out.once('drain', () => res())));
  const clean = (s: string) => s.replace(/[^\w=.-]/g, '_');
  const cats = names.slice(numericColumns);
  await write(['split', 'y', 'w', 'cutoff', ...names.slice(0, numericColumns).map((n) => `num:${clean(n)}`), ...cats.map((n) => `cat:${clean(n)}`), ...cats.map((n) => `ts:${clean(n)}`)].join(',') + '\n');
  let buf = '';
  for (let i = 0; i < y.length; i++) {
    const s = i < split.fit ? 'fit' : i < split.fit + split.valid ? 'valid' : 'test';
    const cells = [s, String(y[i]), String(w[i]), String(cutoffHours[i])];
    for (let f = 0; f < numericColumns; f++) cells.push(Number.isNaN(X[i * d + f]) ? '' : String(X[i * d + f]));
    // Levels as opaque codes (commas and quotes in real names would need CSV quoting).
    for (const l of levels[i]) cells.push(l === '' ? '_' : `L${Buffer.from(l).toString('hex')}`);
    for (let f = numericColumns; f < d; f++) cells.push(String(X[i * d + f]));
    buf += cells.join(',') + '\n';
    if (buf.length > 1 << 20) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf);
  await new Promise<void>((res) => out.end(() => res()));
}

interface PeerFigures {
  prAuc: number | null;
  rocAuc: number | null;
  rows: number;
}
type PeerModel = Record<string, PeerFigures> & { cpuSecondsOneThread?: number; cpuSeconds?: number; bestIteration?: number; version?: string; error?: string };
interface PeerOut {
  logistic?: PeerModel;
  xgboost?: PeerModel;
  xgboostOnOurEncoding?: PeerModel;
  xgboostSeeds?: (PeerModel & { seed: number })[];
  skipped?: string;
}

export function runPeer(csv: string, r: RiskTrainResult, cutoffs: number[], outDir: string, tag: string, seeds: number[] = []): PeerOut {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return { skipped: 'no /usr/bin/python3' };
  const check = spawnSync(py, ['-c', 'import sklearn, xgboost, numpy, scipy'], { encoding: 'utf8' });
  if (check.status !== 0) return { skipped: 'python3-sklearn / python3-xgboost not installed (apt-get install -y python3-sklearn python3-xgboost)' };
  const p = r.params;
  const pfile = join(outDir, `risk-peer-params-${tag}.json`);
  writeFileSync(
    pfile,
    JSON.stringify({
      rounds: p.nRounds,
      learning_rate: p.learningRate,
      max_depth: p.maxDepth,
      max_leaves: p.maxLeaves,
      lambda: p.lambda,
      min_child_weight: p.minChildWeight,
      subsample: p.subsample,
      colsample: p.colsample,
      early_stopping: p.earlyStoppingRounds,
      seed: p.seed,
      seeds,
      cutoffs,
    }),
  );
  const res = spawnSync(py, [join(here, 'peers', 'risk_peer.py'), csv, pfile], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (res.status !== 0) return { skipped: `peer failed: ${res.stderr.slice(-800)}` };
  return JSON.parse(res.stdout.trim().split('\n').pop()!);
}

// ---------------------------------------------------------------- the comparison

interface Ours {
  prAuc: number;
  rocAuc: number;
  rows: number;
}

/** Model seeds over which both learners' AP is averaged (the search itself runs with seed 42). */
const MODEL_SEEDS = [11, 21, 31];

const meanSd = (values: number[]): { mean: number; sd: number; values: number[] } => {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { mean, sd, values };
};

function oursAt(r: RiskTrainResult, cutoff: number | null, margins: Float64Array): Ours {
  const idx: number[] = [];
  for (let k = 0; k < r.test.labels.length; k++) if (cutoff === null || r.test.cutoffHours[k] === cutoff) idx.push(k);
  const m = idx.map((k) => margins[k]);
  const y = idx.map((k) => r.test.labels[k]);
  return { prAuc: averagePrecision(m, y), rocAuc: rocAuc(m, y), rows: idx.length };
}

async function compare(ctx: BenchContext, tag: string, source: string, data: RiskData, opts: RiskTrainOptions, report: { cutoff: number; what: string }[]): Promise<{ rows: BenchRow[]; r: RiskTrainResult }> {
  const rows: BenchRow[] = [];
  let r!: RiskTrainResult;
  const whole = timesOf(() => (r = trainRiskModel(data, opts)));
  const { X, d, split } = r.matrix;
  const fitN = split.fit;
  const validEnd = split.fit + split.valid;
  // One training with the chosen parameters on the same rows (binning included): what XGBoost is timed on.
  const one = timesOf(() => fitRiskEnsemble(r.matrix, r.params));
  // Model seeds (row and column subsampling) for the spread: the chosen parameters refitted per seed, the
  // split and rows fixed; XGBoost gets the same seeds.
  const bySeed = MODEL_SEEDS.map((s) => predictMargins(fitRiskEnsemble(r.matrix, { ...r.params, seed: s }).booster, X.subarray(validEnd * d)));
  const csv = join(ctx.outDir, `risk-matrix-${tag}.csv`);
  await exportCsv(csv, r);
  const peer = runPeer(csv, r, report.map((c) => c.cutoff), ctx.outDir, tag, MODEL_SEEDS);
  const xgb = peer.xgboost && !peer.xgboost.error ? peer.xgboost : null;
  const lr = peer.logistic && !peer.logistic.error ? peer.logistic : null;
  const xenc = peer.xgboostOnOurEncoding && !peer.xgboostOnOurEncoding.error ? peer.xgboostOnOurEncoding : null;
  const xSeeds = xgb ? (peer.xgboostSeeds ?? []) : [];
  rows.push({
    group: G,
    name: `${tag}: data`,
    value: r.card.data.eligible,
    unit: 'tickets',
    note: `${source}; ${r.card.data.rows} (ticket, cut-off) rows at ${r.card.cutoffHours.join(', ')} h; test positive rate ${(r.card.split.test.positiveRate * 100).toFixed(1)} %; chosen ${JSON.stringify({ lr: r.params.learningRate, leaves: r.params.maxLeaves, depth: r.params.maxDepth, mcw: r.params.minChildWeight, lambda: r.params.lambda })}, ${r.card.model.trees} trees`,
  });
  const f = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(4));
  for (const { cutoff, what } of report) {
    const o = oursAt(r, cutoff, r.test.margins);
    const key = `cutoff:${cutoff}`;
    const xa = xgb?.[key]?.prAuc ?? null;
    const ours = meanSd(bySeed.map((m) => oursAt(r, cutoff, m).prAuc));
    const theirs = meanSd(xSeeds.map((x) => x[key]?.prAuc ?? NaN));
    const spread = (m: { mean: number; sd: number; values: number[] }) => `${m.mean.toFixed(4)} ± ${m.sd.toFixed(4)} (${m.values.map((v) => v.toFixed(3)).join(', ')})`;
    rows.push({
      group: G,
      name: `${tag}: AP ${what} — ours, mean over model seeds ${MODEL_SEEDS.join('/')}`,
      value: ours.mean,
      unit: '',
      target: xSeeds.length ? `≥ XGBoost's mean (${theirs.mean.toFixed(4)})` : '≥ XGBoost',
      verdict: xSeeds.length ? (ours.mean >= theirs.mean ? 'pass' : 'fail') : undefined,
      note: `ours ${spread(ours)}, XGBoost ${spread(theirs)} (mean ± sd over seeds); seed ${r.params.seed} model: ours ${f(o.prAuc)} / XGBoost ${f(xa)}; ROC-AUC ours ${f(o.rocAuc)} / XGBoost ${f(xgb?.[key]?.rocAuc)} / logistic ${f(lr?.[key]?.rocAuc)}; AP logistic ${f(lr?.[key]?.prAuc)}; AP XGBoost on our encoding ${f(xenc?.[key]?.prAuc)}; ${o.rows} test rows`,
    });
    if (xgb) rows.push({ group: G, name: `${tag}: AP ${what} — XGBoost ${xgb.version} (native categoricals), mean over the same seeds`, value: theirs.mean, unit: '' });
    if (lr) rows.push({ group: G, name: `${tag}: AP ${what} — logistic regression (one-hot)`, value: lr[key]?.prAuc ?? NaN, unit: '' });
  }
  if (peer.skipped || !xgb || !lr) rows.push({ group: G, name: `${tag}: peer models`, value: NaN, unit: '', note: peer.skipped ?? `xgboost: ${peer.xgboost?.error ?? 'ok'}; logistic: ${peer.logistic?.error ?? 'ok'}` });
  const xcpu = xgb?.cpuSecondsOneThread ?? null;
  rows.push({
    group: G,
    name: `${tag}: GBDT training, ${fitN.toLocaleString('en-US')} rows × ${d} features (+${split.valid.toLocaleString('en-US')} validation), chosen parameters, CPU`,
    value: one.cpu,
    unit: 's',
    target: xcpu !== null ? `≤ 3× XGBoost 1 thread (${(3 * xcpu).toFixed(2)} s)` : '≤ 3× XGBoost',
    verdict: xcpu !== null ? (one.cpu <= 3 * xcpu ? 'pass' : 'fail') : undefined,
    note: `ours = the two-member ensemble (two boosters); XGBoost same rows and parameters, one booster, 1 thread: ${f(xcpu)} s CPU (best iteration ${xgb?.bestIteration}); whole pipeline with the ${r.search.length}-candidate search, features, calibration, SHAP and simulation: ${whole.cpu.toFixed(1)} s CPU`,
  });
  writeFileSync(join(ctx.outDir, `risk-card-${tag}.json`), JSON.stringify(r.card, null, 2));
  return { rows, r };
}

export default async function riskBench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const seed = 42;

  // ---- sample tickets, label escalated
  const size = ctx.quick ? 10_000 : 20_000;
  const ds = sampleData(size);
  process.stderr.write(`  data: ${ds.source}, ${ds.data.events.length.toLocaleString('en-US')} events\n`);
  const endMs = Number.isFinite(ds.endMs) ? ds.endMs : undefined;
  const sample = await compare(ctx, 'sample', ds.source, ds.data, { label: 'escalated', seed, dataEndMs: endMs }, [
    { cutoff: 0, what: 'at first contact (0 h, all tickets)' },
    { cutoff: 2, what: 'at 2 h (tickets open at 2 h)' },
  ]);
  rows.push(...sample.rows);
  const card = sample.r.card;
  const at2 = card.metrics.byCutoff.find((c) => c.cutoffHours === 2)!;
  for (const [what, m] of [['all test rows (every cut-off)', card.metrics.test], ['tickets open at 2 h', at2]] as const) {
    rows.push({
      group: G,
      name: `sample: precision at the validation-chosen threshold (p ≥ ${card.threshold.probability.toFixed(3)}), ${what}`,
      value: m.precision,
      unit: '',
      target: 'precision ≥ 0.7 at recall ≥ 0.6',
      verdict: m.precision >= 0.7 && m.recall >= 0.6 ? 'pass' : 'fail',
      note: `95 % CI ${m.precisionCi95.map((v) => v.toFixed(3)).join('–')}; recall ${m.recall.toFixed(3)}; ${m.flagged} flagged of ${m.rows}; Brier ${m.brier.toFixed(4)}`,
    });
  }

  // ---- the acceptance run on a fresh sample (sample → ingest → risk train)
  rows.push(...(await freshSampleTrain(ctx)));

  // ---- scoring throughput and TreeSHAP latency (a figure kept for the record, no target)
  const loaded = loadRiskModel(sample.r.model);
  const nowMs = endMs ?? Date.now();
  const toScore = ds.data.tickets;
  scoreTickets(loaded, toScore.slice(0, 1000), ds.data.events, nowMs, { agents: ds.data.agents });
  const sc = timesOf(() => scoreTickets(loaded, toScore, ds.data.events, nowMs, { agents: ds.data.agents }));
  rows.push({ group: G, name: `scoring ${toScore.length.toLocaleString('en-US')} tickets with their ${ds.data.events.length.toLocaleString('en-US')} events, per CPU second`, value: toScore.length / sc.cpu, unit: 'tickets/s', note: `wall ${(toScore.length / sc.wall).toFixed(0)} tickets/s; plain code, no speed target (issue 13 retired it)` });
  const { X, d } = sample.r.matrix;
  const nShap = Math.min(2000, sample.r.matrix.y.length);
  const sh = timesOf(() => {
    for (let i = 0; i < nShap; i++) loaded.shap.contributions(X, i * d);
  });
  rows.push({ group: G, name: `TreeSHAP, one ticket (${card.model.trees} trees), mean CPU over ${nShap}`, value: (sh.cpu * 1000) / nShap, unit: 'ms' });
  const sim = card.simulation!;
  rows.push({
    group: G,
    name: `sample: breaches cut by acting on escalation flags (test period, ${Math.round(sim.assumption.speedup * 100)} % faster)`,
    value: sim.reduction * 100,
    unit: '%',
    note: `${sim.avoided} of ${sim.breachesWithout} breaches avoided, 95 % CI ${(sim.ci95.reduction[0] * 100).toFixed(1)}–${(sim.ci95.reduction[1] * 100).toFixed(1)} %, ${sim.flagged} of ${sim.tickets} evaluable flagged; ${sim.unevaluable} unevaluable left out`,
  });

  // ---- the real CSAT contacts, label low CSAT (1–2)
  const sz = shopzillaData();
  if (!sz) rows.push({ group: G, name: 'shopzilla: skipped', value: NaN, unit: '', note: `${SHOPZILLA} not found` });
  else {
    const real = await compare(
      ctx,
      'shopzilla',
      sz.source,
      sz.data,
      { label: 'escalated', labelOf: (t) => (t.csat == null ? null : t.csat <= 2 ? 1 : 0), requireResolved: false, cutoffHours: [0, 1], seed, hashBuckets: 0 },
      [
        { cutoff: 0, what: 'low CSAT at first contact (0 h)' },
        { cutoff: 1, what: 'low CSAT at 1 h (response known by then)' },
      ],
    );
    rows.push(...real.rows);
  }
  return rows;
}
