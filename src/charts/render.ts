/**
 * Chart rendering: a Vega-Lite spec → SVG (vega, headless, no canvas) → PNG (resvg). Pure apart from reading
 * font files. Warm: ~15 ms to SVG (runtime cached), ~30–40 ms to rasterise at 1.5× on an idle core.
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

/**
 * Compiled Vega runtimes by spec shape (everything but the data rows). Compiling and parsing is a third of a
 * render; the same chart for the same day differs only in rows, so repeated answers skip it. Small LRU.
 */
const runtimes = new Map<string, vega.Runtime>();
const RUNTIME_CACHE = 32;

function runtimeFor(shape: ChartSpec): vega.Runtime {
  const key = JSON.stringify(shape);
  let rt = runtimes.get(key);
  if (rt) {
    runtimes.delete(key);
  } else {
    rt = vega.parse(compile(shape).spec);
    if (runtimes.size >= RUNTIME_CACHE) runtimes.delete(runtimes.keys().next().value!);
  }
  runtimes.set(key, rt);
  return rt;
}

export async function specToSvg(spec: ChartSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as ChartSpec & { data?: { values?: unknown[] } };
  const values = withConfig.data && Array.isArray(withConfig.data.values) ? withConfig.data.values : null;
  const shape = (values ? { ...withConfig, data: { name: 'rows' } } : withConfig) as ChartSpec;
  const view = new vega.View(runtimeFor(shape), { renderer: 'none' });
  try {
    if (values) view.data('rows', values as object[]);
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface PngOptions {
  /** Output scale (default 1.5: crisp in Slack's image viewer at a third of the 2× cost). */
  scale?: number;
}

/**
 * Whether the SVG holds characters DejaVu Sans may lack (CJK, Indic, emoji…): outside Latin, Greek, Cyrillic,
 * Armenian and the punctuation, arrow and math blocks it covers. Markup is ASCII, so the whole string will do.
 */
export function beyondDejaVu(svg: string): boolean {
  return /[^\u0000-\u058F\u1E00-\u1FFF\u2000-\u22FF\u2500-\u25FF]/.test(svg);
}

/** Rasterises an SVG with resvg; returns the PNG bytes and the pixel size. */
export function svgToPng(svg: string, opts: PngOptions = {}): { png: Buffer; width: number; height: number } {
  const files = chartFontFiles();
  const r = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: opts.scale ?? 1.5 },
    // Scanning the system fonts costs ~20 ms a render: only when DejaVu is missing or cannot draw the text.
    font: { loadSystemFonts: !files.length || beyondDejaVu(svg), fontFiles: files, defaultFontFamily: CHART_FONT },
  });
  const img = r.render();
  return { png: img.asPng(), width: img.width, height: img.height };
}

export async function renderSpec(spec: ChartSpec, opts: PngOptions = {}): Promise<{ png: Buffer; width: number; height: number }> {
  return svgToPng(await specToSvg(spec), opts);
}
