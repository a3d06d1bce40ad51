/**
 * Typed reads over the warehouse views (never raw tables). Shared by commands; engine-specific reads
 * live beside their command.
 */
import { stmt, type Db } from './db.js';

export interface QueueInfo {
  queue: string;
  displayName: string;
  slTargetPct: number;
  slTargetSeconds: number;
  intervalSeconds: number;
  timeZone: string | null;
  firstInterval: string | null;
  lastInterval: string | null;
}

export function listQueues(db: Db): QueueInfo[] {
  return db
    .prepare(
      `SELECT queue, display_name AS displayName, sl_target_pct AS slTargetPct, sl_target_seconds AS slTargetSeconds,
              interval_seconds AS intervalSeconds, time_zone AS timeZone, first_interval AS firstInterval, last_interval AS lastInterval
       FROM v_queues ORDER BY queue`,
    )
    .all() as QueueInfo[];
}

/** The most common queue time zone, else the fallback: "yesterday" for a multi-queue answer. */
export function dominantTimeZone(queues: QueueInfo[], fallback: string): string {
  const counts = new Map<string, number>();
  for (const q of queues) if (q.timeZone) counts.set(q.timeZone, (counts.get(q.timeZone) ?? 0) + 1);
  let best = fallback;
  let n = 0;
  for (const [tz, c] of counts) if (c > n) [best, n] = [tz, c];
  return best;
}

export interface DailyRow {
  queue: string;
  date: string;
  intervals: number;
  offered: number;
  handled: number;
  abandoned: number;
  answeredWithinTarget: number;
  sl: number | null;
  abandonRate: number | null;
  ahtSeconds: number | null;
  acwSeconds: number | null;
  agentHours: number;
  avgAgents: number | null;
  slTargetPct: number;
  slTargetSeconds: number;
  intervalsBelowTarget: number;
  forecastOffered: number | null;
}

/** Daily aggregates per queue for local dates from..to inclusive (queues = all when empty). */
export function dailyRows(db: Db, from: string, to: string, queues: string[] = []): DailyRow[] {
  // Always name the queues: (queue, local_date) is the key prefix, so each queue is one range read.
  if (!queues.length) queues = listQueues(db).map((q) => q.queue);
  if (!queues.length) return [];
  const filter = `AND queue IN (${queues.map(() => '?').join(',')})`;
  return stmt(
    db,
    `SELECT queue, local_date AS date, intervals, offered, handled, abandoned, answered_within_target AS answeredWithinTarget,
            sl, abandon_rate AS abandonRate, aht_seconds AS ahtSeconds, acw_seconds AS acwSeconds, agent_hours AS agentHours,
            avg_agents AS avgAgents, sl_target_pct AS slTargetPct, sl_target_seconds AS slTargetSeconds,
            intervals_below_target AS intervalsBelowTarget, forecast_offered AS forecastOffered
     FROM v_queue_daily WHERE local_date BETWEEN ? AND ? ${filter} ORDER BY queue, local_date`,
  ).all(from, to, ...queues) as DailyRow[];
}

export interface IntervalRow {
  queue: string;
  intervalStart: string;
  intervalSeconds: number;
  localDate: string;
  localMinute: number;
  localDow: number;
  offered: number;
  handled: number;
  abandoned: number;
  answeredWithinTarget: number;
  sl: number | null;
  abandonRate: number | null;
  ahtSeconds: number | null;
  acwSeconds: number | null;
  talkSeconds: number | null;
  agentsStaffed: number;
  trafficErlangs: number;
  occupancy: number | null;
  slTargetPct: number;
  slTargetSeconds: number;
  forecastOffered: number | null;
  forecastAhtSeconds: number | null;
  /** Total queue wait of the interval's answered / abandoned contacts, seconds (optional columns). */
  answeredWaitSeconds: number | null;
  abandonedWaitSeconds: number | null;
}

/**
 * Realised interval rows (plans excluded) for one queue over local dates from..to, in time order. Read as arrays and shaped here: building
 * the objects in JS is about twice as fast as better-sqlite3's row objects (24 columns; `why` and `whatif` read
 * weeks of intervals per answer). `dow` (0 = Sunday, local) keeps one weekday only.
 */
export function intervalRows(db: Db, queue: string, from: string, to: string, dow?: number): IntervalRow[] {
  const rows = db
    .prepare(
      `SELECT queue, interval_start, interval_seconds, local_date, local_minute, local_dow, offered, handled, abandoned,
              answered_within_target, sl, abandon_rate, aht_seconds, acw_seconds, talk_seconds, agents_staffed,
              traffic_erlangs, occupancy, sl_target_pct, sl_target_seconds, forecast_offered, forecast_aht_seconds,
              answered_wait_seconds, abandoned_wait_seconds
       FROM v_interval_metrics WHERE queue = ? AND local_date BETWEEN ? AND ? ${dow === undefined ? '' : 'AND local_dow = ?'} ORDER BY interval_start`,
    )
    .raw()
    .all(queue, from, to, ...(dow === undefined ? [] : [dow])) as unknown[][];
  return rows.map(
    (r): IntervalRow => ({
      queue: r[0] as string,
      intervalStart: r[1] as string,
      intervalSeconds: r[2] as number,
      localDate: r[3] as string,
      localMinute: r[4] as number,
      localDow: r[5] as number,
      offered: r[6] as number,
      handled: r[7] as number,
      abandoned: r[8] as number,
      answeredWithinTarget: r[9] as number,
      sl: r[10] as number | null,
      abandonRate: r[11] as number | null,
      ahtSeconds: r[12] as number | null,
      acwSeconds: r[13] as number | null,
      talkSeconds: r[14] as number | null,
      agentsStaffed: r[15] as number,
      trafficErlangs: r[16] as number,
      occupancy: r[17] as number | null,
      slTargetPct: r[18] as number,
      slTargetSeconds: r[19] as number,
      forecastOffered: r[20] as number | null,
      forecastAhtSeconds: r[21] as number | null,
      answeredWaitSeconds: r[22] as number | null,
      abandonedWaitSeconds: r[23] as number | null,
    }),
  );
}

/** The latest local date with realised intervals (plans do not count) on or before `onOrBefore` (any queue when none given). */
export function latestDate(db: Db, onOrBefore: string, queues: string[] = []): string | null {
  const filter = queues.length ? `AND queue IN (${queues.map(() => '?').join(',')})` : '';
  const r = db.prepare(`SELECT MAX(local_date) AS d FROM interval_inputs WHERE has_outcome = 1 AND local_date <= ? ${filter}`).get(onOrBefore, ...queues) as { d: string | null };
  return r.d;
}

export interface PlanRow {
  queue: string;
  intervalStart: string;
  intervalSeconds: number;
  localDate: string;
  localMinute: number;
  localDow: number;
  forecastOffered: number;
  forecastAhtSeconds: number;
  agentsStaffed: number;
  slTargetPct: number;
  slTargetSeconds: number;
}

/** Plan rows (intervals not yet happened: forecast volume, forecast AHT, planned agents) for one queue, in time order. */
export function planRows(db: Db, queue: string, from: string, to: string): PlanRow[] {
  return db
    .prepare(
      `SELECT queue, interval_start AS intervalStart, interval_seconds AS intervalSeconds, local_date AS localDate,
              local_minute AS localMinute, local_dow AS localDow, forecast_offered AS forecastOffered,
              forecast_aht_seconds AS forecastAhtSeconds, agents_staffed AS agentsStaffed,
              sl_target_pct AS slTargetPct, sl_target_seconds AS slTargetSeconds
       FROM v_interval_plan WHERE queue = ? AND local_date BETWEEN ? AND ? ORDER BY interval_start`,
    )
    .all(queue, from, to) as PlanRow[];
}
