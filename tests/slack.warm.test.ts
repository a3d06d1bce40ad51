/**
 * The server's calibration upkeep (src/slack/work/warm.ts): the real worker pool fits and stores the recent
 * days' queue-model calibrations on its read-write connection, only when no question waits, so a question on a
 * read-only connection reads the stored fit; a new load that corrects a day in a window stores a fresh fit.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import Database from 'better-sqlite3';
import type { Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { listStoredCalibrations } from '../src/warehouse/calibrations.js';
import { loadConfig } from '../src/config.js';
import { WorkerPool } from '../src/slack/work/pool.js';
import { CalibrationWarmer } from '../src/slack/work/warm.js';
import { forgetCalibrations, queueCalibrationFor, recentCalibrationDays } from '../commands/queueModel.js';
import { warehouseWith, slot, type IntervalSpec } from './helpers/alertsWarehouse.js';

/** 14 days (2026-03-01 … 03-14), 8 half-hours from 08:00 UTC, a fixed pattern with some calls answered late. */
function intervals(): IntervalSpec[] {
  const out: IntervalSpec[] = [];
  for (let d = 0; d < 14; d++) {
    const base = new Date(Date.UTC(2026, 2, 1 + d, 8)).toISOString().slice(0, 19) + 'Z';
    for (let k = 0; k < 8; k++) {
      const offered = 30 + ((d * 7 + k * 3) % 11);
      out.push({ start: slot(base, k), queue: 'billing', offered, awt: offered - 2 - ((d + k) % 6), abandoned: (d + k) % 3, aht: 300 + ((d * 13 + k * 17) % 60), acw: 0, agents: 6 + (k % 2) });
    }
  }
  return out;
}

let rw: Db;
let dir: string;
let path: string;
let pool: WorkerPool;
const NOW = new Date('2026-03-15T09:00:00Z');

beforeAll(async () => {
  ({ db: rw, path, dir } = await warehouseWith(intervals(), [{ queue: 'billing' }]));
  pool = new WorkerPool({ dbPath: path, config: loadConfig({ LOG_LEVEL: 'silent' }), size: 1, logger: pino({ level: 'silent' }) });
  await pool.ready();
}, 60_000);
afterAll(async () => {
  await pool.close();
  rw.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('calibration upkeep', () => {
  it('lists the recent days most recent first, from the day after the last outcome', () => {
    const plan = recentCalibrationDays(rw, 3);
    expect(plan.wanted).toEqual([
      { queue: 'billing', day: '2026-03-15' },
      { queue: 'billing', day: '2026-03-14' },
      { queue: 'billing', day: '2026-03-13' },
    ]);
  });

  it('stores the recent fits through the workers; a read-only question then reads them; a correcting load refits', async () => {
    const warmer = new CalibrationWarmer({ db: rw, pool, logger: pino({ level: 'silent' }), now: () => NOW, days: 3 });
    warmer.check();
    await warmer.whenDone();
    expect(warmer.stats).toMatchObject({ done: 3, total: 3, unfitted: 0 });
    expect(listStoredCalibrations(rw, 'billing').map((s) => s.fitThrough)).toEqual(['2026-03-14', '2026-03-13', '2026-03-12']);

    // A question on a read-only connection gets the stored fit (marked here so the read is visible).
    rw.prepare(`UPDATE queue_calibrations SET fit = json_set(fit, '$.handleTimeFactor', 7.77) WHERE fit_through = '2026-03-13'`).run();
    const ro = new Database(path, { readonly: true, fileMustExist: true }) as unknown as Db;
    forgetCalibrations();
    const cal = queueCalibrationFor(ro, 'billing', '2026-03-14');
    expect('error' in cal ? cal.error : cal.handleTimeFactor).toBe(7.77);

    // Same load: checking again starts nothing.
    warmer.check();
    await warmer.whenDone();
    expect(warmer.stats.done).toBe(3);

    // A load that corrects 03-12: the windows through 03-12 and later get fresh fits (the fingerprint changed).
    const before = new Map(listStoredCalibrations(rw, 'billing').map((s) => [s.fitThrough, s.dataFingerprint]));
    const lines = ['interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds,forecast_offered'];
    for (let k = 0; k < 8; k++) lines.push(`${slot('2026-03-12T08:00:00Z', k)},billing,40,40,0,10,330,0,6,80,20,`);
    writeFileSync(join(dir, 'fix.csv'), lines.join('\n') + '\n');
    expect((await ingestFiles(rw, [join(dir, 'fix.csv')], { defaultTz: 'UTC' })).ok).toBe(true);
    warmer.check();
    await warmer.whenDone();
    const after = new Map(listStoredCalibrations(rw, 'billing').map((s) => [s.fitThrough, s.dataFingerprint]));
    expect(after.get('2026-03-14')).not.toBe(before.get('2026-03-14'));
    expect(after.get('2026-03-13')).not.toBe(before.get('2026-03-13'));
    expect(after.get('2026-03-12')).not.toBe(before.get('2026-03-12'));
    const fresh = queueCalibrationFor(ro, 'billing', '2026-03-14');
    expect('error' in fresh ? fresh.error : fresh.handleTimeFactor).not.toBe(7.77);
    ro.close();
    warmer.stop();
  }, 120_000);

  it('upkeep waits while a question waits: a question queued after it runs first', async () => {
    const order: string[] = [];
    const a = pool.background({ id: -1001, line: '', calibrate: { queue: 'billing', day: '2026-03-10' }, nowMs: NOW.getTime() }).then(() => order.push('upkeep 1'));
    const b = pool.background({ id: -1002, line: '', calibrate: { queue: 'billing', day: '2026-03-11' }, nowMs: NOW.getTime() }).then(() => order.push('upkeep 2'));
    const q = pool.run({ id: 1001, line: 'help', nowMs: NOW.getTime() }).then(() => order.push('question'));
    await Promise.all([a, b, q]);
    // The first upkeep job took the idle worker at once; the question, queued after the second, overtakes it.
    expect(order).toEqual(['upkeep 1', 'question', 'upkeep 2']);
  }, 60_000);
});
