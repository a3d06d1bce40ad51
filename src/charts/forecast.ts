/**
 * The forecast curve with its prediction band: the forecast per period (line), the band (shaded, e.g. an
 * 80 % interval), and what actually happened where known (dots). Generic over the series so the forecast
 * command can hand over its points as they are: `{ t, forecast, lo, hi, actual? }` with `t` an ISO
 * timestamp (intervals) or a YYYY-MM-DD date (days).
 */
import { PREVIEW_CONFIG, type ChartSpec } from './render.js';

export interface ForecastPoint {
  t: string;
  forecast: number;
  lo: number | null;
  hi: number | null;
  actual?: number | null;
}

export interface ForecastChartInput {
  /** "Billing — offered contacts" */
  title: string;
  /** "80 % prediction interval · seasonal model fitted on 8 weeks" */
  subtitle?: string;
  unit: string;
  points: ForecastPoint[];
}

export function forecastChartSpec(f: ForecastChartInput): ChartSpec | null {
  const pts = f.points.filter((p) => Number.isFinite(p.forecast));
  if (!pts.length) return null;
  const daily = /^\d{4}-\d{2}-\d{2}$/.test(pts[0].t);
  const values = pts.map((p) => ({ t: daily ? `${p.t}T00:00:00Z` : p.t, forecast: p.forecast, lo: p.lo, hi: p.hi, actual: p.actual ?? null }));
  const x = { field: 't', type: 'temporal', title: null, scale: { type: 'utc' }, axis: { format: daily ? '%b %d' : '%a %H:%M', labelAngle: 0, tickCount: 7 } } as const;
  const banded = values.some((v) => v.lo !== null && v.hi !== null);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: PREVIEW_CONFIG,
    title: { text: f.title.slice(0, 80), subtitle: [f.subtitle ?? '', `line: forecast${banded ? ' · band: prediction interval' : ''} · dots: actual`].filter(Boolean) },
    usermeta: { radar: { chart: 'forecast', points: values.length, banded } },
    width: 500,
    height: 240,
    data: { values },
    layer: [
      ...(banded
        ? [{ transform: [{ filter: 'datum.lo !== null && datum.hi !== null' }], mark: { type: 'area', opacity: 0.25, color: '#1f77b4' }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: f.unit }, y2: { field: 'hi' } } }]
        : []),
      { mark: { type: 'line', strokeWidth: 2, color: '#1f77b4' }, encoding: { x, y: { field: 'forecast', type: 'quantitative', title: f.unit } } },
      { transform: [{ filter: 'datum.actual !== null' }], mark: { type: 'point', filled: true, size: 24, color: '#222' }, encoding: { x, y: { field: 'actual', type: 'quantitative' } } },
    ],
  } as ChartSpec;
}
