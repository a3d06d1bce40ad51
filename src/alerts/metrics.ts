/**
 * The metrics an alert rule can watch: their names in the grammar, units, how they are observed (per data
 * interval or per evaluator tick) and which engine they need. The providers that compute them are in
 * providers/; this file is the catalogue the grammar, the messages and `alerts list` read.
 */

export const METRICS = ['sl', 'sl_day', 'projected_sl', 'abandon', 'asa', 'arrivals_z', 'drift', 'risk_count', 'risk_ticket', 'tickets_due'] as const;
export type Metric = (typeof METRICS)[number];

export type MetricUnit = 'pct' | 'seconds' | 'z' | 'count';

export interface MetricInfo {
  metric: Metric;
  /** Words accepted for it in rule text. */
  aliases: string[];
  label: string;
  unit: MetricUnit;
  /** 'interval': one observation per completed data interval (replayable); 'tick': one per evaluation. */
  cadence: 'interval' | 'tick';
  /** Threshold may be written relative to the queue's SL target (`sl < target-5`). */
  targetRelative: boolean;
  /** Comparator and threshold assumed when the text gives none (e.g. `drift queue=billing`). */
  implicit?: { comparator: Comparator; threshold: number };
  /** Engine the metric needs; without it the metric is reported as unavailable. */
  engine?: 'queueing' | 'drift' | 'risk';
  /** One line for help and `alerts list`. */
  describe: string;
}

export type Comparator = '<' | '<=' | '>' | '>=';

export const METRIC_INFO: Record<Metric, MetricInfo> = {
  sl: {
    metric: 'sl', aliases: ['sl', 'service_level', 'servicelevel', 'sla', 'interval_sl'], label: 'SL (interval)', unit: 'pct', cadence: 'interval', targetRelative: true,
    describe: 'realised service level of each interval, % (answered within target ÷ offered; abandons count against it)',
  },
  sl_day: {
    metric: 'sl_day', aliases: ['sl_day', 'sl_today', 'day_sl', 'daily_sl', 'sl_dtd'], label: 'SL (day to date)', unit: 'pct', cadence: 'interval', targetRelative: true,
    describe: 'realised service level of the local day so far, %',
  },
  projected_sl: {
    metric: 'projected_sl', aliases: ['projected_sl', 'projected', 'eod_sl', 'sl_projected', 'forecast_sl', 'projection'], label: 'projected end-of-day SL', unit: 'pct', cadence: 'interval', targetRelative: true,
    engine: 'queueing',
    describe: "end-of-day SL if today continues with its current staffing (realised so far + the queue's calibrated model on the plan / forecast volumes for the rest of the day; textbook Erlang C when it cannot be calibrated), % — the pre-breach warning",
  },
  abandon: {
    metric: 'abandon', aliases: ['abandon', 'abandoned', 'abandon_rate', 'abandonment', 'aban'], label: 'abandon rate', unit: 'pct', cadence: 'interval', targetRelative: false,
    describe: 'abandoned ÷ offered per interval, %',
  },
  asa: {
    metric: 'asa', aliases: ['asa', 'speed_of_answer', 'wait'], label: 'ASA (modelled)', unit: 'seconds', cadence: 'interval', targetRelative: false,
    engine: 'queueing',
    describe: "average speed of answer per interval, seconds — modelled from offered, AHT and agents with the queue's calibrated model (as whatif uses it; textbook Erlang C when the queue cannot be calibrated)",
  },
  arrivals_z: {
    metric: 'arrivals_z', aliases: ['arrivals_z', 'arrivals', 'volume', 'offered', 'arrivals_anomaly', 'volume_z'], label: 'arrivals anomaly (robust z)', unit: 'z', cadence: 'interval', targetRelative: false,
    describe: 'robust z-score of offered contacts vs the forecast, else the median of the same slot on the last 4 same weekdays (scale 1.4826·MAD, at least √expected)',
  },
  drift: {
    metric: 'drift', aliases: ['drift', 'drift_event', 'drift_events'], label: 'open drift events', unit: 'count', cadence: 'tick', targetRelative: false,
    implicit: { comparator: '>', threshold: 0 }, engine: 'drift',
    describe: 'number of open drift events of the queue (CUSUM vs same-time-of-week baseline); `driver=` filters arrivals/talk/acw/agents/sl',
  },
  risk_count: {
    metric: 'risk_count', aliases: ['risk_count', 'risky_tickets', 'at_risk_tickets', 'risk_tickets'], label: 'open tickets above risk', unit: 'count', cadence: 'tick', targetRelative: false,
    engine: 'risk',
    describe: 'open tickets of the queue whose escalation risk is at least `risk=` (default 0.7)',
  },
  tickets_due: {
    metric: 'tickets_due', aliases: ['tickets_due', 'due', 'due_tickets', 'tickets_breaching', 'breaching', 'overdue', 'overdue_tickets'], label: 'open tickets due soon or overdue', unit: 'count', cadence: 'tick', targetRelative: false,
    implicit: { comparator: '>', threshold: 0 },
    describe: 'open tickets of the queue overdue or due within `within=` (default 60 minutes) of their due_at (business minutes where RADAR_BUSINESS_HOURS applies), counted per queue; the message lists them, most urgent first',
  },
  risk_ticket: {
    metric: 'risk_ticket', aliases: ['risk_ticket', 'ticket_risk', 'risk'], label: 'ticket escalation risk', unit: 'pct', cadence: 'tick', targetRelative: false,
    engine: 'risk',
    describe: 'escalation risk of each open ticket, % — one alert per ticket above the threshold',
  },
};

const byAlias = new Map<string, Metric>();
for (const m of METRICS) for (const a of METRIC_INFO[m].aliases) byAlias.set(a, m);

/** Metric named by a word of rule text, or null. */
export function metricOf(word: string): Metric | null {
  return byAlias.get(word.toLowerCase().replace(/-/g, '_')) ?? null;
}

export function allMetricWords(): string[] {
  return [...byAlias.keys()];
}

/** Formats a metric value in its unit: 68.2 % · 45 s · z 3.4 · 3. */
export function formatValue(metric: Metric, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (METRIC_INFO[metric].unit) {
    case 'pct':
      return `${v.toFixed(1)} %`;
    case 'seconds':
      return `${Math.round(v)} s`;
    case 'z':
      return `z ${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(1)}`;
    case 'count':
      return String(Math.round(v));
  }
}

/** True when `value cmp threshold`. */
export function compare(value: number, cmp: Comparator, threshold: number): boolean {
  switch (cmp) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
  }
}

/** Which way is "worse": lower values for < / <=, higher for > / >=. */
export function worse(cmp: Comparator, a: number, b: number): number {
  return cmp === '<' || cmp === '<=' ? Math.min(a, b) : Math.max(a, b);
}
