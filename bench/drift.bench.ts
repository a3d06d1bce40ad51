/**
 * Drift engine quality bench: a labelled benchmark of simulated queues (call-by-call, src/sample/callsim)
 * at three sizes, with null cases and injected step/ramp shifts in talk, ACW, arrivals and agents.
 *
 * Each case: 28 training days + 14 monitored days, open 07:00–21:00 every day, 30-min intervals, weekly shape
 * (Monday peak, weekend ≈ 0.3–0.4) × two-hump intraday shape × a day-level arrivals factor (lognormal CV 3 %),
 * talk lognormal (270 s, CV 0.9), ACW lognormal (90 s, CV 0.6), exponential patience (150 s), agents scheduled
 * by Erlang C for 80/20 on the forecast (+3 % buffer) minus a daily absence rate U(0, 6 %) drawn per agent.
 * Shifts: talk, arrivals, agents ±10–25 % (uniform); ACW ±20–40 % (ACW is a quarter of handle time here, so
 * ±10–25 % of it moves load by only ±2.5–6 %, inside the day-to-day noise of arrivals: not identifiable as
 * "the" cause by any method — those cases run separately, reported but not counted in the targets); step or a
 * 2-day linear ramp; onset at a random time of monitored days 1–6.
 *
 * Reported: false alarms per 30 queue-days (every event in null cases and every event detected before the
 * onset in shift cases, pooled), detection delay (monitored intervals with data from the true onset to the
 * first event of the right driver and direction), share detected within 7 days, and top-1 attribution
 * accuracy (the 3 full days after the shift is complete vs the 28 days before the onset, matched by time of
 * week; correct when the largest |Shapley contribution| is the shifted driver).
 */
import { attributeSlChange, detectDrift, type Driver, type DriftEvent, type IntervalRecord, type Player } from '../src/engines/drift/index.js';
import { requiredAgents } from '../src/engines/queueing/index.js';
import { createRng, type Rng } from '../src/engines/shared/rng.js';
import { simulateDay, type CallsimInterval } from '../src/sample/callsim.js';
import { intraday, WEEKLY } from '../src/sample/queues.js';
import type { BenchContext, BenchRow } from './types.js';

const IV = 1800;
const OPEN = 7 * 60;
const CLOSE = 21 * 60;
const TRAIN = 28;
const MONITOR = 14;
const START = '2026-01-05'; // a Monday
const TALK = 270;
const ACW = 90;
const PATIENCE = 150;
const TARGET_S = 20;

export interface Shift {
  driver: Player;
  sign: 1 | -1;
  magnitude: number;
  shape: 'step' | 'ramp';
  /** Epoch ms of the onset. */
  onsetMs: number;
  rampMs: number;
}

const dayMs = 86_400_000;
const startMs = Date.parse(`${START}T00:00:00Z`);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';
const maxWeekly = Math.max(...WEEKLY);

function factor(shift: Shift | null, driver: Player, ms: number): number {
  if (!shift || shift.driver !== driver || ms < shift.onsetMs) return 1;
  const f = shift.shape === 'step' ? 1 : Math.min(1, (ms - shift.onsetMs) / shift.rampMs);
  return 1 + shift.sign * shift.magnitude * f;
}

function binomial(rng: Rng, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) k++;
  return k;
}

/** Day-level noise: whole days busier or quieter (arrivals) and with longer or shorter calls (talk). */
export interface DayNoise {
  /** CV of the day's arrivals factor (lognormal, default 0.03). */
  arrivalsCv: number;
  /** CV of the day's talk-time factor (lognormal, default 0: none). */
  talkCv: number;
}

/** Simulates `days` days (default TRAIN + MONITOR) of one queue from START, with an optional shift. */
export function simulateQueue(peak: number, shift: Shift | null, rng: Rng, queue = 'q', days = TRAIN + MONITOR, noise: DayNoise = { arrivalsCv: 0.03, talkCv: 0 }): IntervalRecord[] {
  const slots: number[] = [];
  for (let m = OPEN; m < CLOSE; m += IV / 60) slots.push(m);
  // Planned agents per (dow, slot) from the forecast (no day noise, no shift).
  const plan = WEEKLY.map((w) =>
    slots.map((m) => {
      const lambda = (peak * w * intraday(m)) / maxWeekly;
      const r = requiredAgents({ arrivals: lambda, intervalSeconds: IV, ahtSeconds: TALK + ACW, targetSlPct: 80, targetAnswerSeconds: TARGET_S });
      return Math.max(1, Math.ceil(r.rawAgents * 1.03));
    }),
  );
  const out: IntervalRecord[] = [];
  for (let d = 0; d < days; d++) {
    const d0 = startMs + d * dayMs;
    const date = iso(d0).slice(0, 10);
    const dow = new Date(d0).getUTCDay();
    const dayFactor = rng.lognormal(1, noise.arrivalsCv);
    const talkDay = noise.talkCv > 0 ? rng.lognormal(1, noise.talkCv) : 1;
    const absence = rng.next() * 0.06;
    const ivs: CallsimInterval[] = slots.map((m, k) => {
      const ms = d0 + m * 60_000;
      const lambda = ((peak * WEEKLY[dow] * intraday(m)) / maxWeekly) * dayFactor * factor(shift, 'arrivals', ms);
      const planned = plan[dow][k] * factor(shift, 'agents', ms);
      const base = Math.floor(planned) + (rng.next() < planned - Math.floor(planned) ? 1 : 0);
      const agents = Math.max(1, base - binomial(rng, base, absence));
      return {
        start: m,
        lambda,
        agents,
        talkMean: TALK * talkDay * factor(shift, 'talk', ms),
        talkCv: 0.9,
        acwMean: ACW * factor(shift, 'acw', ms),
        acwCv: 0.6,
      };
    });
    const rows = simulateDay({ rng, intervalSeconds: IV, targetAnswerSeconds: TARGET_S, patienceMeanSeconds: PATIENCE, intervals: ivs });
    rows.forEach((r, k) => {
      const m = slots[k];
      out.push({
        queue,
        intervalStart: iso(d0 + m * 60_000),
        localDate: date,
        localMinute: m,
        localDow: dow,
        intervalSeconds: IV,
        offered: r.offered,
        handled: r.handled,
        abandoned: r.abandoned,
        answeredWithinTarget: r.answered_within_target,
        ahtSeconds: r.aht_seconds,
        acwSeconds: r.acw_seconds,
        agentsStaffed: r.agents_staffed,
        slTargetPct: 80,
        slTargetSeconds: TARGET_S,
      });
    });
  }
  return out;
}

interface CaseResult {
  size: string;
  kind: 'null' | 'talk15' | 'random' | 'acw-small';
  shift: Shift | null;
  exposureDays: number;
  falseAlarms: number;
  faDrivers: string[];
  delay: number | null;
  within7: boolean;
  attributionOk: boolean | null;
  top: Player | null;
  onsetErr: number | null;
}

const SIZES: [string, number][] = [
  ['small(25)', 25],
  ['medium(150)', 150],
  ['large(600)', 600],
];

function runCase(size: string, peak: number, kind: CaseResult['kind'], shift: Shift | null, rng: Rng): CaseResult {
  const records = simulateQueue(peak, shift, rng);
  const from = iso(startMs + TRAIN * dayMs).slice(0, 10);
  const res = detectDrift(records, { from, trainDays: TRAIN, seed: 7 });
  const monStart = startMs + TRAIN * dayMs;
  const monitored = records.filter((r) => Date.parse(r.intervalStart) >= monStart);
  const idxOf = new Map(monitored.map((r, i) => [r.intervalStart, i]));
  const onsetMs = shift ? shift.onsetMs : Infinity;
  const faEvents = res.events.filter((e) => Date.parse(e.detectedAt) < onsetMs);
  const fa = faEvents.length;
  const exposureDays = shift ? (onsetMs - monStart) / dayMs : MONITOR;
  let delay: number | null = null;
  let within7 = false;
  let onsetErr: number | null = null;
  let attributionOk: boolean | null = null;
  let top: Player | null = null;
  if (shift) {
    const dir = shift.sign > 0 ? 'up' : 'down';
    const firstIdx = monitored.findIndex((r) => Date.parse(r.intervalStart) + IV * 1000 > onsetMs);
    const hit: DriftEvent | undefined = res.events.find((e) => e.driver === (shift.driver as Driver) && e.direction === dir && Date.parse(e.detectedAt) >= onsetMs - IV * 1000);
    if (hit) {
      delay = (idxOf.get(hit.detectedAt) ?? 0) - firstIdx;
      within7 = Date.parse(hit.detectedAt) - onsetMs <= 7 * dayMs;
      onsetErr = Math.abs((idxOf.get(hit.onsetEstimate) ?? 0) - firstIdx);
    }
    // Attribution: the 3 full days after the shift is complete vs the 28 days before the onset.
    const onsetDay = Math.floor((onsetMs - startMs) / dayMs);
    const fullDay = Math.floor((onsetMs + (shift.shape === 'ramp' ? shift.rampMs : 0) - startMs) / dayMs) + 1;
    const dayOf = (r: IntervalRecord) => Math.floor((Date.parse(r.intervalStart) - startMs) / dayMs);
    const before = records.filter((r) => dayOf(r) >= onsetDay - 28 && dayOf(r) < onsetDay);
    const after = records.filter((r) => dayOf(r) >= fullDay && dayOf(r) < fullDay + 3);
    const att = attributeSlChange(before, after);
    const players: Player[] = ['arrivals', 'talk', 'acw', 'agents'];
    top = players.reduce((a, b) => (Math.abs(att.contributions[b]) > Math.abs(att.contributions[a]) ? b : a));
    attributionOk = top === shift.driver;
  }
  return { size, kind, shift, exposureDays, falseAlarms: fa, faDrivers: faEvents.map((e) => `${e.driver}${e.direction === 'up' ? '↑' : '↓'}`), delay, within7, attributionOk, top, onsetErr };
}

function randomShift(rng: Rng, driver: Player, sign: 1 | -1, shape: 'step' | 'ramp', magnitude?: number, range: [number, number] = [0.1, 0.25]): Shift {
  const day = TRAIN + 1 + rng.int(6);
  const minute = OPEN + rng.int((CLOSE - OPEN) / 30) * 30 + rng.int(30);
  return {
    driver,
    sign,
    magnitude: magnitude ?? range[0] + (range[1] - range[0]) * rng.next(),
    shape,
    onsetMs: startMs + day * dayMs + minute * 60_000,
    rampMs: 2 * dayMs,
  };
}

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export default async function driftBench(ctx: BenchContext): Promise<BenchRow[]> {
  const rng = createRng(20260105);
  const nNull = ctx.quick ? 2 : 6;
  const nTalk = ctx.quick ? 2 : 6;
  const reps = ctx.quick ? 1 : 2;
  const players: Player[] = ['talk', 'acw', 'arrivals', 'agents'];
  const results: CaseResult[] = [];
  const t0 = process.hrtime.bigint();
  for (const [size, peak] of SIZES) {
    for (let i = 0; i < nNull; i++) results.push(runCase(size, peak, 'null', null, rng.fork()));
    for (let i = 0; i < nTalk; i++) results.push(runCase(size, peak, 'talk15', randomShift(rng, 'talk', 1, 'step', 0.15), rng.fork()));
    for (let r = 0; r < reps; r++)
      for (const p of players)
        for (const sign of [1, -1] as const)
          for (const shape of ['step', 'ramp'] as const) {
            if (ctx.quick && (r + players.indexOf(p) + (sign > 0 ? 0 : 1) + (shape === 'step' ? 0 : 1)) % 2) continue;
            const range: [number, number] = p === 'acw' ? [0.2, 0.4] : [0.1, 0.25];
            results.push(runCase(size, peak, 'random', randomShift(rng, p, sign, shape, undefined, range), rng.fork()));
          }
    if (!ctx.quick)
      for (const sign of [1, -1] as const)
        for (const shape of ['step', 'ramp'] as const) results.push(runCase(size, peak, 'acw-small', randomShift(rng, 'acw', sign, shape), rng.fork()));
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

  const rows: BenchRow[] = [];
  const g = 'drift';
  const fa = results.reduce((s, r) => s + r.falseAlarms, 0);
  const exposure = results.reduce((s, r) => s + r.exposureDays, 0);
  const faRate = (fa / exposure) * 30;
  rows.push({ group: g, name: `false alarms per 30 queue-days (${fa} in ${exposure.toFixed(0)} queue-days, all sizes)`, value: faRate, unit: '/30 qd', target: '≤ 1', verdict: faRate <= 1 ? 'pass' : 'fail' });
  for (const [size] of SIZES) {
    const rs = results.filter((r) => r.size === size);
    const f = rs.reduce((s, r) => s + r.falseAlarms, 0);
    const e = rs.reduce((s, r) => s + r.exposureDays, 0);
    const by = new Map<string, number>();
    for (const r of rs) for (const d of r.faDrivers) by.set(d, (by.get(d) ?? 0) + 1);
    const note = [...by.entries()].map(([d, n]) => `${d} ${n}`).join(', ');
    rows.push({ group: g, name: `false alarms per 30 queue-days, ${size}`, value: (f / e) * 30, unit: '/30 qd', note: note ? `by driver: ${note}` : undefined });
  }
  for (const [size] of SIZES) {
    const rs = results.filter((r) => r.size === size && r.kind === 'talk15');
    const delays = rs.map((r) => (r.delay === null ? Infinity : r.delay));
    const med = median(delays);
    const target = size.startsWith('large') ? 6 : size.startsWith('medium') ? 24 : undefined;
    rows.push({
      group: g,
      name: `talk +15 % step: median detection delay, ${size} (n=${rs.length}, missed ${delays.filter((d) => d === Infinity).length})`,
      value: med,
      unit: 'intervals',
      target: target !== undefined ? `≤ ${target}` : undefined,
      verdict: target !== undefined ? (med <= target ? 'pass' : 'fail') : undefined,
    });
  }
  const shifts = results.filter((r) => r.shift && r.kind !== 'acw-small');
  for (const p of players)
    for (const [size] of SIZES) {
      const rs = shifts.filter((r) => r.size === size && r.shift!.driver === p);
      const delays = rs.map((r) => (r.delay === null ? Infinity : r.delay));
      rows.push({ group: g, name: `${p} shifts ${p === 'acw' ? '±20–40' : '±10–25'} %: median delay, ${size} (n=${rs.length}, missed ${delays.filter((d) => d === Infinity).length})`, value: median(delays), unit: 'intervals' });
    }
  const within = shifts.filter((r) => r.within7).length / shifts.length;
  rows.push({ group: g, name: `shifts detected within 7 days (n=${shifts.length})`, value: 100 * within, unit: '%', target: '≥ 85 %', verdict: within >= 0.85 ? 'pass' : 'fail' });
  for (const [size] of SIZES) {
    const rs = shifts.filter((r) => r.size === size);
    rows.push({ group: g, name: `detected within 7 days, ${size} (n=${rs.length})`, value: (100 * rs.filter((r) => r.within7).length) / rs.length, unit: '%' });
  }
  const att = shifts.filter((r) => r.attributionOk !== null);
  const acc = att.filter((r) => r.attributionOk).length / att.length;
  rows.push({ group: g, name: `attribution top-1 names the true driver (n=${att.length})`, value: 100 * acc, unit: '%', target: '≥ 95 %', verdict: acc >= 0.95 ? 'pass' : 'fail' });
  for (const p of players) {
    const rs = att.filter((r) => r.shift!.driver === p);
    const wrong = rs.filter((r) => !r.attributionOk);
    rows.push({
      group: g,
      name: `attribution top-1, ${p} shifts (n=${rs.length})`,
      value: (100 * (rs.length - wrong.length)) / rs.length,
      unit: '%',
      note: wrong.length ? `misses: ${wrong.map((r) => `${r.size} ${r.shift!.sign > 0 ? '+' : '−'}${(100 * r.shift!.magnitude).toFixed(0)}% ${r.shift!.shape}→${r.top}`).join(', ')}` : undefined,
    });
  }
  const small = results.filter((r) => r.kind === 'acw-small');
  if (small.length) {
    rows.push({ group: g, name: `supplementary: ACW ±10–25 % detected within 7 days (n=${small.length})`, value: (100 * small.filter((r) => r.within7).length) / small.length, unit: '%' });
    rows.push({ group: g, name: `supplementary: ACW ±10–25 % attribution top-1 (n=${small.length})`, value: (100 * small.filter((r) => r.attributionOk).length) / small.length, unit: '%' });
  }
  for (const shape of ['step', 'ramp'] as const) {
    const errs = shifts.filter((r) => r.onsetErr !== null && r.shift!.shape === shape).map((r) => r.onsetErr as number);
    rows.push({ group: g, name: `median |onset estimate − true onset|, ${shape} shifts (n=${errs.length})`, value: median(errs), unit: 'intervals' });
  }
  rows.push({ group: g, name: `bench wall time (${results.length} cases × ${TRAIN + MONITOR} days, simulate + detect + attribute)`, value: seconds, unit: 's' });
  return rows;
}
