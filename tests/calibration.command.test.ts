import { describe, it, expect, beforeAll } from 'vitest';
import type { Db } from '../src/warehouse/db.js';
import { loadConfig } from '../src/config.js';
import { Registry, parseCommandLine, type AnyCommand, type ParseContext } from '../src/registry.js';
import { validateBlocks } from '../src/blocks/kit.js';
import { calibration, type CalibrationCommandResult } from '../commands/calibration.js';
import { simulateDay } from '../src/sample/callsim.js';
import { createRng } from '../src/engines/shared/rng.js';
import { warehouseWith, slot, type IntervalSpec } from './helpers/alertsWarehouse.js';

const registry = new Registry([calibration as AnyCommand]);
const NOW = new Date('2026-03-13T10:00:00Z');
const pctx: ParseContext = { queues: ['billing', 'tech_support'], now: NOW, tz: 'UTC', queueTz: () => 'UTC' };

function parse(line: string) {
  const p = parseCommandLine(registry, line, pctx);
  if (!p.ok) throw p.error;
  return p.args as Record<string, unknown>;
}
function parseError(line: string): { message: string; example: string } {
  const p = parseCommandLine(registry, line, pctx);
  if (p.ok) throw new Error(`expected a usage error for "${line}"`);
  return { message: p.error.message, example: p.error.example };
}

describe('calibration grammar', () => {
  it('reads the queue, an optional day and the backtest length in several spellings', () => {
    expect(parse('calibration billing')).toMatchObject({ queue: 'billing', date: null, days: 5 });
    expect(parse('calibration billing --days 7')).toMatchObject({ queue: 'billing', days: 7 });
    expect(parse('calibration billing days=9')).toMatchObject({ days: 9 });
    expect(parse('calibration billing last 10 days')).toMatchObject({ days: 10 });
    expect(parse('calibration tech_support 2026-03-10 4 days')).toMatchObject({ queue: 'tech_support', date: '2026-03-10', days: 4 });
  });

  it('explains bad input with a correct example', () => {
    const e1 = parseError('calibration billing --days 40');
    expect(e1.message).toMatch(/2 to 23 days/);
    expect(e1.example).toBe('calibration billing --days 7');
    expect(parseError('calibration billing --days seven').message).toMatch(/whole number of days/);
    expect(parseError('calibration').message).toMatch(/Which queue/);
    expect(parseError('calibration nowhere').message).toMatch(/queue "nowhere"/);
    expect(parseError('calibration billing last week').message).toMatch(/one day/);
  });
});

function simulated(days: number): IntervalSpec[] {
  const rng = createRng(8);
  const out: IntervalSpec[] = [];
  for (let d = 0; d < days; d++) {
    const base = new Date(Date.UTC(2026, 2, 1 + d, 8)).toISOString().slice(0, 19) + 'Z';
    const ivs = Array.from({ length: 12 }, (_, k) => ({ start: k, lambda: 36, agents: 7, talkMean: 330, talkCv: 1, acwMean: 0, acwCv: 0 }));
    simulateDay({ rng, intervalSeconds: 1800, targetAnswerSeconds: 20, patienceMeanSeconds: 300, intervals: ivs, talkDistribution: 'exponential' }).forEach((r, k) =>
      out.push({ start: slot(base, k), queue: 'billing', offered: r.offered, awt: r.answered_within_target, handled: r.handled, abandoned: r.abandoned, aht: r.aht_seconds ?? 330, acw: 0, agents: 7 }),
    );
  }
  return out;
}

describe('calibration command', () => {
  let db: Db;
  const ctx = () => ({ db, now: NOW, config: loadConfig({}), surface: 'cli' as const });
  beforeAll(async () => {
    ({ db } = await warehouseWith(simulated(12), [{ queue: 'billing' }]));
  });

  it('shows the model, the patience, the backtest, the candidates and the days; blocks are valid', async () => {
    const r = (await calibration.run(ctx(), { queue: 'billing', date: null, days: 4 })) as CalibrationCommandResult;
    expect(r.error).toBeNull();
    const c = r.calibration!;
    expect(c.fitThrough).toBe('2026-03-12');
    expect(c.backtest?.perDay.map((d) => d.day)).toEqual(['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12']);
    const text = calibration.text(r);
    expect(text).toMatch(/fitted on 2026-03-01\.\.2026-03-12: 12 days/);
    expect(text).toMatch(/handle-time factor k = /);
    expect(text).toMatch(/Patience: \d+ s from abandonment/);
    expect(text).toMatch(/last 4 history days .* interval MAE [\d.]+ pp, bias [+-]?[\d.]+ pp/);
    for (const d of c.backtest!.perDay) expect(text).toContain(d.day);
    for (const cand of c.candidates) expect(text).toContain(cand.name);
    expect(validateBlocks(calibration.blocks!(r, {}))).toEqual([]);
  });

  it('thin history answers with how many days exist and how many are needed', async () => {
    const r = (await calibration.run(ctx(), { queue: 'billing', date: '2026-03-04', days: 5 })) as CalibrationCommandResult;
    expect(r.calibration).toBeNull();
    expect(calibration.text(r)).toMatch(/3 days with outcomes .* at least 7/);
    expect(validateBlocks(calibration.blocks!(r, {}))).toEqual([]);
  });
});
