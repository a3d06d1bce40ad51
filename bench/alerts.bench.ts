/**
 * Alerts: one evaluator tick with 200 rules over 20 queues on a 1-year warehouse (target < 500 ms), and the
 * backtest of one rule over 1 year (target < 5 s). The warehouse is the sample generator's 1 year × 20 queues
 * (seed 11, the same as the ingest bench's `radar sla` figure), copied so the alert tables stay out of it.
 * Also: the pre-breach projection through the queue calibration (what alerting runs with) vs the textbook static
 * engines, as the error of the mid-day projection of the day's SL on recent days.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import type { BenchContext, BenchRow } from './types.js';
import { summarize } from './types.js';
import { writeSample } from '../src/sample/generate.js';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { listQueues } from '../src/warehouse/queries.js';
import { evaluate } from '../src/alerts/evaluator.js';
import { backtest } from '../src/alerts/backtest.js';
import { calibratedEngines, staticEngines, type Engines } from '../src/alerts/engines.js';
import { newCache, projectDay, projectionBasis } from '../src/alerts/providers.js';
import { WarehouseView } from '../src/alerts/data.js';
import { finishRule, parseRuleTokens, type Rule } from '../src/alerts/rules.js';
import { insertRule, listRules } from '../src/alerts/store.js';
import { tokenize } from '../src/grammar/tokens.js';
import { buildParseContext } from '../src/parseContext.js';
import { loadConfig } from '../src/config.js';
import { addDays } from '../src/time.js';

const END = '2026-11-20';

/** Its own sample (the other benches' files are sized by --quick differently): 1 year × 20 queues, seed 11. */
async function yearWarehouse(ctx: BenchContext): Promise<{ path: string; days: number }> {
  const days = ctx.quick ? 60 : 365;
  const tag = ctx.quick ? 'alerts-60d' : 'alerts-365d';
  const base = join(ctx.outDir, `${tag}-base.db`);
  if (!existsSync(base)) {
    const dir = join(ctx.outDir, tag);
    if (!existsSync(join(dir, 'intervals.csv'))) await writeSample(dir, { days, queues: 20, tickets: 0, seed: 11, end: END });
    const db0 = openWarehouse(base);
    const r = await ingestFiles(db0, [join(dir, 'sla_policy.csv'), join(dir, 'intervals.csv')]);
    db0.pragma('wal_checkpoint(TRUNCATE)');
    db0.close();
    if (!r.ok) throw new Error('bench warehouse rejected');
  }
  const path = join(ctx.outDir, `${tag}.db`);
  for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
  copyFileSync(base, path);
  return { path, days };
}

const METRIC_MIX = ['sl < 80 for 2 intervals', 'sl_day < target', 'abandon > 10 for 2 intervals', 'asa > 60 for 2 intervals', 'arrivals_z > 3', 'projected_sl < target-2 for 30m', 'sl < 70', 'sl_day < 75', 'abandon > 15', 'projected_sl < 78'];

function addRules(db: Db, n: number, scopeAll: boolean, queues: string[]): void {
  const config = loadConfig({});
  const pctx = buildParseContext(db, config, new Date(`${END}T12:00:00Z`));
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const text = `${METRIC_MIX[i % METRIC_MIX.length]} queue=${scopeAll ? 'all' : queues[i % queues.length]} channel=#ops-${i % 7} severity=high`;
      insertRule(db, finishRule(parseRuleTokens(tokenize(text), pctx, { mode: 'full' }), 'UTC'), text, null, 0);
    }
  })();
}

export default async function alertsBench(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const { path, days } = await yearWarehouse(ctx);
  const engines = staticEngines();
  const db = openWarehouse(path);
  const queues = listQueues(db).map((q) => q.queue);
  const intervals = (db.prepare('SELECT COUNT(*) AS n FROM interval_inputs').get() as { n: number }).n;
  const size = `${queues.length} queues × ${days} days, ${intervals.toLocaleString('en-US')} intervals`;

  // --- Ticks: 200 rules, each on all 20 queues (4 000 rule × queue states), every 15 minutes over a working day.
  addRules(db, 200, true, queues);
  const day = addDays(END, -1);
  const cache = newCache();
  const ticks: number[] = [];
  let scopes = 0;
  let intents = 0;
  const first = evaluate(db, { now: new Date(`${day}T06:00:00Z`), engines, defaultTz: 'UTC', cache });
  const cpu0 = process.cpuUsage();
  for (let k = 1; k <= 48; k++) {
    const now = new Date(Date.parse(`${day}T06:00:00Z`) + k * 15 * 60_000);
    const t0 = process.hrtime.bigint();
    const r = evaluate(db, { now, engines, defaultTz: 'UTC', cache });
    ticks.push(Number(process.hrtime.bigint() - t0) / 1e6);
    scopes = r.scopes;
    intents += r.intents;
  }
  const cpu = process.cpuUsage(cpu0);
  const s = summarize(ticks);
  const load = loadavg()[0];
  rows.push({
    group: 'alerts', name: `tick: 200 rules on all ${queues.length} queues (${scopes.toLocaleString('en-US')} states), ${size}, p95 of 48 ticks`, value: s.p95, unit: 'ms', target: '< 500 ms', verdict: s.p95 < 500 ? 'pass' : 'fail',
    note: `p50 ${s.p50.toFixed(0)} ms, max ${Math.max(...ticks).toFixed(0)} ms, CPU ${((cpu.user + cpu.system) / 1000 / 48).toFixed(0)} ms per tick on average; first tick (creates every state) ${first.ms.toFixed(0)} ms; ${intents} intents over the day; load average ${load.toFixed(1)} on ${cpus().length} cores`,
  });

  // Same, 200 rules spread 10 per queue (the common set-up).
  db.exec('DELETE FROM alert_rules; DELETE FROM alert_intents; DELETE FROM alert_events;');
  addRules(db, 200, false, queues);
  const spread: number[] = [];
  evaluate(db, { now: new Date(`${day}T06:00:00Z`), engines, defaultTz: 'UTC', cache });
  for (let k = 1; k <= 48; k++) {
    const now = new Date(Date.parse(`${day}T06:00:00Z`) + k * 15 * 60_000);
    spread.push(evaluate(db, { now, engines, defaultTz: 'UTC', cache }).ms);
  }
  const s2 = summarize(spread);
  rows.push({ group: 'alerts', name: `tick: 200 rules, 10 per queue (200 states), p95 of 48 ticks`, value: s2.p95, unit: 'ms', target: '< 500 ms', verdict: s2.p95 < 500 ? 'pass' : 'fail' });

  // Drift rules on every queue: detectDrift over 35 days per queue when new data arrives (cached otherwise).
  db.exec('DELETE FROM alert_rules;');
  addRulesText(db, ['drift queue=all channel=#ops']);
  const driftCache = newCache();
  const driftCold = evaluate(db, { now: new Date(`${day}T12:01:00Z`), engines, defaultTz: 'UTC', cache: driftCache }).ms;
  rows.push({ group: 'alerts', name: `tick: drift rule on all ${queues.length} queues, first tick of the day (calibrates each queue's thresholds)`, value: driftCold, unit: 'ms' });
  const driftWarm = evaluate(db, { now: new Date(`${day}T12:31:00Z`), engines, defaultTz: 'UTC', cache: driftCache }).ms;
  rows.push({ group: 'alerts', name: `tick: drift rule on all ${queues.length} queues, new data later that day (thresholds reused)`, value: driftWarm, unit: 'ms' });

  // --- Backtests over the whole history.
  const from = addDays(END, -(days - 1) + 28);
  const bt = (text: string): { ms: number; fired: number; flaps: number } => {
    db.exec('DELETE FROM alert_rules;');
    addRulesText(db, [text]);
    const rule = listRules(db)[0] as Rule;
    const t0 = process.hrtime.bigint();
    const r = backtest(db, [rule], from, END, { engines, defaultTz: 'UTC' });
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, fired: r.summary.fired, flaps: r.summary.flaps };
  };
  const span = `${from}..${END}`;
  const one = bt(`sl < 80 for 2 intervals queue=${queues[0]}`);
  rows.push({ group: 'alerts', name: `backtest: sl < 80 for 2 intervals, one queue, ${span}`, value: one.ms / 1000, unit: 's', target: '< 5 s', verdict: one.ms < 5000 ? 'pass' : 'fail', note: `${one.fired} alerts, ${one.flaps} flaps` });
  const all = bt('sl < 80 for 2 intervals queue=all');
  rows.push({ group: 'alerts', name: `backtest: sl < 80 for 2 intervals, all ${queues.length} queues, ${span}`, value: all.ms / 1000, unit: 's', target: '< 5 s', verdict: all.ms < 5000 ? 'pass' : 'fail', note: `${all.fired} alerts, ${all.flaps} flaps` });
  const proj = bt(`projected_sl < target for 30m queue=${queues[0]}`);
  rows.push({ group: 'alerts', name: `backtest: projected_sl < target (Erlang C per remaining slot), one queue, ${span}`, value: proj.ms / 1000, unit: 's', target: '< 5 s', verdict: proj.ms < 5000 ? 'pass' : 'fail', note: `${proj.fired} alerts, ${proj.flaps} flaps` });
  const projAll = bt('projected_sl < target for 30m queue=all');
  rows.push({ group: 'alerts', name: `backtest: projected_sl < target, all ${queues.length} queues, ${span}`, value: projAll.ms / 1000, unit: 's', note: `${projAll.fired} alerts, ${projAll.flaps} flaps` });
  rows.push(...calibratedProjectionRows(db, queues.slice(0, 3), ctx.quick ? 4 : 10));
  db.close();
  return rows;
}

/**
 * The pre-breach projection as alerting runs it (calibratedEngines: the queue's calibration fitted before the day,
 * the demand forecast's volumes) beside the textbook static engines (Erlang C + today's realised offset): at mid-day
 * (half the day's intervals done) on each of the last `days` days of each queue, the projected end-of-day SL vs the day's realised SL, and the
 * time of the first (cold: fit + forecast) and a later (remembered) projection.
 */
function calibratedProjectionRows(db: Db, queues: string[], days: number): BenchRow[] {
  const score = (engines: Engines) => {
    let ae = 0;
    let e = 0;
    let n = 0;
    const cold: number[] = [];
    const warm: number[] = [];
    for (let d = days; d >= 1; d--) {
      const date = addDays(END, -d);
      const view = new WarehouseView(db, 'UTC');
      for (const q of queues) {
        const src = view.rowsOf(q);
        const all = src?.rowsOn(date) ?? [];
        const offered = all.reduce((a, r) => a + r.offered, 0);
        if (!src || !offered) continue;
        // mid-day in the queue's own time zone: after the first half of the day's intervals
        const soFar = all.slice(0, Math.floor(all.length / 2));
        let t0 = process.hrtime.bigint();
        const basis = projectionBasis(src, date, engines);
        const p = basis ? projectDay(soFar, src.baseline(date), basis) : null;
        cold.push(Number(process.hrtime.bigint() - t0) / 1e6);
        t0 = process.hrtime.bigint();
        const again = new WarehouseView(db, 'UTC').rowsOf(q)!;
        const b2 = projectionBasis(again, date, engines);
        if (b2) projectDay(soFar, again.baseline(date), b2);
        warm.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (!p || p.sl === null) continue;
        const real = all.reduce((a, r) => a + r.answeredWithinTarget, 0) / offered;
        ae += Math.abs(p.sl - real);
        e += p.sl - real;
        n++;
      }
    }
    return { mae: (100 * ae) / n, bias: (100 * e) / n, n, cold: summarize(cold), warm: summarize(warm) };
  };
  const cal = score(calibratedEngines());
  const tb = score(staticEngines());
  const what = `${queues.length} sample queues × last ${days} days, projected at mid-day (half the day's intervals done) vs the realised day SL`;
  return [
    {
      group: 'alerts',
      name: `projection (projected_sl) through the calibration (calibratedEngines), ${what}: MAE`,
      value: cal.mae,
      unit: 'pp',
      note: `bias ${cal.bias.toFixed(1)} pp over ${cal.n} queue-days; the first projection of a queue-day (fit or stored-fit check + demand forecast) p50 ${cal.cold.p50.toFixed(0)} ms, p95 ${cal.cold.p95.toFixed(0)} ms; later ones (remembered until the next ingest) p50 ${cal.warm.p50.toFixed(1)} ms`,
    },
    {
      group: 'alerts',
      name: `projection peer: textbook Erlang C + today's realised offset (staticEngines), ${what}: MAE`,
      value: tb.mae,
      unit: 'pp',
      note: `bias ${tb.bias.toFixed(1)} pp over ${tb.n} queue-days; p50 ${tb.cold.p50.toFixed(1)} ms per projection`,
    },
  ];
}

function addRulesText(db: Db, texts: string[]): void {
  const pctx = buildParseContext(db, loadConfig({}), new Date(`${END}T12:00:00Z`));
  for (const t of texts) insertRule(db, finishRule(parseRuleTokens(tokenize(t), pctx, { mode: 'full' }), 'UTC'), t, null, 0);
}
