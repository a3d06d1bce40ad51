/**
 * The forecast curve with its prediction band: the forecast per period (line), the band (shaded, e.g. an
 * 80 % interval), and what actually happened where known (dots). Generic over the series so the forecast
 * command can hand over its points as they are: `{ t, forecast, lo, hi, actual? }` with `t` an ISO
 * timestamp (intervals) or a YYYY-MM-DD date (days).
 */
import { PREVIEW_CONFIG, type ChartSpec } from './render.js';
import { localParts } from '../time.js';
import type { ForecastResult, QueueForecastResult } from '../../commands/forecast.js';

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
  const x = { field: 't', type: 'temporal', title: null, scale: { type: 'utc' }, axis: { format: daily ? '%b %d' : '%a %H:%M', labelAngle: 0, tickCount: 6 } } as const;
  const banded = values.some((v) => v.lo !== null && v.hi !== null);
  const actuals = values.some((v) => v.actual !== null);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: PREVIEW_CONFIG,
    title: { text: f.title.slice(0, 80), subtitle: [f.subtitle ?? '', `line: forecast${banded ? ' · band: prediction interval' : ''}${actuals ? ' · dots: actual' : ''}`].filter(Boolean) },
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

/** Local wall-clock time of an instant as a zone-less ISO string: the chart's UTC axis then reads local time. */
function localIso(iso: string, tz: string): string {
  const p = localParts(Date.parse(iso), tz);
  return `${p.date}T${String(Math.floor(p.minute / 60)).padStart(2, '0')}:${String(p.minute % 60).padStart(2, '0')}:00Z`;
}

/**
 * The `forecast` command's chart: up to 7 days as the interval curve (queue-local time) with its band, longer
 * horizons as day totals with their band. Every queue (`forecast` without a queue) draws the first one listed;
 * backtests and exclusions draw nothing.
 */
export function forecastCommandChartSpec(r: ForecastResult): ChartSpec | null {
  const q: QueueForecastResult | undefined = r.kind === 'forecast' ? r : r.kind === 'forecast-all' ? r.queues[0] : undefined;
  if (!q) return null;
  const byInterval = q.days.length <= 7 && q.intervals.length > 0;
  const points: ForecastPoint[] = byInterval
    ? q.intervals.map((iv) => ({ t: localIso(iv.intervalStart, q.timeZone), forecast: iv.offered, lo: iv.offeredLow, hi: iv.offeredHigh }))
    : q.days.map((d) => ({ t: d.date, forecast: d.offered, lo: d.offeredLow, hi: d.offeredHigh }));
  // "inputs: forecast, seasonal ES, ±8 % (90 % interval)": the band's width and level are what the reader needs.
  const band = /±[^,]*$/.exec(q.inputsNote)?.[0] ?? '';
  const note = `${byInterval ? 'per interval, queue time' : 'day totals'}${band ? ` · ${band}` : ''}`;
  return forecastChartSpec({
    title: `${q.displayName} forecast ${q.from === q.to ? q.from : `${q.from.slice(5)}..${q.to.slice(5)}`}`,
    subtitle: note.length > 48 ? `${note.slice(0, 47)}…` : note,
    unit: byInterval ? `contacts per ${Math.round(q.intervalSeconds / 60)} min` : 'contacts per day',
    points,
  });
}
