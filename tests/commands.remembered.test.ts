/**
 * What a Slack worker remembers between questions (issue 16: answers under load): calibration fits, demand
 * forecasts and the active risk model. Each remembered answer must equal the direct computation on the same
 * data, be a copy (a caller editing it changes nothing for the next one), and be replaced after an ingest
 * that changes the queue's data. The worker's connection is read-only, so nothing can be stored there.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { calibrationHistory, listStoredCalibrations } from '../src/warehouse/calibrations.js';
import { addExclusion, realisedWindowVersion } from '../src/warehouse/forecast.js';
import { listQueues } from '../src/warehouse/queries.js';
import { forgetCalibrations, queueCalibrationFor, rememberedCalibrations, toCalibrationInterval } from '../commands/queueModel.js';
import { forgetForecasts, queueForecast, rememberedForecasts } from '../commands/forecast.js';
import { fitQueueCalibration, type QueueCalibration } from '../src/engines/queueing/index.js';
import { simulateDay } from '../src/sample/callsim.js';
import { createRng } from '../src/engines/shared/rng.js';
import { saveModel, requireActiveModel, activateModel } from '../src/warehouse/models.js';
import { generateSyntheticTickets } from '../src/engines/risk/synthetic.js';
import { trainRiskModel } from '../src/engines/risk/pipeline.js';
import { Remembered } from '../src/lru.js';
import { warehouseWith, slot, type IntervalSpec } from './helpers/alertsWarehouse.js';

const HEADER = 'interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds,forecast_offered';

/** 21 simulated days (2026-03-01 … 03-21) of 16 half-hours from 08:00 UTC: 40 calls each, 8 agents. */
function simulatedIntervals(seed: number, days = 21): IntervalSpec[] {
  const rng = createRng(seed);
  const out: IntervalSpec[] = [];
  for (let d = 0; d < days; d++) {
    const base = new Date(Date.UTC(2026, 2, 1 + d, 8)).toISOString().slice(0, 19) + 'Z';
    const ivs = Array.from({ length: 16 }, (_, k) => ({ start: k, lambda: 40, agents: 8, talkMean: 320, talkCv: 1, acwMean: 0, acwCv: 0 }));
    const rows = simulateDay({ rng, intervalSeconds: 1800, targetAnswerSeconds: 20, patienceMeanSeconds: 300, intervals: ivs, talkDistribution: 'exponential' });
    rows.forEach((r, k) => out.push({ start: slot(base, k), queue: 'billing', offered: r.offered, awt: r.answered_within_target, handled: r.handled, abandoned: r.abandoned, aht: r.aht_seconds ?? 320, acw: 0, agents: 8 }));
  }
  return out;
}

/** The engine's fit on the rows the command reads (the direct path, no storage, no memory). */
function directFit(db: Db, day: string): QueueCalibration {
  const last = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const from = new Date(Date.parse(`${last}T00:00:00Z`) - 27 * 86_400_000).toISOString().slice(0, 10);
  const fit = fitQueueCalibration(calibrationHistory(db, 'billing', from, last).map(toCalibrationInterval), { backtestDays: 5 });
  if ('error' in fit) throw new Error(fit.error);
  return fit;
}

const ok = (c: QueueCalibration | { error: string }): QueueCalibration => {
  if ('error' in c) throw new Error(c.error);
  return c;
};

let rw: Db;
let ro: Db;
let dir: string;
let path: string;

/** Re-ingests 2026-03-09 and 03-10 of billing with every call answered late (a correction of those days). */
async function correctTwoDays(): Promise<void> {
  const lines = [HEADER];
  for (const day of ['2026-03-09', '2026-03-10']) for (let k = 0; k < 16; k++) lines.push(`${slot(`${day}T08:00:00Z`, k)},billing,40,40,0,0,320,0,8,80,20,`);
  writeFileSync(join(dir, 'fix.csv'), lines.join('\n') + '\n');
  const report = await ingestFiles(rw, [join(dir, 'fix.csv')], { defaultTz: 'UTC' });
  if (!report.ok) throw new Error(JSON.stringify(report.problems.slice(0, 3)));
}

beforeAll(async () => {
  ({ db: rw, path, dir } = await warehouseWith(simulatedIntervals(5), [{ queue: 'billing' }]));
  ro = new Database(path, { readonly: true, fileMustExist: true }) as unknown as Db;
});
afterAll(() => {
  ro.close();
  rw.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('remembered calibrations (read-only worker connection)', () => {
  it('a second question reuses the fit, equal to the direct fit, as a copy; an ingest that changes the window refits', async () => {
    forgetCalibrations();
    const first = ok(queueCalibrationFor(ro, 'billing', '2026-03-12'));
    expect(listStoredCalibrations(ro, 'billing')).toEqual([]); // read-only: nothing stored
    expect(first).toEqual(directFit(ro, '2026-03-12'));

    const before = rememberedCalibrations();
    const again = ok(queueCalibrationFor(ro, 'billing', '2026-03-12'));
    expect(rememberedCalibrations().hits).toBe(before.hits + 1);
    expect(again).toEqual(first);
    again.handleTimeFactor = 42;
    again.candidates.length = 0;
    expect(ok(queueCalibrationFor(ro, 'billing', '2026-03-12'))).toEqual(first);

    // Another day is another fit.
    const other = ok(queueCalibrationFor(ro, 'billing', '2026-03-13'));
    expect(other.fitThrough).toBe('2026-03-12');

    ok(queueCalibrationFor(ro, 'billing', '2026-03-09')); // fits through 03-08
    await correctTwoDays();
    const misses = rememberedCalibrations().misses;
    const after = ok(queueCalibrationFor(ro, 'billing', '2026-03-12'));
    expect(rememberedCalibrations().misses).toBe(misses + 1);
    expect(after).toEqual(directFit(ro, '2026-03-12'));
    expect(after).not.toEqual(first);
    // A day whose window ends before the corrected days keeps its fit.
    const early = rememberedCalibrations();
    ok(queueCalibrationFor(ro, 'billing', '2026-03-09'));
    expect(rememberedCalibrations().hits).toBe(early.hits + 1);
  });
});

describe('Remembered (the bounded memory)', () => {
  it('forgets the least recently used entry past its bound and hands out copies', () => {
    const m = new Remembered<{ n: number }>(2);
    m.set('a', { n: 1 });
    m.set('b', { n: 2 });
    expect(m.get('a')).toEqual({ n: 1 }); // a is now the most recent
    m.set('c', { n: 3 });
    expect(m.size).toBe(2);
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toEqual({ n: 1 });
    expect(m.get('c')).toEqual({ n: 3 });
    m.get('c')!.n = 99;
    expect(m.get('c')).toEqual({ n: 3 });
    expect(m.stats()).toEqual({ size: 2, hits: 5, misses: 1 });
  });
});

describe('remembered forecasts', () => {
  it('the same (queue, range, origin) is forecast once per data version, equal to the direct forecast; exclusions and ingests make a new one', async () => {
    const q = listQueues(ro).find((x) => x.queue === 'billing')!;
    const ask = () => queueForecast(ro, q, '2026-03-20', '2026-03-21', { today: '2026-03-20', defaultTz: 'UTC' });
    forgetForecasts();
    const first = ask();
    const before = rememberedForecasts();
    const again = ask();
    expect(rememberedForecasts().hits).toBe(before.hits + 1);
    expect(again).toEqual(first);
    again.days[0].offered = -1;
    expect(ask()).toEqual(first);
    forgetForecasts();
    expect(ask()).toEqual(first); // direct path, same data

    addExclusion(rw, { queue: 'billing', date: '2026-03-13', reason: 'outage', createdBy: 'test', createdAt: '2026-03-20T00:00:00Z' });
    const excluded = ask();
    expect(excluded.excluded.map((e) => e.date)).toEqual(['2026-03-13']);

    const lines = [HEADER];
    for (let k = 0; k < 16; k++) lines.push(`${slot('2026-03-18T08:00:00Z', k)},billing,400,400,0,400,320,0,8,80,20,`);
    writeFileSync(join(dir, 'busy.csv'), lines.join('\n') + '\n');
    expect((await ingestFiles(rw, [join(dir, 'busy.csv')], { defaultTz: 'UTC' })).ok).toBe(true);
    const after = ask();
    forgetForecasts();
    expect(after).toEqual(ask());
    expect(after.days[0].offered).not.toBe(excluded.days[0].offered);
  });
});

describe('realisedWindowVersion (remembered while the file is unchanged)', () => {
  // A fresh connection has nothing remembered: its answer is the window read afresh.
  const fresh = () => {
    const c = new Database(path, { readonly: true, fileMustExist: true }) as unknown as Db;
    try {
      return realisedWindowVersion(c, 'billing', '2026-03-01', '2026-03-21');
    } finally {
      c.close();
    }
  };
  const asked = (db: Db) => realisedWindowVersion(db, 'billing', '2026-03-01', '2026-03-21');
  const edit = (db: Db, handled: number) =>
    db.prepare("UPDATE interval_inputs SET handled = ? WHERE queue = 'billing' AND interval_start = '2026-03-05T09:00:00Z'").run(handled);

  it('follows a row edited outside ingest by another connection and by the asking connection itself', () => {
    const before = asked(ro);
    expect(asked(ro)).toBe(before);
    expect(before).toBe(fresh());
    const old = (rw.prepare("SELECT handled FROM interval_inputs WHERE queue = 'billing' AND interval_start = '2026-03-05T09:00:00Z'").get() as { handled: number }).handled;

    edit(rw, old + 7); // another connection commits: data_version moves
    const other = asked(ro);
    expect(other).not.toBe(before);
    expect(other).toBe(fresh());

    expect(asked(rw)).toBe(other); // rw reads it (and remembers it)…
    edit(rw, old); // …then writes through the same connection: total_changes() moves
    expect(asked(rw)).toBe(fresh());
    expect(asked(rw)).toBe(before);
    expect(asked(ro)).toBe(before);
  });
});

describe('remembered risk model', () => {
  it('keeps the active model per label, loaded once; training or activating another one switches to it', () => {
    const data = generateSyntheticTickets({ tickets: 600, days: 30, seed: 3 });
    const opts = { seed: 1, gbdt: { nRounds: 8, learningRate: 0.3 }, bootstrap: 20, shapRows: 20 };
    const m = trainRiskModel(data, { label: 'escalated', ...opts }).model;
    const a = saveModel(rw, m, { trainedAt: '2026-06-01T00:00:00Z' });
    const first = requireActiveModel(rw, 'escalated');
    expect(requireActiveModel(rw, 'escalated')).toBe(first);
    expect(first.model.trainedAt).toBe('2026-06-01T00:00:00Z');
    saveModel(rw, m, { trainedAt: '2026-06-02T00:00:00Z' });
    const second = requireActiveModel(rw, 'escalated');
    expect(second).not.toBe(first);
    expect(second.model.trainedAt).toBe('2026-06-02T00:00:00Z');
    activateModel(rw, a.id);
    expect(requireActiveModel(rw, 'escalated').model.trainedAt).toBe('2026-06-01T00:00:00Z');
    expect(() => requireActiveModel(rw, 'sla_breached')).toThrow(/no active sla_breached risk model/);
  });
});
