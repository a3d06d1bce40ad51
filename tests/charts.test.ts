/**
 * Charts: the sla spec carries the right numbers, and the PNG really has text (fonts load) and a sane size —
 * without fonts resvg drops every label silently, so "a PNG came out" is not enough. The speed-ups (reused
 * Views, text drawn from cached outlines, our PNG encoder) must not change a pixel or leak between charts.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { Resvg } from '@resvg/resvg-js';
import { slaChartSpec, MAX_SERIES } from '../src/charts/sla.js';
import { chartPng, chartSpec, renderCommandChart, specToSvg, hasChart, warmCharts } from '../src/charts/index.js';
import { chartFontFiles, fontWarning } from '../src/charts/fonts.js';
import { clearChartCaches, svgToPng, beyondDejaVu, splitSpec } from '../src/charts/render.js';
import { outlineText, clearTextOutlines, textOutlineCount, type OutlineFonts } from '../src/charts/outline.js';
import { encodePng, isOpaque, crc32 } from '../src/charts/png.js';
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
      data: { values: { date: string; queue: string; rank: number; sl: number | null; target: number }[] };
      title: { text: string };
    };
    const v = spec.data.values;
    expect(v).toHaveLength(14);
    expect(v[0]).toEqual({ date: '2026-11-07', queue: 'Billing', rank: 0, sl: 50, target: 80 });
    expect(v.map((x) => x.date)).toEqual([...v.map((x) => x.date)].sort());
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

/** The RGBA pixels of an 8-bit RGBA, non-interlaced PNG: chunks checked (CRC), IDAT inflated, rows unfiltered. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Buffer } {
  const { width, height } = pngSize(png);
  expect(png[24]).toBe(8);
  expect(png[25]).toBe(6);
  const idat: Buffer[] = [];
  let at = 8;
  let sawEnd = false;
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('ascii');
    expect(png.readUInt32BE(at + 8 + len)).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + len));
    if (type === 'IEND') sawEnd = true;
    at += 12 + len;
  }
  expect(sawEnd).toBe(true);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  expect(raw.length).toBe((stride + 1) * height);
  const rgba = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    expect([0, 1, 2]).toContain(f); // None, Sub, Up: what our encoder and resvg's write
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const pred = f === 1 ? (x >= 4 ? rgba[y * stride + x - 4] : 0) : f === 2 && y > 0 ? rgba[(y - 1) * stride + x] : 0;
      rgba[y * stride + x] = (row[x] + pred) & 255;
    }
  }
  return { width, height, rgba };
}

const FONTS: OutlineFonts = { fontFiles: chartFontFiles(), defaultFontFamily: 'DejaVu Sans', needsSystemFonts: beyondDejaVu };

/** RGBA pixels of an SVG rendered the old way: resvg shapes the text itself, with the chart fonts. */
function withFonts(svg: string, zoom = 1): Buffer {
  return new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: zoom }, font: { loadSystemFonts: false, fontFiles: chartFontFiles(), defaultFontFamily: 'DejaVu Sans' } }).render().pixels;
}

/**
 * How far two rasters are apart: bytes that differ. Outlines come back from resvg rounded to f32 text, so an
 * edge pixel may shift by a few levels; a missing or misplaced label changes thousands.
 */
function bytesApart(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/** RGBA pixels of an SVG rendered with no fonts at all: only outlines can draw its text. */
function noFonts(svg: string, zoom = 1): Buffer {
  return new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: zoom }, font: { loadSystemFonts: false, fontFiles: [] } }).render().pixels;
}

describe('text outlines', () => {
  const eight = result(Array.from({ length: 9 }, (_, i) => q(`Queue ${i}`, fourteen((d) => 0.7 + ((i * 7 + d * 3) % 25) / 100), 80 + (i % 3) * 5)));

  it('draw the sla chart as resvg draws its text (to a few edge pixels), with no <text> left', async () => {
    clearTextOutlines();
    const svg = await specToSvg(slaChartSpec(eight)!);
    const texts = svg.match(/<text\b/g)!.length;
    expect(texts).toBeGreaterThan(20);
    const o = outlineText(svg, FONTS);
    expect(o.textLeft).toBe(0);
    expect(o.svg).not.toMatch(/<text\b/);
    const ref = withFonts(svg, 1.5);
    expect(bytesApart(noFonts(o.svg, 1.5), ref)).toBeLessThan(100);
    // The control: the same SVG without fonts loses its text, so the comparison can fail.
    expect(bytesApart(noFonts(svg, 1.5), ref)).toBeGreaterThan(10_000);
  });

  it('shape each distinct label once and reuse it wherever it is placed', () => {
    clearTextOutlines();
    const t = (x: number, y: number, s: string, extra = '') => `<text transform="translate(${x},${y})" font-family="DejaVu Sans" font-size="11px" fill="#000"${extra}>${s}</text>`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60">${t(10, 20, '11-08')}${t(100, 20, '11-08')}${t(200, 20, '11-08', ' font-weight="bold"')}${t(10, 45, 'Billing')}</svg>`;
    const a = outlineText(svg, FONTS);
    expect(textOutlineCount()).toBe(3); // 11-08 regular (twice), 11-08 bold, Billing
    expect(a.svg).toContain('<g transform="translate(100,20)">');
    const b = outlineText(svg.replace('translate(10,45)', 'translate(150,45)'), FONTS);
    expect(textOutlineCount()).toBe(3);
    expect(b.svg).toContain('<g transform="translate(150,45)">');
    expect(bytesApart(noFonts(a.svg), withFonts(svg))).toBeLessThan(20);
  });

  it('keep escaped characters (queue names with & < >) and blank labels', () => {
    clearTextOutlines();
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text transform="translate(5,20)" font-size="11px">R&amp;D &lt;EU&gt;</text><text transform="translate(5,30)" font-size="11px"> </text></svg>`;
    const o = outlineText(svg, FONTS);
    expect(o.textLeft).toBe(0);
    expect(bytesApart(noFonts(o.svg), withFonts(svg))).toBeLessThan(20);
    expect(darkPixels(o.svg, 0, 40, false)).toBeGreaterThan(30);
  });

  it('leave text that references defs (a clip path) for resvg to draw', () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><defs><clipPath id="c"><rect width="30" height="40"/></clipPath></defs><text transform="translate(5,20)" clip-path="url(#c)" font-size="11px">clipped label</text></svg>`;
    const o = outlineText(svg, FONTS);
    expect(o.textLeft).toBe(1);
    expect(o.svg).toBe(svg);
    // svgToPng still loads the fonts for it.
    const { png } = svgToPng(svg, { scale: 1 });
    expect(decodePng(png).rgba.equals(withFonts(svg))).toBe(true);
  });

  it('a queue name with escaped markup reaches the PNG as text', async () => {
    clearChartCaches();
    const png = (await chartPng('sla', result([q('R&D <EU>', fourteen(() => 0.9))])))!;
    const svg = await specToSvg(slaChartSpec(result([q('R&D <EU>', fourteen(() => 0.9))]))!);
    expect(svg).toContain('R&amp;D &lt;EU&gt;');
    expect(bytesApart(decodePng(png).rgba, withFonts(svg, 1.5))).toBeLessThan(100);
  });
});

/** An SVG's drawn elements with their attributes, in a canonical order. */
function elements(svg: string): string[] {
  return (svg.match(/<(line|path|text|rect)\b[^>]*>[^<]*/g) ?? []).sort();
}

describe('reused Vega views', () => {
  // Different days, queue counts (legend rows), names, targets and y floors: all one compiled shape.
  const a = result([q('Billing', fourteen((i) => 0.6 + i / 50)), q('Sales', fourteen((i) => 0.9 - i / 100))]);
  const b = result(Array.from({ length: 7 }, (_, k) => q(`Queue ${k}`, fourteen((i) => (i === k ? null : 0.3 + ((i + k) % 7) / 10)), 70 + k * 3)));
  // b's 14 days cross a year end: 2026-12-25 … 2027-01-07, still in date order.
  for (const x of b.queues) x.trend14.forEach((p, i) => (p.date = new Date(Date.UTC(2026, 11, 25 + i)).toISOString().slice(0, 10)));
  const c = result([q('R&D <EU>', fourteen((i) => 0.97 - i / 400), 95)]);

  it('one compiled shape serves every sla chart; the rows, title and params are set per render', () => {
    const sa = splitSpec(slaChartSpec(a)!);
    const sb = splitSpec(slaChartSpec(b)!);
    expect(JSON.stringify(sb.shape)).toBe(JSON.stringify(sa.shape));
    expect(JSON.stringify(sa.shape)).not.toContain('Billing');
    expect(sa.signals).toMatchObject({ chart_title: 'SLA vs target — 14 days to 2026-11-20', yFloor: 50 });
    expect(sa.signals.dayTicks).toEqual(['2026-11-08', '2026-11-10', '2026-11-12', '2026-11-14', '2026-11-16', '2026-11-18', '2026-11-20']);
    expect(sa.values).toHaveLength(28);
  });

  it('a chart drawn after others of the same shape is the chart drawn fresh (size, legend, labels)', async () => {
    const fresh = async (r: SlaResult) => {
      clearChartCaches();
      return specToSvg(slaChartSpec(r)!);
    };
    const [fa, fb, fc] = [await fresh(a), await fresh(b), await fresh(c)];
    expect(new Set([fa, fb, fc]).size).toBe(3);
    expect(fb.match(/<svg[^>]*>/)![0]).not.toBe(fc.match(/<svg[^>]*>/)![0]); // 7 legend entries vs 1: other heights
    clearChartCaches();
    for (const [r, want] of [[b, fb], [c, fc], [a, fa], [b, fb], [a, fa], [c, fc]] as const) {
      const got = await specToSvg(slaChartSpec(r)!);
      // A reused View may list unchanged axis ticks before new ones: same elements, same pixels.
      expect(got.match(/<svg[^>]*>/)![0]).toBe(want.match(/<svg[^>]*>/)![0]);
      expect(elements(got)).toEqual(elements(want));
      expect(withFonts(got).equals(withFonts(want))).toBe(true);
    }
  });

  it('concurrent renders of one shape do not share a View', async () => {
    clearChartCaches();
    const fa = await specToSvg(slaChartSpec(a)!);
    const fb = await specToSvg(slaChartSpec(b)!);
    const got = await Promise.all([a, b, a, b].map((r) => specToSvg(slaChartSpec(r)!)));
    expect(got.map(elements)).toEqual([fa, fb, fa, fb].map(elements));
  });
});

describe('PNG encoder', () => {
  it('CRC-32 matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789', 'ascii'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('round-trips the raster of a chart: the PNG decodes to resvg’s pixels', async () => {
    clearChartCaches();
    const svg = await specToSvg(slaChartSpec(result([q('Billing', fourteen((i) => 0.6 + i / 50))]))!);
    const { png, width, height } = svgToPng(svg);
    const d = decodePng(png);
    expect([d.width, d.height]).toEqual([width, height]);
    // The same raster (text from the cached outlines), encoded by resvg: decodes to the same pixels.
    const outlined = outlineText(svg, FONTS).svg;
    const img = new Resvg(outlined, { background: 'white', fitTo: { mode: 'zoom', value: 1.5 }, font: { loadSystemFonts: false, fontFiles: [] } }).render();
    expect(d.rgba.equals(img.pixels)).toBe(true);
    expect(decodePng(img.asPng()).rgba.equals(d.rgba)).toBe(true);
  });

  it('encodes a small image exactly and refuses a buffer of the wrong size', () => {
    const rgba = Buffer.from([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 255, 1, 2, 3, 255, 250, 251, 252, 255]);
    const d = decodePng(encodePng(rgba, 3, 2));
    expect([d.width, d.height]).toEqual([3, 2]);
    expect(d.rgba.equals(rgba)).toBe(true);
    expect(() => encodePng(rgba, 4, 2)).toThrow(/RGBA/);
  });

  it('knows an opaque raster from one with transparency', () => {
    expect(isOpaque(Buffer.from([1, 2, 3, 255, 4, 5, 6, 255]))).toBe(true);
    expect(isOpaque(Buffer.from([1, 2, 3, 255, 4, 5, 6, 254]))).toBe(false);
  });
});

describe('warm-up render at start', () => {
  it('renders a PNG and fills the label outline cache', async () => {
    clearTextOutlines();
    expect(textOutlineCount()).toBe(0);
    const bytes = await warmCharts();
    expect(bytes).toBeGreaterThan(1000);
    expect(textOutlineCount()).toBeGreaterThan(5);
  });
});
