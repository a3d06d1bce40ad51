/**
 * `drift [queue] [date | from..to] [--train-days 28]` — what is drifting: per queue, online detectors on
 * arrivals, talk time, ACW, agents and SL against their same-time-of-week baselines (engine: src/engines/drift),
 * with thresholds calibrated on the days before the monitoring. Monitoring starts up to 14 days before the asked
 * range (LEAD_IN_DAYS), so a shift that began shortly before the range — or the days before "today" — is dated
 * at its true onset and never trains the thresholds; events that ended before the range are left out. Shows the
 * events (one per sustained shift), the
 * drift score timeline, the last 7 days against the usual, daily aggregates and "today so far".
 */
import { z } from 'zod';
import { defineCommand, UsageError, type CommandContext } from '../src/registry.js';
import { intervalRows, latestDate, listQueues, type IntervalRow, type QueueInfo } from '../src/warehouse/queries.js';
import { addDays, localParts, localToday, WEEKDAY_SHORT } from '../src/time.js';
import { dateRangeSchema, noLeftovers, takeQueue, takeRange } from './args.js';
import { sparkline, pct, pts, dur, hhmm, num } from '../src/format.js';
import { header, section, context, actions, esc, divider, type Block } from '../src/blocks/kit.js';
import { detectDrift, DRIVERS, type Driver, type DriftEvent, type IntervalRecord, type TodaySoFar } from '../src/engines/drift/index.js';

const EXAMPLE = 'drift billing last 7 days';

export const driftArgs = z.object({
  queue: z.string().min(1).nullable().default(null).describe('Queue name; null = all queues'),
  range: dateRangeSchema.nullable().default(null).describe('Monitored local dates, inclusive; null = the 7 days ending today (or the latest day with data)'),
  trainDays: z.number().int().min(7).max(180).default(28).describe('Days before the range used to calibrate thresholds'),
});
export type DriftArgs = z.output<typeof driftArgs>;

export const DRIVER_LABEL: Record<Driver, string> = { arrivals: 'Arrivals', talk: 'Talk time', acw: 'ACW', agents: 'Agents', sl: 'SL' };

/** Maps a v_interval_metrics row to the engine's record. */
export function toRecord(r: IntervalRow): IntervalRecord {
  return {
    queue: r.queue,
    intervalStart: r.intervalStart,
    localDate: r.localDate,
    localMinute: r.localMinute,
    localDow: r.localDow,
    intervalSeconds: r.intervalSeconds,
    offered: r.offered,
    handled: r.handled,
    abandoned: r.abandoned,
    answeredWithinTarget: r.answeredWithinTarget,
    ahtSeconds: r.ahtSeconds,
    acwSeconds: r.acwSeconds,
    agentsStaffed: r.agentsStaffed,
    slTargetPct: r.slTargetPct,
    slTargetSeconds: r.slTargetSeconds,
    forecastOffered: r.forecastOffered,
  };
}

export interface DriftEventOut extends DriftEvent {
  /** Local date and time of onset and detection, for people. */
  onsetLocal: string;
  detectedLocal: string;
}

export interface DriverChange {
  observed: number;
  expected: number;
  /** Relative change (SL: absolute, as a fraction). */
  change: number;
}

export interface DriftQueueResult {
  queue: string;
  displayName: string;
  timeZone: string;
  range: { from: string; to: string };
  training: { from: string; to: string; days: number; calibrated: boolean };
  status: 'drifting' | 'recent' | 'quiet' | 'no_data';
  events: DriftEventOut[];
  /** The monitored range's last 7 days against the baseline, volume-weighted. */
  last7: Partial<Record<Driver, DriverChange>>;
  daily: { date: string; offered: number; sl: number | null; talkSeconds: number | null; acwSeconds: number | null; agents: number | null; score: number; topDriver: Driver | null }[];
  /** Drift score per interval (max over drivers of CUSUM / threshold, 1 = alarm). */
  timeline: { intervalStart: string; score: number; driver: Driver | null }[];
  sparkline: string;
  today: TodaySoFar | null;
  /** True when `today` is the queue's current local day (a partial day, "so far"). */
  todayIsCurrent: boolean;
  thresholds: Partial<Record<Driver, number>>;
}

export interface DriftResult {
  /** The queue asked for (null = all). */
  queue: string | null;
  range: { from: string; to: string; label: string };
  /** Every queue's events, newest detection first. */
  events: DriftEventOut[];
  queues: DriftQueueResult[];
}

function localStamp(iso: string, tz: string): string {
  const p = localParts(Date.parse(iso), tz);
  return `${WEEKDAY_SHORT[p.dow]} ${p.date} ${hhmm(p.minute)}`;
}

/**
 * Days the detectors run before the asked range: a shift that began shortly before it (or early in it) is
 * found with its true onset, and calibration never trains on the days of a shift that is still going on.
 */
export const LEAD_IN_DAYS = 14;

/** Runs the detectors for one queue over [from, to] (monitoring from up to LEAD_IN_DAYS earlier). */
export function driftForQueue(ctx: CommandContext, q: QueueInfo, from: string, to: string, trainDays: number): DriftQueueResult {
  const tz = q.timeZone ?? ctx.config.RADAR_TZ;
  const nowMs = ctx.now.getTime();
  // Trailing baselines of the first monitored days reach 4 weeks back, calibration `trainDays` back.
  const history = Math.max(trainDays, 28);
  const wide = intervalRows(ctx.db, q.queue, addDays(from, -LEAD_IN_DAYS - history), to).filter((r) => Date.parse(r.intervalStart) <= nowMs);
  // The lead-in only where the history allows it: the training window keeps its full length first.
  const first = wide.length ? wide.reduce((m, r) => (r.localDate < m ? r.localDate : m), wide[0].localDate) : from;
  let monitorFrom = addDays(from, -LEAD_IN_DAYS);
  while (monitorFrom < from && addDays(monitorFrom, -history) < first) monitorFrom = addDays(monitorFrom, 1);
  const rows = wide.filter((r) => r.localDate >= addDays(monitorFrom, -history));
  const base: DriftQueueResult = {
    queue: q.queue,
    displayName: q.displayName,
    timeZone: tz,
    range: { from, to },
    training: { from: addDays(from, -trainDays), to: addDays(from, -1), days: 0, calibrated: false },
    status: 'no_data',
    events: [],
    last7: {},
    daily: [],
    timeline: [],
    sparkline: '',
    today: null,
    todayIsCurrent: false,
    thresholds: {},
  };
  if (!rows.some((r) => r.localDate >= from)) return base;
  const res = detectDrift(rows.map(toRecord), { from: monitorFrom, to, trainDays, seed: 1 });
  // Events of the lead-in that ended before the range are not the range's; those still open at its start are.
  const events: DriftEventOut[] = res.events
    .filter((e) => !e.closedAt || localParts(Date.parse(e.closedAt), tz).date >= from)
    .map((e) => ({ ...e, onsetLocal: localStamp(e.onsetEstimate, tz), detectedLocal: localStamp(e.detectedAt, tz) }));
  const timeline = res.timeline.filter((p) => p.localDate >= from);

  // Last 7 days of the range vs baseline, volume-weighted from the timeline's per-interval values.
  const since = addDays(to, -6);
  const last7: Partial<Record<Driver, DriverChange>> = {};
  for (const d of DRIVERS) {
    let o = 0;
    let e = 0;
    let w = 0;
    for (const p of timeline) {
      const v = p.values[d];
      if (!v || p.localDate < since) continue;
      o += v.weight * v.observed;
      e += v.weight * v.expected;
      w += v.weight;
    }
    if (w > 0 && e > 0) last7[d] = { observed: o / w, expected: e / w, change: d === 'sl' ? (o - e) / w : o / e - 1 };
  }

  const inRange = rows.filter((r) => r.localDate >= from && r.localDate <= to);
  const dates = [...new Set(inRange.map((r) => r.localDate))].sort();
  const daily = dates.map((date) => {
    const rs = inRange.filter((r) => r.localDate === date);
    const offered = rs.reduce((s, r) => s + r.offered, 0);
    const withAht = rs.filter((r) => r.handled > 0 && r.talkSeconds !== null);
    const h = withAht.reduce((s, r) => s + r.handled, 0);
    const withAcw = withAht.filter((r) => r.acwSeconds !== null);
    const hAcw = withAcw.reduce((s, r) => s + r.handled, 0);
    const staffed = rs.filter((r) => r.agentsStaffed > 0 || r.offered > 0);
    const pts_ = timeline.filter((p) => p.localDate === date);
    const top = pts_.reduce<{ score: number; driver: Driver | null }>((m, p) => (p.score > m.score ? { score: p.score, driver: p.topDriver } : m), { score: 0, driver: null });
    return {
      date,
      offered,
      sl: offered > 0 ? rs.reduce((s, r) => s + r.answeredWithinTarget, 0) / offered : null,
      talkSeconds: h > 0 ? withAht.reduce((s, r) => s + r.handled * (r.talkSeconds as number), 0) / h : null,
      acwSeconds: hAcw > 0 ? withAcw.reduce((s, r) => s + r.handled * (r.acwSeconds as number), 0) / hAcw : null,
      agents: staffed.length ? staffed.reduce((s, r) => s + r.agentsStaffed, 0) / staffed.length : null,
      score: top.score,
      topDriver: top.driver,
    };
  });
  const open = events.some((e) => e.status === 'open');
  const recent = events.some((e) => e.closedAt && e.closedAt.slice(0, 10) >= since);
  return {
    ...base,
    training: { from: res.trainFrom, to: res.trainTo, days: res.trainDaysUsed, calibrated: Object.values(res.calibration).every((c) => c?.calibrated) },
    status: open ? 'drifting' : recent ? 'recent' : 'quiet',
    events,
    last7,
    daily,
    timeline: timeline.map((p) => ({ intervalStart: p.intervalStart, score: p.score, driver: p.topDriver })),
    sparkline: sparkline(daily.map((d) => d.score), 0, 1),
    today: res.today,
    todayIsCurrent: res.today?.localDate === localToday(ctx.now, tz),
    thresholds: Object.fromEntries(Object.entries(res.calibration).map(([d, c]) => [d, c!.threshold])),
  };
}

/** "+18 %" / "−6.2 pts" for a driver change. */
export function changeText(d: Driver, change: number): string {
  if (d === 'sl') return pts(change);
  const p = change * 100;
  const a = Math.abs(p);
  const s = a < 10 ? a.toFixed(1) : a.toFixed(0);
  return `${p < 0 && Number(s) !== 0 ? '−' : '+'}${s} %`;
}

function eventLine(e: DriftEventOut): string {
  const arrow = e.direction === 'up' ? '▲' : '▼';
  const state = e.status === 'open' ? 'open' : `closed ${e.closedAt ? e.closedAt.slice(0, 16).replace('T', ' ') + 'Z' : ''}`;
  return `${arrow} ${DRIVER_LABEL[e.driver]} ${changeText(e.driver, e.driver === 'sl' ? e.observed - e.expected : e.magnitude)} since ${e.onsetLocal} (detected ${e.detectedLocal.slice(-5)}${e.detectedLocal.slice(4, 14) !== e.onsetLocal.slice(4, 14) ? ` on ${e.detectedLocal.slice(0, 14)}` : ''}) — ${state}`;
}

function last7Line(q: DriftQueueResult): string {
  const parts = DRIVERS.filter((d) => q.last7[d]).map((d) => `${DRIVER_LABEL[d].toLowerCase()} ${changeText(d, q.last7[d]!.change)}`);
  return parts.length ? `Last 7 days vs usual: ${parts.join(', ')}` : 'Last 7 days vs usual: no baseline yet (needs 2+ weeks of history)';
}

function todayLine(q: DriftQueueResult): string | null {
  const t = q.today;
  if (!t || t.localDate !== q.range.to) return null;
  const parts = DRIVERS.filter((d) => t.drivers[d]).map((d) => {
    const x = t.drivers[d]!;
    return `${Math.abs(x.z) >= 3 ? '⚠ ' : ''}${DRIVER_LABEL[d].toLowerCase()} ${changeText(d, x.change)}`;
  });
  return q.todayIsCurrent ? `Today so far (through ${hhmm(t.throughMinute)}): ${parts.join(', ')}` : `${t.localDate} vs usual: ${parts.join(', ')}`;
}

const STATUS_ICON: Record<DriftQueueResult['status'], string> = { drifting: '🔴', recent: '🟡', quiet: '🟢', no_data: '⚪' };

export const drift = defineCommand({
  name: 'drift',
  summary: 'What is drifting: arrivals, talk time, ACW, agents and SL against their usual levels, with events and today so far.',
  usage: 'drift [queue] [date | from..to] [--train-days 28] [public]',
  examples: [EXAMPLE, 'drift', 'drift tech_support yesterday', 'drift --queue billing --from 2026-11-01 --to 2026-11-14 --train-days 28'],
  needsIntervals: true,
  args: driftArgs,
  parse(t, pctx) {
    const { queue, rest } = takeQueue(t, pctx, EXAMPLE);
    const tz = queue ? pctx.queueTz(queue) : pctx.tz;
    const { range, rest: left } = takeRange(t, rest, tz, pctx, EXAMPLE);
    const td = t.options['train-days'] ?? t.options.train ?? t.options.traindays;
    let trainDays: number | undefined;
    if (td !== undefined) {
      trainDays = Number(td);
      if (!Number.isInteger(trainDays)) throw new UsageError(`--train-days must be a whole number of days, got "${td}".`, EXAMPLE);
    }
    if (left.length === 1 && !range && !queue && pctx.queues.length) {
      throw new UsageError(`I don't know the queue or date "${left[0]}". Queues: ${pctx.queues.join(', ')}.`, EXAMPLE);
    }
    noLeftovers(left, EXAMPLE);
    return { queue, range, ...(trainDays !== undefined ? { trainDays } : {}) };
  },
  run(ctx, args): DriftResult {
    const queues = listQueues(ctx.db).filter((q) => !args.queue || q.queue === args.queue);
    if (args.queue && !queues.length) throw new UsageError(`No data for queue "${args.queue}".`, EXAMPLE);
    const out: DriftQueueResult[] = [];
    let label = args.range?.label ?? 'last 7 days';
    let shown = args.range ? { from: args.range.from, to: args.range.to } : null;
    for (const q of queues) {
      const tz = q.timeZone ?? ctx.config.RADAR_TZ;
      let to = args.range?.to ?? localToday(ctx.now, tz);
      if (!args.range) to = latestDate(ctx.db, to, [q.queue]) ?? to;
      const from = args.range?.from ?? addDays(to, -6);
      shown ??= { from, to };
      out.push(driftForQueue(ctx, q, from, to, args.trainDays));
    }
    if (!args.range && out.length) label = `7 days to ${out[0].range.to}`;
    const order: Record<DriftQueueResult['status'], number> = { drifting: 0, recent: 1, quiet: 2, no_data: 3 };
    out.sort((a, b) => order[a.status] - order[b.status] || b.events.length - a.events.length || a.queue.localeCompare(b.queue));
    const events = out.flatMap((q) => q.events).sort((a, b) => b.detectedAt.localeCompare(a.detectedAt));
    const range = shown ?? { from: localToday(ctx.now, ctx.config.RADAR_TZ), to: localToday(ctx.now, ctx.config.RADAR_TZ) };
    return { queue: args.queue, range: { ...range, label }, events, queues: out };
  },
  text(r) {
    const lines = [`Drift — ${r.range.label}`];
    if (!r.queues.length) return [...lines, 'No queues in the warehouse yet. Load data with `radar ingest <files>` or run `radar demo`.'].join('\n');
    for (const q of r.queues) {
      lines.push('', `${STATUS_ICON[q.status]} ${q.queue}  ${q.range.from}..${q.range.to}  daily drift ${q.sparkline || '–'}`);
      if (q.status === 'no_data') {
        lines.push('  no intervals in this range');
        continue;
      }
      if (!q.events.length) lines.push('  No drift events: every driver within its usual range.');
      for (const e of q.events) lines.push(`  ${eventLine(e)}`);
      lines.push(`  ${last7Line(q)}`);
      const t = todayLine(q);
      if (t) lines.push(`  ${t}`);
      if (!q.training.calibrated) lines.push(`  (thresholds not calibrated: fewer than 7 days of history before ${q.range.from})`);
    }
    const one = r.queues.length === 1 ? r.queues[0] : null;
    if (one && one.daily.length > 1) {
      lines.push('', 'date        offered     SL    talk     ACW  agents  drift');
      for (const d of one.daily) lines.push(`${d.date}  ${num(d.offered).padStart(7)}  ${pct(d.sl).padStart(7)}  ${dur(d.talkSeconds).padStart(6)}  ${dur(d.acwSeconds).padStart(6)}  ${num(d.agents, 1).padStart(6)}  ${d.score >= 1 ? `alarm (${DRIVER_LABEL[d.topDriver!]})` : d.score.toFixed(2)}`);
    }
    return lines.join('\n');
  },
  blocks(r, opts) {
    const blocks: Block[] = [header(`Drift — ${r.range.label}`)];
    if (!r.queues.length) {
      blocks.push(section('No queues in the warehouse yet. Load data with `radar ingest <files>` or run `radar demo`.'));
      return blocks;
    }
    for (const q of r.queues.slice(0, 12)) {
      const evs = q.events.slice(-5).map((e) => esc(eventLine(e)));
      const t = todayLine(q);
      blocks.push(
        section(
          `${STATUS_ICON[q.status]} *${esc(q.displayName)}*  daily drift \`${q.sparkline || '–'}\`\n` +
            (q.status === 'no_data' ? 'No intervals in this range.' : (evs.length ? evs.join('\n') : 'No drift events: every driver within its usual range.') + `\n${esc(last7Line(q))}${t ? `\n${esc(t)}` : ''}`),
        ),
      );
    }
    blocks.push(divider());
    const worst = r.queues.find((q) => q.status === 'drifting') ?? r.queues[0];
    const buttons = [{ text: `Why? (${worst.queue})`, actionId: 'run_command', value: `why ${worst.queue} ${worst.range.to}` }];
    if (!opts.public) buttons.push({ text: 'Share in channel', actionId: 'share_in_channel', value: `drift ${r.queue ? r.queue + ' ' : ''}${r.range.from}..${r.range.to}` });
    blocks.push(actions(buttons));
    blocks.push(context('Each driver is compared with the same time of week over the previous 4 weeks; thresholds allow about one false alarm per 60 days per queue. Talk = AHT − ACW.'));
    return blocks;
  },
});

