import { describe, expect, test, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import { validateBlocks } from '../src/blocks/kit.js';
import type { CommandContext } from '../src/registry.js';
import type { KpiResult, KpiRow } from '../commands/kpi.js';

// billing runs on New York time (EST, UTC−5 in November): its local 2026-11-20 is [11-20T05:00Z, 11-21T05:00Z).
// support runs on UTC. The clock: 2026-11-21T15:00Z.
const H = 'ticket_id,created_at,first_response_at,resolved_at,status,priority,channel,queue,customer_id,agent_id,subject,body,category,csat,reopen_count,escalated,sla_breached,due_at,attr_plan';
const TICKETS = [
  // previous day in New York (23:59:59 local on 11-19); resolved 06:00Z
  'B1,2026-11-20T04:59:59Z,2026-11-20T05:04:59Z,2026-11-20T06:00:00Z,solved,low,email,billing,C-9,,s,b,x,3,0,0,0,,',
  // 00:00 local 11-20: FRT 10 min, resolved after 2 h, due met, CSAT 5; C-1 comes back on the same category (B3) → not FCR
  'B2,2026-11-20T05:00:00Z,2026-11-20T05:10:00Z,2026-11-20T07:00:00Z,solved,normal,email,billing,C-1,A-1,s,b,inv,5,0,0,0,2026-11-20T08:00:00Z,pro',
  // 23:30 local 11-20: FRT 30 min, resolved after 4 h (past due), CSAT 2, escalated; FCR (no later contact)
  'B3,2026-11-21T04:30:00Z,2026-11-21T05:00:00Z,2026-11-21T08:30:00Z,solved,high,email,billing,C-1,,s,b,inv,2,0,1,1,2026-11-21T06:30:00Z,pro',
  // open, FRT 20 min, overdue at the clock
  'B4,2026-11-20T12:00:00Z,2026-11-20T12:20:00Z,,open,normal,chat,billing,C-2,,s,b,ship,,0,0,,2026-11-21T12:00:00Z,free',
  // FRT 20 min (a tie), resolved after 1 h, reopened, CSAT 4
  'B5,2026-11-20T13:00:00Z,2026-11-20T13:20:00Z,2026-11-20T14:00:00Z,closed,low,phone,billing,C-3,,s,b,inv,4,1,0,0,,',
  // support: every ticket of 11-20 was reopened; S3 at the last second of the UTC day, S4 at the first of the next
  'S1,2026-11-20T10:00:00Z,2026-11-20T10:40:00Z,2026-11-20T12:00:00Z,solved,low,web,support,C-4,,s,b,y,,2,0,0,,',
  'S2,2026-11-20T11:00:00Z,,2026-11-20T13:00:00Z,solved,low,web,support,C-5,,s,b,y,,1,0,0,,',
  'S3,2026-11-20T23:59:59Z,,2026-11-21T01:00:00Z,solved,low,web,support,C-6,,s,b,y,,1,0,0,,',
  'S4,2026-11-21T00:00:00Z,,2026-11-21T01:00:00Z,solved,low,web,support,C-7,,s,b,y,,0,0,0,,',
];

let db: Db;
const registry = buildRegistry();
const config = loadConfig({ RADAR_ADMINS: 'UADMIN' });
const now = new Date('2026-11-21T15:00:00Z');
const ctx = (over: Partial<CommandContext> = {}): CommandContext => ({ db, now, config, surface: 'cli', ...over });

async function run(line: string, over: Partial<CommandContext> = {}) {
  const e = await execute(registry, line, ctx(over));
  if (!e.ok) throw new Error(e.message);
  return e.result as KpiResult;
}
const rowOf = (r: KpiResult, s: string): KpiRow => r.rows.find((x) => x.segment === s)!;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-kpi-'));
  writeFileSync(join(dir, 'sla_policy.csv'), 'queue,sl_target_pct,sl_target_seconds,interval_seconds,time_zone,display_name\nbilling,80,20,1800,America/New_York,Billing\nsupport,80,20,1800,UTC,Support\n');
  writeFileSync(join(dir, 'customers.csv'), 'customer_id,name,tier,region\n' + ['C-1', 'C-2', 'C-3', 'C-4', 'C-5', 'C-6', 'C-7', 'C-9'].map((c) => `${c},n,standard,`).join('\n') + '\n');
  writeFileSync(join(dir, 'agents.csv'), 'agent_id,name,queue,team,hired_at,level\nA-1,Dana Smith,billing,T1,2022-03-01,senior\n');
  writeFileSync(join(dir, 'tickets.csv'), [H, ...TICKETS].join('\n') + '\n');
  db = openWarehouse(join(dir, 'w.db'));
  const rep = await ingestFiles(db, [dir], { defaultTz: 'UTC' });
  if (!rep.ok) throw new Error(JSON.stringify(rep.problems.slice(0, 3)));
});

describe('kpi on hand-built tickets', () => {
  test('billing on its local 2026-11-20, every metric computed by hand', async () => {
    const r = await run('kpi 2026-11-20');
    expect(r.rows.map((x) => x.segment)).toEqual(['billing', 'support', 'all']);
    const b = rowOf(r, 'billing');
    // B2, B3, B4, B5 (B1 is 23:59:59 on 11-19 in New York).
    expect(b.tickets).toBe(4);
    expect(b.resolved).toBe(3);
    expect(b.fcrPct).toBeCloseTo(100 / 3, 10); // only B3
    expect(b.csatMean).toBeCloseTo(11 / 3, 10); // 5, 2, 4
    expect(b.csatTop2Pct).toBeCloseTo(200 / 3, 10);
    expect(b.csatResponses).toBe(3);
    // FRT minutes [10, 20, 20, 30]: p50 = 20, p90: h = 2.7 → 20 + 0.7·10 = 27, p95: h = 2.85 → 28.5.
    expect(b.firstResponseP50Minutes).toBe(20);
    expect(b.firstResponseP90Minutes).toBeCloseTo(27, 10);
    expect(b.firstResponseP95Minutes).toBeCloseTo(28.5, 10);
    // Resolution hours [1, 2, 4]: p50 = 2, p90: h = 1.8 → 3.6, p95 → 3.8.
    expect(b.resolutionP50Hours).toBe(2);
    expect(b.resolutionP90Hours).toBeCloseTo(3.6, 10);
    expect(b.resolutionP95Hours).toBeCloseTo(3.8, 10);
    // Due: B2 met, B3 missed, B4 open and past due at 15:00Z → 1 / 3.
    expect(b.slaCompliancePct).toBeCloseTo(100 / 3, 10);
    expect(b.reopenPct).toBe(25);
    expect(b.escalatedPct).toBe(25);
    // Backlog at local midnight 11-21T05:00Z: B3 (0.5 h old) and B4 (17 h).
    expect(b.backlog).toBe(2);
    expect(b.backlogAgeP50Hours).toBeCloseTo(8.75, 10);
    expect(b.backlogOldestHours).toBeCloseTo(17, 10);
    expect(b.smallSample).toContain('tickets');
    // Previous day (New York 11-19): B1 alone, FRT 5 min, FCR 100 %, CSAT 3; open at 11-20T05:00Z (resolved at 06:00).
    expect(b.previous).toMatchObject({ tickets: 1, fcrPct: 100, csatMean: 3, firstResponseP50Minutes: 5, backlog: 1 });
    expect(b.change.fcrPct).toMatchObject({ arrow: '↓', verdict: 'worse' });
    expect(b.change.csatMean).toMatchObject({ arrow: '↑', verdict: 'better' });
    expect(b.change.firstResponseP50Minutes).toMatchObject({ delta: 15, arrow: '↑', verdict: 'worse' });
    expect(b.change.backlog).toMatchObject({ delta: 1, verdict: 'worse' });
  });

  test('a queue whose tickets were all reopened, UTC day edges, and the all row', async () => {
    const r = await run('kpi 2026-11-20');
    const s = rowOf(r, 'support');
    expect(s.tickets).toBe(3); // S1–S3; S4 is 00:00:00 on 11-21
    expect(s.fcrPct).toBe(0);
    expect(s.reopenPct).toBe(100);
    expect(s.csatMean).toBeNull();
    expect(s.csatResponses).toBe(0);
    // S3 created 23:59:59 and resolved 01:00 the next day: open at midnight, 1 s old.
    expect(s.backlog).toBe(1);
    expect(s.backlogOldestHours).toBeCloseTo(1 / 3600, 10);
    const all = rowOf(r, 'all');
    expect(all.tickets).toBe(7);
    expect(all.resolved).toBe(6);
    expect(all.fcrPct).toBeCloseTo(100 / 6, 10);
    // FRT minutes [10, 20, 20, 30, 40]: p90: h = 3.6 → 30 + 0.6·10 = 36.
    expect(all.firstResponseP90Minutes).toBeCloseTo(36, 10);
    expect(all.backlog).toBe(3);
  });

  test('a period without tickets: zero counts, null rates, a plain note', async () => {
    const r = await run('kpi 2026-11-01..2026-11-07');
    for (const x of r.rows) expect(x).toMatchObject({ tickets: 0, fcrPct: null, csatMean: null, firstResponseP50Minutes: null, reopenPct: null, smallSample: [] });
    expect(registry.get('kpi')!.text(r)).toMatch(/No tickets were created in this period/);
  });

  test('segments: a one-sample segment has every percentile equal to its value', async () => {
    const r = await run('kpi billing 2026-11-20 by channel');
    expect(r.rows.map((x) => [x.segment, x.tickets])).toEqual([['email', 2], ['chat', 1], ['phone', 1], ['all', 4]]);
    const phone = rowOf(r, 'phone');
    expect([phone.firstResponseP50Minutes, phone.firstResponseP90Minutes, phone.firstResponseP95Minutes]).toEqual([20, 20, 20]);
    expect(phone.resolutionP50Hours).toBe(1);
    expect(phone.smallSample).toContain('firstResponseP50Minutes');
    // The segment "all" agrees with the per-day partials.
    const byQueue = rowOf(await run('kpi billing 2026-11-20'), 'billing');
    const { segment: _a, smallSample: _b, change: _c, previous: _d, ahtSeconds: _e, ...segAll } = rowOf(r, 'all');
    for (const [k, v] of Object.entries(segAll)) expect((byQueue as unknown as Record<string, unknown>)[k], k).toEqual(v);
    const team = await run('kpi billing 2026-11-20 by team');
    expect(team.rows.map((x) => [x.segment, x.tickets])).toEqual([['unassigned', 3], ['T1', 1], ['all', 4]]);
  });

  test('agent-level views only for RADAR_ADMINS in a DM; team views anywhere', async () => {
    const e1 = await execute(registry, 'kpi billing 2026-11-20 by agent', ctx({ surface: 'slack', userId: 'UOTHER', channelId: 'D1' }));
    expect(e1).toMatchObject({ ok: false, kind: 'usage' });
    const e2 = await execute(registry, 'kpi billing 2026-11-20 by agent', ctx({ surface: 'slack', userId: 'UADMIN', channelId: 'C1' }));
    expect(e2).toMatchObject({ ok: false, kind: 'usage' });
    const ok = await run('kpi billing 2026-11-20 by agent', { surface: 'slack', userId: 'UADMIN', channelId: 'D1' });
    expect(ok.rows.map((x) => x.segment)).toContain('Dana Smith');
    expect((await run('kpi billing 2026-11-20 by team', { surface: 'slack', userId: 'UOTHER', channelId: 'C1' })).rows.length).toBe(3);
  });

  test('grammar: metric focus, by, bad segments; text and blocks within limits', async () => {
    const r = await run('kpi csat billing 2026-11-20');
    expect(r.metric).toBe('csat');
    expect(rowOf(r, 'billing').tickets).toBe(4);
    const bad = await execute(registry, 'kpi billing by colour', ctx());
    expect(bad).toMatchObject({ ok: false, kind: 'usage' });
    const noAttr = await execute(registry, 'kpi billing by attr_seats', ctx());
    expect(noAttr.ok).toBe(false);
    if (!noAttr.ok) expect(noAttr.message).toMatch(/no attribute column "attr_seats". Known: attr_plan/);
    const plan = await run('kpi billing 2026-11-20 by attr_plan');
    expect(plan.rows.map((x) => [x.segment, x.tickets])).toEqual([['pro', 2], ['free', 1], ['none', 1], ['all', 4]]);
    expect(rowOf(plan, 'pro').csatMean).toBe(3.5);
    const text = registry.get('kpi')!.text(await run('kpi 2026-11-20'));
    expect(text).toMatch(/FCR = resolved tickets never reopened/);
    expect(text).toMatch(/numpy/);
    expect(validateBlocks(registry.get('kpi')!.blocks!(await run('kpi 2026-11-20 by channel'), {}))).toEqual([]);
  });
});

describe('unknown flags are an error with a correct example', () => {
  test('sla … --csv x.csv is refused; flags a grammar reads still work', async () => {
    const e = await execute(registry, 'sla billing last week --csv x.csv', ctx());
    expect(e).toMatchObject({ ok: false, kind: 'usage' });
    if (!e.ok) {
      expect(e.message).toMatch(/`sla` has no option --csv/);
      expect(e.message).toMatch(/Example: `\/radar sla /);
    }
    const ok = await execute(registry, 'kpi --queue billing --from 2026-11-20 --to 2026-11-20 --by channel', ctx());
    expect(ok.ok).toBe(true);
    const bad = await execute(registry, 'kpi billing --format csv', ctx());
    expect(bad.ok).toBe(false);
  });
});
