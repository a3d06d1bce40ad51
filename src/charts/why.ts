/**
 * The `why` chart: a waterfall from the baseline SL through each driver's Shapley points and the residual to
 * the observed SL. The bars are the answer's own numbers (no re-computation): baseline + Σ driver points +
 * residual = observed, so the chart adds up to the change the text states. The steps ride in the PNG's
 * metadata (usermeta → tEXt chunk) so tests and tools can read what was drawn without reading pixels.
 */
import type { WhyResult } from '../../commands/why.js';
import { PREVIEW_CONFIG, type ChartSpec } from './render.js';

export interface WaterfallStep {
  label: string;
  kind: 'total' | 'up' | 'down';
  /** SL %, where the bar starts and ends (a total starts at the axis floor's reference, 0). */
  from: number;
  to: number;
  /** Points this step adds (totals: the level itself). */
  delta: number;
}

// Short labels: seven bars share ~480 px, and the chart is mostly read as a ~360 px preview.
const LABEL: Record<string, string> = { arrivals: 'Arrivals', talk: 'Talk', acw: 'ACW', agents: 'Agents' };

/** The waterfall's steps, in reading order: baseline, the four drivers (engine order), residual, observed. */
export function whySteps(r: WhyResult): WaterfallStep[] {
  const steps: WaterfallStep[] = [{ label: r.mode === 'day' ? 'Usual' : 'Before', kind: 'total', from: 0, to: r.before.sl, delta: r.before.sl }];
  let level = r.before.sl;
  const add = (label: string, delta: number) => {
    steps.push({ label, kind: delta < 0 ? 'down' : 'up', from: level, to: level + delta, delta });
    level += delta;
  };
  for (const p of ['arrivals', 'talk', 'acw', 'agents'] as const) add(LABEL[p], r.contributions[p]);
  add('Residual', r.residual);
  steps.push({ label: r.mode === 'day' ? 'Observed' : 'After', kind: 'total', from: 0, to: r.after.sl, delta: r.after.sl });
  return steps;
}

const signedPts = (x: number) => `${x < 0 && Math.abs(x).toFixed(1) !== '0.0' ? '−' : '+'}${Math.abs(x).toFixed(1)}`;

export function whyChartSpec(r: WhyResult): ChartSpec | null {
  if (!Number.isFinite(r.before?.sl) || !Number.isFinite(r.after?.sl)) return null;
  const steps = whySteps(r);
  const values = steps.map((s, i) => ({
    i,
    label: s.label,
    kind: s.kind,
    lo: Math.min(s.from, s.to),
    hi: Math.max(s.from, s.to),
    top: Math.max(s.from, s.to),
    text: s.kind === 'total' ? `${s.to.toFixed(1)} %` : signedPts(s.delta),
  }));
  const lows = steps.flatMap((s) => (s.kind === 'total' ? [s.to] : [s.from, s.to]));
  // Totals start at the floor, not at 0: the changes are a few points on a 60–95 % level.
  const floor = Math.max(0, Math.floor((Math.min(...lows) - 5) / 10) * 10);
  // Room above the highest bar for its label.
  const ceiling = Math.min(100, Math.ceil((Math.max(...lows) + 3) / 5) * 5);
  for (const v of values) if (v.kind === 'total') v.lo = floor;
  const when = r.mode === 'day' ? `${r.date} vs the same weekday, 4 weeks before` : `${r.afterRange.from}..${r.afterRange.to} vs ${r.beforeRange.from}..${r.beforeRange.to}`;
  const x = { field: 'label', type: 'ordinal', title: null, sort: { field: 'i' }, axis: { labelAngle: 0, labelFontSize: 13 } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: PREVIEW_CONFIG,
    title: { text: `Why SL moved — ${r.displayName}: ${signedPts(r.observedDelta)} pts`, subtitle: [when, 'Shapley points per driver, then the residual'] },
    usermeta: { radar: { chart: 'why-waterfall', queue: r.queue, observedDelta: r.observedDelta, steps } },
    params: [
      { name: 'yFloor', value: floor },
      { name: 'yCeiling', value: Math.max(ceiling, floor + 10) },
    ],
    width: 480,
    height: 260,
    data: { values },
    layer: [
      {
        mark: { type: 'bar', width: { band: 0.7 } },
        encoding: {
          x,
          y: { field: 'lo', type: 'quantitative', title: 'SL %', scale: { domainMin: { expr: 'yFloor' }, domainMax: { expr: 'yCeiling' }, zero: false, nice: false }, axis: { tickCount: 5 } },
          y2: { field: 'hi' },
          color: {
            field: 'kind',
            type: 'nominal',
            legend: null,
            scale: { domain: ['total', 'up', 'down'], range: ['#7a8896', '#2e9d5b', '#d2483b'] },
          },
        },
      },
      {
        mark: { type: 'text', dy: -8, fontSize: 15, fontWeight: 'bold' },
        encoding: { x, y: { field: 'top', type: 'quantitative' }, text: { field: 'text' } },
      },
    ],
  } as ChartSpec;
}
