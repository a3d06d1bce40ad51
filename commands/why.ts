/**
 * `why [queue] [date]` or `why [queue] --before D1..D2 --after D3..D4` — why SL changed: an exact Shapley
 * decomposition of the SL change over {arrivals, talk, ACW, agents} through the queue model (engine:
 * src/engines/drift/attribution.ts), plus the residual the model does not explain, when the main driver's
 * shift started (drift detector), which other queues show the same driver moving, and what customers wrote
 * about more than usual over the same window (term lift over ticket text, with example tickets).
 * Default comparison: the day against the same weekday averaged over the 4 weeks before.
 */
import { z } from 'zod';
import { defineCommand, UsageError, type CommandContext } from '../src/registry.js';
import { intervalRows, latestDate, listQueues, type QueueInfo } from '../src/warehouse/queries.js';
import { addDays, dowOf, localParts, localToday, WEEKDAY_SHORT } from '../src/time.js';
import { parseDateExpr } from '../src/grammar/dates.js';
import { dateRangeSchema, noLeftovers, takeQueue, takeRange } from './args.js';
import { pct, dur, hhmm } from '../src/format.js';
import { header, section, context, actions, esc, clip, divider, fields, type Block } from '../src/blocks/kit.js';
import { termLift } from '../src/engines/retrieval/index.js';
import { attributeDay, attributeSlChange, detectDrift, fmtPct, fmtPts, PLAYERS, type Attribution, type IntervalRecord, type Player, type WindowSummary } from '../src/engines/drift/index.js';
import { toRecord, DRIVER_LABEL } from './drift.js';
import type { SlModel } from '../src/engines/queueing/index.js';
import { queueCalibrationFor } from './queueModel.js';
import { calibratedAnswerModel, calibratedModelName } from './modelBasis.js';

const EXAMPLE = 'why billing yesterday';
const EXAMPLE_RANGES = 'why --queue billing --before 2026-11-02..2026-11-08 --after 2026-11-09..2026-11-15';

export const whyArgs = z.object({
  queue: z.string().min(1).nullable().default(null).describe('Queue name; null = the queue whose SL fell most'),
  date: z.string().nullable().default(null).describe('Local date YYYY-MM-DD compared with the same weekday of the 4 weeks before; null = today (or the latest day with data)'),
  before: dateRangeSchema.nullable().default(null).describe('Explicit "before" window (with `after`)'),
  after: dateRangeSchema.nullable().default(null).describe('Explicit "after" window (with `before`), or a range compared with the 4 weeks before it'),
});
export type WhyArgs = z.output<typeof whyArgs>;

export interface WhyResult {
  queue: string;
  displayName: string;
  mode: 'day' | 'ranges';
  /** The day explained (mode 'day'). */
  date: string | null;
  beforeRange: { from: string; to: string };
  afterRange: { from: string; to: string };
  observedDelta: number;
  modelDelta: number;
  contributions: Record<Player, number>;
  residual: number;
  model: 'erlang-a' | 'erlang-c';
  meanPatienceSeconds: number | null;
  /** The queue model the split went through: the queue's calibration (as whatif uses it) or textbook Erlang. */
  modelNote: string;
  /** The model's short name for prose: "calibrated Erlang A (k = 1.50)", or "textbook Erlang C" when uncalibrated. */
  modelName: string;
  calibrated: boolean;
  /** Why textbook Erlang is used; null when calibrated. */
  fallbackReason: string | null;
  /** The calibration's backtest accuracy line; null when uncalibrated. */
  accuracy: string | null;
  before: WindowSummary;
  after: WindowSummary;
  driverChanges: Record<Player, number>;
  headline: string;
  /** The facts as sentences, largest contribution first, then the model/residual and context lines. */
  sentences: string[];
  facts: Attribution['facts'];
  /** When the main driver's shift began (drift detector over the 14 days to the explained day); `atLeast`: it was already under way at the start of those 14 days. */
  started: { driver: Player; direction: 'up' | 'down'; onsetEstimate: string; onsetLocal: string; detectedAt: string; status: 'open' | 'closed'; atLeast: boolean } | null;
  sameDriverElsewhere: { queue: string; change: number; contribution: number }[];
  /** Terms customers used more than usual in the explained window (≤ 5, strongest first); [] when none stand out or there are no tickets. */
  customersWroteAbout: CustomerTerm[];
  /** The ticket windows behind `customersWroteAbout`; null when the queue had no tickets in either. */
  customersWindow: CustomersWindow | null;
  note: string | null;
}

export interface CustomerTerm {
  term: string;
  /** Fightin' Words z-score (log-odds ratio / its standard error). */
  zScore: number;
  /** Share of tickets mentioning it, after / before; null when the baseline never mentions it. */
  lift: number | null;
  /** Tickets mentioning the term in the window / in the baseline. */
  countAfter: number;
  countBefore: number;
  /** Newest first, at most 2. */
  examples: { ticketId: string; subject: string }[];
}

export interface CustomersWindow {
  /** "since Wed 2026-11-11 08:00", "on 2026-11-18", "2026-11-09..2026-11-15". */
  label: string;
  /** "the 28 days before" or "2026-11-02..2026-11-08". */
  baselineLabel: string;
  /** UTC bounds, end exclusive. */
  from: string;
  to: string;
  baselineFrom: string;
  baselineTo: string;
  ticketsAfter: number;
  ticketsBefore: number;
}

function windowRecords(ctx: CommandContext, q: string, from: string, to: string, dow?: number): IntervalRecord[] {
  const nowMs = ctx.now.getTime();
  return intervalRows(ctx.db, q, from, to, dow)
    .filter((r) => Date.parse(r.intervalStart) <= nowMs)
    .map(toRecord);
}

/** How many other queues get the exact attribution when looking for the same driver moving elsewhere. */
const ELSEWHERE_CANDIDATES = 6;

/**
 * A plain relative change of one driver per queue between the plan's windows (arrivals per day, handled-
 * weighted talk and ACW, mean agents over open intervals), from one GROUP BY over the per-day totals
 * (v_interval_day_totals: a few rows per queue, so unrelated queues cost next to nothing): the shortlist
 * for the exact, slot-matched attribution. Day mode compares the day with the same weekday of the four
 * weeks before, named as those five dates.
 */
function roughDriverChanges(ctx: CommandContext, plan: Plan, driver: Player, queues: string[]): Map<string, number> {
  const out = new Map<string, number>();
  if (!queues.length) return out;
  const value = driver === 'arrivals' ? 'SUM(offered)' : driver === 'agents' ? 'SUM(agents_open)' : driver === 'talk' ? 'SUM(talk_handled)' : 'SUM(acw_handled)';
  const per = driver === 'arrivals' ? 'COUNT(*)' : driver === 'agents' ? 'SUM(open_intervals)' : 'SUM(handled_timed)';
  const days = plan.mode === 'day' ? [28, 21, 14, 7, 0].map((d) => addDays(plan.date!, -d)) : null;
  const when = days ? `local_date IN (${days.map(() => '?').join(',')})` : 'local_date BETWEEN ? AND ? AND NOT (local_date > ? AND local_date < ?)';
  const rows = ctx.db
    .prepare(
      `SELECT queue, local_date >= ? AS after, ${value} AS v, ${per} AS per
       FROM v_interval_day_totals
       WHERE queue IN (${queues.map(() => '?').join(',')}) AND ${when}
       GROUP BY queue, after`,
    )
    .all(plan.after.from, ...queues, ...(days ?? [plan.before.from, plan.after.to, plan.before.to, plan.after.from])) as { queue: string; after: number; v: number | null; per: number | null }[];
  const wanted = new Set(queues);
  const by = new Map<string, { a?: number; b?: number }>();
  for (const r of rows) {
    if (!wanted.has(r.queue) || r.v === null || !r.per) continue;
    const e = by.get(r.queue) ?? {};
    e[r.after ? 'a' : 'b'] = r.v / r.per;
    by.set(r.queue, e);
  }
  for (const [queue, e] of by) if (e.a !== undefined && e.b) out.set(queue, e.a / e.b - 1);
  return out;
}

interface Plan {
  mode: 'day' | 'ranges';
  date: string | null;
  before: { from: string; to: string };
  after: { from: string; to: string };
}

/** The queue model of a comparison: the queue's calibration fitted before the explained day (or the after-window). */
interface WhyModel {
  slModel: SlModel | null;
  note: string | null;
  name: string | null;
  accuracy: string | null;
  fallbackReason: string | null;
}

function whyModel(ctx: CommandContext, q: QueueInfo, plan: Plan): WhyModel {
  const cal = queueCalibrationFor(ctx.db, q.queue, plan.mode === 'day' ? plan.date! : plan.after.from);
  if ('error' in cal) return { slModel: null, note: null, name: null, accuracy: null, fallbackReason: cal.error };
  const am = calibratedAnswerModel(cal, q.intervalSeconds);
  return { slModel: am.model, note: am.note, name: calibratedModelName(cal), accuracy: am.accuracy?.text ?? null, fallbackReason: null };
}

function attribute(ctx: CommandContext, q: string, plan: Plan, slModel: SlModel | null = null): Attribution | null {
  const opts = slModel ? { slModel } : {};
  try {
    // A day is compared with the same weekday of the weeks before (attributeDay uses nothing else): read only those.
    if (plan.mode === 'day') return attributeDay(windowRecords(ctx, q, plan.before.from, plan.after.to, dowOf(plan.date!)), plan.date!, opts);
    const before = windowRecords(ctx, q, plan.before.from, plan.before.to);
    const after = windowRecords(ctx, q, plan.after.from, plan.after.to);
    if (!before.length || !after.length) return null;
    return attributeSlChange(before, after, opts);
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

function localStamp(iso: string, tz: string): string {
  const p = localParts(Date.parse(iso), tz);
  return `${WEEKDAY_SHORT[p.dow]} ${p.date} ${hhmm(p.minute)}`;
}

/** When did the main driver's shift start? The drift detector over the 14 days up to the after-window's end. */
function startedOf(ctx: CommandContext, q: QueueInfo, plan: Plan, driver: Player, direction: 'up' | 'down'): WhyResult['started'] {
  const tz = q.timeZone ?? ctx.config.RADAR_TZ;
  const from = addDays(plan.after.to, -13) < plan.after.from ? addDays(plan.after.to, -13) : plan.after.from;
  const rows = windowRecords(ctx, q.queue, addDays(from, -28), plan.after.to);
  if (!rows.some((r) => r.localDate >= from)) return null;
  const res = detectDrift(rows, { from, to: plan.after.to, drivers: [driver], seed: 1, falseAlarmsPer30Days: 0.1 });
  const hit = res.events
    .filter((e) => e.direction === direction && (e.status === 'open' || (e.closedAt ?? '') >= plan.after.from))
    .sort((a, b) => a.onsetEstimate.localeCompare(b.onsetEstimate))[0];
  if (!hit) return null;
  const onsetLocal = localStamp(hit.onsetEstimate, tz);
  return { driver, direction, onsetEstimate: hit.onsetEstimate, onsetLocal, detectedAt: hit.detectedAt, status: hit.status, atLeast: onsetLocal.slice(4, 14) === from };
}

/**
 * What customers wrote about more than usual. Day mode: from the main driver's onset (when the detector found
 * one, else the day itself) to the end of the day, against the 28 days before that start — so the baseline is
 * free of the shift and a week-old issue is not diluted by a single day's handful of tickets. Ranges mode: the
 * after-window against the before-window. Any failure (no ticket table, bad bounds) → no terms, never an error.
 */
function customersOf(ctx: CommandContext, q: QueueInfo, plan: Plan, started: WhyResult['started']): { terms: CustomerTerm[]; window: CustomersWindow | null } {
  const tz = q.timeZone ?? ctx.config.RADAR_TZ;
  try {
    let from: string;
    let label: string;
    let baseline: { from: string; to: string } | null = null;
    if (plan.mode === 'ranges') {
      from = plan.after.from;
      baseline = plan.before;
      label = `${plan.after.from}..${plan.after.to}`;
    } else if (started) {
      from = started.onsetEstimate;
      label = started.atLeast ? `since at least ${started.onsetLocal.slice(4, 14)}` : `since ${started.onsetLocal}`;
    } else {
      from = plan.date!;
      label = `on ${plan.date}`;
    }
    const res = termLift(ctx.db, {
      queue: q.queue,
      from,
      to: plan.after.to,
      baselineFrom: baseline?.from,
      baselineTo: baseline?.to,
      tz,
      limit: 5,
      examples: 2,
    });
    if (!res.window.tickets && !res.baseline.tickets) return { terms: [], window: null };
    const terms = res.terms.slice(0, 5).map((t) => ({
      term: t.term,
      zScore: t.z,
      lift: Number.isFinite(t.lift) ? t.lift : null,
      countAfter: t.windowCount,
      countBefore: t.baselineCount,
      examples: t.examples.slice(0, 2).map((e) => ({ ticketId: e.ticketId, subject: e.subject })),
    }));
    return {
      terms,
      window: {
        label,
        baselineLabel: baseline ? `${baseline.from}..${baseline.to}` : 'the 28 days before',
        from: res.window.from,
        to: res.window.to,
        baselineFrom: res.baseline.from,
        baselineTo: res.baseline.to,
        ticketsAfter: res.window.tickets,
        ticketsBefore: res.baseline.tickets,
      },
    };
  } catch {
    return { terms: [], window: null };
  }
}

/** "“invoice portal” 11 tickets (3 before)". */
function termLine(t: CustomerTerm): string {
  return `“${t.term}” in ${t.countAfter} ${t.countAfter === 1 ? 'ticket' : 'tickets'} (${t.countBefore} before, z ${t.zScore.toFixed(1)})`;
}

const PLAYER_WORD: Record<Player, string> = { arrivals: 'Arrivals', talk: 'Talk time', acw: 'ACW', agents: 'Staffed agents' };

export const why = defineCommand({
  name: 'why',
  summary: 'Why SL changed: exact Shapley split over arrivals, talk time, ACW and agents, plus the unexplained residual.',
  usage: 'why [queue] [date | --before D1..D2 --after D3..D4] [public]',
  examples: [EXAMPLE, 'why', 'why tech_support 2026-11-18', EXAMPLE_RANGES],
  needsIntervals: true,
  args: whyArgs,
  parse(t, pctx) {
    const { queue, rest } = takeQueue(t, pctx, EXAMPLE);
    const tz = queue ? pctx.queueTz(queue) : pctx.tz;
    const today = localToday(pctx.now, tz);
    const b = t.options.before;
    const a = t.options.after;
    if (b !== undefined || a !== undefined) {
      if (b === undefined || a === undefined) throw new UsageError('Give both windows: --before D1..D2 --after D3..D4.', EXAMPLE_RANGES);
      const before = parseDateExpr(b, today);
      const after = parseDateExpr(a, today);
      if (!before || !after) throw new UsageError(`I couldn't read the windows "${b}" and "${a}".`, EXAMPLE_RANGES);
      noLeftovers(rest, EXAMPLE_RANGES);
      return { queue, before, after };
    }
    const { range, rest: left } = takeRange(t, rest, tz, pctx, EXAMPLE);
    if (left.length === 1 && !range && !queue && pctx.queues.length) {
      throw new UsageError(`I don't know the queue or date "${left[0]}". Queues: ${pctx.queues.join(', ')}.`, EXAMPLE);
    }
    noLeftovers(left, EXAMPLE);
    if (!range) return { queue };
    if (range.from === range.to) return { queue, date: range.from };
    return { queue, after: range };
  },
  run(ctx, args): WhyResult {
    const all = listQueues(ctx.db);
    if (!all.length) throw new UsageError('No queues in the warehouse yet. Load data with `radar ingest <files>` or run `radar demo`.', EXAMPLE);
    const candidates = args.queue ? all.filter((q) => q.queue === args.queue) : all;
    if (!candidates.length) throw new UsageError(`No data for queue "${args.queue}".`, EXAMPLE);

    const planFor = (q: QueueInfo): Plan => {
      if (args.before && args.after) return { mode: 'ranges', date: null, before: args.before, after: args.after };
      if (args.after) return { mode: 'ranges', date: null, before: { from: addDays(args.after.from, -28), to: addDays(args.after.from, -1) }, after: args.after };
      const tz = q.timeZone ?? ctx.config.RADAR_TZ;
      const date = args.date ?? latestDate(ctx.db, localToday(ctx.now, tz), [q.queue]) ?? localToday(ctx.now, tz);
      return { mode: 'day', date, before: { from: addDays(date, -28), to: addDays(date, -1) }, after: { from: date, to: date } };
    };

    // Without a queue: the one whose SL fell most against its usual (the observed change, which no model enters).
    let pick: { q: QueueInfo; plan: Plan; att: Attribution } | null = null;
    for (const q of candidates) {
      const plan = planFor(q);
      const att = attribute(ctx, q.queue, plan);
      if (att && (!pick || att.observedDelta < pick.att.observedDelta)) pick = { q, plan, att };
    }
    if (!pick) {
      const plan = planFor(candidates[0]);
      const what = plan.mode === 'day' ? `${plan.date} and the same weekday in the 4 weeks before` : `${plan.before.from}..${plan.before.to} and ${plan.after.from}..${plan.after.to}`;
      throw new UsageError(`Not enough data to compare${args.queue ? ` on ${args.queue}` : ''}: I need intervals on ${what}.`, EXAMPLE);
    }
    const { q, plan } = pick;
    // The split itself goes through the queue's calibration, the model whatif, staffing and the alerts use.
    const qm = whyModel(ctx, q, plan);
    const att = (qm.slModel && attribute(ctx, q.queue, plan, qm.slModel)) || pick.att;
    const calibrated = qm.slModel !== null && att !== pick.att;
    const top = att.facts[0];
    const direction: 'up' | 'down' = top.change >= 0 ? 'up' : 'down';
    const started = Math.abs(top.contribution) >= 0.5 ? startedOf(ctx, q, plan, top.driver, direction) : null;

    // Other queues where the same driver moved: one aggregate query ranks them all by a plain before/after
    // ratio, and only the few best candidates get the exact attribution, so the cost does not grow with
    // the number of unrelated queues.
    const sameDriverElsewhere: WhyResult['sameDriverElsewhere'] = [];
    const others = all.filter((o) => o.queue !== q.queue);
    const rough = roughDriverChanges(ctx, plan, top.driver, others.map((o) => o.queue));
    const shortlist = others
      .filter((o) => rough.has(o.queue) && Math.sign(rough.get(o.queue)!) === Math.sign(top.change) && Math.abs(rough.get(o.queue)!) >= 0.025)
      .sort((a, b) => Math.abs(rough.get(b.queue)!) - Math.abs(rough.get(a.queue)!))
      .slice(0, ELSEWHERE_CANDIDATES);
    for (const other of shortlist) {
      const o = attribute(ctx, other.queue, plan, whyModel(ctx, other, plan).slModel);
      if (!o) continue;
      const ch = o.driverChanges[top.driver];
      if (Math.sign(ch) === Math.sign(top.change) && Math.abs(ch) >= 0.05) sameDriverElsewhere.push({ queue: other.queue, change: ch, contribution: o.contributions[top.driver] });
    }
    sameDriverElsewhere.sort((a, b) => Math.abs(b.change) - Math.abs(a.change));

    const customers = customersOf(ctx, q, plan, started);

    const usual = plan.mode === 'day' ? 'usual' : 'before';
    const headline = `SL ${att.after.sl.toFixed(1)} % vs ${att.before.sl.toFixed(1)} % ${usual}, ${fmtPts(att.observedDelta)}`;
    const sentences: string[] = att.facts.filter((f, i) => i < 2 || Math.abs(f.contribution) >= 0.05).map((f) => f.text);
    const modelNote = calibrated ? qm.note! : `textbook ${att.model === 'erlang-a' ? `Erlang A, patience ${dur(att.meanPatienceSeconds)}` : 'Erlang C'}, uncalibrated`;
    sentences.push(`The queue model (${modelNote}${calibrated ? '' : qm.fallbackReason ? `: ${qm.fallbackReason}` : ''}) explains ${fmtPts(att.modelDelta)} of the ${fmtPts(att.observedDelta)}; residual ${fmtPts(att.residual)}.`);
    if (started) {
      const since = started.atLeast ? `since at least ${started.onsetLocal.slice(0, 14)}` : `from ${started.onsetLocal}`;
      const still = started.status === 'open' ? ` and ${started.driver === 'agents' ? 'are' : 'is'} still ${started.direction}` : '';
      sentences.push(`${PLAYER_WORD[started.driver]} ${started.direction === 'up' ? 'rose' : 'fell'} ${since}${still}.`);
    }
    if (sameDriverElsewhere.length) sentences.push(`${PLAYER_WORD[top.driver]} moved the same way on ${sameDriverElsewhere.map((s) => `${s.queue} (${fmtPct(s.change)})`).join(', ')}.`);

    const beforeRange = plan.mode === 'day' ? { from: addDays(plan.date!, -28), to: addDays(plan.date!, -7) } : plan.before;
    return {
      queue: q.queue,
      displayName: q.displayName,
      mode: plan.mode,
      date: plan.date,
      beforeRange,
      afterRange: plan.after,
      observedDelta: att.observedDelta,
      modelDelta: att.modelDelta,
      contributions: att.contributions,
      residual: att.residual,
      model: att.model,
      meanPatienceSeconds: att.meanPatienceSeconds,
      modelNote,
      modelName: calibrated ? qm.name! : `textbook ${att.model === 'erlang-a' ? 'Erlang A' : 'Erlang C'}`,
      calibrated,
      fallbackReason: calibrated ? null : (qm.fallbackReason ?? 'the calibrated model could not split this comparison'),
      accuracy: calibrated ? qm.accuracy : null,
      before: att.before,
      after: att.after,
      driverChanges: att.driverChanges,
      headline,
      sentences,
      facts: att.facts,
      started,
      sameDriverElsewhere,
      customersWroteAbout: customers.terms,
      customersWindow: customers.window,
      note: args.queue ? null : `Picked ${q.queue}: the queue whose SL fell most.`,
    };
  },
  text(r) {
    const when = r.mode === 'day' ? `${r.date} vs the same weekday of the 4 weeks before` : `${r.afterRange.from}..${r.afterRange.to} vs ${r.beforeRange.from}..${r.beforeRange.to}`;
    const lines = [`Why — ${r.queue}, ${when}`, r.headline];
    if (r.note) lines.push(r.note);
    lines.push('');
    for (const s of r.sentences) lines.push(`• ${s}`);
    lines.push('', 'driver        before    after   change  contribution');
    const row = (name: string, b: string, a: string, p: Player) => `${name.padEnd(12)}  ${b.padStart(7)}  ${a.padStart(7)}  ${fmtPct(r.driverChanges[p]).padStart(7)}  ${fmtPts(r.contributions[p]).padStart(12)}`;
    lines.push(row('arrivals/day', r.before.offeredPerDay.toFixed(0), r.after.offeredPerDay.toFixed(0), 'arrivals'));
    lines.push(row('talk', dur(r.before.talkSeconds), dur(r.after.talkSeconds), 'talk'));
    lines.push(row('ACW', dur(r.before.acwSeconds), dur(r.after.acwSeconds), 'acw'));
    lines.push(row('agents', r.before.agents.toFixed(1), r.after.agents.toFixed(1), 'agents'));
    lines.push(`${'residual'.padEnd(12)}  ${''.padStart(7)}  ${''.padStart(7)}  ${''.padStart(7)}  ${fmtPts(r.residual).padStart(12)}`);
    lines.push(`SL observed ${pct(r.before.sl / 100)} → ${pct(r.after.sl / 100)}; modelled ${pct(r.before.slModel / 100)} → ${pct(r.after.slModel / 100)} (${r.modelNote}).`);
    if (r.accuracy) lines.push(`Queue model accuracy: ${r.accuracy}.`);
    const w = r.customersWindow;
    if (w) {
      lines.push('', `What customers wrote about more than usual (${w.label}, ${w.ticketsAfter} tickets, vs ${w.baselineLabel}, ${w.ticketsBefore}):`);
      if (!r.customersWroteAbout.length) lines.push('  nothing stands out.');
      for (const t of r.customersWroteAbout) {
        lines.push(`• ${termLine(t)}`);
        for (const e of t.examples) lines.push(`    ${e.ticketId}  ${clip(e.subject, 80)}`);
      }
    }
    return lines.join('\n');
  },
  blocks(r, opts) {
    const when = r.mode === 'day' ? `${r.date} vs usual` : `${r.afterRange.from}..${r.afterRange.to} vs ${r.beforeRange.from}..${r.beforeRange.to}`;
    const blocks: Block[] = [header(`Why — ${r.displayName}, ${when}`), section(`*${esc(r.headline)}*${r.note ? `\n_${esc(r.note)}_` : ''}`)];
    blocks.push(section(r.sentences.map((s) => `• ${esc(s)}`).join('\n')));
    blocks.push(
      fields(
        PLAYERS.map((p) => `*${DRIVER_LABEL[p]}* ${esc(fmtPct(r.driverChanges[p]))}\n${esc(fmtPts(r.contributions[p]))}`).concat([`*Residual*\n${esc(fmtPts(r.residual))}`]),
      ),
    );
    const w = r.customersWindow;
    if (w && r.customersWroteAbout.length) {
      const items = r.customersWroteAbout.map((t) => {
        const ex = t.examples.map((e) => `${esc(e.ticketId)} _${esc(clip(e.subject, 80))}_`).join(' · ');
        return `• ${esc(termLine(t))}${ex ? `\n    ${ex}` : ''}`;
      });
      blocks.push(section(`*What customers wrote about more than usual* (${esc(w.label)}, vs ${esc(w.baselineLabel)})\n${items.join('\n')}`));
    }
    blocks.push(divider());
    const date = r.mode === 'day' ? r.date! : r.afterRange.to;
    const buttons = [
      { text: 'Drift', actionId: 'run_command', value: `drift ${r.queue} ${date}` },
      { text: 'What-if', actionId: 'open_whatif', value: r.queue },
    ];
    if (!opts.public) buttons.push({ text: 'Share in channel', actionId: 'share_in_channel', value: r.mode === 'day' ? `why ${r.queue} ${r.date}` : `why ${r.queue} --before ${r.beforeRange.from}..${r.beforeRange.to} --after ${r.afterRange.from}..${r.afterRange.to}` });
    blocks.push(actions(buttons));
    blocks.push(
      context(
        `Exact Shapley split through the queue model (${esc(r.modelNote)})${r.accuracy ? ` — ${esc(r.accuracy)}` : ''}, slots matched by time of week: contributions add up to the modelled change; the residual is what the model does not explain. Realised SL = answered within target / offered.`,
      ),
    );
    return blocks;
  },
});

