/**
 * CSAT drivers (`kpi csat drivers`) on the real e-commerce CSAT contacts (../shared/data/shopzilla_ecommerce_csat,
 * skipped cleanly when absent), loaded through the product's ingest (bench/shopzilla.ts writes them as a
 * tickets CSV). Out of sample in time: the model is fitted on the first 80 % of contacts by report time and
 * scored on the last 20 % (log-loss, ROC-AUC) beside a prior-only baseline (the fit slice's low-CSAT rate)
 * and scikit-learn's LogisticRegression on the same one-hot design (bench/peers/drivers_peer.py under Debian's
 * /usr/bin/python3). Stability: the drivers clear on the first 80 % are re-estimated on the last 20 % alone:
 * how many keep their sign. Also the command's own run time over all contacts (200 bootstrap refits).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchRow } from './types.js';
import { writeShopzillaTickets } from './shopzilla.js';
import { openWarehouse } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import { loadDriverData, type DriversResult } from '../commands/kpiDrivers.js';
import { csatDrivers, predictLowCsat, designOf, type DriverEffect } from '../src/engines/kpi/drivers.js';
import { logLoss, rocAuc } from '../src/engines/risk/metrics.js';

const here = dirname(fileURLToPath(import.meta.url));
const G = 'csatdrivers';

const fmtEffect = (e: DriverEffect) => `${e.label} ${e.level} vs ${e.reference}: ${e.adjustedPts >= 0 ? '+' : ''}${e.adjustedPts.toFixed(1)} pts [${e.adjustedCi.low.toFixed(1)}, ${e.adjustedCi.high.toFixed(1)}] (raw ${e.rawPts >= 0 ? '+' : ''}${e.rawPts.toFixed(1)}, n ${e.n})`;

export default async function bench(ctx: BenchContext): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(ctx.outDir, 'drivers-'));
  try {
    const conv = writeShopzillaTickets(dir);
    if (!conv) return [{ group: G, name: 'shopzilla: skipped', value: NaN, unit: '', note: 'shared data not found' }];
    const db = openWarehouse(join(dir, 'w.db'));
    const rep = await ingestFiles(db, [conv.path], { defaultTz: 'UTC' });
    if (!rep.ok) throw new Error(`ingest rejected: ${JSON.stringify(rep.problems.slice(0, 3))}`);
    const config = loadConfig({});
    const c = { db, now: new Date('2023-08-08T00:00:00Z'), config, surface: 'cli' as const };
    const registry = buildRegistry();
    const range = '2023-07-01..2023-08-07';

    // The command itself, all contacts.
    const t0 = process.hrtime.bigint();
    const e = await execute(registry, `kpi csat drivers ${range}`, c);
    const runMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!e.ok) throw new Error(e.message);
    const all = e.result as DriversResult;
    const top = all.effects.filter((x) => x.clear).slice(0, 6);

    // Time split 80 / 20 on the same rows and drivers.
    const { data, tickets } = loadDriverData(c, { queue: null, range: { from: '2023-07-01', to: '2023-08-07', label: range } });
    const order = tickets.map((t, i) => [t.createdMs, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
    const cut = Math.floor(order.length * 0.8);
    const fitRows = order.slice(0, cut).map((i) => data.rows[i]);
    const testRows = order.slice(cut).map((i) => data.rows[i]);
    const B = ctx.quick ? 50 : 200;
    const early = csatDrivers(data.specs, fitRows, { bootstrap: B, seed: 17 });
    const late = csatDrivers(data.specs, testRows, { bootstrap: B, seed: 17 });
    const yTest = testRows.map((r) => (r.csat <= 2 ? 1 : 0));
    const p = predictLowCsat(data.specs, early.model, testRows);
    const ours = { logLoss: logLoss(p, yTest), auc: rocAuc(p, yTest) };
    const prior = early.lowCount / early.n;
    const priorLoss = logLoss(new Float64Array(yTest.length).fill(prior), yTest);
    const clearEarly = early.effects.filter((x) => x.clear);
    const key = (x: DriverEffect) => `${x.driver}\u0000${x.level}\u0000${x.reference}`;
    const lateBy = new Map(late.effects.map((x) => [key(x), x]));
    let sameSign = 0;
    let lateClearSame = 0;
    let compared = 0;
    for (const x of clearEarly) {
      const y = lateBy.get(key(x));
      if (!y) continue;
      compared++;
      if (Math.sign(y.adjustedPts) === Math.sign(x.adjustedPts)) sameSign++;
      if (y.clear && Math.sign(y.adjustedPts) === Math.sign(x.adjustedPts)) lateClearSame++;
    }

    // Peer: sklearn on the same one-hot design.
    let peer: { logLoss: number; rocAuc: number; coef: number[]; objective: number; oursObjective: number; version: string } | null = null;
    let peerNote = '';
    const py = '/usr/bin/python3';
    if (existsSync(py)) {
      const enc = early.model.encoding;
      const k = enc.drivers.length;
      const rowsCsv: string[] = [['split', 'y', ...Array.from({ length: enc.columns }, (_, j) => `c${j}`)].join(',')];
      const emit = (rows: typeof fitRows, split: string) => {
        const cols = designOf(data.specs, enc, rows);
        for (let i = 0; i < rows.length; i++) {
          const x = new Array<number>(enc.columns).fill(0);
          for (let f = 0; f < k; f++) if (cols[i * k + f] >= 0) x[cols[i * k + f]] = 1;
          rowsCsv.push([split, rows[i].csat <= 2 ? 1 : 0, ...x].join(','));
        }
      };
      emit(fitRows, 'fit');
      emit(testRows, 'test');
      const csv = join(dir, 'design.csv');
      writeFileSync(csv, rowsCsv.join('\n') + '\n');
      const oursJson = join(dir, 'ours.json');
      writeFileSync(oursJson, JSON.stringify({ coef: Array.from(early.model.beta) }));
      const res = spawnSync(py, [join(here, 'peers', 'drivers_peer.py'), csv, String(early.lambda), oursJson], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (res.status === 0) peer = JSON.parse(res.stdout.trim().split('\n').pop()!);
      else peerNote = `peer failed: ${res.stderr.slice(-400)}`;
    } else peerNote = 'no /usr/bin/python3';
    const coefGap = peer ? Math.max(...peer.coef.map((b, j) => Math.abs(b - early.model.beta[j]))) : NaN;
    db.close();

    const n = `${conv.rows.toLocaleString('en-US')} contacts`;
    return [
      { group: G, name: `held-out log-loss, last 20 % (fit on first 80 %), ${n}`, value: ours.logLoss, unit: '', target: '< prior-only', verdict: ours.logLoss < priorLoss ? 'pass' : 'fail', note: `prior-only ${priorLoss.toFixed(4)}; sklearn LogisticRegression ${peer ? peer.logLoss.toFixed(4) : 'n/a'} (${peer ? `sklearn ${peer.version}` : peerNote}); low CSAT ${(100 * prior).toFixed(1)} % in the fit slice` },
      { group: G, name: 'held-out ROC-AUC, last 20 %', value: ours.auc, unit: '', note: `sklearn LogisticRegression ${peer ? peer.rocAuc.toFixed(4) : 'n/a'}; prior-only 0.5` },
      { group: G, name: 'penalised objective at our fit − at sklearn\'s (same design, same penalty)', value: peer ? peer.oursObjective - peer.objective : NaN, unit: 'nats', target: '≤ 1e-6', verdict: peer ? (peer.oursObjective - peer.objective <= 1e-6 ? 'pass' : 'fail') : undefined, note: peer ? `objective ${peer.objective.toFixed(6)}; max |coefficient difference| ${coefGap.toExponential(2)} log-odds` : peerNote },
      { group: G, name: 'drivers clear on first 80 % with the same sign on last 20 %', value: compared ? sameSign / compared : NaN, unit: 'share', note: `${sameSign} of ${compared} same sign, ${lateClearSame} of them clear on the last 20 % alone (${late.n} contacts)` },
      { group: G, name: `kpi csat drivers run time (all contacts, ${all.bootstrap} bootstrap refits)`, value: runMs, unit: 'ms', note: `top drivers: ${top.map(fmtEffect).join('; ')}` },
      { group: G, name: 'contacts loaded through ingest', value: conv.rows, unit: 'tickets', note: `${conv.skipped} skipped (no score/date), ${conv.responseDropped} responses stamped before the report dropped; ${all.surveyed} surveyed, ${all.lowPct.toFixed(1)} % low` },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
