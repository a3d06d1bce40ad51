/**
 * The why waterfall, what-if, drift and range-honouring sla charts. The waterfall's bars are checked against
 * the answer's own numbers (baseline + Σ bars = observed, bars sum to the stated change), by hand and as a
 * property; each chart renders from a real command's result on the committed sample, carries what it drew in
 * the PNG's tEXt chunk, and keeps a shape that stays readable at Slack's ~360 px preview.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { openWarehouse, type Db } from '../src/warehouse/db.js';
import { ingestFiles } from '../src/warehouse/ingest.js';
import { loadConfig } from '../src/config.js';
import { buildRegistry } from '../commands/index.js';
import { execute } from '../src/execute.js';
import { whySteps, whyChartSpec } from '../src/charts/why.js';
import { slaChartSpec } from '../src/charts/sla.js';
import { chartPng, chartSpec, pngText, CHART_DATA_KEY } from '../src/charts/index.js';
import type { WhyResult } from '../commands/why.js';
import type { SlaResult } from '../commands/sla.js';

const NOW = new Date('2026-11-20T15:00:00Z');
let dir: string;
let db: Db;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'radar-charts-'));
  db = openWarehouse(join(dir, 'w.db'));
  const report = await ingestFiles(db, ['data/sample'], { now: NOW, workerMinBytes: Infinity });
  expect(report.ok).toBe(true);
}, 120_000);

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function result(line: string): Promise<{ name: string; result: unknown }> {
  const e = await execute(buildRegistry(), line, { db, now: NOW, config: loadConfig({}), surface: 'cli' });
  if (!e.ok) throw new Error(e.message);
  return { name: e.command.name, result: e.result };
}

function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Only the fields the waterfall reads. */
function why(before: number, c: [number, number, number, number], residual: number): WhyResult {
  const modelDelta = c.reduce((s, x) => s + x, 0);
  const observed = modelDelta + residual;
  return {
    queue: 'billing', displayName: 'Billing', mode: 'day', date: '2026-11-19', beforeRange: { from: '2026-10-22', to: '2026-11-12' }, afterRange: { from: '2026-11-19', to: '2026-11-19' },
    observedDelta: observed, modelDelta, contributions: { arrivals: c[0], talk: c[1], acw: c[2], agents: c[3] }, residual,
    before: { sl: before }, after: { sl: before + observed },
  } as unknown as WhyResult;
}

describe('why waterfall', () => {
  it('baseline → four drivers → residual → observed, by hand', () => {
    const s = whySteps(why(87.8, [2.3, -11.8, 0, -10.5], 1.5));
    expect(s.map((x) => x.label)).toEqual(['Usual', 'Arrivals', 'Talk', 'ACW', 'Agents', 'Residual', 'Observed']);
    expect(s.map((x) => x.kind)).toEqual(['total', 'up', 'down', 'up', 'down', 'up', 'total']);
    // Each bar starts where the last ended: 87.8 → 90.1 → 78.3 → 78.3 → 67.8 → 69.3.
    expect(s.slice(1, 6).map((x) => +x.from.toFixed(1))).toEqual([87.8, 90.1, 78.3, 78.3, 67.8]);
    expect(+s[5].to.toFixed(1)).toBe(69.3);
    expect(+s[6].to.toFixed(1)).toBe(69.3);
  });

  it('property: the bars always sum to the stated change and land on the observed SL', () => {
    const pts = fc.double({ min: -30, max: 30, noNaN: true });
    fc.assert(
      fc.property(fc.double({ min: 20, max: 99, noNaN: true }), pts, pts, pts, pts, pts, (b, a1, a2, a3, a4, res) => {
        const r = why(b, [a1, a2, a3, a4], res);
        const s = whySteps(r);
        const bars = s.filter((x) => x.kind !== 'total');
        const sum = bars.reduce((acc, x) => acc + x.delta, 0);
        expect(sum).toBeCloseTo(r.after.sl - r.before.sl, 9);
        expect(bars.at(-1)!.to).toBeCloseTo(r.after.sl, 9);
        for (let i = 1; i < bars.length; i++) expect(bars[i].from).toBe(bars[i - 1].to);
      }),
      { numRuns: 300 },
    );
  });

  it('renders from the real why answer; the PNG carries the steps it drew', async () => {
    const { name, result: r } = await result('why billing 2026-11-19');
    const png = (await chartPng(name, r))!;
    const meta = JSON.parse(pngText(png)[CHART_DATA_KEY]) as { chart: string; observedDelta: number; steps: { delta: number; kind: string }[] };
    expect(meta.chart).toBe('why-waterfall');
    const w = r as WhyResult;
    const sum = meta.steps.filter((x) => x.kind !== 'total').reduce((a, x) => a + x.delta, 0);
    expect(sum).toBeCloseTo(w.after.sl - w.before.sl, 9);
    const { width, height } = pngSize(png);
    expect(width).toBeLessThanOrEqual(1100);
    expect(width / height).toBeLessThan(2.5);
    expect(whyChartSpec({ ...w, before: { ...w.before, sl: NaN } })).toBeNull();
  });
});

describe('sla chart honours the range asked', () => {
  it('draws exactly 2026-11-01..2026-11-20, not 14 days', async () => {
    const { result: r } = await result('sla billing 2026-11-01..2026-11-20');
    const spec = slaChartSpec(r as SlaResult) as unknown as { title: { text: string }; data: { values: { date: string }[] } };
    const dates = [...new Set(spec.data.values.map((v) => v.date))];
    expect(dates[0]).toBe('2026-11-01');
    expect(dates.at(-1)).toBe('2026-11-20');
    expect(dates).toHaveLength(20);
    expect(spec.title.text).toContain('2026-11-01 to 2026-11-20');
    expect(spec.title.text).not.toContain('14 days');
  });

  it('a single day still draws the 14 days to it', async () => {
    const { result: r } = await result('sla billing 2026-11-19');
    const spec = slaChartSpec(r as SlaResult) as unknown as { title: { text: string }; data: { values: { date: string }[] } };
    expect(new Set(spec.data.values.map((v) => v.date)).size).toBe(14);
    expect(spec.title.text).toContain('14 days to 2026-11-19');
  });
});

describe('whatif and drift charts', () => {
  it('whatif: load vs capacity and SL before/after per interval, from the result', async () => {
    const { name, result: r } = await result('whatif billing 2026-11-19 +2 agents 9-12');
    const spec = chartSpec(name, r) as unknown as { data: { values: { series: string; v: number; t: string }[] } };
    const ivs = (r as { result: { intervals: { baseline: { capacityAgents: number }; scenario: { capacityAgents: number }; predictedSl: number }[] } }).result.intervals;
    const after = spec.data.values.filter((v) => v.series === 'Agents after').map((v) => v.v);
    expect(after).toEqual(ivs.map((iv) => iv.scenario.capacityAgents));
    expect(spec.data.values.filter((v) => v.series === 'SL after').map((v) => v.v)).toEqual(ivs.map((iv) => iv.predictedSl * 100));
    // +2 agents 09–12 only: agents after − before is 2 in some intervals and 0 in the rest.
    const before = spec.data.values.filter((v) => v.series === 'Agents before').map((v) => v.v);
    const diffs = new Set(after.map((a, i) => Math.round((a - before[i]) * 1000) / 1000));
    expect([...diffs].sort()).toEqual([0, 2]);
    const png = (await chartPng(name, r))!;
    expect(JSON.parse(pngText(png)[CHART_DATA_KEY]).intervals).toBe(ivs.length);
  });

  it('drift: one marker per event in the range, score capped for readability', async () => {
    const { name, result: r } = await result('drift 2026-11-06..2026-11-19');
    const png = (await chartPng(name, r))!;
    const meta = JSON.parse(pngText(png)[CHART_DATA_KEY]) as { events: { queue: string; label: string; t: string }[] };
    const events = (r as { queues: { events: { onsetEstimate: string }[] }[] }).queues.flatMap((q) => q.events).filter((e) => e.onsetEstimate >= '2026-11-06');
    expect(meta.events.length).toBeGreaterThan(0);
    expect(meta.events.length).toBeLessThanOrEqual(events.length);
    expect(meta.events.every((e) => /^(arrivals|talk|ACW|agents|SL) [↑↓]$/.test(e.label))).toBe(true);
    const { width, height } = pngSize(png);
    expect(width / height).toBeLessThan(2.5);
  });
});

describe('forecast chart (ready for the forecast command)', () => {
  it('draws the band where both bounds are known and the actuals where they exist; nothing to draw → null', async () => {
    const { forecastChartSpec } = await import('../src/charts/forecast.js');
    const points = [
      { t: '2026-11-20', forecast: 100, lo: 90, hi: 110, actual: 104 },
      { t: '2026-11-21', forecast: 120, lo: null, hi: null, actual: null },
      { t: '2026-11-22', forecast: 80, lo: 70, hi: 95 },
    ];
    const spec = forecastChartSpec({ title: 'Billing — offered per day', unit: 'contacts', points })!;
    const png = (await import('../src/charts/index.js')).renderSpec(spec);
    const meta = JSON.parse(pngText((await png).png)[CHART_DATA_KEY]) as { points: number; banded: boolean };
    expect(meta).toEqual({ chart: 'forecast', points: 3, banded: true });
    const values = (spec as unknown as { data: { values: { t: string; actual: number | null }[] } }).data.values;
    expect(values.map((v) => v.t)).toEqual(['2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z', '2026-11-22T00:00:00Z']);
    expect(values.map((v) => v.actual)).toEqual([104, null, null]);
    expect(forecastChartSpec({ title: 'x', unit: 'y', points: [] })).toBeNull();
  });
});

describe('forecast command chart', () => {
  it('up to 7 days: the interval curve with its band, one point per forecast interval; longer: day totals', async () => {
    const { name, result: r } = await result('forecast billing 2026-11-21..2026-11-23');
    const f = r as { intervals: { offered: number; offeredLow: number; offeredHigh: number }[]; days: unknown[] };
    const spec = chartSpec(name, r) as unknown as { data: { values: { forecast: number; lo: number; hi: number }[] } };
    expect(spec.data.values).toHaveLength(f.intervals.length);
    expect(spec.data.values.map((v) => v.forecast)).toEqual(f.intervals.map((iv) => iv.offered));
    for (const v of spec.data.values) expect(v.lo <= v.forecast && v.forecast <= v.hi).toBe(true);
    const long = await result('forecast billing 2026-11-21..2026-12-10');
    const longSpec = chartSpec(long.name, long.result) as unknown as { data: { values: unknown[] } };
    expect(longSpec.data.values).toHaveLength(20);
    const png = (await chartPng(long.name, long.result))!;
    expect(JSON.parse(pngText(png)[CHART_DATA_KEY])).toMatchObject({ chart: 'forecast', points: 20, banded: true });
    expect(chartSpec('forecast', { kind: 'exclusions', queue: null, exclusions: [] })).toBeNull();
  });
});
