/**
 * `sla [queue] [date | from..to]` — how SLA is doing: per queue and day offered, realised SL vs target,
 * abandon %, AHT, ACW and agents; a 14-day trend; the intervals below target on the last day asked; realised
 * volume and AHT vs the forecast (flagged outside its band) and vs the loaded plan (forecastDeviation.ts).
 */
import { z } from 'zod';
import { defineCommand, UsageError } from '../src/registry.js';
import { dailyRows, intervalRows, latestDate, listQueues, type DailyRow } from '../src/warehouse/queries.js';
import { addDays, localToday } from '../src/time.js';
import { dateRangeSchema, noLeftovers, takeQueue, takeRange } from './args.js';
import { sparkline, pct, pts, num, dur, hhmm, table } from '../src/format.js';
import { header, section, context, actions, esc, divider, type Block } from '../src/blocks/kit.js';
import { queueDeviation, DEVIATION_LEVEL_PCT, type DayDeviation, type ForecastDeviation, type PlanDeviation } from './forecastDeviation.js';

const EXAMPLE = 'sla billing yesterday';

export const slaArgs = z.object({
  queue: z.string().min(1).nullable().default(null).describe('Queue name; null = all queues'),
  range: dateRangeSchema.nullable().default(null).describe('Local dates, inclusive; null = today (or the latest day with data)'),
});
export type SlaArgs = z.output<typeof slaArgs>;

export interface SlaTotals {
  offered: number;
  handled: number;
  abandoned: number;
  sl: number | null;
  abandonRate: number | null;
  ahtSeconds: number | null;
  acwSeconds: number | null;
  avgAgents: number | null;
  agentHours: number;
  intervalsBelowTarget: number;
}

export interface SlaQueueResult {
  queue: string;
  displayName: string;
  target: { pct: number; seconds: number };
  status: 'on_target' | 'at_risk' | 'below_target' | 'no_data';
  total: SlaTotals;
  /** Realised vs forecast (source 'model') and vs the loaded plan (source 'plan') over the range; nulls when there is none (run always sets it). */
  deviation?: DayDeviation;
  /** Why some or all days have no model forecast, or null. */
  deviationNote?: string | null;
  days: (SlaTotals & { date: string; deviation?: DayDeviation })[];
  trend14: { date: string; sl: number | null }[];
  sparkline: string;
  belowTarget: { date: string; intervalStart: string; localTime: string; sl: number; offered: number }[];
}

export interface SlaResult {
  range: { from: string; to: string; label: string };
  note: string | null;
  queues: SlaQueueResult[];
}

function totals(rows: DailyRow[]): SlaTotals {
  const sum = (f: (r: DailyRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  const offered = sum((r) => r.offered);
  const handled = sum((r) => r.handled);
  const withAht = rows.filter((r) => r.ahtSeconds !== null && r.handled > 0);
  const hAht = withAht.reduce((s, r) => s + r.handled, 0);
  const withAcw = rows.filter((r) => r.acwSeconds !== null && r.handled > 0);
  const hAcw = withAcw.reduce((s, r) => s + r.handled, 0);
  const agentRows = rows.filter((r) => r.avgAgents !== null);
  return {
    offered,
    handled,
    abandoned: sum((r) => r.abandoned),
    sl: offered > 0 ? sum((r) => r.answeredWithinTarget) / offered : null,
    abandonRate: offered > 0 ? sum((r) => r.abandoned) / offered : null,
    ahtSeconds: hAht > 0 ? withAht.reduce((s, r) => s + r.handled * r.ahtSeconds!, 0) / hAht : null,
    acwSeconds: hAcw > 0 ? withAcw.reduce((s, r) => s + r.handled * r.acwSeconds!, 0) / hAcw : null,
    avgAgents: agentRows.length ? agentRows.reduce((s, r) => s + r.avgAgents!, 0) / agentRows.length : null,
    agentHours: sum((r) => r.agentHours),
    intervalsBelowTarget: sum((r) => r.intervalsBelowTarget),
  };
}

/** On target, at risk (within 3 points below… above target), below target. */
function statusOf(sl: number | null, targetPct: number): SlaQueueResult['status'] {
  if (sl === null) return 'no_data';
  if (sl * 100 < targetPct) return 'below_target';
  if (sl * 100 < targetPct + 3) return 'at_risk';
  return 'on_target';
}

export const STATUS_ICON: Record<SlaQueueResult['status'], string> = {
  on_target: '🟢',
  at_risk: '🟡',
  below_target: '🔴',
  no_data: '⚪',
};

/** +4.6 % / −3.1 % / ±0.0 %; null → "–". */
function signedPct(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  const s = Math.abs(x).toFixed(1);
  return `${x < 0 && s !== '0.0' ? '−' : x > 0 && s !== '0.0' ? '+' : '±'}${s} %`;
}

/** A table cell: the deviation % with ⚠ when the realised value fell outside the forecast's band. */
function devCell(f: ForecastDeviation | null | undefined, which: 'volume' | 'aht'): string {
  if (!f) return '–';
  return `${signedPct(which === 'volume' ? f.volumeDeviationPct : f.ahtDeviationPct)}${(which === 'volume' ? f.volumeFlag : f.ahtFlag) ? ' ⚠' : ''}`;
}

const planCell = (p: PlanDeviation | null | undefined) => (p ? signedPct(p.volumeDeviationPct) : '–');

/** The Slack line for one queue: "vs forecast: offered +4.6 % ⚠ outside its 90 % range 1,050–1,320 …". */
function deviationLine(d: DayDeviation | undefined, days: number): string | null {
  const f = d?.forecast;
  const parts: string[] = [];
  if (f) {
    const band = (flag: boolean, lo: string | null) => (lo === null ? (flag ? ` ⚠ outside the ${f.levelPct} % range on ${f.daysFlagged} of ${days} days` : ` (within the ${f.levelPct} % range every day)`) : flag ? ` ⚠ outside its ${f.levelPct} % range ${lo}` : ` (${f.levelPct} % range ${lo})`);
    parts.push(`offered ${signedPct(f.volumeDeviationPct)} vs ${num(f.forecastOffered)} forecast${band(f.volumeFlag, f.offeredLow === null ? null : `${num(f.offeredLow)}–${num(f.offeredHigh)}`)}`);
    if (f.ahtDeviationPct !== null) parts.push(`AHT ${signedPct(f.ahtDeviationPct)} vs ${dur(f.forecastAhtSeconds)}${f.offeredLow === null ? '' : band(f.ahtFlag, `${dur(f.ahtLow)}–${dur(f.ahtHigh)}`)}`);
  }
  if (d?.plan) parts.push(`vs plan: offered ${signedPct(d.plan.volumeDeviationPct)}${d.plan.ahtDeviationPct !== null ? `, AHT ${signedPct(d.plan.ahtDeviationPct)}` : ''}`);
  return parts.length ? `${f ? 'vs forecast: ' : ''}${parts.join(' · ')}` : null;
}

function deviationFootnote(r: SlaResult): string | null {
  const any = r.queues.some((q) => q.deviation?.forecast || q.deviation?.plan);
  if (!any) return null;
  const long = r.range.to > addDays(r.range.from, 27);
  return (
    `vs fcst: realised vs the demand forecast made from history before ${r.range.from}${long ? ' (one forecast per 28 days, each from history before its first day)' : ''}, as \`forecast <queue> ${r.range.from}..${r.range.to}\` shows; ` +
    `AHT over the same handled contacts; ⚠ = outside its ${DEVIATION_LEVEL_PCT} % prediction range. vs plan: vs the loaded forecast_offered (no range: never flagged).`
  );
}

export const sla = defineCommand({
  name: 'sla',
  summary: 'SLA per queue and day vs target, with a 14-day trend, the intervals below target, and volume and AHT vs the forecast and the plan.',
  usage: 'sla [queue] [date | from..to] [public]',
  examples: [EXAMPLE, 'sla', 'sla tech_support last week', 'sla queue=billing 2026-11-01..2026-11-07'],
  needsIntervals: true,
  args: slaArgs,
  parse(t, pctx) {
    const { queue, rest } = takeQueue(t, pctx, EXAMPLE);
    const tz = queue ? pctx.queueTz(queue) : pctx.tz;
    const { range, rest: left } = takeRange(t, rest, tz, pctx, EXAMPLE);
    if (left.length === 1 && !range && !queue && pctx.queues.length) {
      throw new UsageError(`I don't know the queue or date "${left[0]}". Queues: ${pctx.queues.join(', ')}.`, EXAMPLE);
    }
    noLeftovers(left, EXAMPLE);
    return { queue, range };
  },
  run(ctx, args): SlaResult {
    const queues = listQueues(ctx.db).filter((q) => !args.queue || q.queue === args.queue);
    if (args.queue && !queues.length) throw new UsageError(`No data for queue "${args.queue}".`, EXAMPLE);
    const tz = queues[0]?.timeZone ?? ctx.config.RADAR_TZ;
    let range = args.range ?? { from: localToday(ctx.now, tz), to: localToday(ctx.now, tz), label: 'today' };
    let note: string | null = null;
    const names = queues.map((q) => q.queue);
    if (!args.range && dailyRows(ctx.db, range.from, range.to, names).length === 0) {
      const last = latestDate(ctx.db, range.to, names);
      if (last) {
        note = `No data for today (${range.from}) yet; showing the latest day with data.`;
        range = { from: last, to: last, label: last };
      }
    }
    const trendFrom = addDays(range.to, -13);
    const all = dailyRows(ctx.db, range.from < trendFrom ? range.from : trendFrom, range.to, names);
    const out: SlaQueueResult[] = queues.map((q) => {
      const mine = all.filter((r) => r.queue === q.queue);
      const inRange = mine.filter((r) => r.date >= range.from && r.date <= range.to);
      const total = totals(inRange);
      const trend: { date: string; sl: number | null }[] = [];
      for (let i = 13; i >= 0; i--) {
        const d = addDays(range.to, -i);
        trend.push({ date: d, sl: mine.find((r) => r.date === d)?.sl ?? null });
      }
      const rows = intervalRows(ctx.db, q.queue, range.from, range.to);
      const dev = queueDeviation(ctx.db, q, rows, { now: ctx.now, defaultTz: ctx.config.RADAR_TZ });
      const below = rows
        .filter((r) => r.localDate === range.to)
        .filter((r) => r.offered > 0 && r.sl !== null && r.sl * 100 < r.slTargetPct)
        .map((r) => ({ date: r.localDate, intervalStart: r.intervalStart, localTime: hhmm(r.localMinute), sl: r.sl!, offered: r.offered }));
      return {
        queue: q.queue,
        displayName: q.displayName,
        target: { pct: q.slTargetPct, seconds: q.slTargetSeconds },
        status: statusOf(total.sl, q.slTargetPct),
        total,
        deviation: dev.total,
        deviationNote: dev.note,
        days: inRange.map((r) => ({ date: r.date, ...totals([r]), deviation: dev.days.get(r.date) ?? { forecast: null, plan: null } })),
        trend14: trend,
        sparkline: sparkline(trend.map((p) => p.sl), 0, 1),
        belowTarget: below,
      };
    });
    if (queues.length && !note && !out.some((q) => q.days.length)) {
      const firsts = queues.map((q) => q.firstInterval).filter((x): x is string => !!x).sort();
      const lasts = queues.map((q) => q.lastInterval).filter((x): x is string => !!x).sort();
      const span = firsts.length ? ` the warehouse holds ${firsts[0].slice(0, 10)} … ${lasts[lasts.length - 1].slice(0, 10)}` : ' the warehouse holds no intervals yet';
      note = `No interval data for ${range.from === range.to ? range.from : `${range.from} … ${range.to}`}:${span}.`;
    }
    // Worst first: furthest below target.
    out.sort((a, b) => (a.total.sl ?? 2) - a.target.pct / 100 - ((b.total.sl ?? 2) - b.target.pct / 100));
    return { range, note, queues: out };
  },
  text(r) {
    const lines = [`SLA — ${r.range.label}${r.range.label !== r.range.from ? ` (${r.range.from}${r.range.to !== r.range.from ? `..${r.range.to}` : ''})` : ''}`];
    if (r.note) lines.push(r.note);
    if (!r.queues.length) return [...lines, 'No queues in the warehouse yet. Load data with `radar ingest <files>` or run `radar demo`.'].join('\n');
    const withPlan = r.queues.some((q) => q.deviation?.plan);
    lines.push(
      table(
        ['queue', 'offered', 'vs fcst', 'SL', 'target', 'vs target', 'abandon', 'AHT', 'AHT vs fcst', ...(withPlan ? ['vs plan'] : []), 'ACW', 'agents', '14 days'],
        r.queues.map((q) => [
          `${STATUS_ICON[q.status]} ${q.queue}`,
          num(q.total.offered),
          devCell(q.deviation?.forecast, 'volume'),
          pct(q.total.sl),
          `${q.target.pct}/${q.target.seconds}s`,
          q.total.sl === null ? '–' : pts(q.total.sl - q.target.pct / 100),
          pct(q.total.abandonRate),
          dur(q.total.ahtSeconds),
          devCell(q.deviation?.forecast, 'aht'),
          ...(withPlan ? [planCell(q.deviation?.plan)] : []),
          dur(q.total.acwSeconds),
          num(q.total.avgAgents, 1),
          q.sparkline,
        ]),
      ),
    );
    for (const q of r.queues) {
      if (r.range.from !== r.range.to && q.days.length > 1) {
        lines.push('', `${q.queue} by day:`);
        const dayPlan = q.days.some((d) => d.deviation?.plan);
        lines.push(
          table(
            ['date', 'offered', 'forecast', 'vs fcst', 'SL', 'abandon', 'AHT', 'AHT vs fcst', ...(dayPlan ? ['vs plan'] : []), 'agents'],
            q.days.map((d) => [
              d.date,
              num(d.offered),
              d.deviation?.forecast ? `${num(d.deviation.forecast.forecastOffered)} (${num(d.deviation.forecast.offeredLow)}–${num(d.deviation.forecast.offeredHigh)})` : '–',
              devCell(d.deviation?.forecast, 'volume'),
              pct(d.sl),
              pct(d.abandonRate),
              dur(d.ahtSeconds),
              devCell(d.deviation?.forecast, 'aht'),
              ...(dayPlan ? [planCell(d.deviation?.plan)] : []),
              num(d.avgAgents, 1),
            ]),
          ),
        );
      }
      if (q.belowTarget.length) {
        const shown = q.belowTarget.slice(0, 12).map((b) => `${b.localTime} ${pct(b.sl, 0)}`).join(', ');
        lines.push(`${q.queue}: ${q.belowTarget.length} interval(s) below target on ${r.range.to}: ${shown}${q.belowTarget.length > 12 ? ', …' : ''}`);
      }
      if (q.deviationNote) lines.push(`${q.queue}: no forecast to compare with: ${q.deviationNote}`);
    }
    const foot = deviationFootnote(r);
    if (foot) lines.push('', foot);
    return lines.join('\n');
  },
  blocks(r, opts) {
    const blocks: Block[] = [header(`SLA — ${r.range.label}`)];
    if (r.note) blocks.push(context(esc(r.note)));
    if (!r.queues.length) {
      blocks.push(section('No queues in the warehouse yet. Load data with `radar ingest <files>` or run `radar demo`.'));
      return blocks;
    }
    for (const q of r.queues) {
      const vs = q.total.sl === null ? 'no calls' : `${pts(q.total.sl - q.target.pct / 100)} vs ${q.target.pct}/${q.target.seconds}s`;
      const belowTxt = q.belowTarget.length
        ? `\n${q.belowTarget.length} interval(s) below target on ${r.range.to}: ${q.belowTarget.slice(0, 8).map((b) => `${b.localTime} ${pct(b.sl, 0)}`).join(', ')}${q.belowTarget.length > 8 ? ', …' : ''}`
        : '';
      blocks.push(
        section(
          `${STATUS_ICON[q.status]} *${esc(q.displayName)}*  SL *${pct(q.total.sl)}* (${vs})\n` +
            `Offered ${num(q.total.offered)} · abandon ${pct(q.total.abandonRate)} · AHT ${dur(q.total.ahtSeconds)} (ACW ${dur(q.total.acwSeconds)}) · agents ${num(q.total.avgAgents, 1)}\n` +
            `14 days \`${q.sparkline}\`${belowTxt}`,
        ),
      );
      const dev = deviationLine(q.deviation, q.days.length);
      if (dev) blocks.push(context(esc(dev)));
    }
    blocks.push(divider());
    const worst = r.queues.find((q) => q.status === 'below_target') ?? r.queues[0];
    const buttons = [
      { text: `Why? (${worst.queue})`, actionId: 'run_command', value: `why ${worst.queue} ${r.range.to}` },
      { text: 'Drift', actionId: 'run_command', value: `drift ${worst.queue}` },
      { text: 'What-if', actionId: 'open_whatif', value: worst.queue },
    ];
    if (!opts.public) buttons.push({ text: 'Share in channel', actionId: 'share_in_channel', value: `sla ${r.queues.length === 1 ? r.queues[0].queue + ' ' : ''}${r.range.from}..${r.range.to}` });
    blocks.push(actions(buttons));
    blocks.push(context(`Realised SL = answered within target / offered (abandoned calls count against SL). Days are local to each queue's time zone.`));
    const foot = deviationFootnote(r);
    if (foot) blocks.push(context(esc(foot)));
    return blocks;
  },
});
