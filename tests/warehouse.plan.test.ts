/**
 * Plan rows (an interval with every outcome count empty and forecast volume, forecast AHT and planned agents
 * filled) and the optional queue-wait totals: ingest, round trip, replacement by the outcome, never the
 * other way, partial rows rejected, and every realised reader ignoring plans.
 */
import { describe, it, expect, beforeEach } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles, formatIngestReport } from '../src/warehouse/ingest.js';
import { dailyRows, intervalRows, latestDate, listQueues, planRows } from '../src/warehouse/queries.js';
import { loadConfig } from '../src/config.js';
import { sla, type SlaResult } from '../commands/sla.js';
import type { CommandContext } from '../src/registry.js';

const HEADER =
  'interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds,forecast_offered,forecast_aht_seconds,answered_wait_seconds,abandoned_wait_seconds';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'radar-plan-'));
  db = openWarehouse(join(dir, 'w.db'));
});

function file(name: string, rows: string[]): string {
  const f = join(dir, name);
  writeFileSync(f, [HEADER, ...rows].join('\n') + '\n');
  return f;
}

const raw = (start: string) => db.prepare(`SELECT * FROM interval_inputs WHERE queue = 'q' AND interval_start = ?`).get(start) as Record<string, unknown>;

// Outcome: 10:00 on Thu 19 Nov. Plan: 10:00 and 10:30 on Fri 20 Nov.
const OUTCOME_19 = '2026-11-19T10:00:00Z,q,100,95,5,80,300,40,12,80,20,98,290,1200,450';
const PLAN_20 = ['2026-11-20T10:00:00Z,q,,,,,,,14,80,20,110,305,,', '2026-11-20T10:30:00Z,q,,,,,,,13,80,20,90,310,,'];

describe('plan rows', () => {
  it('ingest as plans and read back through v_interval_plan with the plan values; wait totals round-trip on outcomes', async () => {
    const r = await ingestFiles(db, [file('i.csv', [OUTCOME_19, ...PLAN_20])]);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(raw('2026-11-20T10:00:00Z')).toMatchObject({ has_outcome: 0, offered: 0, handled: 0, aht_seconds: null, agents_staffed: 14, forecast_offered: 110 });
    expect(raw('2026-11-19T10:00:00Z')).toMatchObject({ has_outcome: 1, offered: 100, answered_wait_seconds: 1200, abandoned_wait_seconds: 450 });
    expect(planRows(db, 'q', '2026-11-20', '2026-11-20')).toEqual([
      expect.objectContaining({ intervalStart: '2026-11-20T10:00:00Z', localDate: '2026-11-20', localMinute: 600, forecastOffered: 110, forecastAhtSeconds: 305, agentsStaffed: 14, slTargetPct: 80 }),
      expect.objectContaining({ intervalStart: '2026-11-20T10:30:00Z', localMinute: 630, forecastOffered: 90, forecastAhtSeconds: 310, agentsStaffed: 13 }),
    ]);
    expect(planRows(db, 'q', '2026-11-19', '2026-11-19')).toEqual([]);
    const realised = intervalRows(db, 'q', '2026-11-19', '2026-11-20');
    expect(realised.map((x) => x.intervalStart)).toEqual(['2026-11-19T10:00:00Z']);
    expect(realised[0]).toMatchObject({ answeredWaitSeconds: 1200, abandonedWaitSeconds: 450 });
    // JSON Lines with nulls for the outcome fields is the same plan.
    const j = join(dir, 'p.jsonl');
    writeFileSync(j, JSON.stringify({ interval_start: '2026-11-20T11:00:00Z', queue: 'q', offered: null, handled: null, abandoned: null, answered_within_target: null, agents_staffed: 9, sl_target_pct: 80, sl_target_seconds: 20, forecast_offered: 70, forecast_aht_seconds: 300 }) + '\n');
    expect((await ingestFiles(db, [j])).ok).toBe(true);
    expect(raw('2026-11-20T11:00:00Z')).toMatchObject({ has_outcome: 0, forecast_offered: 70, agents_staffed: 9 });
  });

  it('a later outcome replaces the plan, keeping the plan’s forecast when the outcome row has none', async () => {
    await ingestFiles(db, [file('plan.csv', PLAN_20)]);
    const r = await ingestFiles(db, [file('out.csv', ['2026-11-20T10:00:00Z,q,120,110,10,90,310,45,15,80,20,,,2000,900', '2026-11-20T10:30:00Z,q,80,78,2,70,300,40,13,80,20,85,300,,'])]);
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(raw('2026-11-20T10:00:00Z')).toMatchObject({ has_outcome: 1, offered: 120, handled: 110, abandoned: 10, answered_within_target: 90, aht_seconds: 310, agents_staffed: 15, forecast_offered: 110, forecast_aht_seconds: 305, answered_wait_seconds: 2000 });
    expect(raw('2026-11-20T10:30:00Z')).toMatchObject({ has_outcome: 1, offered: 80, forecast_offered: 85, forecast_aht_seconds: 300 });
    expect(planRows(db, 'q', '2026-11-20', '2026-11-20')).toEqual([]);
    expect(dailyRows(db, '2026-11-20', '2026-11-20', ['q'])[0]).toMatchObject({ offered: 200, intervals: 2 });
  });

  it('a plan never replaces an outcome: the row is kept and the run says so', async () => {
    await ingestFiles(db, [file('out.csv', [OUTCOME_19])]);
    const before = raw('2026-11-19T10:00:00Z');
    const r = await ingestFiles(db, [file('late-plan.csv', ['2026-11-19T10:00:00Z,q,,,,,,,20,80,20,150,400,,', '2026-11-19T10:30:00Z,q,,,,,,,20,80,20,150,400,,'])]);
    expect(r.ok).toBe(true);
    expect(raw('2026-11-19T10:00:00Z')).toEqual(before);
    expect(raw('2026-11-19T10:30:00Z')).toMatchObject({ has_outcome: 0, forecast_offered: 150 });
    expect(r.warnings).toEqual([expect.stringMatching(/late-plan\.csv: 1 plan row left out: its interval already has an outcome/)]);
    expect(formatIngestReport(r)).toMatch(/warning: .*a plan never replaces an outcome/);
    // A plan replaces a plan (a re-plan).
    await ingestFiles(db, [file('replan.csv', ['2026-11-19T10:30:00Z,q,,,,,,,22,80,20,160,380,,'])]);
    expect(raw('2026-11-19T10:30:00Z')).toMatchObject({ has_outcome: 0, forecast_offered: 160, agents_staffed: 22 });
  });

  it('rejects partly empty outcomes and incomplete plans with file:line, the reason and a correct example; nothing changes', async () => {
    await ingestFiles(db, [file('out.csv', [OUTCOME_19])]);
    const count = () => (db.prepare('SELECT COUNT(*) n FROM interval_inputs').get() as { n: number }).n;
    const cases: [string, string, RegExp, RegExp][] = [
      ['2026-11-21T10:00:00Z,q,100,,5,80,300,40,12,80,20,,,,', 'handled', /is empty while offered, abandoned, answered_within_target are filled/, /plan: all four empty/],
      ['2026-11-21T10:00:00Z,q,100,,,,,,12,80,20,110,300,,', 'handled, abandoned, answered_within_target', /either an outcome .* or a plan/, /outcome: offered=120/],
      ['2026-11-21T10:00:00Z,q,,,,,,,12,80,20,,300,,', 'forecast_offered', /required on a plan row/, /118/],
      ['2026-11-21T10:00:00Z,q,,,,,,,12,80,20,110,,,', 'forecast_aht_seconds', /required on a plan row/, /300/],
      ['2026-11-21T10:00:00Z,q,,,,,310,,12,80,20,110,300,,', 'aht_seconds', /is an outcome, but .* are empty/, /forecast_aht_seconds=300/],
      ['2026-11-21T10:00:00Z,q,,,,,,,12,80,20,110,300,100,', 'answered_wait_seconds', /is an outcome/, /./],
      ['2026-11-21T10:00:00Z,q,,,,,,,,80,20,110,300,,', 'agents_staffed', /required/, /18\.5/],
    ];
    for (const [row, column, reason, example] of cases) {
      const f = file('bad.csv', [PLAN_20[0], row]);
      const r = await ingestFiles(db, [f]);
      expect(r.ok, row).toBe(false);
      expect(r.problems[0], row).toMatchObject({ file: f, line: 3, column });
      expect(r.problems[0].reason, row).toMatch(reason);
      expect(r.problems[0].example ?? '', row).toMatch(example);
      expect(formatIngestReport(r), row).toMatch(/bad\.csv:3 /);
      expect(count(), row).toBe(1); // all-or-nothing: the good plan row on line 2 is not loaded either
    }
  });

  it('realised readers ignore plans: sla, daily rows, latest date and the catalog span', async () => {
    await ingestFiles(db, [file('i.csv', [OUTCOME_19, ...PLAN_20])]);
    expect(dailyRows(db, '2026-11-19', '2026-11-20', ['q']).map((d) => d.date)).toEqual(['2026-11-19']);
    expect(latestDate(db, '2026-11-30', ['q'])).toBe('2026-11-19');
    expect(listQueues(db).find((x) => x.queue === 'q')).toMatchObject({ firstInterval: '2026-11-19T10:00:00Z', lastInterval: '2026-11-19T10:00:00Z' });
    const ctx: CommandContext = { db, now: new Date('2026-11-20T15:00:00Z'), config: loadConfig({}), surface: 'cli' };
    // The plan day asked directly: no realised data (not a day of 0 contacts and 0 % SL).
    const day = (await sla.run(ctx, { queue: 'q', range: { from: '2026-11-20', to: '2026-11-20', label: '2026-11-20' } })) as SlaResult;
    expect(day.queues[0].days).toEqual([]);
    expect(day.queues[0].total.offered).toBe(0);
    expect(day.queues[0].status).toBe('no_data');
    // Over both days, only the realised one appears.
    const both = (await sla.run(ctx, { queue: 'q', range: { from: '2026-11-19', to: '2026-11-20', label: 'two days' } })) as SlaResult;
    expect(both.queues[0].days.map((d) => [d.date, d.offered])).toEqual([['2026-11-19', 100]]);
    expect(both.queues[0].trend14.filter((t) => t.sl !== null).map((t) => t.date)).toEqual(['2026-11-19']);
    // "sla q" today (the plan day): today has no outcome yet, so it shows the latest realised day.
    const today = (await sla.run(ctx, { queue: 'q', range: null })) as SlaResult;
    expect(today.note).toMatch(/No data for today \(2026-11-20\)/);
    expect(today.range.from).toBe('2026-11-19');
  });

  it('a queue with only plans is listed, spanning its plans', async () => {
    await ingestFiles(db, [file('plan.csv', PLAN_20)]);
    expect(listQueues(db).find((x) => x.queue === 'q')).toMatchObject({ firstInterval: '2026-11-20T10:00:00Z', lastInterval: '2026-11-20T10:30:00Z' });
    expect(dailyRows(db, '2026-11-01', '2026-11-30', ['q'])).toEqual([]);
  });
});
