/**
 * `whatif <queue> [date] [levers…]` — recompute a queue's day with changed staffing, handle time, FCR or volume:
 * SL, ASA, abandonment, occupancy, load vs capacity and risk, against the baseline; the at-risk intervals with the
 * agents they need; and which lever buys the most SL next. Example:
 *   whatif billing tomorrow +2 agents 9-12 aht -10% acw -20s fcr +5
 */
import { z } from 'zod';
import { defineCommand, UsageError, type ParseContext } from '../src/registry.js';
import type { Tokens } from '../src/grammar/tokens.js';
import { isIsoDate } from '../src/grammar/dates.js';
import type { Db } from '../src/warehouse/db.js';
import { intervalRows, listQueues, planRows, type IntervalRow, type QueueInfo } from '../src/warehouse/queries.js';
import { addDays, dowOf, isoSeconds, localMidnightUtc, localToday } from '../src/time.js';
import { noLeftovers, takeQueue, takeRange } from './args.js';
import { pct, pts, num, dur, hhmm, table } from '../src/format.js';
import { header, section, context, actions, fields, esc, divider, type Block } from '../src/blocks/kit.js';
import { deltaPredictionRange, textbookModel, whatIf, type WhatIfBasis, type WhatIfInterval, type WhatIfLevers, type WhatIfResult } from '../src/engines/queueing/index.js';
import { answerModel, calibrationWarnings, fittedRangeWarnings, slRange, textbookPatience, type AccuracyLine, type SlRange } from './modelBasis.js';
import { forecastDayInputs } from './forecast.js';

const EXAMPLE = 'whatif billing tomorrow +2 agents 9-12 aht -10% acw -20s fcr +5';

const hoursSchema = z
  .object({ fromMinute: z.number().int().min(0).max(1439), toMinute: z.number().int().min(1).max(1440) })
  .refine((h) => h.fromMinute !== h.toMinute, 'the hour range must not be empty');

export const whatifArgs = z.object({
  queue: z.string().min(1).describe('Queue name'),
  date: z.string().refine(isIsoDate, 'date must be YYYY-MM-DD').nullable().default(null).describe("Local date; null = today in the queue's time zone"),
  agents: z.number().int().min(-500).max(500).default(0).describe('Agents added in every interval of `hours` (negative removes)'),
  hours: hoursSchema.nullable().default(null).describe('Local time window [fromMinute, toMinute) for the agents change; null = all day'),
  ahtPct: z.number().min(-90).max(300).default(0).describe('Percent change of AHT (talk and ACW alike)'),
  ahtSeconds: z.number().min(-3600).max(3600).default(0).describe('Seconds added to talk time'),
  acwSeconds: z.number().min(-3600).max(3600).default(0).describe('Seconds added to after-call work'),
  acwPct: z.number().min(-100).max(300).default(0).describe('Percent change of after-call work'),
  fcrPoints: z.number().min(-50).max(50).default(0).describe('First-contact-resolution change in percentage points'),
  volumePct: z.number().min(-100).max(1000).default(0).describe('Percent change of offered volume'),
  patienceSeconds: z.number().positive().max(86_400).nullable().default(null).describe('Mean caller patience; null = fitted from the last 28 days of abandonment'),
  repeatRatePct: z.number().min(0).max(95).default(30).describe('Share of contacts that are repeats (FCR model assumption)'),
});
export type WhatifArgs = z.output<typeof whatifArgs>;

// ---------- grammar ----------

const NUM = String.raw`([+-]?\d+(?:\.\d+)?)`;
const TIME = String.raw`(\d{1,2})(?::(\d{2}))?\s*(am|pm)?`;

function minuteOf(h: string, m: string | undefined, ampm: string | undefined): number | null {
  let hour = Number(h);
  const min = Number(m ?? 0);
  if (min >= 60) return null;
  if (ampm) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (ampm.toLowerCase() === 'pm' ? 12 : 0);
  }
  if (hour > 24 || (hour === 24 && min > 0)) return null;
  return hour * 60 + min;
}

/** "9-12", "09:30-11:00", "9am-1pm", "from 9 to 12", "between 9 and 12" → minutes [from, to). */
export function parseHours(text: string): { fromMinute: number; toMinute: number } | null {
  const m = text.trim().match(new RegExp(String.raw`^(?:from\s+|between\s+)?${TIME}\s*(?:-|–|—|\.\.|to|until|and)\s*${TIME}$`, 'i'));
  if (!m) return null;
  const a = minuteOf(m[1], m[2], m[3] ?? m[6]);
  const b = minuteOf(m[4], m[5], m[6]);
  if (a === null || b === null || a === b || a >= 1440) return null;
  return { fromMinute: a, toMinute: b === 0 ? 1440 : b };
}

type LeverKey = 'agents' | 'ahtPct' | 'ahtSeconds' | 'acwSeconds' | 'acwPct' | 'fcrPoints' | 'volumePct' | 'patienceSeconds' | 'repeatRatePct';

/**
 * Pulls lever phrases out of free text, returning the levers and the words left over (queue, date).
 * Units: "%" means percent; "s"/"sec" seconds, "m"/"min" minutes; AHT and ACW without a unit are seconds.
 */
export function extractLevers(text: string): { levers: Partial<Record<LeverKey, number>>; hours: { fromMinute: number; toMinute: number } | null; rest: string } {
  let s = ` ${text.replace(/[−–](?=\s*\d)/g, '-')} `;
  const levers: Partial<Record<LeverKey, number>> = {};
  let hours: { fromMinute: number; toMinute: number } | null = null;
  const take = (re: RegExp, f: (m: RegExpMatchArray) => void) => {
    for (;;) {
      const m = s.match(re);
      if (!m) return;
      f(m);
      s = s.slice(0, m.index!) + ' ' + s.slice(m.index! + m[0].length);
    }
  };
  const set = (k: LeverKey, v: number) => {
    if (levers[k] !== undefined) throw new UsageError(`The ${k.replace(/Pct|Seconds|Points/, '')} change is given twice.`, EXAMPLE);
    levers[k] = v;
  };
  const secs = (v: string, unit: string | undefined) => Number(v) * (unit && /^m/i.test(unit) ? 60 : 1);
  const b = String.raw`(?=[\s,;]|$)`;
  // hour ranges first, so "9-12" is never read as a number
  take(new RegExp(String.raw`\s(?:from\s+|between\s+)?\d{1,2}(?::\d{2})?\s*(?:am|pm)?\s*(?:-|–|\.\.|to|until|and)\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)?${b}`, 'i'), (m) => {
    const h = parseHours(m[0]);
    if (!h) throw new UsageError(`I couldn't read the hours "${m[0].trim()}" (use e.g. 9-12 or 09:30-11:00).`, EXAMPLE);
    if (hours) throw new UsageError('Only one hour range, please (it applies to the agents change).', EXAMPLE);
    hours = h;
  });
  take(new RegExp(String.raw`\s${NUM}\s*(?:agents?|heads?|staff|people|fte)${b}`, 'i'), (m) => set('agents', Number(m[1])));
  take(new RegExp(String.raw`\s(?:agents?|staff|heads?)\s*[:=]?\s*${NUM}${b}`, 'i'), (m) => set('agents', Number(m[1])));
  take(new RegExp(String.raw`\s(?:aht|handle\s*time)\s*[:=]?\s*${NUM}\s*(%|s|secs?|seconds?|m|mins?|minutes?)?${b}`, 'i'), (m) => {
    if (m[2] === '%') set('ahtPct', Number(m[1]));
    else set('ahtSeconds', secs(m[1], m[2]));
  });
  take(new RegExp(String.raw`\s(?:acw|wrap(?:[\s-]*up)?|after[\s-]*call(?:[\s-]*work)?)\s*[:=]?\s*${NUM}\s*(%|s|secs?|seconds?|m|mins?|minutes?)?${b}`, 'i'), (m) => {
    if (m[2] === '%') set('acwPct', Number(m[1]));
    else set('acwSeconds', secs(m[1], m[2]));
  });
  take(new RegExp(String.raw`\s(?:fcr|first[\s-]*contact(?:[\s-]*resolution)?)\s*[:=]?\s*${NUM}\s*(?:%|pts?|points?|pp)?${b}`, 'i'), (m) => set('fcrPoints', Number(m[1])));
  take(new RegExp(String.raw`\s(?:volume|vol|calls|contacts|demand|arrivals)\s*[:=]?\s*${NUM}\s*%?${b}`, 'i'), (m) => set('volumePct', Number(m[1])));
  take(new RegExp(String.raw`\s(?:patience)\s*[:=]?\s*${NUM}\s*(s|secs?|seconds?|m|mins?|minutes?)?${b}`, 'i'), (m) => set('patienceSeconds', secs(m[1], m[2])));
  take(new RegExp(String.raw`\s(?:repeats?|repeat[\s-]*rate)\s*[:=]?\s*${NUM}\s*%?${b}`, 'i'), (m) => set('repeatRatePct', Number(m[1])));
  return { levers, hours, rest: s.replace(/[,;]/g, ' ').trim() };
}

/** key=value options as lever phrases: aht=-10% → "aht -10%", hours=9-12 → "9-12". */
function optionsAsText(t: Tokens): string {
  const keys = ['agents', 'aht', 'acw', 'fcr', 'volume', 'patience', 'repeats', 'repeat-rate'];
  const parts: string[] = [];
  for (const k of keys) if (t.options[k] !== undefined) parts.push(`${k.replace('-', ' ')} ${t.options[k]}`);
  if (t.options.hours !== undefined) parts.push(t.options.hours);
  return parts.join(' ');
}

/** Queue and a single local date from the words left after the levers. */
export function takeQueueAndDay(t: Tokens, words: string[], pctx: ParseContext, example: string): { queue: string; date: string | null } {
  const { queue, rest } = takeQueue({ positional: words, options: t.options }, pctx, example);
  if (!queue) {
    throw new UsageError(
      words.length ? `I don't know the queue "${words[0]}". Queues: ${pctx.queues.join(', ') || '(none loaded yet)'}.` : 'Which queue? Name one first.',
      example,
    );
  }
  const { range, rest: left } = takeRange(t, rest, pctx.queueTz(queue), pctx, example);
  noLeftovers(left, example);
  if (range && range.from !== range.to) throw new UsageError(`A what-if works on one day; "${range.label}" is ${range.from}..${range.to}.`, example);
  return { queue, date: range?.from ?? null };
}

// ---------- the day's intervals ----------

const WEEKDAY_PLURAL = ['Sundays', 'Mondays', 'Tuesdays', 'Wednesdays', 'Thursdays', 'Fridays', 'Saturdays'];

export interface QueueDay {
  basis: WhatIfBasis;
  /** How the day was built, for the reader. */
  basisNote: string;
  intervals: WhatIfInterval[];
  /** Realised rows of the 28 days before the day (never the day itself): the textbook fallback's patience. */
  history: IntervalRow[];
}

function weightedMean(rows: readonly IntervalRow[], f: (r: IntervalRow) => number | null, w: (r: IntervalRow) => number): number | null {
  let s = 0;
  let ws = 0;
  for (const r of rows) {
    const v = f(r);
    if (v === null || !Number.isFinite(v)) continue;
    s += v * w(r);
    ws += w(r);
  }
  return ws > 0 ? s / ws : null;
}

/**
 * The queue's intervals for `date`: realised rows when the day has happened (basis 'realised'; today: the
 * intervals so far); otherwise futureDayInputs (a loaded plan or forecast, or the recent-weekday profile).
 * Missing AHT/ACW fall back to the recent handled-weighted mean of the slot, then of the queue. `history` is the
 * realised rows of the 28 days before the day (never the day itself), for the textbook fallback's patience.
 */
export function loadQueueDay(db: Db, q: QueueInfo, date: string, today: string, exampleOn: (date: string) => string = (d) => `whatif ${q.queue} ${d} +2 agents 9-12 aht -10%`): QueueDay {
  const rows = intervalRows(db, q.queue, date, date);
  const history = intervalRows(db, q.queue, addDays(date, -28), addDays(date < today ? date : today, -1)).filter((r) => r.offered > 0);
  const fill = slotFill(history, rows);
  if (rows.length && date <= today && rows.some((r) => r.offered > 0)) {
    return {
      basis: 'realised',
      basisNote: date === today ? `today so far (${rows.length} intervals, realised inputs)` : `the day's realised inputs (${rows.length} intervals)`,
      history,
      intervals: rows.map((r) => ({
        intervalStart: r.intervalStart,
        localMinute: r.localMinute,
        intervalSeconds: r.intervalSeconds,
        offered: r.offered,
        handled: r.handled,
        abandoned: r.abandoned,
        answeredWithinTarget: r.answeredWithinTarget,
        ahtSeconds: r.ahtSeconds ?? fill.aht(r.localMinute) ?? 0,
        acwSeconds: r.acwSeconds ?? undefined,
        agentsStaffed: r.agentsStaffed,
        slTargetPct: r.slTargetPct,
        slTargetSeconds: r.slTargetSeconds,
        realisedSl: r.sl,
      })),
    };
  }
  return { ...futureDayInputs(db, q, date, history, rows, exampleOn), history };
}

/** Handled-weighted AHT / ACW of a time slot over recent history, then of the queue (fallbacks for missing cells). */
function slotFill(history: readonly IntervalRow[], day: readonly IntervalRow[]) {
  const queueAht = weightedMean(history, (r) => r.ahtSeconds, (r) => r.handled) ?? weightedMean(day, (r) => r.ahtSeconds, (r) => r.handled);
  const queueAcw = weightedMean(history, (r) => r.acwSeconds, (r) => r.handled);
  const slotMean = (minute: number, f: (r: IntervalRow) => number | null) => weightedMean(history.filter((r) => r.localMinute === minute), f, (r) => Math.max(1, r.handled));
  return {
    aht: (minute: number) => slotMean(minute, (x) => x.ahtSeconds) ?? queueAht,
    acw: (minute: number) => slotMean(minute, (x) => x.acwSeconds) ?? queueAcw,
    queueAht,
  };
}

/**
 * The inputs of a day that has no outcome yet (the future-day basis, kept in this one function so a forecast
 * engine can replace the profile here): the loaded plan rows (forecast volume and AHT, planned agents); else
 * realised-format rows carrying forecast_offered; else the mean of the same weekday over the previous four weeks,
 * per local time slot ('recent-average'). Throws a UsageError when the queue looks closed that weekday or has no
 * recent data.
 */
export function futureDayInputs(
  db: Db,
  q: QueueInfo,
  date: string,
  history: readonly IntervalRow[],
  dayRows: readonly IntervalRow[] = intervalRows(db, q.queue, date, date),
  exampleOn: (date: string) => string = (d) => `whatif ${q.queue} ${d} +2 agents 9-12 aht -10%`,
): Omit<QueueDay, 'history'> {
  const tz = q.timeZone ?? 'UTC';
  const fill = slotFill(history, dayRows);
  const plan = planRows(db, q.queue, date, date);
  if (plan.length) {
    return {
      basis: 'forecast',
      basisNote: `the loaded plan: forecast volume and AHT, planned agents (${plan.length} intervals)`,
      intervals: plan.map((r) => ({
        intervalStart: r.intervalStart,
        localMinute: r.localMinute,
        intervalSeconds: r.intervalSeconds,
        offered: r.forecastOffered,
        ahtSeconds: r.forecastAhtSeconds,
        acwSeconds: fill.acw(r.localMinute) ?? undefined,
        agentsStaffed: r.agentsStaffed,
        slTargetPct: r.slTargetPct,
        slTargetSeconds: r.slTargetSeconds,
      })),
    };
  }
  if (dayRows.some((r) => r.forecastOffered !== null)) {
    return {
      basis: 'forecast',
      basisNote: `forecast volumes and the loaded schedule (${dayRows.length} intervals)`,
      intervals: dayRows.map((r) => ({
        intervalStart: r.intervalStart,
        localMinute: r.localMinute,
        intervalSeconds: r.intervalSeconds,
        offered: r.forecastOffered ?? 0,
        ahtSeconds: r.forecastAhtSeconds ?? fill.aht(r.localMinute) ?? 0,
        acwSeconds: fill.acw(r.localMinute) ?? undefined,
        agentsStaffed: r.agentsStaffed,
        slTargetPct: r.slTargetPct,
        slTargetSeconds: r.slTargetSeconds,
      })),
    };
  }
  const target = { slTargetPct: q.slTargetPct, slTargetSeconds: q.slTargetSeconds };
  const dow = dowOf(date);
  let basisRows = history.filter((r) => r.localDow === dow && r.localDate >= addDays(date, -28));
  let how = `mean of the last ${new Set(basisRows.map((r) => r.localDate)).size} ${WEEKDAY_PLURAL[dow]}`;
  if (!basisRows.length) {
    const sameDay = intervalRows(db, q.queue, addDays(date, -28), addDays(date, -1)).filter((r) => r.localDow === dow);
    if (sameDay.length) {
      const n = new Set(sameDay.map((r) => r.localDate)).size;
      // Suggest the next day of the week the queue was open on in the same four weeks.
      const openDows = new Set(history.map((r) => r.localDow));
      let next = addDays(date, 1);
      for (let i = 1; i < 7 && !openDows.has(dowOf(next)); i++) next = addDays(next, 1);
      const nextNote = openDows.size ? ` Its next open day is ${next}.` : '';
      throw new UsageError(`${q.queue} had no contacts on the last ${n} ${WEEKDAY_PLURAL[dow]}, so there is nothing to model on ${date} (it looks closed).${nextNote}`, exampleOn(openDows.size ? next : date));
    }
    basisRows = [...history];
    how = `mean of the last ${new Set(history.map((r) => r.localDate)).size} days`;
  }
  if (!basisRows.length) throw new UsageError(`No data for ${q.queue} on ${date} or in the four weeks before it.`, EXAMPLE);
  const days = new Set(basisRows.map((r) => r.localDate)).size;
  const bySlot = new Map<number, IntervalRow[]>();
  for (const r of basisRows) bySlot.set(r.localMinute, [...(bySlot.get(r.localMinute) ?? []), r]);
  const midnight = localMidnightUtc(date, tz);
  const intervals: WhatIfInterval[] = [...bySlot.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([minute, rs]) => ({
      intervalStart: isoSeconds(midnight + minute * 60_000),
      localMinute: minute,
      intervalSeconds: rs[0].intervalSeconds,
      offered: rs.reduce((s, r) => s + r.offered, 0) / days,
      ahtSeconds: weightedMean(rs, (r) => r.ahtSeconds, (r) => Math.max(1, r.handled)) ?? fill.queueAht ?? 0,
      acwSeconds: weightedMean(rs, (r) => r.acwSeconds, (r) => Math.max(1, r.handled)) ?? undefined,
      agentsStaffed: rs.reduce((s, r) => s + r.agentsStaffed, 0) / rs.length,
      ...target,
    }));
  // Volumes and AHT from the demand forecast where it can be made (history before the day only); agents stay the
  // recent schedule of the weekday.
  const lastSeen = history.reduce((m, r) => (r.localDate > m ? r.localDate : m), '');
  const fc = lastSeen ? forecastDayInputs(db, q, date, addDays(lastSeen, 1) < date ? addDays(lastSeen, 1) : date) : null;
  if (fc && intervals.some((i) => fc.byStart.has(i.intervalStart))) {
    return {
      basis: 'forecast',
      basisNote: `${fc.note}; agents: ${how}, per time slot`,
      intervals: intervals.map((i) => {
        const f = fc.byStart.get(i.intervalStart);
        return f ? { ...i, offered: f.offered, ahtSeconds: f.ahtSeconds ?? i.ahtSeconds } : i;
      }),
    };
  }
  return { basis: 'recent-average', basisNote: `no data for the day yet: ${how}, per time slot`, intervals };
}

// ---------- command ----------

export interface WhatifCommandResult {
  queue: string;
  displayName: string;
  date: string;
  basis: WhatIfBasis;
  basisNote: string;
  target: { pct: number; seconds: number };
  /** The levers as the reader should see them ("+2 agents 09:00–12:00", "AHT −10 %"). */
  leverText: string[];
  /** The command line that reproduces this answer. */
  line: string;
  /** The model answering: the queue's calibration, or textbook Erlang (then `fallbackReason` says why). */
  modelNote: string;
  /** The same text as modelNote (the name earlier readers use). */
  patienceNote: string;
  calibrated: boolean;
  fallbackReason: string | null;
  /** The rolling-origin backtest of the calibration, as one line (null: no calibration or no backtest). */
  accuracy: AccuracyLine | null;
  /**
   * The day without levers: the model's predicted SL from the day's inputs (percent) with its prediction range,
   * and beside it, on a past day, the realised SL (percent).
   */
  baseline: { predictedSlPct: number; range: SlRange | null; realisedSlPct: number | null };
  scenario: { predictedSlPct: number; range: SlRange | null };
  /**
   * What-if − baseline, points, with its range: when calibrated, the backtested prediction interval of a change
   * (the calibration's day-level errors on differences of two days, `deltaPredictionRange`; source 'backtest');
   * else the spread of the same change under textbook Erlang C and A (source 'models'). `modelSpread` is that
   * spread (the calibrated model included) whenever a lever changes anything.
   */
  delta: {
    slPts: number;
    range: { lowPts: number; highPts: number; level: number | null; source: 'backtest' | 'models' } | null;
    modelSpread: { lowPts: number; highPts: number } | null;
  };
  /** Inputs outside the range the calibration was fitted on (empty when none). */
  warnings: string[];
  result: WhatIfResult;
}

function signed(v: number, unit: string, digits = 0): string {
  const s = Math.abs(v).toFixed(digits);
  return `${v < 0 ? '−' : '+'}${s}${unit}`;
}

export function describeLevers(a: WhatifArgs): string[] {
  const out: string[] = [];
  if (a.agents) out.push(`${signed(a.agents, '')} agent${Math.abs(a.agents) === 1 ? '' : 's'}${a.hours ? ` ${hhmm(a.hours.fromMinute)}–${hhmm(a.hours.toMinute)}` : ' all day'}`);
  if (a.ahtPct) out.push(`AHT ${signed(a.ahtPct, ' %', a.ahtPct % 1 ? 1 : 0)}`);
  if (a.ahtSeconds) out.push(`talk time ${signed(a.ahtSeconds, ' s')}`);
  if (a.acwSeconds) out.push(`ACW ${signed(a.acwSeconds, ' s')}`);
  if (a.acwPct) out.push(`ACW ${signed(a.acwPct, ' %')}`);
  if (a.fcrPoints) out.push(`FCR ${signed(a.fcrPoints, ' pts', a.fcrPoints % 1 ? 1 : 0)}`);
  if (a.volumePct) out.push(`volume ${signed(a.volumePct, ' %', a.volumePct % 1 ? 1 : 0)}`);
  return out;
}

/** The canonical command line for these args (buttons, sharing): re-parses to the same args. */
export function whatifLine(a: WhatifArgs, date: string): string {
  const parts = ['whatif', a.queue, date];
  const n = (v: number) => `${v > 0 ? '+' : ''}${v}`;
  if (a.agents) parts.push(`${n(a.agents)} agents`);
  if (a.hours) parts.push(`${hhmm(a.hours.fromMinute)}-${hhmm(a.hours.toMinute)}`);
  if (a.ahtPct) parts.push(`aht ${n(a.ahtPct)}%`);
  if (a.ahtSeconds) parts.push(`aht ${n(a.ahtSeconds)}s`);
  if (a.acwSeconds) parts.push(`acw ${n(a.acwSeconds)}s`);
  if (a.acwPct) parts.push(`acw ${n(a.acwPct)}%`);
  if (a.fcrPoints) parts.push(`fcr ${n(a.fcrPoints)}`);
  if (a.volumePct) parts.push(`volume ${n(a.volumePct)}%`);
  if (a.patienceSeconds !== null) parts.push(`patience ${a.patienceSeconds}s`);
  if (a.repeatRatePct !== 30) parts.push(`repeats ${a.repeatRatePct}%`);
  return parts.join(' ');
}

export function toEngineLevers(a: WhatifArgs): WhatIfLevers {
  return {
    agentsDelta: a.agents,
    agentsWindow: a.hours ?? undefined,
    ahtPct: a.ahtPct,
    ahtSeconds: a.ahtSeconds,
    acwSeconds: a.acwSeconds,
    acwPct: a.acwPct,
    fcrPoints: a.fcrPoints,
    volumePct: a.volumePct,
  };
}

/**
 * The what-if answer for one queue-day: the queue's model (calibration fitted before the day, else textbook
 * Erlang), the engine's baseline and scenario, prediction ranges from the backtest, the delta's spread across
 * models, and fitted-range warnings. Shared by the command and by anything that asks the same question.
 */
export function answerWhatif(db: Db, q: QueueInfo, date: string, day: QueueDay, args: WhatifArgs): WhatifCommandResult {
  const intervalSeconds = day.intervals[0]?.intervalSeconds ?? 1800;
  const am = answerModel(db, q.queue, date, day.history, intervalSeconds, args.patienceSeconds);
  const levers = toEngineLevers(args);
  const opts = { basis: day.basis, repeatRatePct: args.repeatRatePct };
  const result = whatIf(day.intervals, levers, { ...opts, model: am.model });
  const b = result.baseline.serviceLevel * 100;
  const s = result.scenario.serviceLevel * 100;
  const slPts = result.delta.slPts;
  let deltaRange: WhatifCommandResult['delta']['range'] = null;
  let modelSpread: WhatifCommandResult['delta']['modelSpread'] = null;
  if (leversChangeAnything(args)) {
    // The same change through the textbook models (C, and A with the answer's patience when it has one).
    const patience = am.model.meanPatienceSeconds ?? textbookPatience(day.history).seconds;
    const others = [textbookModel(null), ...(patience !== null ? [textbookModel(patience)] : [])];
    const deltas = [slPts, ...others.map((m) => whatIf(day.intervals, levers, { ...opts, model: m, skipRanking: true }).delta.slPts)];
    modelSpread = { lowPts: Math.min(...deltas), highPts: Math.max(...deltas) };
    const backtested = am.calibration ? deltaPredictionRange(am.calibration, slPts, b) : null;
    deltaRange = backtested ? { ...backtested, source: 'backtest' } : { ...modelSpread, level: null, source: 'models' };
  }
  const xs = day.intervals.map((iv) => ({ offered: iv.offered, ahtSeconds: iv.ahtSeconds, agents: iv.agentsStaffed, intervalSeconds: iv.intervalSeconds }));
  const scen = result.intervals.map((iv, i) => ({ offered: iv.scenario.offered, ahtSeconds: iv.scenario.ahtSeconds, agents: iv.scenario.capacityAgents, intervalSeconds: day.intervals[i].intervalSeconds }));
  const warnings = [...new Set([...calibrationWarnings(am), ...fittedRangeWarnings(am, xs), ...fittedRangeWarnings(am, scen).map((w) => `with the change: ${w}`)])];
  return {
    queue: q.queue,
    displayName: q.displayName,
    date,
    basis: day.basis,
    basisNote: day.basisNote,
    target: { pct: q.slTargetPct, seconds: q.slTargetSeconds },
    leverText: describeLevers(args),
    line: whatifLine(args, date),
    modelNote: am.note,
    patienceNote: am.note,
    calibrated: am.calibration !== null,
    fallbackReason: am.fallbackReason,
    accuracy: am.accuracy,
    baseline: { predictedSlPct: b, range: slRange(am, b), realisedSlPct: result.realisedServiceLevel === null ? null : result.realisedServiceLevel * 100 },
    scenario: { predictedSlPct: s, range: slRange(am, s) },
    delta: { slPts, range: deltaRange, modelSpread },
    warnings,
    result,
  };
}

function leversChangeAnything(a: WhatifArgs): boolean {
  return Boolean(a.agents || a.ahtPct || a.ahtSeconds || a.acwSeconds || a.acwPct || a.fcrPoints || a.volumePct);
}

/** "62.0 % (80 % range 51–73 %)" */
function withRange(slPct: number, r: SlRange | null): string {
  return `${slPct.toFixed(1)} %${r ? ` (${Math.round(r.level * 100)} % range ${r.lowPct.toFixed(0)}–${r.highPct.toFixed(0)} %)` : ''}`;
}

function deltaText(r: WhatifCommandResult): string {
  const d = r.delta;
  const spread = (x: { lowPts: number; highPts: number }) => `${pts(x.lowPts / 100)} … ${pts(x.highPts / 100)}`;
  if (d.range?.source === 'backtest') {
    return `${pts(d.slPts / 100)} (${Math.round((d.range.level ?? 0.8) * 100)} % range ${spread(d.range)}, from the backtest's day-to-day errors${d.modelSpread ? `; across models ${spread(d.modelSpread)}` : ''})`;
  }
  return `${pts(d.slPts / 100)}${d.range ? ` (across models ${spread(d.range)})` : ''}`;
}

/** The model line every what-if / staffing answer carries: accuracy when calibrated, else the fallback said plainly. */
export function modelLine(r: { accuracy: AccuracyLine | null; modelNote: string; fallbackReason: string | null }): string {
  if (r.accuracy) return r.accuracy.text;
  if (r.fallbackReason) return `No calibration (${r.fallbackReason}): ${r.modelNote}, so expect errors of 20 pp or more per interval.`;
  return `${r.modelNote}; no backtest yet.`;
}

/** What the two per-interval SL figures mean (text and blocks). */
export const TYPICAL_NOTE =
  "Typical SL: what such an interval usually delivers (the median, from the calibration's backtested spread of intervals around the model); expected SL: the average, which the day's SL, the contacts short and staffing add up from.";

/** "3 night intervals with no agents, 1–4 contacts each" (null when none). */
export function unstaffedNote(u: WhatIfResult['unstaffedTrivial']): string | null {
  if (!u.intervals) return null;
  const each = u.minOffered === u.maxOffered ? `${num(u.minOffered, 0)} contact${Math.round(u.minOffered) === 1 ? '' : 's'}` : `${num(u.minOffered, 0)}–${num(u.maxOffered, 0)} contacts`;
  return `${u.intervals} interval${u.intervals === 1 ? '' : 's'} with no agents, ${each} each (${u.localMinutes.map((m) => hhmm(m)).join(', ')}): listed apart, not ranked.`;
}

export const whatif = defineCommand({
  name: 'whatif',
  summary: 'Recompute a queue’s day with more agents, shorter AHT/ACW, better FCR or other volume: SL, ASA, abandon, risk, and the cheapest next lever.',
  usage: 'whatif <queue> [date] [±N agents [H-H]] [aht ±X% | ±Xs] [acw ±Xs | ±X%] [fcr ±X] [volume ±X%] [patience Ns] [repeats X%] [public]',
  examples: [EXAMPLE, 'whatif billing +3 agents', 'whatif tech_support yesterday aht -30s', 'whatif billing 2026-11-20 volume +20% agents=+4 hours=09:00-13:00'],
  aliases: ['what-if', 'wi'],
  needsIntervals: true,
  args: whatifArgs,
  parse(t, pctx) {
    const { levers, hours, rest } = extractLevers(`${t.positional.join(' ')} ${optionsAsText(t)}`);
    const words = rest.split(/\s+/).filter(Boolean);
    const { queue, date } = takeQueueAndDay({ positional: words, options: { ...t.options } }, words, pctx, EXAMPLE);
    if (hours && levers.agents === undefined) throw new UsageError('An hour range applies to an agents change: add e.g. "+2 agents".', EXAMPLE);
    // No contacts left means no service level to model (an empty queue is not "SL 100 %").
    if ((levers.volumePct ?? 0) <= -100) throw new UsageError('Volume −100 % leaves no contacts at all, so there is no service level to model. Try a smaller cut, e.g. volume -30%.', `whatif ${queue} ${date ?? 'tomorrow'} volume -30%`);
    return {
      queue,
      date,
      agents: levers.agents ?? 0,
      hours,
      ahtPct: levers.ahtPct ?? 0,
      ahtSeconds: levers.ahtSeconds ?? 0,
      acwSeconds: levers.acwSeconds ?? 0,
      acwPct: levers.acwPct ?? 0,
      fcrPoints: levers.fcrPoints ?? 0,
      volumePct: levers.volumePct ?? 0,
      patienceSeconds: levers.patienceSeconds ?? null,
      repeatRatePct: levers.repeatRatePct ?? 30,
    };
  },
  run(ctx, args): WhatifCommandResult {
    const q = listQueues(ctx.db).find((x) => x.queue === args.queue);
    if (!q) throw new UsageError(`No data for queue "${args.queue}".`, EXAMPLE);
    const tz = q.timeZone ?? ctx.config.RADAR_TZ;
    const today = localToday(ctx.now, tz);
    const date = args.date ?? today;
    const day = loadQueueDay(ctx.db, { ...q, timeZone: tz }, date, today);
    return answerWhatif(ctx.db, q, date, day, args);
  },
  text(r) {
    const x = r.result;
    const lines = [`What-if — ${r.queue}, ${r.date} (${r.basisNote})`];
    lines.push(`Levers: ${r.leverText.length ? r.leverText.join(' · ') : 'none (baseline only)'}`);
    lines.push(`Model: ${modelLine(r)}`);
    if (r.calibrated) lines.push(`       ${r.modelNote}`);
    for (const w of r.warnings) lines.push(`⚠ Outside the fitted range: ${w}`);
    lines.push(`Predicted SL: ${withRange(r.baseline.predictedSlPct, r.baseline.range)}${r.leverText.length ? ` → ${withRange(r.scenario.predictedSlPct, r.scenario.range)}, change ${deltaText(r)}` : ''}`);
    if (r.baseline.realisedSlPct !== null) lines.push(`Realised SL that day: ${r.baseline.realisedSlPct.toFixed(1)} % (model − realised ${signed(r.baseline.predictedSlPct - r.baseline.realisedSlPct, ' pts', 1)} on the day; per interval MAE ${x.realisedVsModel!.maeSlPts.toFixed(1)} pts)`);
    const b = x.baseline;
    const s = x.scenario;
    lines.push(
      table(
        ['', 'baseline', 'what-if', 'change'],
        [
          [`SL (target ${r.target.pct}/${r.target.seconds}s)`, pct(b.serviceLevel), pct(s.serviceLevel), pts(s.serviceLevel - b.serviceLevel)],
          ['ASA', dur(b.asaSeconds), dur(s.asaSeconds), Number.isFinite(x.delta.asaSeconds) ? signed(x.delta.asaSeconds, ' s') : '–'],
          ['Abandon', pct(b.abandonRate), pct(s.abandonRate), x.delta.abandonPts === null ? '–' : pts(x.delta.abandonPts / 100)],
          ['Occupancy', pct(b.occupancy, 0), pct(s.occupancy, 0), pts(x.delta.occupancyPts / 100)],
          ['Load / capacity', `${num(b.loadErlangHours, 1)} / ${num(b.capacityAgentHours, 1)} h`, `${num(s.loadErlangHours, 1)} / ${num(s.capacityAgentHours, 1)} h`, ''],
          ['Risk index', num(b.riskIndex, 2), num(s.riskIndex, 2), signed(x.delta.riskIndex, '', 2)],
          ['Intervals below target', num(b.intervalsBelowTarget), num(s.intervalsBelowTarget), ''],
        ],
      ),
    );
    if (x.atRisk.length) {
      lines.push('', `At risk after the change (${x.atRisk.length}), most contacts affected first:`);
      lines.push(
        table(
          ['time', 'calls', 'typical SL', 'expected SL', 'short of target', 'agents', 'needed'],
          x.atRisk.slice(0, 12).map((i) => [hhmm(i.localMinute ?? 0), num(i.scenario.offered, 0), pct(i.typicalSl, 0), pct(i.predictedSl, 0), `${num(i.contactsShort, 1)} contacts`, num(i.scenario.capacityAgents, 1), Number.isFinite(i.agentsNeeded) ? `${num(i.agentsNeeded)} (${signed(Math.ceil(i.agentGap), '')})` : '–']),
        ),
      );
      lines.push(TYPICAL_NOTE);
    } else lines.push('', 'No staffed interval below target after the change.');
    const apart = unstaffedNote(x.unstaffedTrivial);
    if (apart) lines.push(apart);
    if (x.leverRanking.length) lines.push('', `Next lever, SL bought: ${x.leverRanking.map((l) => `${l.lever} ${pts(l.slPts / 100, 2)}`).join(' · ')}`);
    lines.push('', x.riskIndexExplanation, ...x.assumptions.map((a) => `· ${a}`));
    return lines.join('\n');
  },
  blocks(r, opts) {
    const x = r.result;
    const b = x.baseline;
    const s = x.scenario;
    const blocks: Block[] = [header(`What-if — ${r.displayName}, ${r.date}`)];
    blocks.push(context(esc(`${r.leverText.length ? r.leverText.join(' · ') : 'No levers: baseline only'} — ${r.basisNote}`)));
    const arrow = (a: string, c: string) => `${a} → *${c}*`;
    const range = (g: SlRange | null) => (g ? `\n_${Math.round(g.level * 100)} % range ${g.lowPct.toFixed(0)}–${g.highPct.toFixed(0)} %_` : '');
    const realised = r.baseline.realisedSlPct !== null ? `\nrealised that day ${r.baseline.realisedSlPct.toFixed(1)} %` : '';
    blocks.push(
      fields([
        r.leverText.length
          ? `*SL* (target ${r.target.pct}/${r.target.seconds}s)\n${arrow(pct(b.serviceLevel), pct(s.serviceLevel))} (${esc(deltaText(r))})${range(r.scenario.range)}${realised}`
          : `*Predicted SL* (target ${r.target.pct}/${r.target.seconds}s)\n*${pct(b.serviceLevel)}*${range(r.baseline.range)}${realised}`,
        `*ASA*\n${arrow(dur(b.asaSeconds), dur(s.asaSeconds))}`,
        `*Abandon*\n${arrow(pct(b.abandonRate), pct(s.abandonRate))}`,
        `*Occupancy*\n${arrow(pct(b.occupancy, 0), pct(s.occupancy, 0))}`,
        `*Load / capacity*\n${num(s.loadErlangHours, 1)} Erlang-h / ${num(s.capacityAgentHours, 1)} agent-h`,
        `*Risk index*\n${arrow(num(b.riskIndex, 2), num(s.riskIndex, 2))}`,
      ]),
    );
    blocks.push(context(esc(`Model: ${modelLine(r)}`)));
    if (r.warnings.length) blocks.push(section(esc(`⚠ Outside the fitted range: ${r.warnings.slice(0, 3).join('; ')}`).slice(0, 2900)));
    if (x.atRisk.length) {
      const items = x.atRisk.slice(0, 10).map((i) => `${hhmm(i.localMinute ?? 0)} typically ${pct(i.typicalSl, 0)} (expected ${pct(i.predictedSl, 0)}), ${num(i.contactsShort, 0)} contacts short${Number.isFinite(i.agentGap) && i.agentGap > 0 ? ` (needs +${Math.ceil(i.agentGap)})` : ''}`);
      blocks.push(section(`*${x.atRisk.length} interval(s) still below target*, most contacts affected first: ${esc(items.join('; '))}${x.atRisk.length > 10 ? '; …' : ''}`));
      blocks.push(context(esc(TYPICAL_NOTE)));
    } else blocks.push(section('✅ No staffed interval below target after the change.'));
    const apart = unstaffedNote(x.unstaffedTrivial);
    if (apart) blocks.push(context(esc(apart)));
    if (x.leverRanking.length) {
      const best = x.leverRanking[0];
      blocks.push(section(`*Cheapest next lever:* ${esc(best.lever)} buys ${pts(best.slPts / 100, 2)} of day SL.\n${esc(x.leverRanking.slice(1).map((l) => `${l.lever} ${pts(l.slPts / 100, 2)}`).join(' · '))}`));
    }
    blocks.push(divider());
    const buttons = [
      { text: 'Staffing for this day', actionId: 'run_command', value: `staffing ${r.queue} ${r.date}` },
      { text: 'Change levers', actionId: 'open_whatif', value: r.queue },
    ];
    if (!opts.public) buttons.push({ text: 'Share in channel', actionId: 'share_in_channel', value: r.line });
    blocks.push(actions(buttons));
    blocks.push(
      context(
        esc(`${r.modelNote}. ${x.riskIndexExplanation}`),
        esc(x.assumptions[0]),
      ),
    );
    return blocks;
  },
});
