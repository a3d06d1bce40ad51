/**
 * `calibration <queue> [date] [--days N]` — the queue model a what-if for that day uses: the model chosen
 * (Erlang C or A), the handle-time factor k, the effective-agents factor m, the patience and where it came from,
 * the fit window, and the rolling-origin backtest over the last N history days (each predicted by a fit on the
 * days before it): interval MAE and bias (volume-weighted), day-level MAE, every candidate's error and the days.
 */
import { z } from 'zod';
import { defineCommand, UsageError } from '../src/registry.js';
import { isIsoDate } from '../src/grammar/dates.js';
import { listQueues } from '../src/warehouse/queries.js';
import { localToday } from '../src/time.js';
import { num, table } from '../src/format.js';
import { header, section, context, fields, esc, codeSections, type Block } from '../src/blocks/kit.js';
import { predictionRange, type QueueCalibration } from '../src/engines/queueing/index.js';
import { queueCalibrationFor, CALIBRATION_WINDOW_DAYS } from './queueModel.js';
import { takeQueueAndDay } from './whatif.js';

const EXAMPLE = 'calibration billing --days 7';
const MAX_DAYS = CALIBRATION_WINDOW_DAYS - 5;

export const calibrationArgs = z.object({
  queue: z.string().min(1).describe('Queue name'),
  date: z.string().refine(isIsoDate, 'date must be YYYY-MM-DD').nullable().default(null).describe("The day the calibration is for (fitted on the days before it); null = today in the queue's time zone"),
  days: z.number().int().min(2).max(MAX_DAYS).default(5).describe('History days the rolling-origin backtest predicts (each from a fit on the days before it)'),
});
export type CalibrationArgs = z.output<typeof calibrationArgs>;

export interface CalibrationCommandResult {
  queue: string;
  displayName: string;
  /** The day the calibration would predict. */
  day: string;
  calibration: QueueCalibration | null;
  error: string | null;
}

/** "--days 7", "days=7", "days 7", "7 days", "last 7 days" → 7; the words left over. */
function takeDays(words: string[], opt: string | undefined): { days: number | null; rest: string[] } {
  const bad = (v: string) => new UsageError(`The backtest length "${v}" must be a whole number of days from 2 to ${MAX_DAYS}.`, EXAMPLE);
  if (opt !== undefined) {
    if (!/^\d+$/.test(opt)) throw bad(opt);
    return { days: Number(opt), rest: words };
  }
  const text = ` ${words.join(' ')} `;
  const m = text.match(/\s(?:last\s+)?(\d+)\s+days?\s/i) ?? text.match(/\sdays?\s+(\d+)\s/i);
  if (!m) return { days: null, rest: words };
  const rest = (text.slice(0, m.index!) + ' ' + text.slice(m.index! + m[0].length)).split(/\s+/).filter(Boolean);
  return { days: Number(m[1]), rest };
}

const f1 = (x: number) => num(x, 1);
const signed = (x: number) => `${x > 0 ? '+' : ''}${num(x, 1)}`;

function modelLine(c: QueueCalibration): string {
  const model = c.model === 'erlang_a' ? 'Erlang A' : 'Erlang C';
  const m = c.agentFactor !== 1 ? `, effective agents m = ${num(c.agentFactor, 2)}` : '';
  const corr = !c.correction
    ? ''
    : c.correction.kind === 'load'
      ? `; then a logistic correction by the interval's and the previous half-hour's load per agent (coefficients ${c.correction.coefficients.map((b) => num(b, 2)).join(', ')})`
      : '; then a time-of-day correction (mean residual per interval slot, shrunk)';
  return `${model} (${c.candidate}): handle-time factor k = ${num(c.handleTimeFactor, 2)}${m}${corr}`;
}

function spreadLine(c: QueueCalibration): string {
  if (c.dispersion === null || c.dispersion === undefined) return 'Spread of intervals around the model: not fitted (too few backtest intervals); an interval is shown at its expected SL.';
  return `Spread of intervals around the model: Beta-binomial, intra-interval correlation ρ ${num(c.dispersion, 3)} (fitted on the backtest's out-of-sample intervals); whatif shows each interval's typical (median) SL from it beside the expected SL, which day figures and staffing use.`;
}

function patienceLine(c: QueueCalibration): string {
  if (c.patienceSeconds === null) return `Patience: ${c.patienceNote}`;
  const used = c.model === 'erlang_a' ? '' : ' (not used: Erlang C predicted better)';
  return `Patience: ${num(c.patienceSeconds)} s from ${c.patienceSource === 'waits' ? 'queue waits' : 'abandonment'}${used} — ${c.patienceNote}`;
}

export const calibration = defineCommand({
  name: 'calibration',
  summary: 'The calibrated queue model behind what-if and staffing: model chosen, handle-time factor, patience, and its out-of-sample backtest.',
  usage: 'calibration <queue> [date] [--days N]',
  examples: [EXAMPLE, 'calibration billing', 'calibration tech_support 2026-11-20', 'calibration billing last 10 days'],
  aliases: ['calib', 'model'],
  needsIntervals: true,
  writes: () => true,
  args: calibrationArgs,
  parse(t, pctx) {
    const { days, rest } = takeDays(t.positional, t.options.days);
    if (days !== null && (days < 2 || days > MAX_DAYS)) throw new UsageError(`The backtest length must be 2 to ${MAX_DAYS} days (the fit keeps at least 5 of its ${CALIBRATION_WINDOW_DAYS} days to train on), got ${days}.`, EXAMPLE);
    const { queue, date } = takeQueueAndDay({ ...t, options: Object.fromEntries(Object.entries(t.options).filter(([k]) => k !== 'days')) }, rest, pctx, EXAMPLE);
    return { queue, date, days: days ?? 5 };
  },
  run(ctx, args): CalibrationCommandResult {
    const q = listQueues(ctx.db).find((x) => x.queue === args.queue);
    if (!q) throw new UsageError(`No data for queue "${args.queue}".`, EXAMPLE);
    const tz = q.timeZone ?? ctx.config.RADAR_TZ;
    const day = args.date ?? localToday(ctx.now, tz);
    const cal = queueCalibrationFor(ctx.db, q.queue, day, { backtestDays: args.days, now: ctx.now });
    return { queue: q.queue, displayName: q.displayName, day, calibration: 'error' in cal ? null : cal, error: 'error' in cal ? cal.error : null };
  },
  text(r) {
    if (!r.calibration) return `Queue model — ${r.queue}, for ${r.day}\n${r.error}`;
    const c = r.calibration;
    const lines = [
      `Queue model — ${r.queue}, for ${r.day} (fitted on ${c.fitFrom}..${c.fitThrough}: ${c.days} days, ${num(c.intervals)} intervals with calls)`,
      modelLine(c),
      patienceLine(c),
      ...(c.factorNote ? [`Warning: ${c.factorNote}.`] : []),
      spreadLine(c),
    ];
    const bt = c.backtest;
    if (bt) {
      const band = predictionRange(c, 50);
      lines.push(
        `Backtest (each of the last ${bt.origins} history days predicted from a fit on the days before it): interval MAE ${f1(bt.maePp)} pp, bias ${signed(bt.biasPp)} pp (volume-weighted); day-level MAE ${f1(bt.dayMaePp)} pp, RMS ${f1(bt.dayRmsPp)} pp → a day's SL is given ± ${f1((band.highPct - band.lowPct) / 2)} pp (${Math.round(band.level * 100)} % interval).`,
        'Candidates (out of sample; the simplest within 0.2 pp of the lowest MAE is chosen):',
        table(['candidate', 'MAE pp', 'bias pp'], c.candidates.map((x) => [x.name + (x.name === c.candidate ? ' ←' : ''), Number.isFinite(x.maePp) ? f1(x.maePp) : 'n/a', Number.isFinite(x.biasPp) ? signed(x.biasPp) : 'n/a']), [0]),
        table(['day', 'predicted', 'realised', 'error', 'calls'], bt.perDay.map((d) => [d.day, `${f1(d.predictedPct)} %`, `${f1(d.realisedPct)} %`, `${signed(d.predictedPct - d.realisedPct)} pp`, num(d.offered)]), [0]),
      );
    } else lines.push('No backtest: too few days to hold any out.');
    lines.push(`Fitted inputs: ${num(c.inputRange.agents[0], 1)}–${num(c.inputRange.agents[1], 1)} agents, ${num(c.inputRange.offered[0])}–${num(c.inputRange.offered[1])} calls per interval, AHT ${num(c.inputRange.ahtSeconds[0])}–${num(c.inputRange.ahtSeconds[1])} s; what-ifs outside that range are flagged as extrapolations.`);
    return lines.join('\n');
  },
  blocks(r) {
    const blocks: Block[] = [header(`Queue model — ${r.displayName}`)];
    if (!r.calibration) {
      blocks.push(section(esc(r.error ?? '')));
      return blocks;
    }
    const c = r.calibration;
    const bt = c.backtest;
    blocks.push(context(esc(`For ${r.day}: fitted on ${c.fitFrom}..${c.fitThrough} (${c.days} days, ${num(c.intervals)} intervals with calls)`)));
    blocks.push(
      fields([
        `*Model*\n${esc(c.candidate)}`,
        `*Handle-time factor k*\n${num(c.handleTimeFactor, 2)}${c.agentFactor !== 1 ? ` · agents × ${num(c.agentFactor, 2)}` : ''}`,
        `*Patience*\n${c.patienceSeconds === null ? 'not estimated' : `${num(c.patienceSeconds)} s (${c.patienceSource === 'waits' ? 'queue waits' : 'abandonment'})`}`,
        `*Backtest MAE*\n${bt ? `${f1(bt.maePp)} pp, bias ${signed(bt.biasPp)} pp` : '–'}`,
        `*Day-level MAE*\n${bt ? `${f1(bt.dayMaePp)} pp over ${bt.origins} days` : '–'}`,
      ]),
    );
    blocks.push(context(esc(patienceLine(c))));
    blocks.push(context(esc(spreadLine(c))));
    if (c.factorNote) blocks.push(section(`:warning: ${esc(c.factorNote)}.`));
    if (bt) {
      blocks.push(section('*Candidates* (out of sample; the simplest within 0.2 pp of the lowest MAE is chosen)'));
      blocks.push(...codeSections(table(['candidate', 'MAE pp', 'bias pp'], c.candidates.map((x) => [x.name + (x.name === c.candidate ? ' ←' : ''), Number.isFinite(x.maePp) ? f1(x.maePp) : 'n/a', Number.isFinite(x.biasPp) ? signed(x.biasPp) : 'n/a']), [0])));
      blocks.push(...codeSections(table(['day', 'predicted', 'realised', 'error'], bt.perDay.map((d) => [d.day, `${f1(d.predictedPct)} %`, `${f1(d.realisedPct)} %`, `${signed(d.predictedPct - d.realisedPct)} pp`]), [0])));
    }
    blocks.push(context('Each backtest day is predicted from a fit on the days before it only; MAE and bias are volume-weighted over its intervals.'));
    return blocks;
  },
});
