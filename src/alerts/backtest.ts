/**
 * `alerts backtest`: replay rules over history with the live evaluator's own providers and state machine, and
 * report how many alerts would have fired, when, for how long, and how many were flaps.
 *
 * A flap is an alert that recovered within `flapMinutes` (default 30) of being raised, or that re-breached within
 * its cooldown and was re-opened: noise a lead would have been pinged for. Quiet hours only delay messages, so
 * they do not change the count; business hours do (observations outside them are ignored, as live).
 */
import type { Db } from '../warehouse/db.js';
import type { Rule } from './rules.js';
import { initialState, observe, type MachineState } from './machine.js';
import { METRIC_INFO } from './metrics.js';
import { engineAvailable, type Engines } from './engines.js';
import { QueueRows } from './data.js';
import { intervalObservations, recordsBetween, isTickMetric } from './providers.js';
import { machineParams } from './evaluator.js';
import { listQueues } from '../warehouse/queries.js';
import { addDays, isoSeconds, localMidnightUtc } from '../time.js';

export interface BacktestAlert {
  rule: number;
  scope: string;
  /** ISO UTC: when the breach began (the alert's "since"). */
  firedAt: string;
  /** ISO UTC: when it recovered; null if still firing at the end of the range. */
  resolvedAt: string | null;
  /** Worst value while firing, in the metric's unit (SL %, seconds, z, count). */
  peak: number | null;
  /** ISO UTC: when the alert would have been posted (minimum duration reached). */
  notifiedAt: string;
  durationMinutes: number | null;
  reopens: number;
  flap: boolean;
}

export interface BacktestReport {
  alerts: BacktestAlert[];
  summary: {
    fired: number;
    flaps: number;
    meanDurationMinutes: number | null;
    from: string;
    to: string;
    rules: number[];
    perRule: { rule: number; fired: number; flaps: number; meanDurationMinutes: number | null; firingMinutes: number }[];
    notes: string[];
  };
}

export interface BacktestOptions {
  engines: Engines;
  defaultTz: string;
  flapMinutes?: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Replays `rules` over local dates from..to (inclusive, each queue's time zone). */
export function backtest(db: Db, rules: Rule[], from: string, to: string, o: BacktestOptions): BacktestReport {
  const flapMs = (o.flapMinutes ?? 30) * 60_000;
  const queues = listQueues(db);
  const notes: string[] = [];
  const alerts: BacktestAlert[] = [];
  const rowsCache = new Map<string, QueueRows>();
  const rowsOf = (name: string) => {
    let r = rowsCache.get(name);
    if (!r) {
      const q = queues.find((x) => x.queue === name)!;
      r = new QueueRows(db, q, q.timeZone ?? o.defaultTz);
      r.preload(addDays(from, -28), addDays(to, 1));
      rowsCache.set(name, r);
    }
    return r;
  };

  for (const rule of rules) {
    const metric = rule.spec.metric;
    const info = METRIC_INFO[metric];
    if (!engineAvailable(o.engines, info.engine)) {
      notes.push(`Rule ${rule.id}: ${metric} needs the ${info.engine} engine, which is not available.`);
      continue;
    }
    if (metric === 'risk_count' || metric === 'risk_ticket') {
      notes.push(`Rule ${rule.id}: ${metric} cannot be replayed (risk scores of past open tickets are not stored).`);
      continue;
    }
    if (metric === 'tickets_due') {
      notes.push(`Rule ${rule.id}: tickets_due cannot be replayed (which tickets were open at each past moment is not stored).`);
      continue;
    }
    const scopes = rule.spec.scope.kind === 'all' ? queues.map((q) => q.queue) : rule.spec.scope.queues.filter((q) => queues.some((x) => x.queue === q));
    for (const scope of scopes) {
      const src = rowsOf(scope);
      const start = localMidnightUtc(from, src.tz);
      const end = localMidnightUtc(addDays(to, 1), src.tz);
      if (isTickMetric(metric)) {
        // drift: the detector's own events over the range (one event however long it lasts).
        const records = recordsBetween(src, addDays(from, -28), to, end);
        if (!records.length || !o.engines.detectDrift) continue;
        const events = o.engines.detectDrift(records, { from, to, trainDays: 28 }).events.filter((e) => !rule.spec.driver || e.driver === rule.spec.driver);
        for (const e of events) {
          const fired = Date.parse(e.onsetEstimate);
          const resolved = e.closedAt ? Date.parse(e.closedAt) : null;
          alerts.push({
            rule: rule.id, scope, firedAt: e.onsetEstimate, resolvedAt: e.closedAt ?? null, peak: round1(e.magnitude * 100), notifiedAt: e.detectedAt,
            durationMinutes: resolved === null ? null : round1((resolved - fired) / 60_000), reopens: 0,
            flap: resolved !== null && resolved - Date.parse(e.detectedAt) <= flapMs,
          });
        }
        continue;
      }
      const params = machineParams(rule, src.queue.intervalSeconds);
      const obs = intervalObservations(rule, src, start, end, o.engines);
      let s: MachineState = initialState(start);
      let open: (BacktestAlert & { notifiedMs: number; resolvedMs: number | null }) | null = null;
      const finish = () => {
        if (!open) return;
        const { notifiedMs, resolvedMs, ...a } = open;
        a.flap = a.reopens > 0 || (resolvedMs !== null && resolvedMs - notifiedMs <= flapMs);
        alerts.push(a);
        open = null;
      };
      for (const ob of obs) {
        const r = observe(s, ob, params);
        s = r.state;
        for (const t of r.transitions) {
          if (t.kind === 'fired') {
            finish();
            open = {
              rule: rule.id, scope, firedAt: isoSeconds(s.firedAt!), resolvedAt: null, peak: t.peak, notifiedAt: isoSeconds(t.at),
              durationMinutes: null, reopens: 0, flap: false, notifiedMs: t.at, resolvedMs: null,
            };
          } else if (t.kind === 'reopened' && open) {
            open.reopens++;
            open.resolvedAt = null;
            open.resolvedMs = null;
            open.durationMinutes = null;
          } else if (t.kind === 'resolved' && open) {
            open.resolvedAt = isoSeconds(t.at);
            open.resolvedMs = t.at;
            open.durationMinutes = round1((t.at - Date.parse(open.firedAt)) / 60_000);
          }
        }
        if (open && s.peak !== null) open.peak = s.peak;
      }
      finish();
    }
  }

  alerts.sort((a, b) => (a.firedAt < b.firedAt ? -1 : a.firedAt > b.firedAt ? 1 : a.rule - b.rule || a.scope.localeCompare(b.scope)));
  for (const a of alerts) if (a.peak !== null) a.peak = round1(a.peak);
  const durations = alerts.filter((a) => a.durationMinutes !== null).map((a) => a.durationMinutes!);
  const mean = (xs: number[]) => (xs.length ? round1(xs.reduce((s, x) => s + x, 0) / xs.length) : null);
  const perRule = rules.map((r) => {
    const mine = alerts.filter((a) => a.rule === r.id);
    const d = mine.filter((a) => a.durationMinutes !== null).map((a) => a.durationMinutes!);
    return { rule: r.id, fired: mine.length, flaps: mine.filter((a) => a.flap).length, meanDurationMinutes: mean(d), firingMinutes: round1(d.reduce((s, x) => s + x, 0)) };
  });
  return {
    alerts,
    summary: { fired: alerts.length, flaps: alerts.filter((a) => a.flap).length, meanDurationMinutes: mean(durations), from, to, rules: rules.map((r) => r.id), perRule, notes },
  };
}
