import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { execute } from '../src/execute.js';
import { buildRegistry } from '../commands/index.js';
import type { CommandContext } from '../src/registry.js';
import { createRng } from '../src/engines/shared/rng.js';
import type { ForecastResult, QueueForecastResult } from '../commands/forecast.js';

const registry = buildRegistry();
const DAY = 86_400_000;
const FIRST = '2026-08-30'; // a Sunday; ten full weeks + a week to 2026-11-14
const LAST = '2026-11-14';
let db: Db;
let dir: string;

const dowOf = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay();
const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';

/** billing (UTC): open 08:00–18:00 Monday–Saturday, Monday peak; support (New York): the same shape in local time. */
function writeFixture(d: string) {
  writeFileSync(join(d, 'sla_policy.csv'), 'queue,sl_target_pct,sl_target_seconds,interval_seconds,time_zone,display_name\nbilling,80,20,1800,UTC,Billing\nsupport,80,60,1800,America/New_York,Support\n');
  const rng = createRng(4);
  const weekly = [0, 1.3, 1.1, 1.0, 1.0, 0.9, 0.4];
  const lines = ['interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds'];
  for (const [queue, offsetH] of [['billing', 0], ['support', 4]] as const) {
    for (let date = FIRST; date <= LAST; date = addDays(date, 1)) {
      const open = weekly[dowOf(date)] > 0;
      for (let m = 8 * 60; m < 18 * 60; m += 30) {
        // support's local 08:00 is 12:00 UTC in summer time (EDT) and 13:00 after 1 November (EST).
        const off = queue === 'support' ? (date >= '2026-11-01' ? 5 : offsetH) : 0;
        const start = Date.parse(`${date}T00:00:00Z`) + (m + off * 60) * 60_000;
        const mu = open ? 40 * weekly[dowOf(date)] * (1 + 0.5 * Math.sin(((m - 480) / 600) * Math.PI)) : 0;
        const offered = mu > 0 ? Math.max(0, Math.round(mu + Math.sqrt(mu) * rng.normal())) : 0;
        const handled = offered;
        lines.push(`${iso(start)},${queue},${offered},${handled},0,${handled},${offered ? 300 : ''},${offered ? 60 : ''},${open ? 6 : 0},80,${queue === 'billing' ? 20 : 60}`);
      }
    }
  }
  writeFileSync(join(d, 'intervals.csv'), lines.join('\n') + '\n');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-forecast-'));
  writeFixture(dir);
  db = openWarehouse(join(dir, 'w.db'));
  await ingestFiles(db, [join(dir, 'sla_policy.csv'), join(dir, 'intervals.csv')]);
});

function ctxAt(now: string): CommandContext {
  return { db, now: new Date(now), config: loadConfig({}), surface: 'cli' };
}

async function run(line: string, now = '2026-11-15T12:00:00Z'): Promise<ForecastResult> {
  const e = await execute(registry, line, ctxAt(now));
  if (!e.ok) throw new Error(e.message);
  return e.result as ForecastResult;
}

async function usage(line: string, now = '2026-11-15T12:00:00Z'): Promise<string> {
  const e = await execute(registry, line, ctxAt(now));
  if (e.ok) throw new Error(`expected a usage error for "${line}"`);
  expect(e.kind).toBe('usage');
  return e.message;
}

describe('forecast command', () => {
  it('returns { queue, intervals } on the queue grid, ISO UTC starts, bands around the mean', async () => {
    const r = (await run('forecast billing 2026-11-16..2026-11-22')) as QueueForecastResult;
    expect(r.queue).toBe('billing');
    expect(r.intervals).toHaveLength(7 * 48);
    for (const i of r.intervals) {
      expect(Object.keys(i).sort()).toEqual(['ahtSeconds', 'intervalStart', 'offered', 'offeredHigh', 'offeredLow']);
      expect(i.intervalStart).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:(00|30):00Z$/);
      expect(i.offeredLow).toBeLessThanOrEqual(i.offered + 1e-9);
      expect(i.offeredHigh).toBeGreaterThanOrEqual(Math.floor(i.offered));
    }
    // Sunday (closed in the history) is forecast closed; Monday is the busiest day.
    const sunday = r.days.find((d) => d.date === '2026-11-22')!;
    expect(sunday.offered).toBe(0);
    const monday = r.days.find((d) => d.date === '2026-11-16')!;
    expect(Math.max(...r.days.map((d) => d.offered))).toBe(monday.offered);
    // The fixture's Monday mean is 40 × 1.3 × Σ(1 + 0.5 sin) over 20 slots.
    let truth = 0;
    for (let m = 480; m < 1080; m += 30) truth += 40 * 1.3 * (1 + 0.5 * Math.sin(((m - 480) / 600) * Math.PI));
    expect(Math.abs(monday.offered / truth - 1)).toBeLessThan(0.06);
    expect(r.inputsNote).toMatch(/^inputs: forecast, seasonal ES \(Holt-Winters, weekly\) \+ 4-week weekday mean, ±\d+ % \(90 % interval\)$/);
  });

  it('follows the queue’s local days across the DST change (50 half hours on 1 November in New York)', async () => {
    const r = (await run('forecast support 2026-11-01..2026-11-02', '2026-10-31T12:00:00Z')) as QueueForecastResult;
    const starts = r.intervals.map((i) => i.intervalStart);
    expect(new Set(starts).size).toBe(starts.length);
    expect(starts.filter((s) => s < '2026-11-02T05:00:00Z')).toHaveLength(50);
    expect(starts[0]).toBe('2026-11-01T04:00:00Z'); // local midnight, EDT
    // Local 08:00 moves from 12:00Z to 13:00Z with the change: the first open interval of 2 Nov is 13:00Z.
    const firstOpen = r.intervals.find((i) => i.intervalStart >= '2026-11-02T05:00:00Z' && i.offered > 0)!;
    expect(firstOpen.intervalStart).toBe('2026-11-02T13:00:00Z');
  });

  it('never peeks: absurd realised values planted after the clock, or inside a past range, change nothing', async () => {
    const plant = async (where: string, check: () => Promise<void>) => {
      const backup = db.prepare(`SELECT interval_start, offered FROM interval_inputs WHERE queue = 'billing' AND ${where}`).all() as { interval_start: string; offered: number }[];
      expect(backup.length).toBeGreaterThan(0);
      db.prepare(`UPDATE interval_inputs SET offered = offered * 1000 + 99999 WHERE queue = 'billing' AND ${where}`).run();
      try {
        await check();
      } finally {
        const put = db.prepare(`UPDATE interval_inputs SET offered = ? WHERE queue = 'billing' AND interval_start = ?`);
        db.transaction(() => backup.forEach((b) => put.run(b.offered, b.interval_start)))();
      }
    };
    // 1. The clock at Wednesday 4 November 09:00: today and everything after are unseen.
    const clock = '2026-11-04T09:00:00Z';
    const ahead = JSON.stringify(await run('forecast billing 2026-11-05..2026-11-11 --json', clock));
    const later = JSON.stringify(await run('forecast billing 2026-11-16..2026-11-17'));
    await plant(`local_date >= '2026-11-04'`, async () => {
      expect(JSON.stringify(await run('forecast billing 2026-11-05..2026-11-11 --json', clock))).toBe(ahead);
      // The planting is real: a forecast whose history includes those days does move.
      expect(JSON.stringify(await run('forecast billing 2026-11-16..2026-11-17'))).not.toBe(later);
    });
    // 2. A range the history already covers is forecast from the days before it only.
    const past = JSON.stringify(await run('forecast billing 2026-10-20..2026-10-26'));
    await plant(`local_date BETWEEN '2026-10-20' AND '2026-10-26'`, async () => {
      expect(JSON.stringify(await run('forecast billing 2026-10-20..2026-10-26'))).toBe(past);
    });
    const r = (await run('forecast billing 2026-10-20..2026-10-26')) as QueueForecastResult;
    expect(r.historyTo).toBe('2026-10-19');
  });

  it('plan rows (has_outcome = 0) are never history: a day loaded only as a plan counts as missing', async () => {
    await run('forecast exclude 2026-10-21 billing');
    const withoutDay = JSON.stringify(((await run('forecast billing 2026-11-16..2026-11-18')) as QueueForecastResult).intervals);
    await run('forecast include 2026-10-21 billing');
    db.prepare(`UPDATE interval_inputs SET has_outcome = 0, offered = 99999 WHERE queue = 'billing' AND local_date = '2026-10-21'`).run();
    try {
      expect(JSON.stringify(((await run('forecast billing 2026-11-16..2026-11-18')) as QueueForecastResult).intervals)).toBe(withoutDay);
    } finally {
      db.prepare(`DELETE FROM interval_inputs WHERE queue = 'billing' AND local_date = '2026-10-21'`).run();
      await ingestFiles(db, [join(dir, 'intervals.csv')]);
    }
  });

  it('excluded days are stored, listed, left out of the fit, and can be included again', async () => {
    const before = (await run('forecast billing 2026-11-16')) as QueueForecastResult;
    expect(before.model.excludedDays).toBe(0);
    const ex = await run('forecast exclude 2026-10-12 billing Columbus Day outage');
    expect(ex).toMatchObject({ kind: 'exclude', queue: 'billing', date: '2026-10-12', changed: true, reason: 'Columbus Day outage' });
    const list = await run('forecast exclusions');
    expect(list).toMatchObject({ kind: 'exclusions', exclusions: [{ queue: 'billing', date: '2026-10-12', reason: 'Columbus Day outage' }] });
    const after = (await run('forecast billing 2026-11-16')) as QueueForecastResult;
    expect(after.model.excludedDays).toBe(1);
    expect(after.excluded).toEqual([{ date: '2026-10-12', reason: 'Columbus Day outage' }]);
    expect(await run('forecast include 2026-10-12 billing')).toMatchObject({ kind: 'include', changed: true });
    expect(((await run('forecast billing 2026-11-16')) as QueueForecastResult).days).toEqual(before.days);
    // An all-queue exclusion applies to every queue.
    await run('forecast exclude 2026-10-13');
    expect(((await run('forecast support 2026-11-16')) as QueueForecastResult).model.excludedDays).toBe(1);
    await run('forecast include 2026-10-13');
  });

  it('bad input gets a clear message with a correct example', async () => {
    expect(await usage('forecast billing 2026-11-16..2026-12-31')).toMatch(/at most 28 days past the last realised day \(2026-11-14 for billing\).*Example: .*forecast billing 2026-11-15\.\.2026-12-12/s);
    expect(await usage('forecast nosuchqueue next week')).toMatch(/don't know the queue "nosuchqueue".*billing, support/s);
    expect(await usage('forecast exclude 2026-02-30 billing')).toMatch(/"2026-02-30" is not a calendar date.*forecast exclude 2026-12-25/s);
    expect(await usage('forecast exclude christmas')).toMatch(/Which day\? Give it as YYYY-MM-DD.*forecast exclude 2026-12-25/s);
    expect(await usage('forecast billing --level 120')).toMatch(/at most 99/);
    expect(await usage('forecast billing 2026-08-31', '2026-09-01T12:00:00Z')).toMatch(/at least 7 days of realised history/);
  });

  it('what-if and staffing of a future day with no loaded forecast run on this forecast and say so', async () => {
    const fcDay = (await run('forecast billing 2026-11-16')) as QueueForecastResult;
    for (const line of ['whatif billing 2026-11-16 +1 agents', 'staffing billing 2026-11-16']) {
      const e = await execute(registry, line, ctxAt('2026-11-15T12:00:00Z'));
      if (!e.ok) throw new Error(e.message);
      const r = e.result as { basis: string; basisNote: string };
      expect(r.basis).toBe('forecast');
      expect(r.basisNote).toBe(`${fcDay.inputsNote}; agents: mean of the last 4 Mondays, per time slot`);
    }
  });

  it('reads forward date words and the backtest form', async () => {
    const wk = (await run('forecast billing next week')) as QueueForecastResult; // clock Sunday 15 Nov
    expect([wk.from, wk.to]).toEqual(['2026-11-16', '2026-11-22']);
    const n3 = (await run('fc billing next 3 days')) as QueueForecastResult;
    expect([n3.from, n3.to]).toEqual(['2026-11-16', '2026-11-18']);
    const all = await run('forecast');
    expect(all.kind).toBe('forecast-all');
    const bt = await run('forecast backtest billing --weeks 4');
    expect(bt.kind).toBe('backtest');
    if (bt.kind !== 'backtest') return;
    const h1 = bt.queues[0].horizons.find((h) => h.horizonDays === 1)!;
    expect(h1.days).toBe(28); // closed Sundays count as days with no contacts
    expect(h1.forecast.wape).toBeLessThan(h1.seasonalNaive.wape);
  });
});

describe('forecast answers are shared between identical questions (read forms only)', () => {
  it('forecast and its backtest are shareable; exclude/include (writes) are not', async () => {
    const { shareable } = await import('../src/slack/work/index.js');
    expect(shareable(registry, 'forecast billing next week')).toBe(true);
    expect(shareable(registry, 'forecast backtest billing')).toBe(true);
    expect(shareable(registry, 'forecast exclude 2026-12-25 billing Christmas')).toBe(false);
    expect(shareable(registry, 'forecast include 2026-12-25')).toBe(false);
    expect(shareable(registry, 'x', { command: 'forecast', args: { action: 'exclude', date: '2026-12-25' } } as never)).toBe(false);
    expect(shareable(registry, 'x', { command: 'forecast', args: { action: 'forecast', queue: 'billing' } } as never)).toBe(true);
  });
});
