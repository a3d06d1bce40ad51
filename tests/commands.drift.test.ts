import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { Registry, parseCommandLine, type AnyCommand, type CommandContext, type ParseContext } from '../src/registry.js';
import { validateBlocks } from '../src/blocks/kit.js';
import { simulateDay } from '../src/sample/callsim.js';
import { createRng } from '../src/engines/shared/rng.js';
import { Writable } from 'node:stream';
import { main } from '../src/cli/main.js';
import { drift, type DriftResult } from '../commands/drift.js';
import { why, type WhyResult } from '../commands/why.js';

/**
 * Two queues simulated call by call (src/sample/callsim) for 42 days from Monday 2026-10-05, 08:00–20:00 UTC.
 * From 2026-11-11 (a Wednesday) 10:00, talk time rises 30 % on billing and 20 % on support.
 */
const START = Date.parse('2026-10-05T00:00:00Z');
const DAYS = 42;
const SHIFT_MS = Date.parse('2026-11-11T10:00:00Z');
const NOW = new Date('2026-11-15T21:00:00Z');
const WEEK = [0.3, 1.1, 1.0, 1.0, 0.95, 0.9, 0.35];
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';

/** Queues as [name, peak, talk factor from SHIFT_MS, arrivals factor from `surge.fromMs`]. */
function intervalsCsv(queues: readonly (readonly [string, number, number])[] = [['billing', 60, 1.3], ['support', 40, 1.2]], surge: { fromMs: number; factor: number } | null = null, seed = 2026): string {
  const lines = ['interval_start,queue,offered,handled,abandoned,answered_within_target,aht_seconds,acw_seconds,agents_staffed,sl_target_pct,sl_target_seconds'];
  const rng = createRng(seed);
  for (const [queue, peak, talkUp] of queues) {
    for (let d = 0; d < DAYS; d++) {
      const d0 = START + d * 86_400_000;
      const dow = new Date(d0).getUTCDay();
      const minutes: number[] = [];
      for (let m = 480; m < 1200; m += 30) minutes.push(m);
      const ivs = minutes.map((m) => {
        const shape = 0.3 + 0.7 * Math.exp(-0.5 * ((m - 690) / 150) ** 2);
        const planned = peak * WEEK[dow] * shape;
        const agents = Math.max(2, Math.ceil((planned * 300) / 1800 + 2 + Math.sqrt(planned * 300 / 1800)));
        const ms = d0 + m * 60_000;
        const lambda = planned * (surge && ms >= surge.fromMs ? surge.factor : 1);
        return { start: ms, lambda, agents, talkMean: 240 * (ms >= SHIFT_MS ? talkUp : 1), talkCv: 0.8, acwMean: 60, acwCv: 0.5 };
      });
      const rows = simulateDay({ rng, intervalSeconds: 1800, targetAnswerSeconds: 20, patienceMeanSeconds: 120, intervals: ivs });
      for (const r of rows) {
        lines.push([iso(r.start), queue, r.offered, r.handled, r.abandoned, r.answered_within_target, r.aht_seconds ?? '', r.acw_seconds ?? '', r.agents_staffed, 80, 20].join(','));
      }
    }
  }
  return lines.join('\n') + '\n';
}

let db: Db;
let dbPath: string;
let ctx: CommandContext;
const registry = new Registry([drift as AnyCommand, why as AnyCommand]);
const pctx: ParseContext = { queues: ['billing', 'support'], now: NOW, tz: 'UTC', queueTz: () => 'UTC' };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-drift-'));
  writeFileSync(join(dir, 'sla_policy.csv'), 'queue,sl_target_pct,sl_target_seconds,interval_seconds,time_zone,display_name\nbilling,80,20,1800,UTC,Billing\nsupport,80,20,1800,UTC,Support\n');
  writeFileSync(join(dir, 'intervals.csv'), intervalsCsv());
  dbPath = join(dir, 'w.db');
  db = openWarehouse(dbPath);
  const report = await ingestFiles(db, [join(dir, 'sla_policy.csv'), join(dir, 'intervals.csv')], { now: NOW, workerMinBytes: Infinity });
  expect(report.ok ?? true).toBeTruthy();
  ctx = { db, now: NOW, config: loadConfig({}), surface: 'cli' };
});

function parse(line: string) {
  const p = parseCommandLine(registry, line, pctx);
  if (!p.ok) throw p.error;
  return p;
}

async function run<T>(line: string): Promise<T> {
  const p = parse(line);
  return (await p.command.run(ctx, p.args)) as T;
}

describe('drift command', () => {
  it('reads the CLI form and finds the talk shift with its onset, as one event', async () => {
    const p = parse('drift --queue billing --from 2026-11-09 --to 2026-11-15 --train-days 28');
    expect(p.args).toMatchObject({ queue: 'billing', range: { from: '2026-11-09', to: '2026-11-15' }, trainDays: 28 });
    const r = (await p.command.run(ctx, p.args)) as DriftResult;
    expect(r.queue).toBe('billing');
    const talk = r.events.filter((e) => e.driver === 'talk');
    expect(talk).toHaveLength(1);
    expect(talk[0]).toMatchObject({ queue: 'billing', direction: 'up', status: 'open' });
    expect(Math.abs(Date.parse(talk[0].onsetEstimate) - SHIFT_MS)).toBeLessThanOrEqual(3 * 1_800_000);
    expect(Date.parse(talk[0].detectedAt)).toBeGreaterThanOrEqual(SHIFT_MS);
    expect(talk[0].magnitude).toBeGreaterThan(0.2);
    expect(talk[0].magnitude).toBeLessThan(0.4);
    // Nothing before the shift.
    expect(r.events.filter((e) => Date.parse(e.detectedAt) < SHIFT_MS)).toEqual([]);
    const q = r.queues[0];
    expect(q.status).toBe('drifting');
    // Monitoring starts up to 14 days before the range, as far as 28 training days allow (data from 10-05).
    expect(q.training).toMatchObject({ from: '2026-10-05', to: '2026-11-01', calibrated: true });
    expect(q.daily.map((d) => d.date)).toEqual(['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15']);
    // The 7-day talk change: from Wednesday 10:00 on, +30 % → well above +10 %, below +30 %.
    expect(q.last7.talk!.change).toBeGreaterThan(0.1);
    expect(q.last7.talk!.change).toBeLessThan(0.3);
    expect(Math.abs(q.last7.arrivals!.change)).toBeLessThan(0.1);
    expect(JSON.parse(JSON.stringify(r)).events[0]).toHaveProperty('onsetEstimate');
    const text = drift.text(r);
    expect(text).toMatch(/▲ Talk time \+\d+ % since Wed 2026-11-11 (09|10|11):\d\d/);
    expect(validateBlocks(drift.blocks!(r, {}))).toEqual([]);
  });

  it('a range that starts after the onset still dates it right: the shift is found from before the range', async () => {
    const r = await run<DriftResult>('drift billing 2026-11-13..2026-11-15');
    const talk = r.events.filter((e) => e.driver === 'talk');
    expect(talk).toHaveLength(1);
    expect(talk[0].status).toBe('open');
    expect(Math.abs(Date.parse(talk[0].onsetEstimate) - SHIFT_MS)).toBeLessThanOrEqual(3 * 1_800_000);
    expect(drift.text(r)).toMatch(/since Wed 2026-11-11/);
    // The range's own figures: its days only, against the usual before the shift (+30 % talk).
    const q = r.queues[0];
    expect(q.daily.map((d) => d.date)).toEqual(['2026-11-13', '2026-11-14', '2026-11-15']);
    expect(q.timeline.every((p) => p.intervalStart >= '2026-11-13')).toBe(true);
    expect(q.last7.talk!.change).toBeGreaterThan(0.2);
  });

  it('without a queue covers every queue, drifting ones first, over the last 7 days with data', async () => {
    const r = await run<DriftResult>('drift');
    expect(r.queues.map((q) => q.queue).sort()).toEqual(['billing', 'support']);
    expect(r.queues.every((q) => q.range.to === '2026-11-15' && q.range.from === '2026-11-09')).toBe(true);
    expect(r.queues[0].status).toBe('drifting');
    expect(r.events.some((e) => e.queue === 'support' && e.driver === 'talk' && e.direction === 'up')).toBe(true);
  });

  it('explains bad arguments with an example', () => {
    const bad = parseCommandLine(registry, 'drift billing --train-days lots', pctx);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/train-days/);
    const unknown = parseCommandLine(registry, 'drift nowhere', pctx);
    expect(unknown.ok).toBe(false);
  });
});

describe('why command', () => {
  /** Realised SL straight from the daily view: Σ answered within target / Σ offered, percent. */
  function slOf(queue: string, dates: string[]): number {
    const rows = db
      .prepare(`SELECT SUM(answered_within_target) AS a, SUM(offered) AS o FROM v_queue_daily WHERE queue = ? AND local_date IN (${dates.map(() => '?').join(',')})`)
      .get(queue, ...dates) as { a: number; o: number };
    return (100 * rows.a) / rows.o;
  }

  it('explains a day against the same weekday of the 4 weeks before: talk leads, sums are exact', async () => {
    const r = await run<WhyResult>('why billing 2026-11-12');
    expect(r.mode).toBe('day');
    const usual = ['2026-10-15', '2026-10-22', '2026-10-29', '2026-11-05'];
    expect(r.before.sl).toBeCloseTo(slOf('billing', usual), 9);
    expect(r.after.sl).toBeCloseTo(slOf('billing', ['2026-11-12']), 9);
    expect(r.observedDelta).toBeCloseTo(slOf('billing', ['2026-11-12']) - slOf('billing', usual), 9);
    const sum = r.contributions.arrivals + r.contributions.talk + r.contributions.acw + r.contributions.agents;
    expect(Math.abs(sum - r.modelDelta)).toBeLessThanOrEqual(1e-9);
    expect(r.residual).toBe(r.observedDelta - r.modelDelta);
    expect(r.facts[0].driver).toBe('talk');
    // Through the queue's calibration (chosen by out-of-sample SL error: Erlang C, k ≈ 0.83 on this simulated
    // Erlang A queue) talk explains less than textbook Erlang A did (< −5 pts); it still carries more than the
    // whole modelled change (arrivals and ACW net positive).
    expect(r.calibrated).toBe(true);
    expect(r.contributions.talk).toBeLessThan(-3);
    expect(r.contributions.talk).toBeLessThan(r.modelDelta);
    expect(r.driverChanges.talk).toBeGreaterThan(0.2);
    expect(r.headline).toMatch(/^SL \d+\.\d % vs \d+\.\d % usual, −\d+\.\d pts$/);
    expect(r.sentences[0]).toMatch(/^Talk time \+\d+ % contributed −\d+\.\d pts$/);
    expect(r.started?.driver).toBe('talk');
    expect(Math.abs(Date.parse(r.started!.onsetEstimate) - SHIFT_MS)).toBeLessThanOrEqual(3 * 1_800_000);
    expect(r.sameDriverElsewhere.map((s) => s.queue)).toEqual(['support']);
    expect(validateBlocks(why.blocks!(r, {}))).toEqual([]);
    expect(why.text(r)).toMatch(/residual/);
  });

  it('takes explicit before/after windows (CLI form) and reports the same kind of result', async () => {
    const p = parse('why --queue billing --before 2026-11-02..2026-11-08 --after 2026-11-12..2026-11-13');
    expect(p.args).toMatchObject({ queue: 'billing', before: { from: '2026-11-02', to: '2026-11-08' }, after: { from: '2026-11-12', to: '2026-11-13' } });
    const r = (await p.command.run(ctx, p.args)) as WhyResult;
    expect(r.mode).toBe('ranges');
    // Time-of-week matching: Thursday and Friday after vs Thursday and Friday before.
    expect(r.observedDelta).toBeCloseTo(slOf('billing', ['2026-11-12', '2026-11-13']) - slOf('billing', ['2026-11-05', '2026-11-06']), 9);
    expect(Object.keys(r.contributions).sort()).toEqual(['acw', 'agents', 'arrivals', 'talk']);
    expect(r.facts[0].driver).toBe('talk');
  });

  it('without a queue picks the one whose SL fell most; half a window is a usage error', async () => {
    const r = await run<WhyResult>('why 2026-11-12');
    const drops = ['billing', 'support'].map((q) => slOf(q, ['2026-11-12']) - slOf(q, ['2026-10-15', '2026-10-22', '2026-10-29', '2026-11-05']));
    expect(r.queue).toBe(drops[0] <= drops[1] ? 'billing' : 'support');
    expect(r.note).toMatch(/fell most/);
    const bad = parseCommandLine(registry, 'why billing --before 2026-11-02..2026-11-08', pctx);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/both windows/);
  });
});

describe('radar CLI (drift, why)', () => {
  async function radar(args: string[]) {
    let out = '';
    let err = '';
    const sink = (f: (s: string) => void) => new Writable({ write(chunk, _e, cb) { f(chunk.toString()); cb(); } });
    process.env.RADAR_NOW = NOW.toISOString();
    const code = await main(['--db', dbPath, ...args], { out: sink((s) => (out += s)), err: sink((s) => (err += s)) });
    return { code, out, err };
  }

  it('radar drift --queue Q --from D1 --to D2 --train-days 28 --json prints the events', async () => {
    const r = await radar(['drift', '--queue', 'billing', '--from', '2026-11-09', '--to', '2026-11-15', '--train-days', '28', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.queue).toBe('billing');
    const talk = j.events.filter((e: { driver: string }) => e.driver === 'talk');
    expect(talk).toHaveLength(1);
    for (const k of ['driver', 'direction', 'detectedAt', 'onsetEstimate', 'magnitude']) expect(talk[0]).toHaveProperty(k);
  });

  it('radar why --queue Q --before .. --after .. --json prints the decomposition', async () => {
    const r = await radar(['why', '--queue', 'billing', '--before', '2026-11-02..2026-11-08', '--after', '2026-11-12..2026-11-13', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    const sum = j.contributions.arrivals + j.contributions.talk + j.contributions.acw + j.contributions.agents;
    expect(Math.abs(sum - j.modelDelta)).toBeLessThanOrEqual(1e-9);
    expect(j.residual).toBeCloseTo(j.observedDelta - j.modelDelta, 12);
    expect(['erlang-a', 'erlang-c']).toContain(j.model);
  });
});

describe('drift today during a surge', () => {
  it('"today so far" sees an arrivals surge that began two days ago (training never includes it)', async () => {
    // Arrivals +35 % from Friday 2026-11-13 08:00; it is Sunday 2026-11-15 21:00.
    const dir = mkdtempSync(join(tmpdir(), 'radar-surge-'));
    writeFileSync(join(dir, 'sla_policy.csv'), 'queue,sl_target_pct,sl_target_seconds,interval_seconds,time_zone,display_name\nsurge,80,20,1800,UTC,Surge\n');
    writeFileSync(join(dir, 'intervals.csv'), intervalsCsv([['surge', 80, 1]], { fromMs: Date.parse('2026-11-13T08:00:00Z'), factor: 1.35 }, 7));
    const sdb = openWarehouse(join(dir, 'w.db'));
    await ingestFiles(sdb, [join(dir, 'sla_policy.csv'), join(dir, 'intervals.csv')], { now: NOW, workerMinBytes: Infinity });
    const sctx: CommandContext = { db: sdb, now: NOW, config: loadConfig({}), surface: 'cli' };
    const p = parseCommandLine(new Registry([drift as AnyCommand]), 'drift surge today', { ...pctx, queues: ['surge'] });
    if (!p.ok) throw p.error;
    const r = (await p.command.run(sctx, p.args)) as DriftResult;
    sdb.close();
    const q = r.queues[0];
    expect(q.range).toEqual({ from: '2026-11-15', to: '2026-11-15' });
    expect(q.todayIsCurrent).toBe(true);
    expect(q.today!.drivers.arrivals!.change).toBeGreaterThan(0.2);
    expect(q.today!.warnings.map((w) => w.driver)).toContain('arrivals');
    const ev = r.events.find((e) => e.driver === 'arrivals' && e.direction === 'up');
    expect(ev?.status).toBe('open');
    expect(drift.text(r)).not.toMatch(/No drift events/);
    expect(drift.text(r)).toMatch(/Today so far \(through \d\d:\d\d\): ⚠ arrivals \+\d+ %/);
  });
});
