/**
 * The snapshot an alert carries (as Grafana and Datadog alerts do): the alerting queue's local day up to the
 * moment it fired — realised SL per interval (abandon % for abandon rules) against its target, the rule's
 * threshold when it is on the same scale, and a marker at the firing time. Uploaded into the alert's thread.
 */
import type { Db } from '../warehouse/db.js';
import { intervalRows, listQueues } from '../warehouse/queries.js';
import { localParts } from '../time.js';
import { renderSpec, PREVIEW_CONFIG, type ChartSpec } from './render.js';

export interface SnapshotAlert {
  queue: string;
  /** The rule's metric name (sl, sl_day, projected_sl, abandon, …). */
  metric: string;
  /** Threshold in the metric's unit (percent for pct metrics). */
  threshold: number | null;
  /** When the breach began (ms): marked on the chart. */
  firedAt: number;
  /** Draw the day up to this instant (ms; default firedAt): the evaluation that fired it. */
  until?: number;
  /** "SL (interval) < 75 %": the rule in words, for the title. */
  title: string;
}

export interface SnapshotPoint {
  t: string;
  value: number;
  target: number | null;
}

export interface SnapshotData {
  queue: string;
  displayName: string;
  date: string;
  series: 'SL %' | 'abandon %';
  points: SnapshotPoint[];
  threshold: number | null;
  /** Local time of the interval in which the breach began. */
  firedAt: string;
  /** Local time the chart runs to. */
  until: string;
  title: string;
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const PCT_METRICS = new Set(['sl', 'sl_day', 'projected_sl']);

/** The day's intervals up to the firing time; null when the queue has no interval data that day. */
export function snapshotData(db: Db, a: SnapshotAlert, opts: { defaultTz: string }): SnapshotData | null {
  const q = listQueues(db).find((x) => x.queue === a.queue);
  if (!q) return null;
  const tz = q.timeZone ?? opts.defaultTz;
  const date = localParts(a.firedAt, tz).date;
  const abandon = a.metric === 'abandon';
  const until = Math.max(a.until ?? a.firedAt, a.firedAt);
  const rows = intervalRows(db, a.queue, date, date).filter((r) => Date.parse(r.intervalStart) <= until && r.offered > 0);
  const points = rows
    .map((r) => ({ t: hhmm(r.localMinute), value: abandon ? (r.abandonRate ?? 0) * 100 : (r.sl ?? 0) * 100, target: abandon ? null : r.slTargetPct }))
    .filter((p) => Number.isFinite(p.value));
  if (!points.length) return null;
  const fired = localParts(a.firedAt, tz);
  const step = Math.max(1, Math.round(q.intervalSeconds / 60));
  return {
    queue: a.queue,
    displayName: q.displayName,
    date,
    series: abandon ? 'abandon %' : 'SL %',
    points,
    threshold: abandon || PCT_METRICS.has(a.metric) ? a.threshold : null,
    firedAt: hhmm(fired.minute - (fired.minute % step)),
    until: points[points.length - 1].t,
    title: a.title,
  };
}

export function snapshotSpec(d: SnapshotData): ChartSpec {
  const values = [
    ...d.points.map((p) => ({ layer: 'value', t: p.t, v: p.value })),
    ...d.points.filter((p) => p.target !== null).map((p) => ({ layer: 'target', t: p.t, v: p.target })),
    ...(d.threshold !== null ? [{ layer: 'threshold', v: d.threshold }] : []),
    { layer: 'fired', t: d.firedAt },
  ];
  const times = d.points.map((p) => p.t);
  const every = Math.max(1, Math.ceil(times.length / 8));
  const x = { field: 't', type: 'ordinal', title: null, axis: { labelAngle: 0, values: { expr: 'timeTicks' } }, scale: { domain: { expr: 'timeDomain' } } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: PREVIEW_CONFIG,
    title: { text: `${d.displayName} — ${d.title}`.slice(0, 80), subtitle: [`${d.date} to ${d.until} (queue time), ${d.series} per interval`, `${d.threshold !== null ? 'red: threshold · ' : ''}${d.series === 'SL %' ? 'dashed: target · ' : ''}grey: breach began`] },
    usermeta: { radar: { chart: 'alert-snapshot', queue: d.queue, date: d.date, firedAt: d.firedAt, points: d.points.length, threshold: d.threshold } },
    params: [
      { name: 'timeTicks', value: times.filter((_, i) => i % every === 0) },
      { name: 'timeDomain', value: times.includes(d.firedAt) ? times : [...times, d.firedAt] },
    ],
    width: 480,
    height: 220,
    data: { values },
    layer: [
      {
        transform: [{ filter: "datum.layer === 'value'" }],
        mark: { type: 'line', point: { size: 28 }, strokeWidth: 2, color: '#1f77b4' },
        encoding: { x, y: { field: 'v', type: 'quantitative', title: d.series, scale: { domain: [0, 100] }, axis: { tickCount: 5 } } },
      },
      {
        transform: [{ filter: "datum.layer === 'target'" }],
        mark: { type: 'line', strokeDash: [5, 4], strokeWidth: 1.5, color: '#444' },
        encoding: { x, y: { field: 'v', type: 'quantitative' } },
      },
      {
        transform: [{ filter: "datum.layer === 'threshold'" }],
        mark: { type: 'rule', strokeWidth: 1.5, color: '#d2483b' },
        encoding: { y: { field: 'v', type: 'quantitative' } },
      },
      {
        transform: [{ filter: "datum.layer === 'fired'" }],
        mark: { type: 'rule', strokeWidth: 6, opacity: 0.25, color: '#555' },
        encoding: { x },
      },
    ],
  } as ChartSpec;
}

/** The snapshot PNG, or null when there is nothing to draw. */
export async function snapshotPng(db: Db, a: SnapshotAlert, opts: { defaultTz: string }): Promise<Buffer | null> {
  const d = snapshotData(db, a, opts);
  return d ? (await renderSpec(snapshotSpec(d))).png : null;
}

export interface DueSnapshotData {
  queue: string;
  displayName: string;
  withinMinutes: number;
  asOf: string;
  tickets: { ticketId: string; minutesLeft: number }[];
}

/** Open tickets of the queue overdue or due within the window at `asOf` (ms), most urgent first (≤ 15). */
export function dueSnapshotData(db: Db, a: { queue: string; withinMinutes: number; asOf: number }): DueSnapshotData | null {
  const iso = new Date(a.asOf).toISOString().slice(0, 19) + 'Z';
  const rows = db
    .prepare(`SELECT ticket_id AS ticketId, due_at AS dueAt FROM tickets WHERE queue = ? AND resolved_at IS NULL AND status IN ('open', 'pending') AND due_at IS NOT NULL AND created_at <= ?`)
    .all(a.queue, iso) as { ticketId: string; dueAt: string }[];
  const tickets = rows
    .map((r) => ({ ticketId: r.ticketId, minutesLeft: Math.round((Date.parse(r.dueAt) - a.asOf) / 60_000) }))
    .filter((t) => t.minutesLeft <= a.withinMinutes)
    .sort((x, y) => x.minutesLeft - y.minutesLeft || (x.ticketId < y.ticketId ? -1 : 1))
    .slice(0, 15);
  if (!tickets.length) return null;
  const q = listQueues(db).find((x) => x.queue === a.queue);
  return { queue: a.queue, displayName: q?.displayName ?? a.queue, withinMinutes: a.withinMinutes, asOf: iso, tickets };
}

/** Horizontal bars: hours left to due_at per ticket (left of zero: overdue), most urgent on top. */
export function dueSnapshotSpec(d: DueSnapshotData): ChartSpec {
  const values = d.tickets.map((t, i) => ({ i, ticket: t.ticketId, hours: t.minutesLeft / 60, overdue: t.minutesLeft <= 0 ? 'overdue' : 'due soon' }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: PREVIEW_CONFIG,
    title: { text: `${d.displayName}: ${d.tickets.length} due within ${windowText(d.withinMinutes)}`.slice(0, 60), subtitle: [`overdue or due soon at ${d.asOf.slice(0, 16).replace('T', ' ')} UTC`, 'hours to due_at · left of 0: overdue'] },
    usermeta: { radar: { chart: 'alert-snapshot-due', queue: d.queue, tickets: d.tickets } },
    width: 480,
    height: { step: 20 },
    data: { values },
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.7 } },
        encoding: {
          y: { field: 'ticket', type: 'nominal', title: null, sort: { field: 'i' } },
          x: { field: 'hours', type: 'quantitative', title: 'hours to due' },
          color: { field: 'overdue', type: 'nominal', title: null, scale: { domain: ['overdue', 'due soon'], range: ['#d2483b', '#f0a030'] } },
        },
      },
      { mark: { type: 'rule', color: '#222' }, encoding: { x: { datum: 0 } } },
    ],
  } as ChartSpec;
}

const windowText = (m: number) => (m < 120 ? `${m} min` : m < 2880 ? `${Math.round(m / 60)} h` : `${Math.round(m / 1440)} d`);

export async function dueSnapshotPng(db: Db, a: { queue: string; withinMinutes: number; asOf: number }): Promise<Buffer | null> {
  const d = dueSnapshotData(db, a);
  return d ? (await renderSpec(dueSnapshotSpec(d))).png : null;
}
