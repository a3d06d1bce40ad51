import { describe, it, expect, beforeAll } from 'vitest';
import type { Db } from '../src/warehouse/db.js';
import { queueCalibrationFor, refreshQueueCalibrations } from '../commands/queueModel.js';
import { listStoredCalibrations } from '../src/warehouse/calibrations.js';
import { simulateDay } from '../src/sample/callsim.js';
import { createRng } from '../src/engines/shared/rng.js';
import { warehouseWith, slot, type IntervalSpec } from './helpers/alertsWarehouse.js';
import type { QueueCalibration } from '../src/engines/queueing/index.js';

/** 12 simulated days (2026-03-01 … 03-12) of a 16-half-hour day from 08:00 UTC, through the real ingest. */
function simulatedIntervals(seed: number, days = 12): IntervalSpec[] {
  const rng = createRng(seed);
  const out: IntervalSpec[] = [];
  for (let d = 0; d < days; d++) {
    const base = new Date(Date.UTC(2026, 2, 1 + d, 8)).toISOString().slice(0, 19) + 'Z';
    const ivs = Array.from({ length: 16 }, (_, k) => ({ start: k, lambda: 40, agents: 8, talkMean: 320, talkCv: 1, acwMean: 0, acwCv: 0 }));
    const rows = simulateDay({ rng, intervalSeconds: 1800, targetAnswerSeconds: 20, patienceMeanSeconds: 300, intervals: ivs, talkDistribution: 'exponential' });
    rows.forEach((r, k) =>
      out.push({ start: slot(base, k), queue: 'billing', offered: r.offered, awt: r.answered_within_target, handled: r.handled, abandoned: r.abandoned, aht: r.aht_seconds ?? 320, acw: 0, agents: 8 }),
    );
  }
  return out;
}

const ok = (c: QueueCalibration | { error: string }): QueueCalibration => {
  if ('error' in c) throw new Error(c.error);
  return c;
};

describe('queueCalibrationFor', () => {
  let db: Db;
  beforeAll(async () => {
    ({ db } = await warehouseWith(simulatedIntervals(3), [{ queue: 'billing' }]));
  });

  it('fits the days before the day asked about, never the day itself, and stores the fit', () => {
    const cal = ok(queueCalibrationFor(db, 'billing', '2026-03-10'));
    expect(cal.fitThrough).toBe('2026-03-09');
    expect(cal.fitFrom).toBe('2026-03-01');
    const stored = listStoredCalibrations(db, 'billing');
    expect(stored.map((s) => s.fitThrough)).toContain('2026-03-09');
  });

  it('a future day is predicted from the latest realised days', () => {
    const cal = ok(queueCalibrationFor(db, 'billing', '2026-03-20'));
    expect(cal.fitThrough).toBe('2026-03-12');
  });

  it('reuses a stored fit with fitThrough < day and the same data; never one with fitThrough ≥ day', () => {
    ok(queueCalibrationFor(db, 'billing', '2026-03-11')); // stores fit_through 03-10
    // mark every stored fit so a reuse is visible
    db.prepare(`UPDATE queue_calibrations SET fit = json_set(fit, '$.handleTimeFactor', 9.99)`).run();
    expect(ok(queueCalibrationFor(db, 'billing', '2026-03-11')).handleTimeFactor).toBe(9.99);
    // plant marked fits that saw the day (fit_through = day and after), with whatever fingerprint
    const row = db.prepare(`SELECT * FROM queue_calibrations WHERE fit_through = '2026-03-10'`).get() as Record<string, unknown>;
    for (const ft of ['2026-03-08', '2026-03-07']) {
      db.prepare(`DELETE FROM queue_calibrations WHERE fit_through = ?`).run(ft);
    }
    for (const ft of ['2026-03-08', '2026-03-09']) {
      db.prepare(`INSERT OR REPLACE INTO queue_calibrations (queue, fit_through, fit_from, fitted_at, data_fingerprint, model, days, intervals, inputs, fit) VALUES (?,?,?,?,?,?,?,?,?,?)`).run(
        'billing', ft, row.fit_from, row.fitted_at, row.data_fingerprint, row.model, row.days, row.intervals, row.inputs, JSON.stringify({ ...JSON.parse(row.fit as string), fitThrough: ft }),
      );
    }
    const cal = ok(queueCalibrationFor(db, 'billing', '2026-03-08'));
    expect(cal.handleTimeFactor).not.toBe(9.99);
    expect(cal.fitThrough).toBe('2026-03-07');
  });

  it('a changed history row makes the stored fit stale', () => {
    ok(queueCalibrationFor(db, 'billing', '2026-03-12'));
    db.prepare(`UPDATE queue_calibrations SET fit = json_set(fit, '$.handleTimeFactor', 9.99) WHERE fit_through = '2026-03-11'`).run();
    expect(ok(queueCalibrationFor(db, 'billing', '2026-03-12')).handleTimeFactor).toBe(9.99);
    db.prepare(`UPDATE interval_inputs SET answered_within_target = 0 WHERE local_date = '2026-03-05' AND local_minute = 600`).run();
    expect(ok(queueCalibrationFor(db, 'billing', '2026-03-12')).handleTimeFactor).not.toBe(9.99);
  });

  it('thin history is an error naming the days found and needed', () => {
    const r = queueCalibrationFor(db, 'billing', '2026-03-05');
    expect('error' in r && r.error).toMatch(/4 days with outcomes in 2026-02-05\.\.2026-03-04 .*at least 7/);
    const none = queueCalibrationFor(db, 'billing', '2026-03-01');
    expect('error' in none && none.error).toMatch(/No realised intervals for billing before 2026-03-01/);
  });

  it('refreshQueueCalibrations stores the fit for the day after the last outcome and for that last day', () => {
    db.prepare('DELETE FROM queue_calibrations').run();
    const lines = refreshQueueCalibrations(db, undefined, new Date('2026-03-13T06:00:00Z'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^billing: Erlang/);
    const [latest, yesterday] = listStoredCalibrations(db, 'billing');
    expect(latest.fitThrough).toBe('2026-03-12');
    expect(latest.fittedAt).toBe('2026-03-13T06:00:00Z');
    // and the last realised day's own fit (through the day before it), for "why yesterday"
    expect(yesterday.fitThrough).toBe('2026-03-11');
    expect(yesterday.fittedAt).toBe('2026-03-13T06:00:00Z');
  });
});
