/**
 * `sla` realised vs forecast and vs plan, on a queue whose history is the same day repeated (open 09:00–11:00,
 * 10/20/30/40 contacts, AHT 300 s): the forecast of any later day is that day exactly, count noise is
 * Poisson (dispersion 1) and the day-level error 0, so every figure below is derived by hand:
 *   2026-11-15  120 contacts (12/20/30/58), AHT 330 s, plan 100 / 300 s   → +20.0 % (outside Poisson(100)'s 90 %
 *               range 84–117: flagged), AHT +10.0 %, plan +20 % / +10 %
 *   2026-11-16  100 contacts, AHT 360 s                                    → ±0.0 %, AHT +20.0 %
 *   AHT band: every history interval is exactly 300 s, so the measured handle-time CV² (interval AHTs around their
 *   day's level) is 0 and so is the day-level variance: the band is 300–300 s and both AHT days are flagged. The
 *   band's sampling term with a real CV is checked in tests/forecast.engine.test.ts (ahtBand).
 *   2026-11-17  today at 10:00, two intervals so far (12 + 20)            → 32 vs 30 = +6.7 %, inside Poisson(30)'s 21–39
 * The quantiles are checked against a Poisson CDF summed in this file (84/117 and 21/39 are also scipy's).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { execute } from '../src/execute.js';
import { buildRegistry } from '../commands/index.js';
import type { SlaResult } from '../commands/sla.js';
import type { Block } from '../src/blocks/kit.js';

const registry = buildRegistry();
const DAY = 86_400_000;
const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const SLOTS = ['09:00', '09:30', '10:00', '10:30'];
const USUAL = [10, 20, 30, 40];
let db: Db;

/** One interval row; plan = [forecast_offered, forecast_aht_seconds] or empty. */
function row(queue: string, date: string, slot: string, offered: number, aht: number, plan?: [number, number]): string {
  return `${date}T${slot}:00Z,${queue},${offered},${offered},0,${offered},${aht},30,5,80,20,${plan ? plan[0] : ''},${plan ? plan[1] : ''}`;
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-sla-dev-'));
  writeFileSync(join(dir, 'sla_policy.csv'), 'queue,sl_target_pct,sl_target_seconds,interval_seconds,time_zone,display_name\nbilling,80,20,1800,UTC,Billing\ntiny,80,20,1800,UTC,Tiny\n');
  const lines = ['interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds,forecast_offered,forecast_aht_seconds'];
  for (let d = '2026-10-04'; d <= '2026-11-14'; d = addDays(d, 1)) SLOTS.forEach((s, i) => lines.push(row('billing', d, s, USUAL[i], 300)));
  [12, 20, 30, 58].forEach((o, i) => lines.push(row('billing', '2026-11-15', SLOTS[i], o, 330, [USUAL[i], 300])));
  USUAL.forEach((o, i) => lines.push(row('billing', '2026-11-16', SLOTS[i], o, 360)));
  [12, 20].forEach((o, i) => lines.push(row('billing', '2026-11-17', SLOTS[i], o, 300)));
  for (const d of ['2026-11-13', '2026-11-14', '2026-11-15']) SLOTS.forEach((s, i) => lines.push(row('tiny', d, s, USUAL[i], 300)));
  writeFileSync(join(dir, 'intervals.csv'), lines.join('\n') + '\n');
  db = openWarehouse(join(dir, 'w.db'));
  await ingestFiles(db, [join(dir, 'sla_policy.csv'), join(dir, 'intervals.csv')]);
});

async function sla(line: string, now = '2026-11-17T10:00:00Z') {
  const e = await execute(registry, line, { db, now: new Date(now), config: loadConfig({}), surface: 'cli' });
  if (!e.ok) throw new Error(e.message);
  const result = e.result as SlaResult;
  return { result, text: e.command.text(result), blocks: e.command.blocks!(result, { public: false }) as Block[] };
}

/** Poisson quantiles by summing the pmf (a second method beside the engine's negative-binomial code). */
function poissonQuantiles(mu: number, pLo: number, pHi: number): [number, number] {
  let p = Math.exp(-mu);
  let cdf = 0;
  let lo = -1;
  for (let k = 0; ; k++) {
    cdf += p;
    if (lo < 0 && cdf >= pLo) lo = k;
    if (cdf >= pHi) return [lo, k];
    p *= mu / (k + 1);
  }
}

describe('sla: realised vs forecast and plan', () => {
  it('per day of a range: deviation %, the band, flags outside it, the plan beside it; one forecast from history before the range', async () => {
    const { result } = await sla('sla billing 2026-11-15..2026-11-17');
    const q = result.queues[0];
    const [d15, d16, d17] = q.days.map((d) => d.deviation!.forecast!);
    expect(poissonQuantiles(100, 0.05, 0.95)).toEqual([84, 117]);
    expect(poissonQuantiles(30, 0.05, 0.95)).toEqual([21, 39]);

    expect(d15).toMatchObject({ source: 'model', madeThrough: '2026-11-14', horizonDays: 1, intervals: 4, offered: 120, forecastOffered: 100, offeredLow: 84, offeredHigh: 117, volumeDeviationPct: 20, volumeFlag: true });
    expect(d15).toMatchObject({ ahtSeconds: 330, forecastAhtSeconds: 300, ahtDeviationPct: 10, ahtFlag: true });
    expect(d15.ahtLow!).toBeCloseTo(300, 6);
    expect(d15.ahtHigh!).toBeCloseTo(300, 6);

    // Day 2 is forecast from the same origin (horizon 2): the 120 of day 1 is not seen.
    expect(d16).toMatchObject({ horizonDays: 2, offered: 100, forecastOffered: 100, volumeDeviationPct: 0, volumeFlag: false, ahtDeviationPct: 20, ahtFlag: true });
    expect(d16.ahtHigh!).toBeCloseTo(300, 6);

    // Today so far: the two realised intervals against their forecast (10 + 20).
    expect(d17).toMatchObject({ horizonDays: 3, intervals: 2, offered: 32, forecastOffered: 30, offeredLow: 21, offeredHigh: 39, volumeDeviationPct: 6.7, volumeFlag: false });

    // The range: 252 vs 230 contacts; AHT (120·330 + 100·360 + 32·300) / 252 = 338.1 s vs 300 s; two days flagged.
    expect(q.deviation!.forecast).toMatchObject({ horizonDays: null, offered: 252, forecastOffered: 230, offeredLow: null, volumeDeviationPct: 9.6, ahtSeconds: 338.1, ahtDeviationPct: 12.7, daysFlagged: 2, volumeFlag: true, ahtFlag: true });

    // The plan is loaded on 2026-11-15 only.
    expect(q.days[0].deviation!.plan).toEqual({ source: 'plan', intervals: 4, offered: 120, planOffered: 100, volumeDeviationPct: 20, ahtSeconds: 330, planAhtSeconds: 300, ahtDeviationPct: 10 });
    expect(q.days[1].deviation!.plan).toBeNull();
    expect(q.deviation!.plan).toMatchObject({ intervals: 4, volumeDeviationPct: 20 });
  });

  it('a single day: the queue row is that day, with its band', async () => {
    const { result } = await sla('sla billing 2026-11-16');
    expect(result.queues[0].deviation!.forecast).toMatchObject({ madeThrough: '2026-11-15', horizonDays: 1, offered: 100, ahtFlag: true, daysFlagged: null });
    // From history through 2026-11-15 (which had 120): the forecast moves up a little but stays near 100.
    const f = result.queues[0].deviation!.forecast!.forecastOffered;
    expect(f).toBeGreaterThanOrEqual(100);
    expect(f).toBeLessThan(120);
  });

  it('text and Slack: deviation columns with ⚠, the day view, which forecast it is; too little history says why', async () => {
    const e = await sla('sla 2026-11-15..2026-11-17');
    const day15 = e.text.split('\n').find((l) => l.startsWith('2026-11-15'))!;
    expect(day15).toMatch(/100 \(84–117\)\s+\+20\.0 % ⚠/);
    expect(day15).toMatch(/\+10\.0 % ⚠\s+\+20\.0 %/); // AHT vs forecast (flagged), then vs plan
    expect(e.text).toContain('made from history before 2026-11-15');
    expect(e.text).toContain('tiny: no forecast to compare with');
    const tiny = e.result.queues.find((q) => q.queue === 'tiny')!;
    expect(tiny.deviation!.forecast).toBeNull();
    expect(tiny.deviationNote).toMatch(/7 days/);
    const slack = JSON.stringify(e.blocks);
    expect(slack).toContain('offered +9.6 % vs 230 forecast ⚠ outside the 90 % range on 2 of 3 days');
    const one = JSON.stringify((await sla('sla billing 2026-11-15')).blocks);
    expect(one).toContain('offered +20.0 % vs 100 forecast ⚠ outside its 90 % range 84–117');
    expect(one).toContain('vs plan: offered +20.0 %, AHT +10.0 %');
  });
});
