/**
 * The pre-breach projection (projected_sl) through the queue's calibration: a known handle-time factor moves the
 * projection away from textbook Erlang C by the amount a hand computation gives; end to end, the alert projects
 * the rest of the day with the calibration fitted before the day on the loaded plan's volumes and says so; a
 * queue without a usable calibration falls back to textbook Erlang C and says why.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { evaluate } from '../src/alerts/evaluator.js';
import { calibratedEngines, staticEngines } from '../src/alerts/engines.js';
import { insertRule, allIntents } from '../src/alerts/store.js';
import { finishRule, parseRuleTokens } from '../src/alerts/rules.js';
import { tokenize } from '../src/grammar/tokens.js';
import { buildParseContext } from '../src/parseContext.js';
import { configSchema } from '../src/config.js';
import { WarehouseView } from '../src/alerts/data.js';
import { modelledAsa, projectDay, projectionBasis, textbookBasis } from '../src/alerts/providers.js';
import { erlangC } from '../src/engines/queueing/erlang.js';
import { erlangCAsa, erlangCSl, knownCalibration } from './helpers/calibration.js';
import { calibratedModel } from '../commands/modelBasis.js';
import { forecastDayInputs } from '../commands/forecast.js';
import { listQueues } from '../src/warehouse/queries.js';
import { queueCalibrationFor } from '../commands/queueModel.js';

const HEADER = 'interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds,forecast_offered,forecast_aht_seconds';
const at = (day: string, k: number) => `${day}T${String(8 + Math.floor(k / 2)).padStart(2, '0')}:${k % 2 ? '30' : '00'}:00Z`;
const TRUE_K = 1.4;
const AHT = 200;

async function warehouse(lines: string[]): Promise<Db> {
  const dir = mkdtempSync(join(tmpdir(), 'radar-proj-'));
  writeFileSync(join(dir, 'sla_policy.csv'), 'queue,sl_target_pct,sl_target_seconds,interval_seconds,time_zone\nbank,80,20,1800,UTC\n');
  writeFileSync(join(dir, 'intervals.csv'), [HEADER, ...lines].join('\n') + '\n');
  const db = openWarehouse(join(dir, 'w.db'));
  const r = await ingestFiles(db, [join(dir, 'sla_policy.csv'), join(dir, 'intervals.csv')]);
  if (!r.ok) throw new Error(JSON.stringify(r.problems.slice(0, 3)));
  return db;
}

/** One realised half-hour whose outcome is Erlang C with AHT × TRUE_K (no abandons); `forecast` fills forecast_offered. */
function realised(day: string, k: number, offered: number, agents: number, forecast = false): string {
  const within = Math.round(offered * erlangCSl(offered, AHT * TRUE_K, agents, 1800, 20));
  return `${at(day, k)},bank,${offered},${offered},0,${within},${AHT},30,${agents},80,20,${forecast ? offered : ''},`;
}

const TODAY = '2026-11-13';
const NOW = new Date(`${TODAY}T12:01:00Z`);
/** Today: 08:00–11:30 realised, 12:00–15:30 planned (forecast 60–88 calls × 200 s, 14 agents). */
const planned = (k: number) => ({ offered: 60 + 4 * (k - 8), agents: 14 });
const todayRealised = (k: number) => ({ offered: 40 + 2 * k, agents: 10 + (k % 2) });

function dayLines(days: number, withPlan: boolean): string[] {
  const lines: string[] = [];
  for (let d = 0; d < days; d++) {
    const day = `2026-11-${String(13 - days + d).padStart(2, '0')}`;
    for (let k = 0; k < 16; k++) lines.push(realised(day, k, 40 + ((k * 7 + d * 3) % 41), 7 + ((k + d) % 6)));
  }
  for (let k = 0; k < 8; k++) lines.push(realised(TODAY, k, todayRealised(k).offered, todayRealised(k).agents, withPlan));
  if (withPlan) for (let k = 8; k < 16; k++) lines.push(`${at(TODAY, k)},bank,,,,,,,${planned(k).agents},80,20,${planned(k).offered},${AHT}`);
  return lines;
}

/** Realised so far plus Σ volume × SL over the plan's slots, SL = Erlang C at AHT × k (+ offset), by hand. */
function handProjection(k: number, offset: number): number {
  let offered = 0;
  let awt = 0;
  for (let i = 0; i < 8; i++) {
    const r = todayRealised(i);
    offered += r.offered;
    awt += Math.round(r.offered * erlangCSl(r.offered, AHT * TRUE_K, r.agents, 1800, 20));
  }
  let vol = 0;
  let rem = 0;
  for (let i = 8; i < 16; i++) {
    const p = planned(i);
    vol += p.offered;
    rem += p.offered * Math.min(1, Math.max(0, erlangCSl(p.offered, AHT * k, p.agents, 1800, 20) + offset));
  }
  return (100 * (awt + rem)) / (offered + vol);
}

/** Today's realised − textbook-modelled SL so far (the textbook fallback's offset), by hand. */
function handOffset(): number {
  let offered = 0;
  let awt = 0;
  let model = 0;
  for (let i = 0; i < 8; i++) {
    const r = todayRealised(i);
    offered += r.offered;
    awt += Math.round(r.offered * erlangCSl(r.offered, AHT * TRUE_K, r.agents, 1800, 20));
    model += r.offered * erlangCSl(r.offered, AHT, r.agents, 1800, 20);
  }
  return Math.min(0.5, Math.max(-0.5, (awt - model) / offered)); // the projection clamps the offset to ±0.5
}

function addRule(db: Db, text: string) {
  const pctx = buildParseContext(db, configSchema.parse({}), NOW);
  const patch = parseRuleTokens(tokenize(text), pctx, { mode: 'full' });
  return insertRule(db, finishRule(patch, patch.tz ?? 'UTC'), text, null, 0);
}

describe('projection through a calibration with a known handle-time factor (hand-derived)', () => {
  let db: Db;
  beforeAll(async () => {
    db = await warehouse(dayLines(12, true));
  });
  afterAll(() => db.close());

  it('k = 1.3 lowers every remaining slot to Erlang C at 1.3 × AHT, with no realised offset; textbook keeps its offset', () => {
    const cal = knownCalibration(1.3);
    const model = calibratedModel(cal);
    const src = new WarehouseView(db, 'UTC').rowsOf('bank')!;
    const rows = src.rowsOn(TODAY).filter((r) => r.endMs <= NOW.getTime());
    const base = src.baseline(TODAY);
    const volumes = { byMinute: new Map(Array.from({ length: 8 }, (_, i) => [720 + 30 * i, { offered: planned(i + 8).offered, ahtSeconds: AHT, agents: planned(i + 8).agents }] as const)), note: 'the plan' };
    const calibrated = projectDay(rows, base, { sl: (x) => model.evaluate(x).serviceLevel, slModel: model, offset: false, volumes, model: 'Erlang C, k 1.30', accuracy: null, fallbackReason: null });
    const textbook = projectDay(rows, base, textbookBasis(erlangC, 'test', volumes));
    expect(calibrated.remaining.map((s) => s.localMinute)).toEqual([720, 750, 780, 810, 840, 870, 900, 930]);
    expect(calibrated.volumeRatio).toBe(1); // today's forecast_offered equals its offered
    expect(calibrated.calibration).toBe(0);
    expect(100 * calibrated.sl!).toBeCloseTo(handProjection(1.3, 0), 9);
    const offset = handOffset();
    expect(offset).toBeLessThan(0); // the day runs at AHT × 1.4: worse than textbook on its own inputs
    expect(textbook.calibration).toBeCloseTo(offset, 12);
    expect(100 * textbook.sl!).toBeCloseTo(handProjection(1, offset), 9);
    // Direction and size: every remaining slot is lower than textbook Erlang C without offset by C(AHT) − C(1.3·AHT).
    let drop = 0;
    let total = 0;
    for (let i = 0; i < 16; i++) total += i < 8 ? todayRealised(i).offered : planned(i).offered;
    for (let i = 8; i < 16; i++) {
      const p = planned(i);
      drop += p.offered * (erlangCSl(p.offered, AHT, p.agents, 1800, 20) - erlangCSl(p.offered, AHT * 1.3, p.agents, 1800, 20));
    }
    expect(drop).toBeGreaterThan(0);
    expect(handProjection(1, 0) - 100 * calibrated.sl!).toBeCloseTo((100 * drop) / total, 9);
  });
});

describe('projected_sl alert end to end with the calibrated engines', () => {
  let db: Db;
  beforeAll(async () => {
    db = await warehouse(dayLines(12, true));
  });
  afterAll(() => db.close());

  it('projects the rest of today with the calibration fitted before today, on the plan, and the alert says so', () => {
    const cal = queueCalibrationFor(db, 'bank', TODAY);
    if ('error' in cal) throw new Error(cal.error);
    expect(cal.fitThrough < TODAY).toBe(true);
    // Preconditions of the hand computation: no abandons → Erlang C; deterministic data → no residual correction.
    expect(cal.model).toBe('erlang_c');
    expect(cal.correction).toBeNull();
    expect(cal.agentFactor).toBe(1);
    expect(cal.handleTimeFactor).toBeGreaterThan(1.25);
    addRule(db, 'projected_sl < target queue=bank channel=#ops');
    const r = evaluate(db, { now: NOW, engines: calibratedEngines(), defaultTz: 'UTC' });
    const res = r.results.find((x) => x.scope === 'bank')!;
    expect(res.value).toBeCloseTo(handProjection(cal.handleTimeFactor, 0), 6);
    // The textbook projection (offset included) is another number: the calibration, not textbook Erlang C, answered.
    expect(Math.abs(res.value! - handProjection(1, handOffset()))).toBeGreaterThan(0.5);
    expect(res.phase).toBe('firing');
    const posted = JSON.stringify(allIntents(db).map((i) => i.payload));
    expect(posted).toContain(`Projected with Erlang C, k ${cal.handleTimeFactor.toFixed(2)}`);
    expect(posted).toContain('the loaded plan');
    expect(posted).toMatch(/Accuracy: model: Erlang C, k \d\.\d\d; backtest last \d+ days: ±\d+\.\d pp per half-hour/);
  });
});

describe('the asa metric through the calibration', () => {
  let db: Db;
  beforeAll(async () => {
    db = await warehouse(dayLines(12, true));
  });
  afterAll(() => db.close());

  it("models an interval's ASA with the calibration fitted before the day (Erlang C at k × AHT, by hand), not textbook Erlang C", () => {
    const cal = queueCalibrationFor(db, 'bank', TODAY);
    if ('error' in cal) throw new Error(cal.error);
    expect(cal.model).toBe('erlang_c');
    expect(cal.agentFactor).toBe(1);
    addRule(db, 'asa > 1 queue=bank channel=#ops');
    const r = evaluate(db, { now: NOW, engines: calibratedEngines(), defaultTz: 'UTC' });
    const res = r.results.find((x) => x.scope === 'bank')!;
    // The last completed interval is 11:30–12:00: todayRealised(7), recorded AHT 200 s.
    const last = todayRealised(7);
    const calibrated = erlangCAsa(last.offered, AHT * cal.handleTimeFactor, last.agents, 1800);
    const textbook = erlangCAsa(last.offered, AHT, last.agents, 1800);
    expect(res.value).toBeCloseTo(calibrated, 6);
    expect(calibrated - textbook).toBeGreaterThan(1); // the calibrated k > 1.25 makes callers wait longer than textbook says
    // Without a calibration (the static engines) the same rule reads textbook Erlang C.
    const rows = new WarehouseView(db, 'UTC').rowsOf('bank')!.rowsOn(TODAY);
    const row = rows.find((x) => x.localMinute === 690)!;
    expect(modelledAsa(row, rows[rows.indexOf(row) - 1], null, staticEngines().erlangC)).toBeCloseTo(textbook, 6);
  });
});

describe('a day without a plan', () => {
  let db: Db;
  beforeAll(async () => {
    db = await warehouse(dayLines(12, false));
  });
  afterAll(() => db.close());

  it('takes the rest of the day from the demand forecast (history before today), scaled by today’s running volume ratio', () => {
    const src = new WarehouseView(db, 'UTC').rowsOf('bank')!;
    const basis = projectionBasis(src, TODAY, calibratedEngines())!;
    expect(basis.fallbackReason).toBeNull();
    expect(basis.volumes?.note).toMatch(/^the demand forecast/);
    const q = listQueues(db).find((x) => x.queue === 'bank')!;
    const fc = forecastDayInputs(db, q, TODAY, TODAY)!;
    const byMinute = new Map([...fc.byStart].map(([start, f]) => [new Date(start).getUTCHours() * 60 + new Date(start).getUTCMinutes(), f.offered]));
    const rows = src.rowsOn(TODAY).filter((r) => r.endMs <= NOW.getTime());
    let seen = 0;
    let expected = 0;
    for (const r of rows) {
      seen += r.offered;
      expected += byMinute.get(r.localMinute)!;
    }
    const ratio = Math.min(2, Math.max(0.5, seen / expected));
    const p = projectDay(rows, src.baseline(TODAY), basis);
    expect(p.volumeRatio).toBeCloseTo(ratio, 12);
    expect(p.remaining.length).toBeGreaterThan(0);
    for (const slotOut of p.remaining) expect(slotOut.offered).toBeCloseTo(byMinute.get(slotOut.localMinute)! * ratio, 9);
    expect(p.remaining.every((x) => x.localMinute >= 720)).toBe(true);
  });
});

describe('a queue without a usable calibration', () => {
  let db: Db;
  beforeAll(async () => {
    db = await warehouse(dayLines(3, true)); // 3 days of outcomes: too few to calibrate
  });
  afterAll(() => db.close());

  it('falls back to textbook Erlang C with today’s offset (hand-derived) and says why', () => {
    const src = new WarehouseView(db, 'UTC').rowsOf('bank')!;
    const basis = projectionBasis(src, TODAY, calibratedEngines())!;
    expect(basis.fallbackReason).toMatch(/Not enough history to calibrate bank/);
    addRule(db, 'projected_sl < 85 queue=bank channel=#ops');
    const r = evaluate(db, { now: NOW, engines: calibratedEngines(), defaultTz: 'UTC' });
    const res = r.results.find((x) => x.scope === 'bank')!;
    expect(res.value).toBeCloseTo(handProjection(1, handOffset()), 6);
    expect(res.phase).toBe('firing');
    const posted = JSON.stringify(allIntents(db).map((i) => i.payload));
    expect(posted).toContain("Projected with textbook Erlang C + today's realised offset, uncalibrated (Not enough history to calibrate bank");
    expect(posted).toContain('Accuracy: no backtest (uncalibrated)');
  });
});
