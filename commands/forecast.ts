/**
 * `forecast <queue> [dates]` — contacts per interval and AHT for the next 1–28 days from the queue's realised
 * history (Holt–Winters day totals combined with the 4-week weekday mean × intraday profile), with prediction intervals. Also:
 *   forecast backtest [queue]                  rolling origin over the last 8 weeks vs two simple peers
 *   forecast exclude <date> [queue] [reason]   leave a holiday or outage out of fitting (all queues by default)
 *   forecast include <date> [queue]            undo an exclusion
 *   forecast exclusions [queue]                list them
 * A forecast only ever sees history before the clock and before its first day: forecasting a past range shows
 * what the model would have said the day before it.
 */
import { z } from 'zod';
import { defineCommand, UsageError, type CommandContext, type ParseContext } from '../src/registry.js';
import { isIsoDate } from '../src/grammar/dates.js';
import type { Db } from '../src/warehouse/db.js';
import { listQueues, type QueueInfo } from '../src/warehouse/queries.js';
import { realisedIntervals, realisedWindowVersion, listExclusions, addExclusion, removeExclusion, type Exclusion } from '../src/warehouse/forecast.js';
import { addDays, daysBetween, isoSeconds, localDayGrid, localToday, WEEKDAY_SHORT } from '../src/time.js';
import { num, dur, hhmm, pct, table } from '../src/format.js';
import { header, section, context, codeSections, esc, type Block } from '../src/blocks/kit.js';
import { backtestQueue, forecastQueue, ForecastInputError, type BacktestResult, type ForecastModel, type TargetDay } from '../src/engines/forecast/index.js';
import { noLeftovers, takeQueue, takeRange } from './args.js';
import { timed } from '../src/metrics.js';
import { Remembered } from '../src/lru.js';

const EXAMPLE = 'forecast billing next 7 days';
const EXCLUDE_EXAMPLE = 'forecast exclude 2026-12-25 billing Christmas';
/** How far ahead a forecast reaches (days after the last realised day). */
export const MAX_HORIZON_DAYS = 28;
/** History read behind a forecast (days): a year covers the weekly season many times over. */
const HISTORY_DAYS = 365;

const isoDate = z.string().refine(isIsoDate, 'date must be YYYY-MM-DD');

export const forecastArgs = z.object({
  action: z.enum(['forecast', 'backtest', 'exclude', 'include', 'exclusions']).default('forecast').describe('forecast (default), backtest, exclude/include a day, list exclusions'),
  queue: z.string().min(1).nullable().default(null).describe('Queue name; null = every queue (exclude: every queue)'),
  from: isoDate.nullable().default(null).describe('First local date to forecast; null = tomorrow'),
  to: isoDate.nullable().default(null).describe('Last local date to forecast; null = from + 6 days'),
  date: isoDate.nullable().default(null).describe('The day to exclude or include'),
  reason: z.string().max(200).nullable().default(null).describe('Why the day is excluded (holiday, outage)'),
  levelPct: z.number().min(50).max(99).default(90).describe('Prediction-interval coverage in percent'),
  weeks: z.number().int().min(1).max(26).default(8).describe('Backtest window in weeks'),
});
export type ForecastArgs = z.output<typeof forecastArgs>;

// ---------- grammar ----------

function parseForecast(t: { positional: string[]; options: Record<string, string> }, pctx: ParseContext): z.input<typeof forecastArgs> {
  const words = [...t.positional];
  const first = (words[0] ?? '').toLowerCase();
  const action = (['backtest', 'exclude', 'include', 'exclusions'] as const).find((a) => a === first || (a === 'exclusions' && first === 'excluded'));
  if (action) words.shift();
  const levelOpt = t.options.level;
  let levelPct: number | undefined;
  if (levelOpt !== undefined) {
    levelPct = Number(levelOpt.replace(/%$/, ''));
    if (!Number.isFinite(levelPct)) throw new UsageError(`I couldn't read the interval level "${levelOpt}" (a percent, e.g. 80).`, 'forecast billing next 7 days --level 80');
  }
  if (action === 'exclude' || action === 'include') {
    const ex = action === 'exclude' ? EXCLUDE_EXAMPLE : 'forecast include 2026-12-25 billing';
    const idx = words.findIndex((w) => /^\d{4}-\d{2}-\d{2}$/.test(w));
    if (idx < 0) throw new UsageError(`Which day? Give it as YYYY-MM-DD${words.length ? ` (I read "${words.join(' ')}")` : ''}.`, ex);
    const date = words.splice(idx, 1)[0];
    if (!isIsoDate(date)) throw new UsageError(`"${date}" is not a calendar date.`, ex);
    const { queue, rest } = takeQueue({ positional: words, options: t.options }, pctx, ex);
    if (action === 'include') noLeftovers(rest, ex);
    return { action, queue, date, reason: rest.length ? rest.join(' ').slice(0, 200) : null };
  }
  const ex = action === 'backtest' ? 'forecast backtest billing' : EXAMPLE;
  const { queue, rest } = takeQueue({ positional: words, options: t.options }, pctx, ex);
  if (action === 'exclusions') {
    noLeftovers(rest, 'forecast exclusions billing');
    return { action, queue };
  }
  if (action === 'backtest') {
    const weeks = t.options.weeks !== undefined ? Number(t.options.weeks) : undefined;
    if (weeks !== undefined && !Number.isInteger(weeks)) throw new UsageError(`--weeks must be a whole number of weeks (got "${t.options.weeks}").`, 'forecast backtest billing --weeks 8');
    if (!queue && rest.length) throw new UsageError(`I don't know the queue "${rest[0]}". Queues: ${pctx.queues.join(', ') || '(none loaded yet)'}.`, ex);
    noLeftovers(rest, ex);
    return { action, queue, weeks, levelPct };
  }
  const tz = queue ? pctx.queueTz(queue) : pctx.tz;
  const { range, rest: left } = takeRange(t, rest, tz, pctx, ex);
  if (!queue && left.length) {
    throw new UsageError(`I don't know the queue "${left[0]}". Queues: ${pctx.queues.join(', ') || '(none loaded yet)'}.`, ex);
  }
  noLeftovers(left, ex);
  return { action: 'forecast', queue, from: range?.from ?? null, to: range?.to ?? null, levelPct };
}

// ---------- results ----------

export interface ForecastIntervalOut {
  intervalStart: string;
  offered: number;
  offeredLow: number;
  offeredHigh: number;
  ahtSeconds: number | null;
}

export interface ForecastDayOut {
  date: string;
  horizonDays: number;
  offered: number;
  offeredLow: number;
  offeredHigh: number;
  ahtSeconds: number | null;
  /** The busiest interval: its local start minute and contacts. */
  peak: { localMinute: number; offered: number } | null;
  /** Relative variance of the day total beyond count noise at this horizon: the band of any sum of the day's intervals is `sumBand` with it. */
  relVar: number;
  /** Relative variance of the day's AHT beyond handle-time noise at this horizon: the band of a realised AHT is `ahtBand` with it and `model.ahtCv2`. */
  ahtRelVar: number;
}

export interface QueueForecastResult {
  kind: 'forecast';
  queue: string;
  displayName: string;
  timeZone: string;
  intervalSeconds: number;
  from: string;
  to: string;
  /** The last realised day the forecast saw. */
  historyTo: string;
  intervals: ForecastIntervalOut[];
  days: ForecastDayOut[];
  model: ForecastModel;
  excluded: { date: string; reason: string | null }[];
  /** One line for answers built on this forecast: "inputs: forecast, seasonal ES, ±8 % (90 % interval)". */
  inputsNote: string;
}

export type ForecastResult =
  | QueueForecastResult
  | { kind: 'forecast-all'; from: string; to: string; queues: QueueForecastResult[]; skipped: { queue: string; reason: string }[] }
  | { kind: 'backtest'; queues: ({ queue: string } & BacktestResult)[]; skipped: { queue: string; reason: string }[] }
  | { kind: 'exclude' | 'include'; queue: string; date: string; changed: boolean; reason: string | null }
  | { kind: 'exclusions'; queue: string | null; exclusions: { queue: string; date: string; reason: string | null }[] };

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Mean relative half-width of the day ranges: the "±x" readers see. */
function halfWidth(days: readonly { offered: number; offeredLow: number; offeredHigh: number }[]): number {
  const w = days.filter((d) => d.offered > 0).map((d) => (d.offeredHigh - d.offeredLow) / 2 / d.offered);
  return w.length ? w.reduce((a, b) => a + b, 0) / w.length : 0;
}

export function methodLabel(m: ForecastModel): string {
  return m.method === 'holt-winters' ? 'seasonal ES (Holt-Winters, weekly) + 4-week weekday mean' : 'weekday mean (under 14 days of history)';
}

function queueInfo(db: Db, queue: string): QueueInfo {
  const q = listQueues(db).find((x) => x.queue === queue);
  if (!q) throw new UsageError(`No data for queue "${queue}".`, EXAMPLE);
  return q;
}

/**
 * Forecasts this process made, by queue, range, origin, level, exclusions and the history window's version
 * (realisedWindowVersion: a load or a changed row makes a new key), so a Slack worker answering `sla` or a
 * future-day `whatif` forecasts each (queue, range, origin) once per data version. About 10–400 kB each.
 */
const forecastMemory = new Remembered<QueueForecastResult>(64);

/** Forgets the remembered forecasts (tests of the direct path). */
export function forgetForecasts(): void {
  forecastMemory.clear();
}

/** How the memory is used: entries kept, lookups answered from it, lookups that computed. */
export const rememberedForecasts = () => forecastMemory.stats();

/**
 * The forecast of one queue for local dates from..to, from realised history before min(today, from).
 * Shared by `forecast` and by the commands that need future-day inputs (whatif, staffing, alerts).
 */
export function queueForecast(db: Db, q: QueueInfo, from: string, to: string, o: { now?: Date; today?: string; defaultTz: string; levelPct?: number }): QueueForecastResult {
  const tz = q.timeZone ?? o.defaultTz;
  const today = o.today ?? localToday(o.now ?? new Date(), tz);
  const origin = from < today ? from : today;
  const exclusions = listExclusions(db, q.queue);
  const key = [q.queue, tz, q.intervalSeconds, from, to, origin, o.levelPct ?? 90, JSON.stringify(exclusions), realisedWindowVersion(db, q.queue, addDays(origin, -HISTORY_DAYS), origin)].join('|');
  const known = forecastMemory.get(key);
  if (known) return known;
  const made = makeQueueForecast(db, q, from, to, tz, origin, exclusions, o.levelPct ?? 90);
  forecastMemory.set(key, made);
  return made;
}

function makeQueueForecast(db: Db, q: QueueInfo, from: string, to: string, tz: string, origin: string, exclusions: Exclusion[], level: number): QueueForecastResult {
  const excluded = new Set(exclusions.map((e) => e.date));
  const history = realisedIntervals(db, q.queue, addDays(origin, -HISTORY_DAYS), origin);
  if (!history.length) throw new UsageError(`${q.queue} has no realised intervals before ${origin} to forecast from.`, `forecast ${q.queue} next 7 days`);
  const historyTo = history[history.length - 1].localDate;
  const ahead = daysBetween(historyTo, to);
  if (ahead > MAX_HORIZON_DAYS) {
    const lastOk = addDays(historyTo, MAX_HORIZON_DAYS);
    throw new UsageError(
      `A forecast reaches at most ${MAX_HORIZON_DAYS} days past the last realised day (${historyTo} for ${q.queue}); ${to} is ${ahead} days out.`,
      `forecast ${q.queue} ${addDays(historyTo, 1)}..${lastOk}`,
    );
  }
  const targets: TargetDay[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    targets.push({ date: d, slots: localDayGrid(d, tz, q.intervalSeconds).map((s) => ({ intervalStart: isoSeconds(s.startMs), localMinute: s.localMinute })) });
  }
  let fc;
  try {
    fc = timed('engine', 'forecast', () => forecastQueue(history, targets, { excluded, level: level / 100 }));
  } catch (err) {
    if (err instanceof ForecastInputError) throw new UsageError(`${q.queue}: ${err.message}`, `forecast ${q.queue} next 7 days`);
    throw err;
  }
  const days: ForecastDayOut[] = fc.days.map((d) => {
    let peak: ForecastDayOut['peak'] = null;
    for (const i of fc.intervals) if (i.localDate === d.date && i.offered > 0 && (!peak || i.offered > peak.offered)) peak = { localMinute: i.localMinute, offered: round2(i.offered) };
    return { date: d.date, horizonDays: d.horizonDays, offered: round2(d.offered), offeredLow: d.offeredLow, offeredHigh: d.offeredHigh, ahtSeconds: d.ahtSeconds === null ? null : round2(d.ahtSeconds), peak, relVar: d.relVar, ahtRelVar: d.ahtRelVar };
  });
  return {
    kind: 'forecast',
    queue: q.queue,
    displayName: q.displayName,
    timeZone: tz,
    intervalSeconds: q.intervalSeconds,
    from,
    to,
    historyTo,
    intervals: fc.intervals.map((i) => ({ intervalStart: i.intervalStart, offered: round2(i.offered), offeredLow: i.offeredLow, offeredHigh: i.offeredHigh, ahtSeconds: i.ahtSeconds === null ? null : round2(i.ahtSeconds) })),
    days,
    model: fc.model,
    excluded: exclusions.filter((e) => e.date < origin).map((e) => ({ date: e.date, reason: e.reason })),
    inputsNote: `inputs: forecast, ${methodLabel(fc.model)}, ±${Math.round(halfWidth(fc.days) * 100)} % (${level} % interval)`,
  };
}

/**
 * The curve with its band for a chart (engineer u19's Slack charts): one point per interval, local time
 * labels, and the realised contacts where the caller has them.
 */
export function forecastSeries(r: QueueForecastResult): { t: string; offered: number; low: number; high: number }[] {
  return r.intervals.map((i) => ({ t: i.intervalStart, offered: i.offered, low: i.offeredLow, high: i.offeredHigh }));
}

function runForecast(ctx: CommandContext, a: ForecastArgs): ForecastResult {
  const queues = listQueues(ctx.db);
  if (a.action === 'exclude' || a.action === 'include') {
    const date = a.date!;
    const queue = a.queue ?? '*';
    if (a.action === 'exclude') {
      const changed = addExclusion(ctx.db, { queue, date, reason: a.reason, createdBy: ctx.userId ?? null, createdAt: isoSeconds(ctx.now.getTime()) });
      return { kind: 'exclude', queue, date, changed, reason: a.reason };
    }
    return { kind: 'include', queue, date, changed: removeExclusion(ctx.db, queue, date), reason: null };
  }
  if (a.action === 'exclusions') return { kind: 'exclusions', queue: a.queue, exclusions: listExclusions(ctx.db, a.queue).map((e) => ({ queue: e.queue, date: e.date, reason: e.reason })) };
  if (a.action === 'backtest') {
    const list = a.queue ? [queueInfo(ctx.db, a.queue)] : queues;
    const out: ({ queue: string } & BacktestResult)[] = [];
    const skipped: { queue: string; reason: string }[] = [];
    for (const q of list) {
      const tz = q.timeZone ?? ctx.config.RADAR_TZ;
      const today = localToday(ctx.now, tz);
      const history = realisedIntervals(ctx.db, q.queue, addDays(today, -HISTORY_DAYS - 7 * a.weeks), today);
      const excluded = new Set(listExclusions(ctx.db, q.queue).map((e) => e.date));
      const r = timed('engine', 'forecast.backtest', () => backtestQueue(history, { weeks: a.weeks, excluded, level: a.levelPct / 100 }));
      if (!r.horizons.some((h) => h.days > 0)) skipped.push({ queue: q.queue, reason: 'under 2 weeks of history before the backtest window' });
      else out.push({ queue: q.queue, ...r });
    }
    return { kind: 'backtest', queues: out, skipped };
  }
  // forecast
  const tzOf = (q: QueueInfo) => q.timeZone ?? ctx.config.RADAR_TZ;
  const rangeFor = (q: QueueInfo) => {
    const today = localToday(ctx.now, tzOf(q));
    const from = a.from ?? addDays(today, 1);
    const to = a.to ?? (a.from ? a.from : addDays(from, 6));
    if (to < from) throw new UsageError(`The range ends (${to}) before it starts (${from}).`, EXAMPLE);
    return { from, to };
  };
  if (a.queue) {
    const q = queueInfo(ctx.db, a.queue);
    const { from, to } = rangeFor(q);
    return queueForecast(ctx.db, q, from, to, { now: ctx.now, defaultTz: ctx.config.RADAR_TZ, levelPct: a.levelPct });
  }
  const all: QueueForecastResult[] = [];
  const skipped: { queue: string; reason: string }[] = [];
  let span = { from: '', to: '' };
  for (const q of queues) {
    const { from, to } = rangeFor(q);
    span = { from: span.from && span.from < from ? span.from : from, to: span.to > to ? span.to : to };
    try {
      all.push(queueForecast(ctx.db, q, from, to, { now: ctx.now, defaultTz: ctx.config.RADAR_TZ, levelPct: a.levelPct }));
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      skipped.push({ queue: q.queue, reason: err.message });
    }
  }
  if (!all.length && skipped.length) throw new UsageError(skipped[0].reason, EXAMPLE);
  return { kind: 'forecast-all', from: span.from, to: span.to, queues: all, skipped };
}

// ---------- rendering ----------

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');

function dayTable(r: QueueForecastResult): string {
  const pctLevel = Math.round(r.model.intervalLevel * 100);
  return table(
    ['date', 'day', 'contacts', `${pctLevel} % range`, 'AHT', 'peak', 'ahead'],
    r.days.map((d) => [d.date, WEEKDAY_SHORT[new Date(`${d.date}T00:00:00Z`).getUTCDay()], num(d.offered), `${num(d.offeredLow)}–${num(d.offeredHigh)}`, d.ahtSeconds === null ? '–' : dur(d.ahtSeconds), d.peak ? `${hhmm(d.peak.localMinute)} (${num(d.peak.offered)})` : '–', `${d.horizonDays} d`]),
    [0, 1],
  );
}

function modelLine(m: ForecastModel): string {
  const trendWeek = m.level > 0 ? (7 * m.trendPerDay) / m.level : 0;
  const params = m.params ? `; α ${m.params.alpha}, β ${m.params.beta}, γ ${m.params.gamma}${m.params.phi < 1 ? `, damped φ ${m.params.phi}` : ''}` : '';
  return `Model: ${methodLabel(m)} × intraday profile per weekday type${params}. Level ${num(m.level)}/day, trend ${trendWeek >= 0 ? '+' : '−'}${Math.abs(trendWeek * 100).toFixed(1)} %/week; history ${m.historyFrom}..${m.historyTo} (${m.historyDays} days${m.excludedDays ? `, ${m.excludedDays} excluded` : ''}).`;
}

function suspectLine(r: QueueForecastResult): string | null {
  if (!r.model.suspectDays.length) return null;
  const s = r.model.suspectDays.map((d) => `${d.date} (${num(d.offered)} vs ${num(d.expected)} expected)`).join(', ');
  return `Unusual days in the history: ${s}. If one was a holiday or an outage: \`forecast exclude ${r.model.suspectDays[0].date} ${r.queue}\`.`;
}

function intervalTable(r: QueueForecastResult): string {
  const open = r.intervals.filter((i) => i.offered > 0);
  const minuteOf = (iso: string) => {
    const grid = localDayGrid(r.from, r.timeZone, r.intervalSeconds);
    return grid.find((g) => isoSeconds(g.startMs) === iso)?.localMinute ?? 0;
  };
  return table(
    ['time', 'contacts', 'range', 'AHT'],
    open.map((i) => [hhmm(minuteOf(i.intervalStart)), num(i.offered, 1), `${num(i.offeredLow)}–${num(i.offeredHigh)}`, i.ahtSeconds === null ? '–' : dur(i.ahtSeconds)]),
  );
}

function queueText(r: QueueForecastResult): string {
  const lines = [`Forecast — ${r.queue}, ${r.from === r.to ? r.from : `${r.from}..${r.to}`} (from history through ${r.historyTo}; ${Math.round(r.model.intervalLevel * 100)} % prediction intervals)`];
  lines.push(dayTable(r));
  if (r.from === r.to && r.intervals.some((i) => i.offered > 0)) lines.push('', intervalTable(r));
  lines.push('', modelLine(r.model));
  if (r.excluded.length) lines.push(`Excluded days: ${r.excluded.map((e) => `${e.date}${e.reason ? ` (${e.reason})` : ''}`).join(', ')}.`);
  const s = suspectLine(r);
  if (s) lines.push(s);
  return lines.join('\n');
}

function backtestText(r: Extract<ForecastResult, { kind: 'backtest' }>): string {
  const lines: string[] = [];
  for (const q of r.queues) {
    lines.push(`Backtest — ${q.queue}, rolling origin, target days ${q.from}..${q.to} (WAPE over intervals; lower is better)`);
    lines.push(
      table(
        ['horizon', 'days', 'forecast', 'seasonal naive', '4-week mean', 'MASE', `coverage (${Math.round(q.level * 100)} %)`, 'AHT coverage'],
        q.horizons.map((h) => [`${h.horizonDays} d`, num(h.days), pct(h.forecast.wape), pct(h.seasonalNaive.wape), pct(h.weekdayMean4.wape) + (h.shortMeanDays ? '*' : ''), f3(h.forecast.mase), pct(h.coverage), h.ahtDays ? pct(h.ahtCoverage) : '–']),
      ),
    );
    if (q.horizons.some((h) => h.shortMeanDays)) lines.push('* fewer than four same weekdays before some origins: the mean of those there were.');
    lines.push('');
  }
  for (const s of r.skipped) lines.push(`${s.queue}: skipped (${s.reason}).`);
  lines.push('Seasonal naive = the same slot on the latest same weekday the origin had seen; 4-week mean = that slot over the latest four. MASE scales the mean absolute error by the in-sample seasonal-naive error. Coverage: intervals inside their volume range; AHT coverage: days whose realised AHT is inside its range.');
  return lines.join('\n').trim();
}

function renderText(r: ForecastResult): string {
  switch (r.kind) {
    case 'forecast':
      return queueText(r);
    case 'forecast-all': {
      const lines = [`Forecast — all queues, ${r.from}..${r.to}`];
      lines.push(
        table(
          ['queue', 'contacts', 'range (days summed)', 'busiest day', 'method'],
          r.queues.map((q) => {
            const total = q.days.reduce((s, d) => s + d.offered, 0);
            const best = [...q.days].sort((a, b) => b.offered - a.offered)[0];
            return [q.queue, num(total), `${num(q.days.reduce((s, d) => s + d.offeredLow, 0))}–${num(q.days.reduce((s, d) => s + d.offeredHigh, 0))}`, best ? `${best.date} (${num(best.offered)})` : '–', methodLabel(q.model)];
          }),
          [0, 3, 4],
        ),
      );
      for (const s of r.skipped) lines.push(`${s.queue}: ${s.reason}`);
      lines.push('', `Per queue and interval: forecast <queue> ${r.from}..${r.to}`);
      return lines.join('\n');
    }
    case 'backtest':
      return backtestText(r);
    case 'exclude':
      return `${r.changed ? 'Excluded' : 'Already excluded:'} ${r.date} from the ${r.queue === '*' ? 'forecasts of every queue' : `${r.queue} forecast`}${r.reason ? ` (${r.reason})` : ''}. It is left out of fitting and backtests; undo with \`forecast include ${r.date}${r.queue === '*' ? '' : ` ${r.queue}`}\`.`;
    case 'include':
      return r.changed ? `${r.date} counts again in the ${r.queue === '*' ? 'forecasts of every queue' : `${r.queue} forecast`}.` : `${r.date} was not excluded${r.queue === '*' ? ' for every queue' : ` for ${r.queue}`} (see \`forecast exclusions\`).`;
    case 'exclusions':
      if (!r.exclusions.length) return `No excluded days${r.queue ? ` for ${r.queue}` : ''}. Add one with \`${EXCLUDE_EXAMPLE}\`.`;
      return table(['date', 'queue', 'reason'], r.exclusions.map((e) => [e.date, e.queue === '*' ? 'all queues' : e.queue, e.reason ?? '']), [0, 1, 2]);
  }
}

function renderBlocks(r: ForecastResult): Block[] {
  if (r.kind !== 'forecast') return [...codeSections(renderText(r)), context('/radar forecast')];
  const blocks: Block[] = [header(`Forecast — ${r.displayName}, ${r.from === r.to ? r.from : `${r.from} → ${r.to}`}`)];
  blocks.push(context(esc(`From history through ${r.historyTo}. ${r.inputsNote}.`)));
  blocks.push(...codeSections(dayTable(r)));
  blocks.push(section(esc(modelLine(r.model))));
  const s = suspectLine(r);
  if (s) blocks.push(context(esc(s)));
  return blocks;
}

export const forecast = defineCommand({
  name: 'forecast',
  summary: 'Forecast contacts per interval and AHT for the next 1–28 days (seasonal exponential smoothing × intraday profile) with prediction intervals; backtest it; exclude holidays.',
  usage: 'forecast [queue] [date | from..to | next 7 days | next week] [--level 90] | forecast backtest [queue] [--weeks 8] | forecast exclude|include <YYYY-MM-DD> [queue] [reason] | forecast exclusions [queue]',
  examples: [EXAMPLE, 'forecast tech_support tomorrow', 'forecast backtest billing', EXCLUDE_EXAMPLE],
  aliases: ['fc'],
  needsIntervals: true,
  args: forecastArgs,
  parse: parseForecast,
  writes: (a) => a.action === 'exclude' || a.action === 'include',
  run: runForecast,
  text: renderText,
  blocks: renderBlocks,
});

/**
 * Offered and AHT per interval of a future `date` from the forecast, for the what-if / staffing future-day basis:
 * history before `historyEndsBefore` (the caller's "today") only. Null when the forecast cannot be made (too
 * little history, too far ahead): the caller keeps its own basis then.
 */
export function forecastDayInputs(db: Db, q: QueueInfo, date: string, historyEndsBefore: string): { byStart: Map<string, { offered: number; ahtSeconds: number | null }>; note: string } | null {
  try {
    const r = queueForecast(db, q, date, date, { today: historyEndsBefore, defaultTz: q.timeZone ?? 'UTC' });
    return { byStart: new Map(r.intervals.map((i) => [i.intervalStart, { offered: i.offered, ahtSeconds: i.ahtSeconds }])), note: r.inputsNote };
  } catch (err) {
    if (err instanceof UsageError) return null;
    throw err;
  }
}
