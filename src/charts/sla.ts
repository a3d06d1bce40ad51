/**
 * The `sla` chart: realised SL vs target per day, one colour per queue (solid = realised, dashed = target).
 * A range (`sla billing 2026-11-01..2026-11-20`) draws exactly the days asked; a single day draws the 14 days
 * ending on it. Shows at most 8 queues — the worst first, as the command sorts them — so the legend stays
 * readable.
 */
import type { SlaResult } from '../../commands/sla.js';
import type { ChartSpec } from './render.js';

export const MAX_SERIES = 8;

/** The days a queue's line covers: the range asked when it spans days, else the 14-day trend. */
function seriesOf(r: SlaResult, q: SlaResult['queues'][number]): { date: string; sl: number | null }[] {
  if (r.range.from === r.range.to || !q.days?.length) return q.trend14;
  const byDate = new Map(q.days.map((d) => [d.date, d.sl]));
  const out: { date: string; sl: number | null }[] = [];
  for (let d = r.range.from; d <= r.range.to; d = nextDay(d)) out.push({ date: d, sl: byDate.get(d) ?? null });
  return out;
}

function nextDay(d: string): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

export function slaChartSpec(r: SlaResult): ChartSpec | null {
  const series = new Map(r.queues.map((q) => [q, seriesOf(r, q)]));
  const queues = r.queues.filter((q) => series.get(q)!.some((p) => p.sl !== null)).slice(0, MAX_SERIES);
  if (!queues.length) return null;
  const dates = series.get(queues[0])!.map((p) => p.date);
  // rank: the command's order (worst first) sets the colours and the legend's order.
  const values = queues.flatMap((q, rank) =>
    series.get(q)!.map((p) => ({ date: p.date, queue: q.displayName, rank, sl: p.sl === null ? null : p.sl * 100, target: q.target.pct })),
  );
  const lows = values.flatMap((v) => [v.sl, v.target]).filter((x): x is number => x !== null);
  const floor = Math.max(0, Math.min(50, Math.floor((Math.min(...lows) - 5) / 10) * 10));
  const shown = r.queues.length > queues.length ? ` · ${queues.length} of ${r.queues.length} queues, worst first` : '';
  // Every other day is labelled (ending on the last one), fewer on long ranges: fewer labels for resvg to
  // shape, and they stay apart at Slack's preview size.
  const every = Math.max(2, Math.ceil(dates.length / 10));
  const ticks = dates.filter((_, i) => (dates.length - 1 - i) % every === 0);
  const span = r.range.from === r.range.to ? `14 days to ${dates[dates.length - 1]}` : `${dates[0]} to ${dates[dates.length - 1]} (${dates.length} days)`;
  // What varies from answer to answer (rows, title, y floor, ticks) is data or a param, never the spec's
  // shape: one compiled spec serves every sla chart (render.ts).
  const x = { field: 'date', type: 'ordinal', title: null, axis: { labelAngle: 0, values: { expr: 'dayTicks' }, labelExpr: 'slice(datum.value, 5)' } } as const;
  const color = { field: 'queue', type: 'nominal', title: null, sort: { field: 'rank', op: 'min' } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `SLA vs target — ${span}`, subtitle: `solid: realised SL · dashed: target${shown}` },
    params: [
      { name: 'yFloor', value: floor },
      { name: 'dayTicks', value: ticks },
    ],
    width: 620,
    height: 280,
    data: { values },
    layer: [
      {
        mark: { type: 'line', point: { size: dates.length > 31 ? 0 : 30 }, strokeWidth: 2 },
        encoding: { x, y: { field: 'sl', type: 'quantitative', title: 'SL %', scale: { domainMin: { expr: 'yFloor' }, domainMax: 100 }, axis: { tickCount: 5 } }, color },
      },
      {
        mark: { type: 'line', strokeDash: [5, 4], strokeWidth: 1.5, opacity: 0.8 },
        encoding: { x, y: { field: 'target', type: 'quantitative' }, color },
      },
    ],
  } as ChartSpec;
}
