/**
 * whatif through the queue calibration: a plan day predicted by the calibration fitted on the days before it,
 * checked against a hand computation (Erlang on the calibration's effective inputs), with the accuracy line,
 * the prediction range and the fitted-range warning.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import type { CommandContext } from '../src/registry.js';
import { erlangA, erlangC, typicalSl } from '../src/engines/queueing/index.js';
import { whatif, whatifArgs, type WhatifCommandResult } from '../commands/whatif.js';
import { queueCalibrationFor } from '../commands/queueModel.js';
import { validateBlocks } from '../src/blocks/kit.js';
import { staffing, staffingArgs, type StaffingCommandResult } from '../commands/staffing.js';

const HEADER = 'interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds,forecast_offered,forecast_aht_seconds';
const NOW = new Date('2026-11-12T10:00:00Z');
const PLAN_DAY = '2026-11-13';
/** The plan: 16 half-hours 08:00–16:00, 60 calls × 200 s, 9 agents; 12:00 has 900 calls and 120 agents (far outside history). */
const plan = (k: number) => (k === 8 ? { offered: 900, agents: 120 } : { offered: 60, agents: 9 });

let db: Db;
let ctx: CommandContext;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-cal-'));
  writeFileSync(join(dir, 'sla_policy.csv'), 'queue,sl_target_pct,sl_target_seconds,interval_seconds,time_zone\nbank,80,20,1800,UTC\n');
  const lines = [HEADER];
  // Twelve realised days whose outcomes follow Erlang A with AHT × 1.4 and patience 300 s (the "true" queue).
  for (let d = 0; d < 12; d++) {
    const day = `2026-11-${String(d + 1).padStart(2, '0')}`; // 1–12 November
    for (let k = 0; k < 16; k++) {
      const offered = 40 + ((k * 7 + d * 3) % 41);
      const agents = 7 + ((k + d) % 6);
      const m = erlangA({ arrivals: offered, intervalSeconds: 1800, ahtSeconds: 280, agents, targetAnswerSeconds: 20, meanPatienceSeconds: 300 });
      const abandoned = Math.round(offered * m.probAbandon);
      const within = Math.min(offered - abandoned, Math.round(offered * m.serviceLevel));
      const h = 8 + k / 2;
      lines.push(`${day}T${String(Math.floor(h)).padStart(2, '0')}:${k % 2 ? '30' : '00'}:00Z,bank,${offered},${offered - abandoned},${abandoned},${within},200,30,${agents},80,20,,`);
    }
  }
  for (let k = 0; k < 16; k++) {
    const h = 8 + k / 2;
    const p = plan(k);
    lines.push(`${PLAN_DAY}T${String(Math.floor(h)).padStart(2, '0')}:${k % 2 ? '30' : '00'}:00Z,bank,,,,,,,${p.agents},80,20,${p.offered},200`);
  }
  writeFileSync(join(dir, 'intervals.csv'), lines.join('\n') + '\n');
  db = openWarehouse(join(dir, 'w.db'));
  const r = await ingestFiles(db, [join(dir, 'sla_policy.csv'), join(dir, 'intervals.csv')]);
  expect(r.problems).toEqual([]);
  ctx = { db, now: NOW, config: loadConfig({}), surface: 'cli' };
});

describe('whatif on a plan day, through the calibration', () => {
  it('predicts the plan day’s SL as the calibration does (hand computation on its effective inputs)', async () => {
    const r = (await whatif.run(ctx, whatifArgs.parse({ queue: 'bank', date: PLAN_DAY }))) as WhatifCommandResult;
    expect(r.basis).toBe('forecast');
    expect(r.calibrated).toBe(true);
    expect(r.fallbackReason).toBeNull();
    const cal = queueCalibrationFor(db, 'bank', PLAN_DAY);
    if ('error' in cal) throw new Error(cal.error);
    expect(cal.fitThrough < PLAN_DAY).toBe(true);
    // By hand: Σ offered × SL(k·AHT, m·N, patience) ÷ Σ offered over the 16 planned half-hours.
    let vol = 0;
    let within = 0;
    for (let k = 0; k < 16; k++) {
      const p = plan(k);
      const inp = { arrivals: p.offered, intervalSeconds: 1800, ahtSeconds: 200 * cal.handleTimeFactor, agents: p.agents * cal.agentFactor, targetAnswerSeconds: 20 };
      const sl = cal.model === 'erlang_a' ? erlangA({ ...inp, meanPatienceSeconds: cal.patienceSeconds! }).serviceLevel : erlangC(inp).serviceLevel;
      vol += p.offered;
      within += p.offered * sl;
    }
    expect(r.baseline.predictedSlPct).toBeCloseTo((within / vol) * 100, 6);
    // Per interval the typical (median) SL is shown beside the expected one; the day adds up the expected ones.
    expect(cal.dispersion).not.toBeNull();
    for (const iv of r.result.intervals) expect(iv.typicalSl).toBe(typicalSl(iv.predictedSl, iv.scenario.offered, cal.dispersion));
    expect(r.result.atRisk.length).toBeGreaterThan(0);
    expect(whatif.text(r)).toMatch(/time +calls +typical SL +expected SL/);
    expect(whatif.text(r)).toContain('Typical SL: what such an interval usually delivers (the median');
    // The fit sees AHT 200 s where the queue behaved like 280 s: it must find a factor well above 1.
    expect(cal.handleTimeFactor).toBeGreaterThan(1.2);
    expect(r.baseline.realisedSlPct).toBeNull();
    // One accuracy line from the backtest; a range around the prediction.
    expect(r.accuracy!.text).toMatch(/^model: Erlang [AC], k \d\.\d\d(, agents × \d\.\d\d)?; backtest last \d+ days: ±\d+\.\d pp per half-hour, bias [+−]\d+\.\d pp, day ±\d+\.\d pp$/);
    const g = r.baseline.range!;
    expect(g.lowPct).toBeLessThanOrEqual(r.baseline.predictedSlPct);
    expect(g.highPct).toBeGreaterThanOrEqual(r.baseline.predictedSlPct);
    expect(g.level).toBe(0.8);
    const text = whatif.text(r);
    expect(text).toContain(`Model: ${r.accuracy!.text}`);
    expect(text).toMatch(/Predicted SL: \d+\.\d % \(80 % range \d+–\d+ %\)/);
    const blocks = whatif.blocks!(r, { public: false });
    expect(validateBlocks(blocks)).toEqual([]);
    expect(JSON.stringify(blocks)).toContain('backtest last');
  });

  it('warns when a planned interval lies far outside the fitted range', async () => {
    const r = (await whatif.run(ctx, whatifArgs.parse({ queue: 'bank', date: PLAN_DAY }))) as WhatifCommandResult;
    expect(r.warnings.some((w) => /agents up to 120, above the fitted history/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /calls offered up to 900/.test(w))).toBe(true);
    expect(whatif.text(r)).toMatch(/⚠ Outside the fitted range: .*agents up to 120/);
  });

  it('a lever gets a delta with a range that contains it', async () => {
    const r = (await whatif.run(ctx, whatifArgs.parse({ queue: 'bank', date: PLAN_DAY, agents: 2 }))) as WhatifCommandResult;
    expect(r.delta.slPts).toBeGreaterThan(0);
    expect(r.delta.range!.lowPts).toBeLessThanOrEqual(r.delta.slPts);
    expect(r.delta.range!.highPts).toBeGreaterThanOrEqual(r.delta.slPts);
    expect(r.scenario.range).not.toBeNull();
    // Calibrated: the range is the backtested change interval, t(0.9, n − 1) · √2 · sd of the day residuals.
    const cal = queueCalibrationFor(db, 'bank', PLAN_DAY);
    if ('error' in cal) throw new Error(cal.error);
    const res = cal.backtest!.perDay.map((d) => d.predictedPct - d.realisedPct);
    const m = res.reduce((a, b) => a + b, 0) / res.length;
    const sd = Math.sqrt(res.reduce((a, x) => a + (x - m) ** 2, 0) / (res.length - 1));
    expect(r.delta.range!.source).toBe('backtest');
    expect(res.length).toBe(5);
    const half = 1.533206 * Math.SQRT2 * sd; // t table, 0.90 quantile, 4 degrees of freedom
    if (r.baseline.predictedSlPct + r.delta.slPts + half < 100) expect(r.delta.range!.highPts - r.delta.slPts).toBeCloseTo(half, 3);
    expect(r.delta.modelSpread!.lowPts).toBeLessThanOrEqual(r.delta.slPts);
    expect(whatif.text(r)).toMatch(/80 % range .* from the backtest's day-to-day errors; across models/);
  });
});

describe('staffing on a plan day, through the calibration', () => {
  it('needs the smallest N whose calibrated SL meets 80/20 (hand computation), and carries the accuracy line', async () => {
    const r = (await staffing.run(ctx, staffingArgs.parse({ queue: 'bank', date: PLAN_DAY }))) as StaffingCommandResult;
    const cal = queueCalibrationFor(db, 'bank', PLAN_DAY);
    if ('error' in cal) throw new Error(cal.error);
    expect(r.calibrated).toBe(true);
    expect(r.accuracy!.text).toMatch(/^model: Erlang/);
    const sl = (n: number) => {
      const inp = { arrivals: 60, intervalSeconds: 1800, ahtSeconds: 200 * cal.handleTimeFactor, agents: n * cal.agentFactor, targetAnswerSeconds: 20 };
      return cal.model === 'erlang_a' ? erlangA({ ...inp, meanPatienceSeconds: cal.patienceSeconds! }).serviceLevel : erlangC(inp).serviceLevel;
    };
    const row = r.plan.rows.find((x) => x.localMinute === 480)!;
    expect(sl(row.rawAgents)).toBeGreaterThanOrEqual(0.8);
    expect(sl(row.rawAgents - 1)).toBeLessThan(0.8);
    expect(staffing.text(r)).toContain(`Model: ${r.accuracy!.text}`);
    expect(validateBlocks(staffing.blocks!(r, { public: false }))).toEqual([]);
  });
});
