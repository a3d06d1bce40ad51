/**
 * Chart rendering: a Vega-Lite spec → SVG (vega, headless, no canvas) → PNG (resvg). Pure apart from reading
 * font files. Warm, 8-series sla chart on an idle core: ~5 ms to SVG (compiled spec and View reused), ~3 ms
 * for resvg to parse it (text as cached outlines), ~10 ms to rasterise at 1.5×, ~7 ms to encode the PNG. The
 * first render of a shape in a process also compiles it and runs a new View (~60 ms); a label seen for the
 * first time is shaped once (~20 ms for a whole chart's, less for a new day's title and ticks).
 */
import { compile, type TopLevelSpec } from 'vega-lite';
import * as vega from 'vega';
import { Resvg } from '@resvg/resvg-js';
import { chartFontFiles, CHART_FONT } from './fonts.js';
import { outlineText, clearTextOutlines } from './outline.js';
import { encodePng, isOpaque } from './png.js';

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
 * Larger type for charts read mostly as Slack's ~360 px preview (a ~800 px PNG shrunk ~2.3×): spread over a
 * chart's own `config`. The sla chart keeps the base sizes. Without a canvas vega estimates a text's width as
 * ~0.8 × font size per character, so a title longer than ~36 characters (subtitle ~48) widens the PNG.
 */
export const PREVIEW_CONFIG = {
  title: { fontSize: 17, subtitleFontSize: 13 },
  axis: { labelFontSize: 13, titleFontSize: 13 },
  legend: { labelFontSize: 13, symbolSize: 120 },
} as const;

/**
 * Compiled Vega runtimes by spec shape (everything but the rows, the params' values and the title: see
 * splitSpec), each with its idle Views. Compiling and parsing (~30 ms) and a first run of a new View (~30 ms)
 * cost more than all the rest of a render; charts of one kind share a shape, so answers reuse both and only
 * push their rows and signals through the dataflow. A View serves one render at a time: concurrent renders
 * of one shape take a new one. Small LRU.
 */
interface Runtime {
  key: string;
  runtime: vega.Runtime;
  idle: vega.View[];
}
const runtimes = new Map<string, Runtime>();
const RUNTIME_CACHE = 32;
const IDLE_VIEWS = 2;

function runtimeFor(shape: ChartSpec): Runtime {
  const key = JSON.stringify(shape);
  let rt = runtimes.get(key);
  if (rt) {
    runtimes.delete(key);
  } else {
    rt = { key, runtime: vega.parse(compile(shape).spec), idle: [] };
    if (runtimes.size >= RUNTIME_CACHE) {
      const oldest = runtimes.keys().next().value!;
      for (const v of runtimes.get(oldest)!.idle) v.finalize();
      runtimes.delete(oldest);
    }
  }
  runtimes.set(key, rt);
  return rt;
}

/** Forgets the compiled runtimes, their Views and the text outlines: the next render starts cold. */
export function clearChartCaches(): void {
  for (const rt of runtimes.values()) for (const v of rt.idle) v.finalize();
  runtimes.clear();
  clearTextOutlines();
}

/** Signals that carry the title and subtitle (lifted out of the shape by `splitSpec`). */
const TITLE_SIGNAL = 'chart_title';
const SUBTITLE_SIGNAL = 'chart_subtitle';

type Loose = Record<string, unknown>;

/**
 * A spec → its shape (what gets compiled) and what each render sets on the View: the rows (`data.values`),
 * the values of the top-level params (plain variables: no `expr`, `bind` or `select`) and the title's text.
 * Charts put what varies from answer to answer there, so one compiled shape serves them all.
 */
export function splitSpec(spec: ChartSpec): { shape: ChartSpec; values: object[] | null; signals: Record<string, unknown>; meta: unknown } {
  const own = ((spec as { config?: Loose }).config ?? {}) as Loose;
  const config: Loose = { ...CHART_CONFIG };
  for (const [k, v] of Object.entries(own)) config[k] = v && typeof v === 'object' && !Array.isArray(v) && typeof config[k] === 'object' ? { ...(config[k] as Loose), ...(v as Loose) } : v;
  const s: Loose = { ...(spec as unknown as Loose), config };
  // What the chart says it drew varies per answer and is not drawn: it goes into the PNG, not the shape.
  const meta = s.usermeta;
  delete s.usermeta;
  // A reused View keeps its last size unless told to lay out again (a legend of 8 rows, then one of 2).
  s.autosize ??= { type: 'pad', resize: true };
  const signals: Record<string, unknown> = {};
  const data = s.data as { values?: unknown } | undefined;
  const values = data && Array.isArray(data.values) ? (data.values as object[]) : null;
  if (values) s.data = { name: 'rows' };
  if (Array.isArray(s.params)) {
    s.params = (s.params as Loose[]).map((p) => {
      if (!('value' in p) || 'expr' in p || 'bind' in p || 'select' in p) return p;
      signals[p.name as string] = p.value;
      return { ...p, value: null };
    });
  }
  const title = typeof s.title === 'string' || Array.isArray(s.title) ? { text: s.title } : (s.title as Loose | undefined);
  if (title) {
    const t: Loose = { ...title };
    for (const [key, name] of [['text', TITLE_SIGNAL], ['subtitle', SUBTITLE_SIGNAL]] as const) {
      if (typeof t[key] !== 'string' && !Array.isArray(t[key])) continue;
      signals[name] = t[key];
      t[key] = { expr: name };
      s.params = [...((s.params as Loose[] | undefined) ?? []), { name, value: null }];
    }
    s.title = t;
  }
  return { shape: s as unknown as ChartSpec, values, signals, meta };
}

export async function specToSvg(spec: ChartSpec): Promise<string> {
  const { shape, values, signals } = splitSpec(spec);
  const rt = runtimeFor(shape);
  const view = rt.idle.pop() ?? new vega.View(rt.runtime, { renderer: 'none' });
  let reusable = false;
  try {
    // Every render sets every signal and replaces the whole data set (remove all, insert these): nothing of
    // the last render stays.
    for (const [name, value] of Object.entries(signals)) view.signal(name, value);
    if (values) view.data('rows', values);
    const svg = await view.toSVG();
    reusable = true;
    return svg;
  } finally {
    if (reusable && rt.idle.length < IDLE_VIEWS && runtimes.get(rt.key) === rt) rt.idle.push(view);
    else view.finalize();
  }
}

export interface PngOptions {
  /** Output scale (default 1.5: crisp in Slack's image viewer at a third of the 2× cost). */
  scale?: number;
  /** tEXt chunks to write into the PNG (keyword → text). */
  text?: Record<string, string>;
}

/** The tEXt keyword under which a chart's `usermeta.radar` (what it drew, as JSON) is stored. */
export const CHART_DATA_KEY = 'radar:data';

/**
 * Whether the SVG holds characters DejaVu Sans may lack (CJK, Indic, emoji…): outside Latin, Greek, Cyrillic,
 * Armenian and the punctuation, arrow and math blocks it covers. Markup is ASCII, so the whole string will do.
 */
export function beyondDejaVu(svg: string): boolean {
  return /[^\u0000-\u058F\u1E00-\u1FFF\u2000-\u22FF\u2500-\u25FF]/.test(svg);
}

/**
 * Rasterises an SVG with resvg; returns the PNG bytes and the pixel size. Text is drawn from cached outlines
 * (outline.ts: resvg's own glyph paths, shaped once a process); only text that could not be outlined needs
 * the fonts.
 */
export function svgToPng(svg: string, opts: PngOptions = {}): { png: Buffer; width: number; height: number } {
  const files = chartFontFiles();
  const outlined = outlineText(svg, { fontFiles: files, defaultFontFamily: CHART_FONT, needsSystemFonts: beyondDejaVu });
  const left = outlined.textLeft > 0;
  const r = new Resvg(outlined.svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: opts.scale ?? 1.5 },
    // Scanning the system fonts costs ~20 ms a render: only when DejaVu is missing or cannot draw the text.
    font: { loadSystemFonts: left && (!files.length || beyondDejaVu(outlined.svg)), fontFiles: left ? files : [], defaultFontFamily: CHART_FONT },
  });
  const img = r.render();
  // Our encoder is ~3× quicker than resvg's (png.ts); the white background makes every pixel opaque.
  const px = img.pixels; // a getter that copies: read it once
  const png = isOpaque(px) ? encodePng(px, img.width, img.height, opts.text) : img.asPng();
  return { png, width: img.width, height: img.height };
}

/** Renders a spec to PNG; its `usermeta.radar`, when present, is written into the PNG as JSON (CHART_DATA_KEY). */
export async function renderSpec(spec: ChartSpec, opts: PngOptions = {}): Promise<{ png: Buffer; width: number; height: number }> {
  const radar = (spec as { usermeta?: { radar?: unknown } }).usermeta?.radar;
  const text = radar === undefined ? opts.text : { ...opts.text, [CHART_DATA_KEY]: JSON.stringify(radar) };
  return svgToPng(await specToSvg(spec), { ...opts, text });
}
