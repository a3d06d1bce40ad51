/**
 * The `drift` chart: the drift score per interval (max over drivers of CUSUM ÷ its alarm threshold; 1 = an
 * alarm) over the range asked, one line per queue (at most 4, those with events first), the alarm level
 * dashed, and each drift event marked at its estimated onset with its driver and direction.
 */
import type { DriftResult } from '../../commands/drift.js';
import { PREVIEW_CONFIG, type ChartSpec } from './render.js';

export const MAX_DRIFT_QUEUES = 4;
/** Scores are drawn up to this (an alarm is 1; a long shift climbs to 10+ and would flatten the rest). */
export const SCORE_CAP = 3;
/** Points per queue line at most (see below). */
export const MAX_POINTS = 250;

const ARROW = { up: '↑', down: '↓' } as const;
const DRIVER = { arrivals: 'arrivals', talk: 'talk', acw: 'ACW', agents: 'agents', sl: 'SL' } as const;

function dayAfter(d: string): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

export function driftChartSpec(r: DriftResult): ChartSpec | null {
  const withData = r.queues.filter((q) => q.timeline?.length);
  const ranked = [...withData].sort((a, b) => b.events.length - a.events.length).slice(0, MAX_DRIFT_QUEUES);
  if (!ranked.length) return null;
  // Local dates → a UTC window a day wide on each side is enough to hold every zone's day; clipped below.
  const from = `${r.range.from}T00:00:00Z`;
  const to = `${dayAfter(r.range.to)}T00:00:00Z`;
  const inRange = (iso: string) => iso >= addHours(from, -14) && iso < addHours(to, 14);
  const lines = ranked.flatMap((q) => {
    const pts = q.timeline.filter((p) => inRange(p.intervalStart));
    // At most ~MAX_POINTS per line (the worst score of each bucket, so no alarm is smoothed away): a 14-day
    // range of half-hours is 672 points a queue, more than 500 px can show, and each costs render time.
    const size = Math.max(1, Math.ceil(pts.length / MAX_POINTS));
    const out: { layer: string; t: string; queue: string; score: number }[] = [];
    for (let i = 0; i < pts.length; i += size) {
      const b = pts.slice(i, i + size);
      out.push({ layer: 'score', t: b[0].intervalStart, queue: q.displayName, score: Math.min(SCORE_CAP, Math.max(...b.map((p) => p.score))) });
    }
    return out;
  });
  if (!lines.length) return null;
  const first = lines.reduce((m, p) => (p.t < m ? p.t : m), lines[0].t);
  const events = ranked.flatMap((q) =>
    q.events
      .filter((e) => e.onsetEstimate >= first && inRange(e.onsetEstimate))
      .map((e) => ({ layer: 'event', t: e.onsetEstimate, queue: q.displayName, label: `${DRIVER[e.driver]} ${ARROW[e.direction]}`, status: e.status, ly: 0, side: 'left' })),
  );
  // Labels of events close in time would overprint: stagger them over three rows.
  events.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0)).forEach((e, i) => (e.ly = 10 + (i % 3) * 16));
  // Labels of events in the last fifth of the range sit left of their rule, so they stay inside the chart.
  const t0 = Date.parse(first);
  const t1 = Math.max(...lines.map((p) => Date.parse(p.t)));
  for (const e of events) if (Date.parse(e.t) > t0 + 0.8 * (t1 - t0)) e.side = 'right';
  const totalEvents = ranked.reduce((s, q) => s + q.events.length, 0);
  const capped = lines.some((p) => p.score >= SCORE_CAP);
  const yMax = Math.min(SCORE_CAP, Math.max(events.length ? 1.6 : 1.2, Math.max(...lines.map((p) => p.score)) * 1.05));
  const x = { field: 't', type: 'temporal', title: null, scale: { type: 'utc' }, axis: { format: '%b %d', labelAngle: 0, tickCount: 7 } } as const;
  const color = { field: 'queue', type: 'nominal', title: null } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: { ...PREVIEW_CONFIG, legend: { ...PREVIEW_CONFIG.legend, columns: 2 } },
    title: {
      text: `Drift ${r.range.from === r.range.to ? r.range.from : `${r.range.from}..${r.range.to}`}: ${totalEvents} ${totalEvents === 1 ? 'event' : 'events'}`,
      subtitle: [`score: CUSUM ÷ alarm threshold (dashed: alarm)`, `vertical rules: event onsets${capped ? ` · drawn up to ${SCORE_CAP}` : ''}`],
    },
    usermeta: { radar: { chart: 'drift', events: events.map((e) => ({ t: e.t, queue: e.queue, label: e.label })) } },
    params: [{ name: 'yMax', value: yMax }],
    width: 500,
    height: 240,
    data: { values: [...lines, ...events, { layer: 'alarm', y: 1 }] },
    layer: [
      {
        transform: [{ filter: "datum.layer === 'score'" }],
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: { x, y: { field: 'score', type: 'quantitative', title: 'drift score', scale: { domainMin: 0, domainMax: { expr: 'yMax' } } }, color },
      },
      {
        transform: [{ filter: "datum.layer === 'alarm'" }],
        mark: { type: 'rule', strokeDash: [5, 4], color: '#d2483b' },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
      {
        transform: [{ filter: "datum.layer === 'event'" }],
        mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.7 },
        encoding: { x, color },
      },
      ...(['left', 'right'] as const).map((side) => ({
        transform: [{ filter: `datum.layer === 'event' && datum.side === '${side}'` }],
        mark: { type: 'text', align: side, dx: side === 'left' ? 3 : -3, fontSize: 13, fontWeight: 'bold' },
        encoding: { x, y: { field: 'ly', type: 'quantitative', scale: null }, text: { field: 'label' }, color },
      })),
    ],
  } as ChartSpec;
}

function addHours(iso: string, h: number): string {
  return new Date(Date.parse(iso) + h * 3_600_000).toISOString().slice(0, 19) + 'Z';
}
