/**
 * `kpi [metric] [queue] [range] [by channel|priority|category|tier|team|agent|attr_x]` — the classic support
 * numbers for tickets created in a period (by each queue's local days): FCR, CSAT, first-response and
 * resolution percentiles, SLA compliance, reopen and escalation rates, backlog at period end and its age,
 * each against the previous equal period with an arrow that knows which direction is good.
 * `kpi csat drivers [queue] [range]` — what moves CSAT (see kpiDrivers.ts).
 */
import { z } from 'zod';
import { defineCommand, UsageError, type CommandContext } from '../src/registry.js';
import { listQueues, dailyRows, dominantTimeZone } from '../src/warehouse/queries.js';
import {
  ensureKpiFacts, dailyPartials, backlogRuns, ensureSegmentPartials, segmentPartials, segmentBacklogRuns, ticketQueues, ticketAttributes,
} from '../src/warehouse/kpi.js';
import {
  mergePartials, kpiValues, compareKpis, smallSamples, backlogAges, backlogOf, SMALL_SAMPLE,
  type KpiValues, type Change, type KpiPartial,
} from '../src/engines/kpi/index.js';
import { addDays, daysBetween, localMidnightUtc, localToday } from '../src/time.js';
import { dateRangeSchema, noLeftovers, takeQueue, takeRange } from './args.js';
import { num, table } from '../src/format.js';
import { header, section, context, actions, codeSections, esc, type Block } from '../src/blocks/kit.js';
import { runDrivers, driversText, driversBlocks, type DriversResult } from './kpiDrivers.js';

const EXAMPLE = 'kpi billing last week';

export const KPI_FOCUS = ['csat', 'fcr', 'first_response', 'resolution', 'sla', 'reopen', 'escalation', 'backlog', 'aht'] as const;
export type KpiFocus = (typeof KPI_FOCUS)[number];

const FOCUS_WORDS: Record<string, KpiFocus> = {
  csat: 'csat', satisfaction: 'csat', fcr: 'fcr', first_response: 'first_response', frt: 'first_response', response: 'first_response',
  resolution: 'resolution', resolve: 'resolution', sla: 'sla', compliance: 'sla', reopen: 'reopen', reopens: 'reopen', reopened: 'reopen',
  escalation: 'escalation', escalations: 'escalation', escalated: 'escalation', backlog: 'backlog', aht: 'aht',
};

export const kpiArgs = z.object({
  queue: z.string().min(1).nullable().default(null).describe('Queue name; null = every queue plus "all"'),
  range: dateRangeSchema.nullable().default(null).describe('Local creation dates, inclusive; null = the last 7 complete days'),
  by: z
    .string()
    .regex(/^(queue|channel|priority|category|tier|team|agent|attr_[a-z0-9_]+)$/, 'by must be queue, channel, priority, category, tier, team, agent or attr_<name>')
    .nullable()
    .default(null)
    .describe('Segment rows by this ticket fact; null = one row per queue plus "all"'),
  metric: z.enum(KPI_FOCUS).nullable().default(null).describe('Focus on one metric (all are computed)'),
  mode: z.enum(['summary', 'drivers']).default('summary').describe('drivers = what moves CSAT (kpi csat drivers)'),
});
export type KpiArgs = z.output<typeof kpiArgs>;

export type KpiRow = KpiValues & {
  segment: string;
  /** Interval AHT (talk + hold + ACW) of the queue's calls over the period, seconds; null for non-queue segments. */
  ahtSeconds: number | null;
  smallSample: (keyof KpiValues)[];
  change: Partial<Record<keyof KpiValues, Change | null>>;
  previous: KpiValues & { ahtSeconds: number | null };
};

export interface KpiResult {
  kind: 'summary';
  period: { from: string; to: string; label: string; days: number };
  previousPeriod: { from: string; to: string };
  by: string | null;
  metric: KpiFocus | null;
  rows: KpiRow[];
  asOf: string;
  definitions: string[];
}

export const KPI_DEFINITIONS = [
  'A period counts tickets created in it, by each queue\'s local days; the change compares the previous period of equal length.',
  'FCR = resolved tickets never reopened and with no other ticket from the same customer in the same category after them and up to 7 days after resolution, ÷ resolved tickets.',
  'CSAT = mean survey score (1–5); 4–5 = share of responses scoring 4 or 5. SLA compliance = resolved by due_at ÷ (resolved with a due_at + unresolved past due_at now).',
  'Percentiles are exact: linear interpolation between closest ranks (numpy\'s default). Backlog = tickets created before the period end and not resolved by then.',
  `n < ${SMALL_SAMPLE}: small sample, read with care.`,
];

function defaultRange(now: Date, tz: string) {
  const today = localToday(now, tz);
  return { from: addDays(today, -7), to: addDays(today, -1), label: 'last 7 days' };
}

function periodEnd(to: string, tz: string, nowMs: number): number {
  return Math.min(nowMs, localMidnightUtc(addDays(to, 1), tz));
}

function ahtOf(db: CommandContext['db'], queues: string[], from: string, to: string): number | null {
  const rows = dailyRows(db, from, to, queues).filter((r) => r.ahtSeconds !== null && r.handled > 0);
  const h = rows.reduce((s, r) => s + r.handled, 0);
  return h > 0 ? rows.reduce((s, r) => s + r.handled * r.ahtSeconds!, 0) / h : null;
}

function row(segment: string, cur: KpiValues, prev: KpiValues, aht: number | null, prevAht: number | null): KpiRow {
  return { segment, ...cur, ahtSeconds: aht, smallSample: smallSamples(cur), change: compareKpis(cur, prev), previous: { ...prev, ahtSeconds: prevAht } };
}

/**
 * Agent-level data (KPIs by agent, agent columns of exports) goes only to RADAR_ADMINS asking in a direct
 * message with the bot. The terminal is trusted: its operator owns the warehouse file.
 */
export function maySeeAgents(ctx: CommandContext): boolean {
  if (ctx.surface === 'cli') return true;
  const admin = ctx.userId !== undefined && ctx.config.RADAR_ADMINS.includes(ctx.userId);
  return admin && (ctx.channelId?.startsWith('D') ?? false);
}

function checkAgentAccess(ctx: CommandContext): void {
  if (!maySeeAgents(ctx)) {
    throw new UsageError('Agent-level KPIs are shown only to RADAR_ADMINS, in a direct message with the bot. Team-level views work anywhere.', 'kpi billing last week by team');
  }
}

export function runKpi(ctx: CommandContext, args: KpiArgs): KpiResult {
  const db = ctx.db;
  ensureKpiFacts(db, ctx.config.RADAR_TZ);
  const infos = listQueues(db);
  const tzOf = new Map(infos.map((q) => [q.queue, q.timeZone ?? ctx.config.RADAR_TZ]));
  const all = [...new Set([...infos.map((q) => q.queue), ...ticketQueues(db)])].sort();
  const queues = all.filter((q) => !args.queue || q === args.queue);
  if (args.queue && !queues.length) throw new UsageError(`No tickets or intervals for queue "${args.queue}".`, EXAMPLE);
  const tz = args.queue ? tzOf.get(args.queue) ?? ctx.config.RADAR_TZ : dominantTimeZone(infos, ctx.config.RADAR_TZ);
  const period = args.range ?? defaultRange(ctx.now, tz);
  const days = daysBetween(period.from, period.to) + 1;
  const prev = { from: addDays(period.from, -days), to: addDays(period.from, -1) };
  const nowMs = ctx.now.getTime();
  const tzQ = (q: string) => tzOf.get(q) ?? ctx.config.RADAR_TZ;
  const rows: KpiRow[] = [];

  if (!args.by || args.by === 'queue') {
    const curParts: KpiPartial[] = [];
    const prevParts: KpiPartial[] = [];
    const curAges: number[] = [];
    const prevAges: number[] = [];
    for (const q of queues) {
      const c = mergePartials(dailyPartials(db, q, period.from, period.to));
      const p = mergePartials(dailyPartials(db, q, prev.from, prev.to));
      const cEnd = periodEnd(period.to, tzQ(q), nowMs);
      const pEnd = periodEnd(prev.to, tzQ(q), nowMs);
      const ca = backlogAges(backlogRuns(db, q, period.to, cEnd), cEnd);
      const pa = backlogAges(backlogRuns(db, q, prev.to, pEnd), pEnd);
      curParts.push(c);
      prevParts.push(p);
      for (const a of ca) curAges.push(a);
      for (const a of pa) prevAges.push(a);
      rows.push(row(q, kpiValues(c, backlogOf(ca), nowMs), kpiValues(p, backlogOf(pa), nowMs), ahtOf(db, [q], period.from, period.to), ahtOf(db, [q], prev.from, prev.to)));
    }
    if (queues.length > 1 || !args.queue) {
      rows.push(
        row('all', kpiValues(mergePartials(curParts), backlogOf(curAges), nowMs), kpiValues(mergePartials(prevParts), backlogOf(prevAges), nowMs),
          ahtOf(db, queues, period.from, period.to), ahtOf(db, queues, prev.from, prev.to)),
      );
    }
  } else {
    if (args.by === 'agent') checkAgentAccess(ctx);
    if (args.by.startsWith('attr_') && !ticketAttributes(db).includes(args.by)) {
      const known = ticketAttributes(db);
      throw new UsageError(`Tickets have no attribute column "${args.by}".${known.length ? ` Known: ${known.join(', ')}.` : ' None are loaded yet.'}`, 'kpi billing last week by channel');
    }
    // Per-segment day cells (built on the first use of a dimension, then maintained with the facts): no ticket is read here.
    ensureSegmentPartials(db, args.by);
    const by = args.by;
    const gather = (from: string, to: string) => {
      const parts = new Map<string, KpiPartial[]>();
      const ages = new Map<string, number[]>();
      for (const q of queues) {
        for (const [seg, ps] of segmentPartials(db, by, q, from, to)) parts.set(seg, [...(parts.get(seg) ?? []), ...ps]);
        const end = periodEnd(to, tzQ(q), nowMs);
        for (const [seg, runs] of segmentBacklogRuns(db, by, q, to, end)) {
          const a = backlogAges(runs, end);
          if (a.length) ages.set(seg, [...(ages.get(seg) ?? []), ...a]);
        }
      }
      return { parts, ages };
    };
    const cur = gather(period.from, period.to);
    const before = gather(prev.from, prev.to);
    const merged = (g: ReturnType<typeof gather>, seg: string) => mergePartials(g.parts.get(seg) ?? []);
    const segs = new Map<string, number>();
    for (const seg of cur.parts.keys()) segs.set(seg, merged(cur, seg).tickets);
    for (const seg of before.parts.keys()) if (!segs.has(seg)) segs.set(seg, 0);
    const ordered = [...segs].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([s]) => s);
    for (const s of ordered) {
      const c = kpiValues(merged(cur, s), backlogOf(cur.ages.get(s) ?? []), nowMs);
      const p = kpiValues(merged(before, s), backlogOf(before.ages.get(s) ?? []), nowMs);
      rows.push(row(s, c, p, null, null));
    }
    const all = (g: ReturnType<typeof gather>) => ({ part: mergePartials([...g.parts.values()].flat()), ages: [...g.ages.values()].flat() });
    const ca = all(cur);
    const pa = all(before);
    rows.push(row('all', kpiValues(ca.part, backlogOf(ca.ages), nowMs), kpiValues(pa.part, backlogOf(pa.ages), nowMs), null, null));
  }
  return {
    kind: 'summary',
    period: { ...period, days },
    previousPeriod: prev,
    by: args.by,
    metric: args.metric,
    rows,
    asOf: ctx.now.toISOString(),
    definitions: KPI_DEFINITIONS,
  };
}

// ---------- rendering ----------

const f1 = (v: number | null, suffix = '') => (v === null ? '–' : `${num(v, 1)}${suffix}`);
const f2 = (v: number | null) => (v === null ? '–' : num(v, 2));

type Col = { title: string; key: keyof KpiValues | 'ahtSeconds'; fmt: (v: number | null) => string; deltaDigits: number; unit: string };

const COLS: Record<string, Col> = {
  tickets: { title: 'tickets', key: 'tickets', fmt: (v) => num(v), deltaDigits: 0, unit: '' },
  fcr: { title: 'FCR', key: 'fcrPct', fmt: (v) => f1(v, '%'), deltaDigits: 1, unit: ' pts' },
  csat: { title: 'CSAT', key: 'csatMean', fmt: f2, deltaDigits: 2, unit: '' },
  top2: { title: '4–5', key: 'csatTop2Pct', fmt: (v) => f1(v, '%'), deltaDigits: 1, unit: ' pts' },
  csatN: { title: 'surveyed', key: 'csatResponses', fmt: (v) => num(v), deltaDigits: 0, unit: '' },
  frt50: { title: 'FRT p50', key: 'firstResponseP50Minutes', fmt: (v) => f1(v, 'm'), deltaDigits: 1, unit: 'm' },
  frt90: { title: 'FRT p90', key: 'firstResponseP90Minutes', fmt: (v) => f1(v, 'm'), deltaDigits: 1, unit: 'm' },
  frt95: { title: 'FRT p95', key: 'firstResponseP95Minutes', fmt: (v) => f1(v, 'm'), deltaDigits: 1, unit: 'm' },
  res50: { title: 'res p50', key: 'resolutionP50Hours', fmt: (v) => f1(v, 'h'), deltaDigits: 1, unit: 'h' },
  res90: { title: 'res p90', key: 'resolutionP90Hours', fmt: (v) => f1(v, 'h'), deltaDigits: 1, unit: 'h' },
  res95: { title: 'res p95', key: 'resolutionP95Hours', fmt: (v) => f1(v, 'h'), deltaDigits: 1, unit: 'h' },
  sla: { title: 'SLA', key: 'slaCompliancePct', fmt: (v) => f1(v, '%'), deltaDigits: 1, unit: ' pts' },
  reopen: { title: 'reopen', key: 'reopenPct', fmt: (v) => f1(v, '%'), deltaDigits: 1, unit: ' pts' },
  esc: { title: 'escal.', key: 'escalatedPct', fmt: (v) => f1(v, '%'), deltaDigits: 1, unit: ' pts' },
  backlog: { title: 'backlog', key: 'backlog', fmt: (v) => num(v), deltaDigits: 0, unit: '' },
  age: { title: 'age p50', key: 'backlogAgeP50Hours', fmt: (v) => f1(v, 'h'), deltaDigits: 1, unit: 'h' },
  aht: { title: 'AHT', key: 'ahtSeconds', fmt: (v) => (v === null ? '–' : `${num(v / 60, 1)}m`), deltaDigits: 1, unit: 's' },
};

const FOCUS_COLS: Record<KpiFocus | 'all', string[]> = {
  all: ['tickets', 'fcr', 'csat', 'top2', 'frt50', 'frt90', 'res50', 'res90', 'sla', 'reopen', 'esc', 'backlog'],
  csat: ['tickets', 'csat', 'top2', 'csatN'],
  fcr: ['tickets', 'fcr', 'reopen'],
  first_response: ['tickets', 'frt50', 'frt90', 'frt95'],
  resolution: ['tickets', 'res50', 'res90', 'res95'],
  sla: ['tickets', 'sla'],
  reopen: ['tickets', 'reopen', 'fcr'],
  escalation: ['tickets', 'esc'],
  backlog: ['backlog', 'age'],
  aht: ['tickets', 'aht'],
};

function changeCell(r: KpiRow, c: Col): string {
  const ch = c.key === 'ahtSeconds' ? null : r.change[c.key];
  if (!ch) return '–';
  const mark = ch.verdict === 'better' ? ' ✓' : ch.verdict === 'worse' ? ' ✗' : '';
  const shown = num(Math.abs(ch.delta), c.deltaDigits);
  // A change that rounds to nothing is shown as no change.
  if (Number(shown.replace(/,/g, '')) === 0) return `→0${c.unit}`;
  return `${ch.arrow}${shown}${c.unit}${mark}`;
}

function valueCell(r: KpiRow, c: Col): string {
  const v = r[c.key] as number | null;
  const small = c.key !== 'ahtSeconds' && r.smallSample.includes(c.key as keyof KpiValues) ? '*' : '';
  return `${c.fmt(v)}${small}`;
}

function tables(r: KpiResult): string {
  const cols = FOCUS_COLS[r.metric ?? 'all'].map((k) => COLS[k]);
  const name = r.by && r.by !== 'queue' ? r.by : 'queue';
  const values = table([name, ...cols.map((c) => c.title)], r.rows.map((row) => [row.segment, ...cols.map((c) => valueCell(row, c))]));
  const changes = table(
    [`vs ${r.previousPeriod.from}..${r.previousPeriod.to}`, ...cols.map((c) => c.title)],
    r.rows.map((row) => [row.segment, ...cols.map((c) => changeCell(row, c))]),
  );
  return `${values}\n\n${changes}`;
}

function title(r: KpiResult): string {
  const what = r.metric ? ` ${r.metric.replace('_', ' ')}` : '';
  const by = r.by && r.by !== 'queue' ? ` by ${r.by}` : '';
  return `Ticket KPIs${what}${by} — ${r.period.label}${r.period.label !== `${r.period.from}..${r.period.to}` ? ` (${r.period.from}..${r.period.to})` : ''}`;
}

function notes(r: KpiResult): string[] {
  const out: string[] = [];
  if (!r.rows.some((x) => x.tickets > 0)) out.push('No tickets were created in this period.');
  const small = r.rows.filter((x) => x.smallSample.length).map((x) => x.segment);
  if (small.length) out.push(`* = fewer than ${SMALL_SAMPLE} observations (${small.slice(0, 8).join(', ')}${small.length > 8 ? ', …' : ''}): a small sample.`);
  out.push('✓ = better than the previous period, ✗ = worse (the arrow shows the direction).');
  return out;
}

export function kpiText(r: KpiResult): string {
  return [title(r), tables(r), '', ...notes(r), '', ...r.definitions].join('\n');
}

export function kpiBlocks(r: KpiResult, opts: { public?: boolean }): Block[] {
  const blocks: Block[] = [header(title(r))];
  blocks.push(...codeSections(esc(tables(r))));
  blocks.push(context(esc(notes(r).join(' '))));
  const line = `kpi ${r.metric ? r.metric + ' ' : ''}${r.rows.length === 1 || (r.rows.length === 2 && !r.by) ? r.rows[0].segment + ' ' : ''}${r.period.from}..${r.period.to}${r.by ? ` by ${r.by}` : ''}`;
  const buttons = [{ text: 'By channel', actionId: 'run_command', value: `kpi ${r.period.from}..${r.period.to} by channel` }];
  if (r.metric === 'csat') buttons.push({ text: 'What drives CSAT?', actionId: 'run_command', value: `kpi csat drivers${r.rows.length === 1 || (r.rows.length === 2 && !r.by) ? ' ' + r.rows[0].segment : ''}` });
  if (!opts.public) buttons.push({ text: 'Share in channel', actionId: 'share_in_channel', value: line });
  blocks.push(actions(buttons));
  blocks.push(context(esc(r.definitions.join(' '))));
  return blocks;
}

export type KpiOutput = KpiResult | DriversResult;

export const kpi = defineCommand({
  name: 'kpi',
  summary: 'Ticket KPIs per queue or segment vs the previous period: FCR, CSAT, first-response and resolution p50/p90/p95, SLA compliance, reopen, escalation, backlog; CSAT drivers (what raises low CSAT, with bootstrap intervals). Percentiles are exact: linear interpolation between closest ranks (numpy\'s default).',
  usage: 'kpi [csat|fcr|first_response|resolution|sla|reopen|escalation|backlog|aht] [queue] [date | from..to] [by channel|priority|category|tier|team|agent|attr_x] | kpi csat drivers [queue] [range] [public]',
  examples: [EXAMPLE, 'kpi', 'kpi csat last 30 days by channel', 'kpi first_response tech_support yesterday', 'kpi billing last month by team', 'kpi csat drivers last 90 days'],
  args: kpiArgs,
  // The KPI facts are derived data rebuilt on the first read after tickets change.
  writes: () => true,
  parse(t, pctx) {
    let words = [...t.positional];
    let metric: KpiFocus | null = null;
    let mode: 'summary' | 'drivers' = 'summary';
    let by: string | null = t.options.by ?? null;
    const di = words.findIndex((w) => /^drivers?$/i.test(w));
    if (di >= 0) {
      mode = 'drivers';
      words.splice(di, 1);
    }
    const bi = words.findIndex((w) => w.toLowerCase() === 'by');
    if (bi >= 0) {
      if (bi + 1 >= words.length) throw new UsageError('"by" needs a segment: channel, priority, category, tier, team, agent or attr_<name>.', 'kpi billing last week by channel');
      by = words[bi + 1].toLowerCase();
      words.splice(bi, 2);
    }
    if (by && /^(queues?)$/.test(by)) by = 'queue';
    if (by && /^(channels|priorities|categories|tiers|teams|agents)$/.test(by)) by = by === 'priorities' ? 'priority' : by === 'categories' ? 'category' : by.slice(0, -1);
    const mi = words.findIndex((w) => FOCUS_WORDS[w.toLowerCase()] !== undefined);
    if (mi >= 0) {
      metric = FOCUS_WORDS[words[mi].toLowerCase()];
      words.splice(mi, 1);
    }
    if (t.options.metric) metric = FOCUS_WORDS[t.options.metric.toLowerCase()] ?? (t.options.metric as KpiFocus);
    if (mode === 'drivers' && metric && metric !== 'csat') throw new UsageError('Drivers are computed for CSAT only.', 'kpi csat drivers last 90 days');
    if (mode === 'drivers' && by) throw new UsageError('CSAT drivers already compare every segment; leave out "by".', 'kpi csat drivers last 90 days');
    const { queue, rest } = takeQueue({ ...t, positional: words }, pctx, EXAMPLE);
    words = rest;
    const tz = queue ? pctx.queueTz(queue) : pctx.tz;
    const { range, rest: left } = takeRange(t, words, tz, pctx, EXAMPLE);
    if (left.length === 1 && !range && !queue && pctx.queues.length) {
      throw new UsageError(`I don't know the queue, metric or date "${left[0]}". Queues: ${pctx.queues.join(', ')}. Metrics: ${KPI_FOCUS.join(', ')}.`, EXAMPLE);
    }
    noLeftovers(left, EXAMPLE);
    return { queue, range, by, metric: mode === 'drivers' ? 'csat' : metric, mode };
  },
  run(ctx, args): KpiOutput {
    if (args.mode === 'drivers') return runDrivers(ctx, args);
    return runKpi(ctx, args);
  },
  text(r) {
    return r.kind === 'drivers' ? driversText(r) : kpiText(r);
  },
  blocks(r, opts) {
    return r.kind === 'drivers' ? driversBlocks(r, opts) : kpiBlocks(r, opts);
  },
});

/** The headline figures of one segment for a day (the Home tab's KPI strip). */
export interface HeadlineRow {
  segment: string;
  tickets: number;
  csatMean: number | null;
  csatResponses: number;
  fcrPct: number | null;
  firstResponseP90Minutes: number | null;
  resolutionP90Hours: number | null;
  slaCompliancePct: number | null;
  backlog: number;
  /** Change vs the day before, direction-aware (see KpiRow.change). */
  change: KpiRow['change'];
  smallSample: KpiRow['smallSample'];
}

/**
 * Headline ticket KPIs of one local day (default: yesterday in the dominant time zone), one row per queue
 * plus `all`, each against the day before — for the Home tab. Same numbers as `kpi <day>`. The first call
 * after tickets change rebuilds the KPI facts, so give it a read-write connection.
 */
export function headlineKpis(ctx: CommandContext, day?: string): { day: string; rows: HeadlineRow[]; definitions: string[] } {
  const tz = dominantTimeZone(listQueues(ctx.db), ctx.config.RADAR_TZ);
  const d = day ?? addDays(localToday(ctx.now, tz), -1);
  const r = runKpi(ctx, { queue: null, range: { from: d, to: d, label: d }, by: null, metric: null, mode: 'summary' });
  const rows = r.rows.map((x) => ({
    segment: x.segment, tickets: x.tickets, csatMean: x.csatMean, csatResponses: x.csatResponses, fcrPct: x.fcrPct,
    firstResponseP90Minutes: x.firstResponseP90Minutes, resolutionP90Hours: x.resolutionP90Hours, slaCompliancePct: x.slaCompliancePct,
    backlog: x.backlog, change: x.change, smallSample: x.smallSample,
  }));
  return { day: d, rows, definitions: r.definitions };
}
