/**
 * `staffing <queue> [date] [target 80/20] [shrinkage 30%] [max-occupancy 85%]` — agents needed per interval
 * (raw through the queue's calibration, textbook Erlang C when uncalibrated; scheduled after shrinkage) vs agents staffed, worst gaps first, and the day in agent-hours.
 */
import { z } from 'zod';
import { defineCommand, UsageError } from '../src/registry.js';
import { isIsoDate } from '../src/grammar/dates.js';
import { listQueues } from '../src/warehouse/queries.js';
import { localToday } from '../src/time.js';
import { num, dur, hhmm, table } from '../src/format.js';
import { header, section, context, actions, fields, esc, divider, codeSections, type Block } from '../src/blocks/kit.js';
import { staffingPlan, type StaffingResult, type WhatIfBasis } from '../src/engines/queueing/index.js';
import { loadQueueDay, modelLine, takeQueueAndDay } from './whatif.js';
import { answerModel, calibrationWarnings, fittedRangeWarnings, type AccuracyLine } from './modelBasis.js';

const EXAMPLE = 'staffing billing tomorrow target 80/20 shrinkage 30% max-occupancy 85%';
const DEFAULT_SHRINKAGE_PCT = 30;

export const staffingArgs = z.object({
  queue: z.string().min(1).describe('Queue name'),
  date: z.string().refine(isIsoDate, 'date must be YYYY-MM-DD').nullable().default(null).describe("Local date; null = today in the queue's time zone"),
  targetPct: z.number().gt(0).max(100).nullable().default(null).describe('SL target percent; null = the queue policy'),
  targetSeconds: z.number().min(0).max(3600).nullable().default(null).describe('SL answer-time target in seconds; null = the queue policy'),
  shrinkagePct: z.number().min(0).max(90).default(DEFAULT_SHRINKAGE_PCT).describe('Shrinkage percent (breaks, training, absence)'),
  maxOccupancyPct: z.number().gt(0).max(100).nullable().default(null).describe('Occupancy cap percent; null = no cap'),
});
export type StaffingArgs = z.output<typeof staffingArgs>;

const NUM = String.raw`(\d+(?:\.\d+)?)`;

/** Pulls "target 80/20", "80/20", "shrinkage 30%", "max-occupancy 85%" out of free text. */
export function extractStaffingOptions(text: string): { targetPct?: number; targetSeconds?: number; shrinkagePct?: number; maxOccupancyPct?: number; rest: string } {
  let s = ` ${text} `;
  const out: { targetPct?: number; targetSeconds?: number; shrinkagePct?: number; maxOccupancyPct?: number } = {};
  const take = (re: RegExp, f: (m: RegExpMatchArray) => void) => {
    const m = s.match(re);
    if (!m) return;
    f(m);
    s = s.slice(0, m.index!) + ' ' + s.slice(m.index! + m[0].length);
  };
  const frac = (v: string, unit: string | undefined) => (unit === '%' || Number(v) > 1 ? Number(v) : Number(v) * 100);
  take(new RegExp(String.raw`\s(?:target|sl|goal)?\s*[:=]?\s*${NUM}\s*%?\s*(?:/|in|within)\s*${NUM}\s*(?:s|secs?|seconds?)?(?=\s)`, 'i'), (m) => {
    out.targetPct = Number(m[1]);
    out.targetSeconds = Number(m[2]);
  });
  take(new RegExp(String.raw`\s(?:shrinkage|shrink)\s*[:=]?\s*${NUM}\s*(%)?(?=\s)`, 'i'), (m) => (out.shrinkagePct = frac(m[1], m[2])));
  take(new RegExp(String.raw`\s(?:max[\s-]*occ(?:upancy)?|occupancy(?:[\s-]*cap)?|occ)\s*(?:[:=]|<=|≤)?\s*${NUM}\s*(%)?(?=\s)`, 'i'), (m) => (out.maxOccupancyPct = frac(m[1], m[2])));
  return { ...out, rest: s.replace(/[,;]/g, ' ').trim() };
}

export interface StaffingCommandResult {
  queue: string;
  displayName: string;
  date: string;
  basis: WhatIfBasis;
  basisNote: string;
  target: { pct: number; seconds: number; source: 'policy' | 'asked' };
  shrinkagePct: number;
  maxOccupancyPct: number | null;
  plan: StaffingResult;
  /** Offered-weighted AHT used (seconds). */
  ahtSeconds: number | null;
  offered: number;
  /** Peak raw requirement and when (local time). */
  peak: { rawAgents: number; localTime: string } | null;
  /** The model the requirement comes from (the queue's calibration, or textbook Erlang C/A: fallbackReason). */
  modelNote: string;
  calibrated: boolean;
  fallbackReason: string | null;
  accuracy: AccuracyLine | null;
  warnings: string[];
}

export const staffing = defineCommand({
  name: 'staffing',
  summary: 'Agents needed per interval for the SL target (raw and after shrinkage) vs staffed, worst gaps first, in agent-hours.',
  usage: 'staffing <queue> [date] [target P/S] [shrinkage X%] [max-occupancy X%] [public]',
  examples: [EXAMPLE, 'staffing billing', 'staffing tech_support tomorrow target 90/30', 'staffing billing 2026-11-20 shrinkage=35%'],
  aliases: ['staff', 'headcount'],
  needsIntervals: true,
  args: staffingArgs,
  parse(t, pctx) {
    const opt = (k: string) => (t.options[k] !== undefined ? ` ${k} ${t.options[k]}` : '');
    const extra = `${opt('target')}${opt('shrinkage')}${opt('max-occupancy')}${opt('occupancy')}`;
    const o = extractStaffingOptions(`${t.positional.join(' ')}${extra}`);
    const words = o.rest.split(/\s+/).filter(Boolean);
    const { queue, date } = takeQueueAndDay(t, words, pctx, EXAMPLE);
    return {
      queue,
      date,
      targetPct: o.targetPct ?? null,
      targetSeconds: o.targetSeconds ?? null,
      shrinkagePct: o.shrinkagePct ?? DEFAULT_SHRINKAGE_PCT,
      maxOccupancyPct: o.maxOccupancyPct ?? null,
    };
  },
  run(ctx, args): StaffingCommandResult {
    const q = listQueues(ctx.db).find((x) => x.queue === args.queue);
    if (!q) throw new UsageError(`No data for queue "${args.queue}".`, EXAMPLE);
    const tz = q.timeZone ?? ctx.config.RADAR_TZ;
    const today = localToday(ctx.now, tz);
    const date = args.date ?? today;
    const day = loadQueueDay(ctx.db, { ...q, timeZone: tz }, date, today, (d) => `staffing ${q.queue} ${d}`);
    const asked = args.targetPct !== null && args.targetSeconds !== null;
    const am = answerModel(ctx.db, q.queue, date, day.history, day.intervals[0]?.intervalSeconds ?? 1800);
    // Uncalibrated, the requirement is the planner's textbook rule, Erlang C on the recorded inputs (said so).
    if (!am.calibration) am.note = 'textbook Erlang C on the recorded inputs, uncalibrated';
    const plan = staffingPlan(day.intervals, {
      model: am.calibration ? am.model : undefined,
      targetSlPct: args.targetPct ?? undefined,
      targetAnswerSeconds: args.targetSeconds ?? undefined,
      shrinkage: args.shrinkagePct / 100,
      maxOccupancy: args.maxOccupancyPct === null ? 1 : args.maxOccupancyPct / 100,
    });
    const offered = day.intervals.reduce((s, i) => s + i.offered, 0);
    const ahtW = day.intervals.reduce((s, i) => s + i.offered * i.ahtSeconds, 0);
    const peakRow = plan.rows.reduce<(typeof plan.rows)[number] | null>((best, r) => (!best || r.rawAgents > best.rawAgents ? r : best), null);
    return {
      queue: q.queue,
      displayName: q.displayName,
      date,
      basis: day.basis,
      basisNote: day.basisNote,
      target: asked ? { pct: args.targetPct!, seconds: args.targetSeconds!, source: 'asked' } : { pct: q.slTargetPct, seconds: q.slTargetSeconds, source: 'policy' },
      shrinkagePct: args.shrinkagePct,
      maxOccupancyPct: args.maxOccupancyPct,
      plan,
      ahtSeconds: offered > 0 ? ahtW / offered : null,
      offered,
      peak: peakRow && peakRow.rawAgents > 0 ? { rawAgents: peakRow.rawAgents, localTime: hhmm(peakRow.localMinute ?? 0) } : null,
      modelNote: am.note,
      calibrated: am.calibration !== null,
      fallbackReason: am.fallbackReason,
      accuracy: am.accuracy,
      warnings: [...calibrationWarnings(am), ...fittedRangeWarnings(am, day.intervals.map((iv) => ({ offered: iv.offered, ahtSeconds: iv.ahtSeconds, agents: iv.agentsStaffed, intervalSeconds: iv.intervalSeconds })))],
    };
  },
  text(r) {
    const t = r.plan.totals;
    const lines = [
      `Staffing — ${r.queue}, ${r.date} (${r.basisNote})`,
      `Target ${r.target.pct}/${r.target.seconds}s (${r.target.source}) · shrinkage ${num(r.shrinkagePct, 0)} % · max occupancy ${r.maxOccupancyPct === null ? 'none' : `${num(r.maxOccupancyPct, 0)} %`} · ${num(r.offered)} contacts, AHT ${dur(r.ahtSeconds)}`,
      `Agent-hours: needed ${num(t.rawAgentHours, 1)} on the phones, ${num(t.scheduledAgentHours, 1)} to schedule; staffed ${num(t.staffedAgentHours, 1)} → short ${num(t.shortAgentHours, 1)}, surplus ${num(t.surplusAgentHours, 1)}.`,
      `Model: ${modelLine(r)}`,
      ...r.warnings.map((w) => `⚠ Outside the fitted range: ${w}`),
      r.plan.intervalsShort ? `${r.plan.intervalsShort} interval(s) short of the requirement; worst first:` : 'Every interval is staffed at or above the requirement.',
    ];
    const shown = r.plan.rows.filter((x) => x.gap < 0).slice(0, 16);
    if (shown.length) {
      lines.push(
        table(
          ['time', 'load', 'needed', 'schedule', 'staffed', 'gap', 'binding'],
          shown.map((x) => [hhmm(x.localMinute ?? 0), num(x.loadErlangs, 1), num(x.rawAgents), num(x.scheduledAgents), num(x.agentsStaffed, 1), num(x.gap, 1), x.bindingConstraint === 'occupancy' ? 'occupancy' : 'SL']),
        ),
      );
    }
    if (r.peak) lines.push(`Peak requirement: ${r.peak.rawAgents} agents at ${r.peak.localTime}.`);
    lines.push(`Needed = smallest agents meeting the SL target through the model above (${r.modelNote}) and the occupancy cap; schedule = needed ÷ (1 − shrinkage), rounded up; staffed = agents available in the data.`);
    return lines.join('\n');
  },
  blocks(r, opts) {
    const t = r.plan.totals;
    const blocks: Block[] = [header(`Staffing — ${r.displayName}, ${r.date}`)];
    blocks.push(context(esc(`Target ${r.target.pct}/${r.target.seconds}s (${r.target.source}) · shrinkage ${num(r.shrinkagePct, 0)} % · max occupancy ${r.maxOccupancyPct === null ? 'none' : `${num(r.maxOccupancyPct, 0)} %`} — ${r.basisNote}`)));
    blocks.push(
      fields([
        `*Needed on the phones*\n${num(t.rawAgentHours, 1)} agent-h`,
        `*To schedule*\n${num(t.scheduledAgentHours, 1)} agent-h`,
        `*Staffed*\n${num(t.staffedAgentHours, 1)} agent-h`,
        `*Short / surplus*\n${num(t.shortAgentHours, 1)} / ${num(t.surplusAgentHours, 1)} agent-h`,
        `*Contacts*\n${num(r.offered)} · AHT ${dur(r.ahtSeconds)}`,
        `*Peak*\n${r.peak ? `${r.peak.rawAgents} agents at ${r.peak.localTime}` : '–'}`,
      ]),
    );
    const short = r.plan.rows.filter((x) => x.gap < 0).slice(0, 12);
    if (short.length) {
      blocks.push(section(`*${r.plan.intervalsShort} interval(s) short*, worst first:`));
      blocks.push(
        ...codeSections(
          table(
            ['time', 'needed', 'schedule', 'staffed', 'gap'],
            short.map((x) => [hhmm(x.localMinute ?? 0), num(x.rawAgents), num(x.scheduledAgents), num(x.agentsStaffed, 1), num(x.gap, 1)]),
          ),
        ),
      );
    } else blocks.push(section('✅ Every interval is staffed at or above the requirement.'));
    blocks.push(divider());
    const worst = short[0];
    const buttons = [
      worst
        ? { text: `What-if +${Math.ceil(-worst.gap)} agents`, actionId: 'run_command', value: `whatif ${r.queue} ${r.date} +${Math.ceil(-worst.gap)} agents` }
        : { text: 'What-if', actionId: 'open_whatif', value: r.queue },
    ];
    if (!opts.public) buttons.push({ text: 'Share in channel', actionId: 'share_in_channel', value: `staffing ${r.queue} ${r.date} target ${r.target.pct}/${r.target.seconds} shrinkage ${r.shrinkagePct}%${r.maxOccupancyPct === null ? '' : ` max-occupancy ${r.maxOccupancyPct}%`}` });
    blocks.push(actions(buttons));
    blocks.push(context(esc(`Model: ${modelLine(r)}`), esc(`Needed = smallest agents meeting the SL target through this model and the occupancy cap; schedule = needed ÷ (1 − shrinkage), rounded up.${r.warnings.length ? ` ⚠ Outside the fitted range: ${r.warnings[0]}` : ''}`)));
    return blocks;
  },
});

