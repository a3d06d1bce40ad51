/**
 * The `whatif` chart, two panels over the day's intervals (local time):
 *  - top: offered load (Erlangs) against capacity (agents) before and after the levers — where the load
 *    line rises above capacity the queue cannot keep up;
 *  - bottom: SL before (realised where the day has happened, else the model) and after (calibrated
 *    prediction) against the target.
 */
import type { WhatifCommandResult } from '../../commands/whatif.js';
import { PREVIEW_CONFIG, type ChartSpec } from './render.js';

/** Subtitle lines stay ≤ 48 characters (see PREVIEW_CONFIG), cut with an ellipsis. */
const cut = (s: string) => (s.length > 48 ? `${s.slice(0, 47)}…` : s);
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

function localMinuteOf(iv: { localMinute?: number; intervalStart: string }): number {
  if (typeof iv.localMinute === 'number') return iv.localMinute;
  const d = new Date(iv.intervalStart);
  return d.getUTCHours() * 60 + d.getUTCMinutes();
}

export function whatifChartSpec(r: WhatifCommandResult): ChartSpec | null {
  const ivs = r.result?.intervals ?? [];
  if (!ivs.length) return null;
  const rows: { t: string; i: number; series: string; panel: 'load' | 'sl'; v: number }[] = [];
  ivs.forEach((iv, i) => {
    const t = hhmm(localMinuteOf(iv));
    rows.push({ t, i, panel: 'load', series: 'Load (Erlangs)', v: iv.baseline.loadErlangs });
    if (Math.abs(iv.scenario.loadErlangs - iv.baseline.loadErlangs) > 1e-9) rows.push({ t, i, panel: 'load', series: 'Load after', v: iv.scenario.loadErlangs });
    rows.push({ t, i, panel: 'load', series: 'Agents before', v: iv.baseline.capacityAgents });
    rows.push({ t, i, panel: 'load', series: 'Agents after', v: iv.scenario.capacityAgents });
    const before = iv.realisedSl ?? iv.baseline.serviceLevel;
    rows.push({ t, i, panel: 'sl', series: 'SL before', v: before * 100 });
    rows.push({ t, i, panel: 'sl', series: 'SL after', v: iv.predictedSl * 100 });
    rows.push({ t, i, panel: 'sl', series: 'Target', v: iv.slTarget <= 1 ? iv.slTarget * 100 : iv.slTarget });
  });
  const times = [...new Set(rows.map((x) => x.t))];
  const every = Math.max(1, Math.ceil(times.length / 8));
  const ticks = times.filter((_, i) => i % every === 0);
  const x = { field: 't', type: 'ordinal', title: null, sort: { field: 'i' }, axis: { labelAngle: 0, values: { expr: 'timeTicks' } } } as const;
  const colors = {
    domain: ['Load (Erlangs)', 'Load after', 'Agents before', 'Agents after', 'SL before', 'SL after', 'Target'],
    range: ['#d2483b', '#f08a5d', '#7a8896', '#1f77b4', '#7a8896', '#1f77b4', '#222222'],
  };
  const dash = { field: 'series', type: 'nominal', title: null, scale: { domain: colors.domain, range: [[1, 0], [4, 3], [1, 0], [1, 0], [1, 0], [1, 0], [5, 4]] } } as const;
  const color = { field: 'series', type: 'nominal', title: null, scale: colors } as const;
  const before = r.result.baseline.serviceLevel;
  const after = r.result.scenario.serviceLevel;
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: { ...PREVIEW_CONFIG, legend: { ...PREVIEW_CONFIG.legend, columns: 3 } },
    title: {
      text: `${r.displayName} ${r.date}: SL ${pct(before)} → ${pct(after)}`.slice(0, 60),
      // Two short lines: vega estimates text width without a canvas (generously), so one long line widens the PNG.
      subtitle: [cut(`what-if: ${r.leverText.join(' · ') || 'no levers'}`), cut(r.basisNote)],
    },
    usermeta: { radar: { chart: 'whatif', queue: r.queue, date: r.date, before, after, intervals: ivs.length } },
    params: [{ name: 'timeTicks', value: ticks }],
    data: { values: rows },
    vconcat: [
      {
        width: 500,
        height: 150,
        transform: [{ filter: "datum.panel === 'load'" }],
        mark: { type: 'line', strokeWidth: 2, interpolate: 'step-after' },
        encoding: { x: { ...x, axis: { ...x.axis, labels: false, ticks: false } }, y: { field: 'v', type: 'quantitative', title: 'Erlangs / agents' }, color, strokeDash: dash },
      },
      {
        width: 500,
        height: 130,
        transform: [{ filter: "datum.panel === 'sl'" }],
        mark: { type: 'line', strokeWidth: 2, point: { size: 14 } },
        encoding: { x, y: { field: 'v', type: 'quantitative', title: 'SL %', scale: { domain: [0, 100] }, axis: { tickCount: 5 } }, color, strokeDash: dash },
      },
    ],
  } as ChartSpec;
}
