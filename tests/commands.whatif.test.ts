import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { Registry, parseCommandLine, type AnyCommand, type CommandContext, type ParseContext } from '../src/registry.js';
import { buildParseContext } from '../src/parseContext.js';
import { validateBlocks } from '../src/blocks/kit.js';
import { whatif, whatifLine, extractLevers, parseHours, type WhatifArgs, type WhatifCommandResult } from '../commands/whatif.js';
import { staffing, extractStaffingOptions, type StaffingCommandResult } from '../commands/staffing.js';

const registry = new Registry([whatif as AnyCommand, staffing as AnyCommand]);
const NOW = new Date('2026-11-21T10:00:00Z'); // Saturday; tomorrow = Sunday 2026-11-22
const pctx: ParseContext = { queues: ['billing', 'tech_support'], now: NOW, tz: 'UTC', queueTz: () => 'UTC' };

function parse(line: string) {
  const p = parseCommandLine(registry, line, pctx);
  if (!p.ok) throw p.error;
  return p.args as Record<string, unknown>;
}
function parseError(line: string): string {
  const p = parseCommandLine(registry, line, pctx);
  if (p.ok) throw new Error(`expected a usage error for "${line}"`);
  return p.error.message;
}

describe('whatif grammar', () => {
  it('reads the issue example', () => {
    expect(parse('whatif billing tomorrow +2 agents 9-12 aht -10% acw -20s fcr +5')).toMatchObject({
      queue: 'billing',
      date: '2026-11-22',
      agents: 2,
      hours: { fromMinute: 540, toMinute: 720 },
      ahtPct: -10,
      ahtSeconds: 0,
      acwSeconds: -20,
      fcrPoints: 5,
      volumePct: 0,
      patienceSeconds: null,
      repeatRatePct: 30,
    });
  });

  it('reads the modal’s line, options, unicode minus, units and word order', () => {
    expect(parse('whatif billing 2026-11-20 09:30-11:00 +3 agents aht -10%')).toMatchObject({ date: '2026-11-20', agents: 3, hours: { fromMinute: 570, toMinute: 660 }, ahtPct: -10 });
    expect(parse('whatif agents=+2 hours=9-12 aht=-10% queue=billing')).toMatchObject({ queue: 'billing', agents: 2, hours: { fromMinute: 540, toMinute: 720 }, ahtPct: -10 });
    expect(parse('whatif billing aht −30s acw −10 %, volume +20% fcr +2pts')).toMatchObject({ ahtSeconds: -30, acwPct: -10, volumePct: 20, fcrPoints: 2, date: null });
    expect(parse('whatif tech_support yesterday agents -1 aht -1.5m patience 90s repeats 20%')).toMatchObject({ queue: 'tech_support', date: '2026-11-20', agents: -1, ahtSeconds: -90, patienceSeconds: 90, repeatRatePct: 20 });
    expect(parse('whatif billing +1 agent 9am-1pm')).toMatchObject({ agents: 1, hours: { fromMinute: 540, toMinute: 780 } });
  });

  it('explains what is wrong, with an example', () => {
    expect(parseError('whatif nowhere +2 agents')).toMatch(/queue "nowhere"/);
    expect(parseError('whatif billing last week +2 agents')).toMatch(/one day/);
    expect(parseError('whatif billing 9-12 aht -10%')).toMatch(/hour range applies to an agents change/);
    expect(parseError('whatif billing +2 agents +3 agents')).toMatch(/given twice/);
    expect(parseError('whatif billing +2 agents banana')).toMatch(/banana/);
    expect(parseError('whatif billing aht -95%')).toMatch(/^AHT % must be at least -90/);
  });

  it('parseHours handles 24:00, am/pm and rejects nonsense', () => {
    expect(parseHours('22-24')).toEqual({ fromMinute: 1320, toMinute: 1440 });
    expect(parseHours('22:00-02:00')).toEqual({ fromMinute: 1320, toMinute: 120 });
    expect(parseHours('12pm-1pm')).toEqual({ fromMinute: 720, toMinute: 780 });
    expect(parseHours('9:75-10')).toBeNull();
    expect(parseHours('25-26')).toBeNull();
    expect(extractLevers('billing 2026-11-20').rest).toBe('billing 2026-11-20'); // ISO dates are not hour ranges
  });

  it('the canonical line re-parses to the same arguments (fast-check)', () => {
    const intOr0 = (lo: number, hi: number) => fc.oneof(fc.constant(0), fc.integer({ min: lo, max: hi }));
    fc.assert(
      fc.property(
        fc.record({
          agents: intOr0(-20, 20),
          win: fc.option(fc.tuple(fc.integer({ min: 0, max: 46 }), fc.integer({ min: 1, max: 8 }))),
          ahtPct: intOr0(-50, 50),
          ahtSeconds: intOr0(-120, 120),
          acwSeconds: intOr0(-60, 60),
          acwPct: intOr0(-50, 50),
          fcrPoints: intOr0(-10, 10),
          volumePct: intOr0(-50, 100),
          patience: fc.option(fc.integer({ min: 5, max: 900 })),
          repeats: fc.integer({ min: 0, max: 60 }),
        }),
        (r) => {
          const agents = r.win && r.agents === 0 ? 1 : r.agents;
          const args: WhatifArgs = {
            queue: 'billing',
            date: '2026-11-20',
            agents,
            hours: r.win ? { fromMinute: r.win[0] * 30, toMinute: Math.min(1440, (r.win[0] + r.win[1]) * 30) } : null,
            ahtPct: r.ahtPct,
            ahtSeconds: r.ahtSeconds,
            acwSeconds: r.acwSeconds,
            acwPct: r.acwPct,
            fcrPoints: r.fcrPoints,
            volumePct: r.volumePct,
            patienceSeconds: r.patience,
            repeatRatePct: r.repeats,
          };
          expect(parse(whatifLine(args, '2026-11-20'))).toEqual(args);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('staffing grammar', () => {
  it('reads target, shrinkage and occupancy cap in any order and form', () => {
    expect(parse('staffing billing tomorrow target 80/20 shrinkage 30% max-occupancy 85%')).toEqual({ queue: 'billing', date: '2026-11-22', targetPct: 80, targetSeconds: 20, shrinkagePct: 30, maxOccupancyPct: 85 });
    expect(parse('staffing billing')).toEqual({ queue: 'billing', date: null, targetPct: null, targetSeconds: null, shrinkagePct: 30, maxOccupancyPct: null });
    expect(parse('staffing max-occ 0.9 billing 90/30 shrinkage=0.35')).toMatchObject({ targetPct: 90, targetSeconds: 30, shrinkagePct: 35, maxOccupancyPct: 90 });
    expect(extractStaffingOptions('billing 2026-11-20').rest).toBe('billing 2026-11-20');
    expect(parseError('staffing billing shrinkage 95%')).toMatch(/^Shrinkage % must be at most 90/);
  });
});

// ---------- against a warehouse ----------

let db: Db;
let ctx: CommandContext;
const HEADER = 'interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds,forecast_offered,forecast_aht_seconds';

/** Three realised days (Wed 18 – Fri 20 Nov) and a forecast for Sunday 22 Nov, UTC queue "billing", 80/20. */
function writeFixture(dir: string) {
  writeFileSync(join(dir, 'sla_policy.csv'), 'queue,sl_target_pct,sl_target_seconds,interval_seconds,time_zone,display_name\nbilling,80,20,1800,UTC,Billing\n');
  const lines = [HEADER];
  for (const day of ['2026-11-18', '2026-11-19', '2026-11-20']) {
    for (let k = 0; k < 48; k++) {
      const h = k / 2;
      const open = h >= 8 && h < 20;
      const offered = open ? 100 : 0;
      const agents = open ? (h >= 10 && h < 12 ? 12 : 14) : 1; // short 10–12
      const abandoned = open ? (agents === 12 ? 8 : 2) : 0;
      const within = open ? (agents === 12 ? 60 : 85) : 0;
      const ts = `${day}T${String(Math.floor(h)).padStart(2, '0')}:${k % 2 ? '30' : '00'}:00Z`;
      lines.push(`${ts},billing,${offered},${offered - abandoned},${abandoned},${within},${open ? 180 : ''},${open ? 30 : ''},${agents},80,20,,`);
    }
  }
  for (let k = 16; k < 40; k++) {
    const h = k / 2;
    const ts = `2026-11-22T${String(Math.floor(h)).padStart(2, '0')}:${k % 2 ? '30' : '00'}:00Z`;
    lines.push(`${ts},billing,0,0,0,0,,,${h >= 9 && h < 10 ? 12 : 15},80,20,100,180`);
  }
  writeFileSync(join(dir, 'intervals.csv'), lines.join('\n') + '\n');
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-whatif-'));
  writeFixture(dir);
  db = openWarehouse(join(dir, 'w.db'));
  await ingestFiles(db, [join(dir, 'sla_policy.csv'), join(dir, 'intervals.csv')]);
  ctx = { db, now: NOW, config: loadConfig({}), surface: 'cli' };
});

async function runLine(line: string) {
  const p = parseCommandLine(registry, line, buildParseContext(db, ctx.config, NOW));
  if (!p.ok) throw p.error;
  return p.command.run(ctx, p.args);
}

describe('whatif command on a warehouse', () => {
  it('a past day without levers: the model’s prediction from the day’s inputs, the realised SL beside it; thin history says it is uncalibrated', async () => {
    const r = (await runLine('whatif billing 2026-11-20')) as WhatifCommandResult;
    expect(r.basis).toBe('realised');
    expect(r.result.model).toBe('erlang-a'); // abandonment in the history → fitted patience
    // 20 intervals with 85 within target, 4 (10:00–12:00) with 60, of 24 × 100 offered
    const realised = (20 * 85 + 4 * 60) / 2400;
    expect(r.baseline.realisedSlPct).toBeCloseTo(realised * 100, 10);
    expect(r.baseline.predictedSlPct).toBeCloseTo(r.result.baseline.serviceLevel * 100, 12);
    expect(Math.abs(r.baseline.predictedSlPct - realised * 100)).toBeGreaterThan(0.5); // no identity
    expect(r.delta.slPts).toBe(0);
    expect(r.delta.range).toBeNull();
    // Two days of history before the 20th: too thin to calibrate, and the answer says so.
    expect(r.calibrated).toBe(false);
    expect(r.fallbackReason).toBeTruthy();
    expect(r.accuracy).toBeNull();
    expect(r.baseline.range).toBeNull();
    expect(r.modelNote).toMatch(/^textbook Erlang A, patience .* over 2 days, uncalibrated$/);
    const text = whatif.text(r);
    expect(text).toMatch(/Model: No calibration \(.+\): textbook Erlang A/);
    expect(text).toMatch(/Realised SL that day: 80\.8 %/);
    expect(JSON.stringify(whatif.blocks!(r, { public: false }))).toMatch(/No calibration/);
  });

  it('+2 agents 10-12 adds capacity only there and raises SL; renders text and valid blocks', async () => {
    const r = (await runLine('whatif billing 2026-11-20 +2 agents 10-12')) as WhatifCommandResult;
    const cap = r.result.intervals.map((i) => [i.localMinute, i.scenario.capacityAgents - i.baseline.capacityAgents]);
    for (const [m, d] of cap) expect(d).toBe(m! >= 600 && m! < 720 ? 2 : 0);
    expect(r.result.delta.slPts).toBeGreaterThan(0);
    expect(r.line).toBe('whatif billing 2026-11-20 +2 agents 10:00-12:00');
    const text = whatif.text(r);
    expect(text).toMatch(/What-if — billing, 2026-11-20/);
    expect(text).toMatch(/\+2 agents 10:00–12:00/);
    expect(text).toMatch(/Next lever, SL bought/);
    const blocks = whatif.blocks!(r, { public: false });
    expect(validateBlocks(blocks)).toEqual([]);
    expect(JSON.stringify(blocks)).toMatch(/share_in_channel/);
  });

  it('tomorrow uses the loaded forecast and schedule', async () => {
    const fitted = (await runLine('whatif billing tomorrow')) as WhatifCommandResult;
    expect(fitted.date).toBe('2026-11-22');
    expect(fitted.basis).toBe('forecast');
    expect(fitted.modelNote).toMatch(/textbook Erlang A, patience .* from .* abandonment over 3 days/);
    expect(fitted.result.intervals).toHaveLength(24);
    expect(fitted.result.intervals.every((i) => i.scenario.offered === 100 && i.scenario.ahtSeconds === 180)).toBe(true);
    expect(fitted.result.realisedVsModel).toBeNull();
    expect(fitted.baseline.realisedSlPct).toBeNull();
    // With a day's patience almost nobody abandons (≈ Erlang C): 12 agents at 09:00–10:00 miss 80/20 for A = 10
    // (Erlang C table: Pw(10, 12) = 0.4494, SL = 1 − 0.4494·e^(−2·20/180) = 0.640), 15 agents elsewhere meet it.
    const r = (await runLine('whatif billing tomorrow patience 86400s')) as WhatifCommandResult;
    expect(r.result.atRisk.map((i) => i.localMinute)).toEqual([540, 570]);
    expect(Math.abs(r.result.atRisk[0].predictedSl - 0.64)).toBeLessThan(0.01);
  });

  it('a day with no rows falls back to the recent average per slot', async () => {
    const r = (await runLine('whatif billing 2026-11-23')) as WhatifCommandResult;
    expect(r.basis).toBe('recent-average');
    const nine = r.result.intervals.find((i) => i.localMinute === 540)!;
    expect(nine.scenario.offered).toBe(100);
    expect(nine.scenario.capacityAgents).toBe(14);
    expect(nine.scenario.ahtSeconds).toBe(180);
  });
});

describe('staffing command on a warehouse', () => {
  it('forecast day: 100 calls × 180 s at 80/20 need 14 agents, 20 scheduled at 30 % shrinkage; gaps worst first', async () => {
    const r = (await runLine('staffing billing tomorrow')) as StaffingCommandResult;
    expect(r.basis).toBe('forecast');
    expect(r.target).toEqual({ pct: 80, seconds: 20, source: 'policy' });
    for (const row of r.plan.rows) {
      expect(row.rawAgents).toBe(14);
      expect(row.scheduledAgents).toBe(20);
    }
    expect(r.plan.rows.slice(0, 2).map((x) => x.localMinute)).toEqual([540, 570]); // 12 staffed → gap −2
    expect(r.plan.rows[0].gap).toBe(-2);
    expect(r.plan.totals.shortAgentHours).toBe(2); // 2 intervals × 2 agents × 0.5 h
    expect(r.plan.totals.rawAgentHours).toBe(24 * 14 * 0.5);
    const text = staffing.text(r);
    expect(text).toMatch(/2 interval\(s\) short/);
    expect(validateBlocks(staffing.blocks!(r, { public: false }))).toEqual([]);
  });

  it('a stricter target and an occupancy cap raise the requirement', async () => {
    const r = (await runLine('staffing billing tomorrow target 90/10 max-occupancy 60%')) as StaffingCommandResult;
    expect(r.target.source).toBe('asked');
    expect(r.plan.rows[0].rawAgents).toBe(17); // A = 10 at ≤ 60 % occupancy → 17 (SL 90/10 alone needs 15)
    expect(r.plan.rows[0].bindingConstraint).toBe('occupancy');
  });
});
