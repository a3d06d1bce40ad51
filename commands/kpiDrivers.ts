/**
 * `kpi csat drivers [queue] [range]` — what moves CSAT: which ticket facts and segments (first-response wait,
 * resolution time, transfers, reopenings, escalation, queue, channel, priority, category, customer tier,
 * team, attr_* attributes) raise or lower the chance of a low score (1–2), as effects in percentage points
 * with 95 % bootstrap intervals, raw and adjusted for each other (src/engines/kpi/drivers.ts). Only facts
 * fixed before the survey are read: no remark or any text.
 */
import { UsageError, type CommandContext } from '../src/registry.js';
import { header, section, context, codeSections, esc, type Block } from '../src/blocks/kit.js';
import { listQueues, dominantTimeZone } from '../src/warehouse/queries.js';
import { ensureKpiFacts, surveyedTickets, hasTransferEvents, ticketQueues, type SurveyedTicket } from '../src/warehouse/kpi.js';
import { listTicketAttributes, parseAttributes } from '../src/warehouse/attributes.js';
import { csatDrivers, percentileSorted, type DriverEffect, type DriverObservation, type DriverSpec } from '../src/engines/kpi/index.js';
import { addDays, daysBetween, localToday } from '../src/time.js';
import { num, table } from '../src/format.js';
import { createRng } from '../src/engines/shared/rng.js';

const EXAMPLE = 'kpi csat drivers last 90 days';
/** Below this many surveyed tickets no driver can be estimated with any precision. */
export const MIN_SURVEYED = 100;
/** Above this many surveyed tickets the model is fitted on a seeded random sample of them (speed). */
export const MAX_FITTED = 20_000;
export const DEFAULT_DAYS = 90;

export interface DriversArgs {
  queue: string | null;
  range: { from: string; to: string; label: string } | null;
}

export interface DriversResult {
  kind: 'drivers';
  queue: string | null;
  period: { from: string; to: string; label: string; days: number };
  surveyed: number;
  /** Tickets the model was fitted on (all surveyed, or a random MAX_FITTED of them). */
  fitted: number;
  lowCount: number;
  lowPct: number;
  lowAtMost: number;
  bootstrap: number;
  /** Every level's effect, clear ones (interval excluding 0) first, then by size. */
  effects: DriverEffect[];
  dropped: string[];
  method: string[];
  asOf: string;
}

export const DRIVERS_METHOD = [
  'Low CSAT = a score of 1–2 (of 5). Effects are percentage points of the low-CSAT rate vs the reference level, with 95 % bootstrap intervals (tickets resampled 200 times).',
  'Raw = low rate at the level − at the reference. Adjusted = from one ridge-regularised logistic model on all the drivers together: the change in the low rate if every ticket had the level instead of the reference, the other drivers as they are (so a channel is not blamed for its waits).',
  'Only facts fixed before the survey are read (times, transfers, reopenings, escalation, segments, ticket attributes), never remarks. Associations, not proof of cause: what the data does not hold (how hard the issue was) can still explain part of an effect.',
];

// ---------- features ----------

const H = 3600;
export const WAIT_LEVELS = ['< 15 min', '15–60 min', '1–4 h', '4–24 h', '≥ 24 h', 'no response'] as const;
export const RESOLUTION_LEVELS = ['< 4 h', '4–24 h', '1–3 days', '≥ 3 days', 'unresolved'] as const;

export function waitLevel(s: number | null): string {
  if (s === null) return 'no response';
  return s < 900 ? WAIT_LEVELS[0] : s < H ? WAIT_LEVELS[1] : s < 4 * H ? WAIT_LEVELS[2] : s < 24 * H ? WAIT_LEVELS[3] : WAIT_LEVELS[4];
}

export function resolutionLevel(s: number | null): string {
  if (s === null) return 'unresolved';
  return s < 4 * H ? RESOLUTION_LEVELS[0] : s < 24 * H ? RESOLUTION_LEVELS[1] : s < 72 * H ? RESOLUTION_LEVELS[2] : RESOLUTION_LEVELS[3];
}

/** Quartile buckets of a numeric attribute (cut points from the rows' values, numpy-linear). */
function quartileLevel(cuts: number[]): (v: string | undefined) => string | null {
  return (v) => {
    if (v === undefined || v.trim() === '') return null;
    const x = Number(v);
    const q = cuts.findIndex((c) => x <= c);
    const i = q < 0 ? 3 : q;
    return i === 0 ? `Q1 ≤ ${num(cuts[0], 2)}` : i === 3 ? `Q4 > ${num(cuts[2], 2)}` : `Q${i + 1} ≤ ${num(cuts[i], 2)}`;
  };
}

export interface DriverData {
  specs: DriverSpec[];
  rows: DriverObservation[];
}

/** The drivers and each surveyed ticket's level of each. */
export function driverData(tickets: readonly SurveyedTicket[], opts: { multiQueue: boolean; transfers: boolean; attributes: { name: string; kind: 'numeric' | 'text' }[] }): DriverData {
  type Col = { spec: DriverSpec; level: (t: SurveyedTicket, attrs: Record<string, string> | null) => string | null };
  const cols: Col[] = [
    { spec: { name: 'first_response', label: 'first-response wait', order: WAIT_LEVELS }, level: (t) => waitLevel(t.firstResponseS) },
    { spec: { name: 'resolution', label: 'resolution time', order: RESOLUTION_LEVELS }, level: (t) => resolutionLevel(t.resolutionS) },
    { spec: { name: 'reopened', label: 'reopened', order: ['no', 'yes'] }, level: (t) => (t.reopenCount > 0 ? 'yes' : 'no') },
    { spec: { name: 'escalated', label: 'escalated', order: ['no', 'yes'] }, level: (t) => (t.escalated === null ? null : t.escalated ? 'yes' : 'no') },
  ];
  if (opts.transfers) cols.push({ spec: { name: 'transfers', label: 'transfers', order: ['0', '1', '2+'] }, level: (t) => (t.transfers >= 2 ? '2+' : String(t.transfers)) });
  if (opts.multiQueue) cols.push({ spec: { name: 'queue', label: 'queue' }, level: (t) => t.queue });
  cols.push(
    { spec: { name: 'channel', label: 'channel' }, level: (t) => t.channel },
    { spec: { name: 'priority', label: 'priority', order: ['normal', 'low', 'high', 'urgent'] }, level: (t) => t.priority },
    { spec: { name: 'category', label: 'category' }, level: (t) => t.category },
    { spec: { name: 'tier', label: 'customer tier' }, level: (t) => t.tier },
    { spec: { name: 'team', label: 'team' }, level: (t) => t.team },
  );
  const parsed = tickets.map((t) => parseAttributes(t.attributes));
  for (const a of opts.attributes) {
    const spec = { name: `attr_${a.name}`, label: `attr_${a.name}` };
    if (a.kind === 'numeric') {
      const vals = parsed.map((p) => p?.[a.name]).filter((v): v is string => v !== undefined && v.trim() !== '').map(Number).sort((x, y) => x - y);
      if (vals.length < 4) continue;
      const cuts = [25, 50, 75].map((p) => percentileSorted(vals, p)!);
      const q = quartileLevel(cuts);
      cols.push({ spec: { ...spec, order: undefined }, level: (_t, attrs) => q(attrs?.[a.name]) });
    } else {
      cols.push({ spec, level: (_t, attrs) => attrs?.[a.name] ?? null });
    }
  }
  return {
    specs: cols.map((c) => c.spec),
    rows: tickets.map((t, i) => ({ csat: t.csat, levels: cols.map((c) => c.level(t, parsed[i])) })),
  };
}

// ---------- run ----------

/** The surveyed tickets and drivers for a queue (or all) and range, as `kpi csat drivers` reads them. */
export function loadDriverData(ctx: CommandContext, args: DriversArgs): { data: DriverData; tickets: SurveyedTicket[]; queue: string | null; period: DriversResult['period'] } {
  const db = ctx.db;
  ensureKpiFacts(db, ctx.config.RADAR_TZ);
  const infos = listQueues(db);
  const all = [...new Set([...infos.map((q) => q.queue), ...ticketQueues(db)])].sort();
  const queues = all.filter((q) => !args.queue || q === args.queue);
  if (args.queue && !queues.length) throw new UsageError(`No tickets for queue "${args.queue}".`, EXAMPLE);
  const tz = args.queue ? infos.find((q) => q.queue === args.queue)?.timeZone ?? ctx.config.RADAR_TZ : dominantTimeZone(infos, ctx.config.RADAR_TZ);
  const today = localToday(ctx.now, tz);
  const range = args.range ?? { from: addDays(today, -DEFAULT_DAYS), to: addDays(today, -1), label: `last ${DEFAULT_DAYS} days` };
  const tickets = surveyedTickets(db, queues, range.from, range.to);
  const multiQueue = new Set(tickets.map((t) => t.queue)).size > 1;
  const data = driverData(tickets, { multiQueue, transfers: hasTransferEvents(db), attributes: listTicketAttributes(db) });
  return { data, tickets, queue: args.queue, period: { ...range, days: daysBetween(range.from, range.to) + 1 } };
}

export function runDrivers(ctx: CommandContext, args: DriversArgs): DriversResult {
  const { data, queue, period } = loadDriverData(ctx, args);
  const surveyed = data.rows.length;
  if (surveyed < MIN_SURVEYED) {
    throw new UsageError(`Only ${surveyed} surveyed ${surveyed === 1 ? 'ticket' : 'tickets'} in ${queue ?? 'all queues'} for ${period.from}..${period.to}: CSAT drivers need at least ${MIN_SURVEYED}. Widen the range or drop the queue.`, EXAMPLE);
  }
  let rows = data.rows;
  if (rows.length > MAX_FITTED) {
    // A seeded partial Fisher–Yates: the same answer for the same data.
    const r = createRng(17);
    const a = [...rows];
    for (let i = 0; i < MAX_FITTED; i++) {
      const j = i + r.int(a.length - i);
      [a[i], a[j]] = [a[j], a[i]];
    }
    rows = a.slice(0, MAX_FITTED);
  }
  const fit = csatDrivers(data.specs, rows, { bootstrap: 200, seed: 17 });
  return {
    kind: 'drivers', queue, period, surveyed, fitted: rows.length, lowCount: fit.lowCount, lowPct: fit.lowPct, lowAtMost: fit.lowAtMost,
    bootstrap: fit.bootstrap, effects: fit.effects, dropped: fit.dropped, method: DRIVERS_METHOD, asOf: ctx.now.toISOString(),
  };
}

// ---------- rendering ----------

const pts = (v: number) => (Number.isFinite(v) ? `${v > 0 ? '+' : v < 0 ? '−' : '±'}${num(Math.abs(v), 1)}` : '–');
const ci = (c: { low: number; high: number }) => (Number.isFinite(c.low) ? `[${pts(c.low)}, ${pts(c.high)}]` : '');

function effectTable(effects: DriverEffect[]): string {
  return table(
    ['driver', 'level (vs reference)', 'tickets', 'low %', 'raw pts [95% CI]', 'adjusted pts [95% CI]'],
    effects.map((e) => [e.label, `${e.level} (vs ${e.reference})`, num(e.n), `${num(e.lowPct, 1)}%`, `${pts(e.rawPts)} ${ci(e.rawCi)}`, `${pts(e.adjustedPts)} ${ci(e.adjustedCi)}`]),
    [0, 1],
  );
}

function title(r: DriversResult): string {
  return `What drives low CSAT — ${r.queue ?? 'all queues'}, ${r.period.label}${r.period.label !== `${r.period.from}..${r.period.to}` ? ` (${r.period.from}..${r.period.to})` : ''}`;
}

function summary(r: DriversResult): string {
  const sample = r.fitted < r.surveyed ? ` (model fitted on a random ${num(r.fitted)} of them)` : '';
  return `${num(r.surveyed)} surveyed tickets${sample}, ${num(r.lowPct, 1)}% scored 1–2.`;
}

function groups(r: DriversResult) {
  const worse = r.effects.filter((e) => e.clear && e.adjustedPts > 0).slice(0, 8);
  const better = r.effects.filter((e) => e.clear && e.adjustedPts < 0).slice(0, 8);
  const unclear = r.effects.filter((e) => !e.clear);
  return { worse, better, unclear };
}

export function driversText(r: DriversResult): string {
  const { worse, better, unclear } = groups(r);
  const out = [title(r), summary(r), ''];
  out.push(worse.length ? `Raise low CSAT (adjusted interval above 0):\n${effectTable(worse)}` : 'No level clearly raises low CSAT.');
  out.push('');
  out.push(better.length ? `Lower low CSAT (adjusted interval below 0):\n${effectTable(better)}` : 'No level clearly lowers low CSAT.');
  out.push('');
  if (unclear.length) out.push(`No clear effect (interval covers 0): ${unclear.slice(0, 12).map((e) => `${e.label} ${e.level}`).join(', ')}${unclear.length > 12 ? `, … (${unclear.length} in all)` : ''}.`);
  if (r.dropped.length) out.push(`Not estimated: ${r.dropped.join('; ')}.`);
  out.push('', ...r.method);
  return out.join('\n');
}

export function driversBlocks(r: DriversResult, _opts: { public?: boolean }): Block[] {
  const { worse, better, unclear } = groups(r);
  const blocks: Block[] = [header(title(r)), section(esc(summary(r)))];
  blocks.push(section(worse.length ? '*Raise low CSAT* (adjusted interval above 0)' : '_No level clearly raises low CSAT._'));
  if (worse.length) blocks.push(...codeSections(esc(effectTable(worse))));
  blocks.push(section(better.length ? '*Lower low CSAT* (adjusted interval below 0)' : '_No level clearly lowers low CSAT._'));
  if (better.length) blocks.push(...codeSections(esc(effectTable(better))));
  if (unclear.length) blocks.push(context(esc(`No clear effect: ${unclear.slice(0, 12).map((e) => `${e.label} ${e.level}`).join(', ')}${unclear.length > 12 ? ', …' : ''}.`)));
  if (r.dropped.length) blocks.push(context(esc(`Not estimated: ${r.dropped.join('; ')}.`)));
  blocks.push(context(esc(r.method.join(' '))));
  return blocks;
}
