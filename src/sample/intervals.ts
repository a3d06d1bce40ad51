import { simulateDay, type CallsimInterval } from './callsim.js';
import { effectsAt, intraday, isOpen, WEEKLY, type Episode, type QueueProfile } from './queues.js';
import { addDays, clamp, isoUtc, streamFor } from './seed.js';
import { requiredAgents } from './staffing.js';
import { localDaySlots } from './tz.js';

/** One `interval_inputs` row, field names as in docs/data-formats.md. */
export interface IntervalRow {
  interval_start: string;
  queue: string;
  offered: number;
  handled: number;
  abandoned: number;
  answered_within_target: number;
  aht_seconds: number | null;
  acw_seconds: number | null;
  agents_staffed: number;
  sl_target_pct: number;
  sl_target_seconds: number;
  forecast_offered: number;
  forecast_aht_seconds: number;
}

/** Planned shrinkage: the plan schedules required / (1 − 0.05) agents to cover ordinary absence. */
export const PLANNED_SHRINKAGE = 0.05;

/** Day-level draws shared by the interval and the ticket generators (so tickets feel an under-staffed day). */
export interface DayState {
  /** Multiplier on expected arrivals (forecast error of the day). */
  volume: number;
  /** Multiplier on talk time. */
  aht: number;
  /** Fraction of planned agents absent. */
  absence: number;
}

export function dayState(seed: number, queue: string, date: string): DayState {
  const r = streamFor(seed, 'day', queue, date);
  return {
    volume: r.lognormal(1, 0.07),
    aht: r.lognormal(1, 0.02),
    absence: clamp(0.09 + 0.03 * r.normal(), 0, 0.25),
  };
}

/** Long-run growth: volumes 6 % a year higher towards `end`. */
export function trend(daysBeforeEnd: number): number {
  return 1 - (0.06 * daysBeforeEnd) / 365;
}

/** Load / capacity of a queue-day relative to plan (1 = as planned; 1.3 = 30 % short), at local noon. */
export function dayStress(seed: number, p: QueueProfile, date: string, episodes: readonly Episode[], noonMs: number): number {
  const s = dayState(seed, p.name, date);
  const fx = effectsAt(episodes, p.name, noonMs);
  const load = s.volume * fx.arrivals * ((p.talkMean * s.aht * fx.talk + p.acwMean * fx.acw) / (p.talkMean + p.acwMean));
  const capacity = ((1 - s.absence) / (1 - PLANNED_SHRINKAGE)) * fx.agents;
  return load / capacity;
}

/**
 * The interval rows of one queue on one local date: every half hour of the local day (46/48/50 across DST);
 * closed half hours carry offered 0, agents 0 and empty AHT. Open hours are simulated call by call (callsim),
 * as one contiguous block so the queue carries across half hours and drains at closing.
 */
export function queueDayIntervals(
  seed: number, p: QueueProfile, date: string, daysBeforeEnd: number, episodes: readonly Episode[],
): IntervalRow[] {
  const slots = localDaySlots(p.timeZone, date, p.intervalSeconds);
  const s = dayState(seed, p.name, date);
  const r = streamFor(seed, 'iv', p.name, date);
  const g = trend(daysBeforeEnd);
  const ahtPlan = p.talkMean + p.acwMean;
  const open: CallsimInterval[] = [];
  const openIdx: number[] = [];
  const fcst: number[] = new Array(slots.length).fill(0);
  for (let i = 0; i < slots.length; i++) {
    const sl = slots[i];
    if (!isOpen(p, sl.dow, sl.minute)) continue;
    const f = p.scale * WEEKLY[sl.dow] * intraday(sl.minute) * g * (p.intervalSeconds / 1800);
    fcst[i] = f;
    const fx = effectsAt(episodes, p.name, sl.utcMs);
    const planned = Math.max(1, Math.ceil(requiredAgents(f, ahtPlan, p.intervalSeconds, p.slPct, p.slSeconds) / (1 - PLANNED_SHRINKAGE)));
    const staffed = Math.max(1, Math.round(planned * (1 - s.absence) * fx.agents * (1 + 0.03 * r.normal())));
    open.push({
      start: sl.utcMs / 1000,
      lambda: f * s.volume * fx.arrivals,
      agents: staffed,
      talkMean: p.talkMean * s.aht * fx.talk,
      talkCv: p.talkCv,
      acwMean: p.acwMean * fx.acw,
      acwCv: p.acwCv,
    });
    openIdx.push(i);
  }
  const sim = simulateDay({
    rng: r, intervalSeconds: p.intervalSeconds, targetAnswerSeconds: p.slSeconds, patienceMeanSeconds: p.patienceMean,
    intervals: open,
  });
  const rows: IntervalRow[] = new Array(slots.length);
  const round1 = (x: number) => Math.round(x * 10) / 10;
  let j = 0;
  for (let i = 0; i < slots.length; i++) {
    const x = j < openIdx.length && openIdx[j] === i ? sim[j++] : null;
    rows[i] = {
      interval_start: isoUtc(slots[i].utcMs),
      queue: p.name,
      offered: x ? x.offered : 0,
      handled: x ? x.handled : 0,
      abandoned: x ? x.abandoned : 0,
      answered_within_target: x ? x.answered_within_target : 0,
      aht_seconds: x && x.aht_seconds !== null ? round1(x.aht_seconds) : null,
      acw_seconds: x && x.acw_seconds !== null ? round1(x.acw_seconds) : null,
      agents_staffed: x ? x.agents_staffed : 0,
      sl_target_pct: p.slPct,
      sl_target_seconds: p.slSeconds,
      forecast_offered: round1(fcst[i]),
      forecast_aht_seconds: ahtPlan,
    };
  }
  return rows;
}

/** Local dates of the sample, oldest first: the `days` dates ending at `end`. */
export function sampleDates(end: string, days: number): string[] {
  const out: string[] = [];
  for (let i = days - 1; i >= 0; i--) out.push(addDays(end, -i));
  return out;
}
