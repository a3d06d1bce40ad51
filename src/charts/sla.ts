/**
 * The `sla` chart: realised SL vs target over the 14 days ending on the last day asked, one colour per
 * queue (solid = realised, dashed = target). Shows at most 8 queues — the worst first, as the command
 * sorts them — so the legend stays readable.
 */
import type { SlaResult } from '../../commands/sla.js';
import type { ChartSpec } from './render.js';

export const MAX_SERIES = 8;

export function slaChartSpec(r: SlaResult): ChartSpec | null {
  const queues = r.queues.filter((q) => q.trend14.some((p) => p.sl !== null)).slice(0, MAX_SERIES);
  if (!queues.length) return null;
  const dates = queues[0].trend14.map((p) => p.date);
  const label = (d: string) => d.slice(5);
  const values = queues.flatMap((q) =>
    q.trend14.map((p) => ({ day: label(p.date), queue: q.displayName, sl: p.sl === null ? null : p.sl * 100, target: q.target.pct })),
  );
  const lows = values.flatMap((v) => [v.sl, v.target]).filter((x): x is number => x !== null);
  const floor = Math.max(0, Math.min(50, Math.floor((Math.min(...lows) - 5) / 10) * 10));
  const shown = r.queues.length > queues.length ? ` · ${queues.length} of ${r.queues.length} queues, worst first` : '';
  // Every other day is labelled (ending on the last one): each text node costs resvg ~1.5 ms to lay out.
  const ticks = dates.filter((_, i) => (dates.length - 1 - i) % 2 === 0).map(label);
  const x = { field: 'day', type: 'ordinal', sort: dates.map(label), title: null, axis: { labelAngle: 0, values: ticks } } as const;
  const color = { field: 'queue', type: 'nominal', title: null, sort: queues.map((q) => q.displayName) } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `SLA vs target — 14 days to ${dates[dates.length - 1]}`, subtitle: `solid: realised SL · dashed: target${shown}` },
    width: 620,
    height: 280,
    data: { values },
    layer: [
      {
        mark: { type: 'line', point: { size: 30 }, strokeWidth: 2 },
        encoding: { x, y: { field: 'sl', type: 'quantitative', title: 'SL %', scale: { domain: [floor, 100] }, axis: { tickCount: 5 } }, color },
      },
      {
        mark: { type: 'line', strokeDash: [5, 4], strokeWidth: 1.5, opacity: 0.8 },
        encoding: { x, y: { field: 'target', type: 'quantitative' }, color },
      },
    ],
  } as ChartSpec;
}
