/**
 * Charts: the sla spec carries the right numbers, and the PNG really has text (fonts load) and a sane size —
 * without fonts resvg drops every label silently, so "a PNG came out" is not enough.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { slaChartSpec, MAX_SERIES } from '../src/charts/sla.js';
import { chartPng, chartSpec, renderCommandChart, specToSvg, hasChart } from '../src/charts/index.js';
import { chartFontFiles, fontWarning } from '../src/charts/fonts.js';
import type { SlaResult, SlaQueueResult } from '../commands/sla.js';

function q(name: string, sls: (number | null)[], target = 80): SlaQueueResult {
  const totals = { offered: 100, handled: 90, abandoned: 10, sl: sls.at(-1) ?? null, abandonRate: 0.1, ahtSeconds: 300, acwSeconds: 30, avgAgents: 10, agentHours: 5, intervalsBelowTarget: 0 };
  return {
    queue: name.toLowerCase(),
    displayName: name,
    target: { pct: target, seconds: 20 },
    status: 'on_target',
    total: totals,
    days: [],
    trend14: sls.map((sl, i) => ({ date: `2026-11-${String(7 + i).padStart(2, '0')}`, sl })),
    sparkline: '',
    belowTarget: [],
  };
}

const fourteen = (f: (i: number) => number | null) => Array.from({ length: 14 }, (_, i) => f(i));
const result = (queues: SlaQueueResult[]): SlaResult => ({ range: { from: '2026-11-20', to: '2026-11-20', label: 'yesterday' }, note: null, queues });

/** PNG width and height from the IHDR chunk (bytes 16–23, big-endian). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Dark pixels in a horizontal band of an SVG rendered at 1×: text is dark, the background white. */
function darkPixels(svg: string, y0: number, y1: number, fonts = true): number {
  const font = fonts ? { loadSystemFonts: true, fontFiles: chartFontFiles(), defaultFontFamily: 'DejaVu Sans' } : { loadSystemFonts: false, fontFiles: [] };
  const img = new Resvg(svg, { background: 'white', font }).render();
  const px = img.pixels; // a getter that copies: read it once
  let n = 0;
  for (let y = y0; y < Math.min(y1, img.height); y++) {
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 4;
      if (px[i] < 100 && px[i + 1] < 100 && px[i + 2] < 100) n++;
    }
  }
  return n;
}

describe('sla chart spec', () => {
  it('plots SL in percent and the target per queue, 14 days in order, gaps kept as nulls', () => {
    const spec = slaChartSpec(result([q('Billing', fourteen((i) => (i === 3 ? null : 0.5 + i / 100)), 80)])) as unknown as {
      data: { values: { day: string; queue: string; sl: number | null; target: number }[] };
      title: { text: string };
    };
    const v = spec.data.values;
    expect(v).toHaveLength(14);
    expect(v[0]).toEqual({ day: '11-07', queue: 'Billing', sl: 50, target: 80 });
    expect(v[3].sl).toBeNull();
    expect(v[13].sl).toBeCloseTo(63, 10);
    expect(spec.title.text).toBe('SLA vs target — 14 days to 2026-11-20');
  });

  it('shows at most 8 queues, the first ones (worst first), and says so', () => {
    const many = Array.from({ length: 20 }, (_, i) => q(`Q${i}`, fourteen(() => 0.9)));
    const spec = slaChartSpec(result(many)) as unknown as { data: { values: { queue: string }[] }; title: { subtitle: string } };
    expect(new Set(spec.data.values.map((x) => x.queue))).toEqual(new Set(many.slice(0, MAX_SERIES).map((x) => x.displayName)));
    expect(spec.title.subtitle).toContain(`${MAX_SERIES} of 20 queues`);
  });

  it('nothing to draw → no chart', () => {
    expect(slaChartSpec(result([]))).toBeNull();
    expect(slaChartSpec(result([q('Empty', fourteen(() => null))]))).toBeNull();
    expect(chartSpec('help', {})).toBeNull();
    expect(hasChart('sla')).toBe(true);
  });
});

describe('sla chart PNG', () => {
  const r = result([q('Billing', fourteen((i) => 0.6 + i / 50)), q('Tech Support', fourteen((i) => (i % 3 ? 0.92 : null)), 90)]);

  it('fonts are installed (Debian fonts-dejavu-core; .ci/run installs it)', () => {
    expect(fontWarning()).toBeNull();
  });

  it('is a real, non-trivial PNG at 1.5× scale', async () => {
    const png = (await chartPng('sla', r))!;
    const { width, height } = pngSize(png);
    // 620 × 280 plot plus axes, title and legend, times 1.5.
    expect(width).toBeGreaterThanOrEqual(950);
    expect(width).toBeLessThanOrEqual(1600);
    expect(height).toBeGreaterThanOrEqual(450);
    expect(height).toBeLessThanOrEqual(1000);
    expect(png.length).toBeGreaterThan(15_000);
  });

  it('the runtime cache never leaks one chart’s rows into another of the same shape', async () => {
    // Same dates, targets and y-range (the target is the minimum both times) — only the rows differ.
    const a = result([q('Billing', fourteen((i) => 0.85 + i / 200))]);
    const b = result([q('Billing', fourteen((i) => 0.95 - i / 200))]);
    const pa = (await chartPng('sla', a))!;
    const pb = (await chartPng('sla', b))!;
    expect(pa.equals(pb)).toBe(false);
    expect((await chartPng('sla', a))!.equals(pa)).toBe(true);
  });

  it('has text: the title band is inked (it would be blank without fonts)', async () => {
    const svg = await specToSvg(slaChartSpec(r)!);
    // The title occupies the top ~25 px at 1×. The control: the same SVG rendered with no fonts, which is
    // what a machine without fonts produces — the band is blank.
    expect(darkPixels(svg, 0, 25)).toBeGreaterThan(400);
    expect(darkPixels(svg, 0, 25, false)).toBe(0);
  });

  it('renderCommandChart writes the file, and returns null for commands without a chart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radar-chart-'));
    try {
      const out = await renderCommandChart('sla', r, join(dir, 'nested', 'sla.png'));
      expect(out).toBe(join(dir, 'nested', 'sla.png'));
      expect(pngSize(readFileSync(out!)).width).toBeGreaterThan(1000);
      expect(await renderCommandChart('help', {}, join(dir, 'help.png'))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fonts beyond DejaVu', () => {
  it('knows when to fall back to the system fonts', async () => {
    const { beyondDejaVu } = await import('../src/charts/render.js');
    expect(beyondDejaVu('<text>Billing — 95 % · Ωmega Łódź ≤ 3</text>')).toBe(false);
    expect(beyondDejaVu('<text>サポート</text>')).toBe(true);
    expect(beyondDejaVu('<text>🚀</text>')).toBe(true);
  });
});
