/**
 * Text → outlines, cached. resvg shapes every `<text>` on every render (font lookup, shaping, glyph
 * outlines: ~0.6 ms a label, ~15 ms a chart), though a chart's labels barely change between renders (queue
 * names, axis ticks, the title of the day). `outlineText` swaps each `<text>` for the paths resvg itself
 * makes of it (the same glyphs; a few edge pixels may differ by a few levels, as the paths round-trip through
 * f32 text), cached by the element without its position, so a label is shaped once a process. Misses are
 * shaped together in one resvg pass, each in a `<g id>` that resvg keeps in its output.
 */
import { Resvg } from '@resvg/resvg-js';

export interface OutlineFonts {
  fontFiles: string[];
  defaultFontFamily: string;
  /** Whether a label needs the system fonts (characters the given files lack). */
  needsSystemFonts: (text: string) => boolean;
}

/** Whole `<text>` elements (with any `<tspan>`s); markup from vega and our own builders, always well formed. */
const TEXT = /<text\b([^>]*)>([\s\S]*?)<\/text>/g;
/** The element's own transform, moved to a wrapping group so the rest is position-free and shareable. */
const TRANSFORM = /\stransform="([^"]*)"/;

const cache = new Map<string, string>();
const CACHE_MAX = 2000;

/** Forgets every outline (tests; a font change). */
export function clearTextOutlines(): void {
  cache.clear();
}

export function textOutlineCount(): number {
  return cache.size;
}

interface Label {
  /** The element as written, position removed: the cache key (with the fonts) and what gets shaped. */
  shape: string;
  transform: string | null;
}

function label(attrs: string, body: string): Label {
  const m = TRANSFORM.exec(attrs);
  return { shape: `<text${m ? attrs.replace(TRANSFORM, '') : attrs}>${body}</text>`, transform: m ? m[1] : null };
}

/**
 * Shapes labels in one resvg pass; returns each one's paths (resvg's own output for it), or null for a label
 * whose output is not self-contained (it would need `<defs>` we do not carry).
 */
function shape(shapes: string[], fonts: OutlineFonts, systemFonts: boolean): (string | null)[] {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1">${shapes.map((s, i) => `<g id="t${i}">${s}</g>`).join('')}</svg>`;
  const out = new Resvg(svg, { font: { loadSystemFonts: systemFonts, fontFiles: fonts.fontFiles, defaultFontFamily: fonts.defaultFontFamily } }).toString();
  const defs = /<defs\/>|<defs>\s*<\/defs>/.test(out);
  return shapes.map((_, i) => {
    const open = out.indexOf(`<g id="t${i}"`);
    if (open < 0 || !defs) return null;
    const head = out.indexOf('>', open);
    if (out[head - 1] === '/') return ''; // <g id="tN"/>: nothing drawn (blank label, or no font at all)
    const next = i + 1 < shapes.length ? out.indexOf(`<g id="t${i + 1}"`, head) : out.lastIndexOf('</svg>');
    const close = out.lastIndexOf('</g>', next);
    if (next < 0 || close < head) return null;
    const inner = out.slice(head + 1, close).trim();
    return inner.includes('url(#') ? null : inner;
  });
}

/**
 * The SVG with every `<text>` replaced by its outlines (same rendering; no font work left for the raster),
 * and how many `<text>` elements had to stay (they still need the fonts).
 */
export function outlineText(svg: string, fonts: OutlineFonts): { svg: string; textLeft: number } {
  const prefix = `${fonts.defaultFontFamily}|${fonts.fontFiles.join('|')}|`;
  const found: Label[] = [];
  for (const m of svg.matchAll(TEXT)) found.push(label(m[1], m[2]));
  if (!found.length) return { svg, textLeft: 0 };

  // Shape the misses: at most two passes (with and without the system fonts), each label once.
  const misses = new Map<string, boolean>();
  for (const l of found) {
    // A label that references defs (clip-path, gradient) stays text: its outlines would lose them.
    if (!l.shape.includes('url(') && !cache.has(prefix + l.shape)) misses.set(l.shape, !fonts.fontFiles.length || fonts.needsSystemFonts(l.shape));
  }
  for (const systemFonts of [false, true]) {
    const batch = [...misses].filter(([, s]) => s === systemFonts).map(([s]) => s);
    if (!batch.length) continue;
    shape(batch, fonts, systemFonts).forEach((paths, i) => {
      if (paths === null) return;
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
      cache.set(prefix + batch[i], paths);
    });
  }

  let textLeft = 0;
  const out = svg.replace(TEXT, (whole, attrs: string, body: string) => {
    const l = label(attrs, body);
    const key = prefix + l.shape;
    const paths = cache.get(key);
    if (paths === undefined) {
      textLeft++;
      return whole;
    }
    // Refresh its place in the LRU order.
    cache.delete(key);
    cache.set(key, paths);
    return l.transform ? `<g transform="${l.transform}">${paths}</g>` : `<g>${paths}</g>`;
  });
  return { svg: out, textLeft };
}
