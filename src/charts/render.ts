/**
 * Chart rendering: a Vega-Lite spec → SVG (vega, headless, no canvas) → PNG (resvg). Pure apart from reading
 * font files; ~30–70 ms warm for a 14-point multi-series line chart.
 */
import { compile, type TopLevelSpec } from 'vega-lite';
import * as vega from 'vega';
import { Resvg } from '@resvg/resvg-js';
import { chartFontFiles, CHART_FONT } from './fonts.js';

export type ChartSpec = TopLevelSpec;

/** Fonts and colours shared by every chart so they look like one product. */
export const CHART_CONFIG = {
  font: CHART_FONT,
  background: 'white',
  view: { stroke: null },
  title: { fontSize: 15, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#555' },
  axis: { labelFontSize: 11, titleFontSize: 11, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom', columns: 4, labelLimit: 180 },
} as const;

export async function specToSvg(spec: ChartSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as ChartSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface PngOptions {
  /** Output scale (2 = crisp on high-density screens). */
  scale?: number;
}

/** Rasterises an SVG with resvg; returns the PNG bytes and the pixel size. */
export function svgToPng(svg: string, opts: PngOptions = {}): { png: Buffer; width: number; height: number } {
  const r = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: opts.scale ?? 2 },
    font: { loadSystemFonts: true, fontFiles: chartFontFiles(), defaultFontFamily: CHART_FONT },
  });
  const img = r.render();
  return { png: img.asPng(), width: img.width, height: img.height };
}

export async function renderSpec(spec: ChartSpec, opts: PngOptions = {}): Promise<{ png: Buffer; width: number; height: number }> {
  return svgToPng(await specToSvg(spec), opts);
}
