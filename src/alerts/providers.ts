/**
 * Metric providers: turn warehouse rows (and engines) into observations for the state machine.
 *
 * Interval metrics (sl, sl_day, projected_sl, abandon, asa, arrivals_z) give one observation per completed data
 * interval, so a live tick and a backtest over history see exactly the same sequence. Tick metrics (drift,
 * risk_count, risk_ticket) give one observation per evaluation, at `now`.
 */
import { businessMinutesBetween, hoursFor, type BusinessHoursConfig } from '../businessHours.js';
import type { Rule, Threshold, TimeWindow } from './rules.js';
import { inWindow } from './rules.js';
import type { Observation } from './machine.js';
import type { Engines, DriftRecord, DriftEventLike, RiskScoreLike, ErlangCLike, ProjectionBasis, DayVolumes } from './engines.js';
import type { QueueRows, Row, SlotBaseline, WarehouseView } from './data.js';
import { METRIC_INFO, type Metric } from './metrics.js';
import type { SlModel } from '../engines/queueing/slModel.js';
import { addDays, localParts } from '../time.js';

export function resolveLevel(t: Threshold, targetPct: number): number {
  return t.kind === 'value' ? t.value : targetPct + t.offset;
}

/** Business hours/days of the rule, in its own time zone. */
export function applicableAt(rule: Pick<Rule['spec'], 'hours' | 'days' | 'tz'>, ms: number): boolean {
  if (!rule.hours && !rule.days) return true;
  const lp = localParts(ms, rule.tz);
  if (rule.days && !rule.days.includes(lp.dow)) return false;
  if (rule.hours && !inWindow(rule.hours as TimeWindow, lp.minute)) return false;
  return true;
}

export function inQuietHours(rule: Pick<Rule['spec'], 'quiet' | 'tz'>, ms: number): boolean {
  return rule.quiet ? inWindow(rule.quiet, localParts(ms, rule.tz).minute) : false;
}

// ---------------------------------------------------------------------------------------------------------
// Projection of the day's SL with today's staffing

export interface ProjectionSlot {
  localMinute: number;
  offered: number;
  ahtSeconds: number;
  agents: number;
  /** Modelled SL, fraction. */
  sl: number;
}

export interface Projection {
  /** Projected end-of-day SL, fraction; null without a volume and roster reference for the rest of the day. */
  sl: number | null;
  offeredSoFar: number;
  slSoFar: number | null;
  /** Today's arrivals ÷ the expected (plan / forecast, else baseline) over the same slots (applied to the rest of the day). */
  volumeRatio: number;
  /** Today's agents ÷ the usual roster's over the same slots ("current staffing"); 1 when a plan gives the agents. */
  staffingRatio: number;
  /** Realised − modelled SL so far today, fraction, added to every modelled slot (textbook fallback only; else 0). */
  calibration: number;
  remaining: ProjectionSlot[];
  throughMinute: number;
}

export interface AgentsLever {
  agents: number;
  fromMinute: number;
  toMinute: number;
}

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

/** Textbook Erlang C on the recorded inputs, shifted by today's realised offset: the projection without a calibration. */
export function textbookBasis(erlangC: ErlangCLike, fallbackReason = 'no calibrated queue model loaded', volumes: DayVolumes | null = null): ProjectionBasis {
  return {
    sl: (x) => (x.offered > 0 && x.ahtSeconds > 0 ? erlangC({ arrivals: x.offered, intervalSeconds: x.intervalSeconds, ahtSeconds: x.ahtSeconds, agents: x.agents, targetAnswerSeconds: x.targetSeconds }).serviceLevel : 1),
    slModel: null,
    offset: true,
    volumes,
    model: "textbook Erlang C + today's realised offset, uncalibrated",
    accuracy: null,
    fallbackReason,
  };
}

/**
 * What the projection of `date` on this queue uses, built once per queue-day: the queue's calibration for the day
 * (fitted on the days before it) when the engines have one, else textbook Erlang C (the reason kept); the day's
 * plan / forecast volumes when the engines give them, else the same-weekday baseline.
 */
export function projectionBasis(src: QueueRows, date: string, engines: Engines): ProjectionBasis | null {
  const hit = src.bases.get(date);
  if (hit !== undefined) return hit;
  let basis: ProjectionBasis | null = null;
  if (engines.erlangC) {
    const erlangC = engines.erlangC;
    const volumes = guarded(() => engines.dayVolumesFor?.(src.db, src.queue.queue, date) ?? null, null);
    const m = engines.queueModelFor ? guarded(() => engines.queueModelFor!(src.db, src.queue.queue, date), { error: 'the queue model could not be loaded' }) : null;
    basis =
      m && !('error' in m)
        ? { sl: m.sl, slModel: m.model, offset: false, volumes, model: m.note, accuracy: m.accuracy, fallbackReason: null }
        : textbookBasis(erlangC, m ? m.error : undefined, volumes);
  }
  src.bases.set(date, basis);
  return basis;
}

/**
 * The queue's calibrated model on `date` (fitted on the days before it), built once per queue-day; null when the
 * engines have none or the queue cannot be calibrated (the caller then uses textbook Erlang C).
 */
export function calibratedModelOn(src: QueueRows, date: string, engines: Engines): SlModel | null {
  if (src.models.has(date)) return src.models.get(date)!;
  const m = engines.queueModelFor ? guarded(() => engines.queueModelFor!(src.db, src.queue.queue, date), { error: 'the queue model could not be loaded' }) : null;
  const model = m && !('error' in m) ? m.model : null;
  src.models.set(date, model);
  return model;
}

/**
 * Modelled ASA of a completed interval, seconds: the queue's calibrated model on its recorded inputs (the slot and
 * the previous interval passed), else textbook Erlang C; null when neither applies. Capped at a day.
 */
export function modelledAsa(r: Row, prev: Row | null, model: SlModel | null, erlangC: ErlangCLike | undefined): number | null {
  if (r.ahtSeconds === null) return null;
  if (model) {
    const out = model.evaluate({
      offered: r.offered,
      ahtSeconds: r.ahtSeconds,
      agents: r.agentsStaffed,
      intervalSeconds: r.intervalSeconds,
      targetSeconds: r.slTargetSeconds,
      slot: Math.floor((r.localMinute * 60) / r.intervalSeconds),
      previous: prev && prev.endMs === r.startMs ? { offered: prev.offered, ahtSeconds: prev.ahtSeconds ?? r.ahtSeconds, agents: prev.agentsStaffed } : null,
    });
    return Math.min(out.asaSeconds, 86_400);
  }
  if (!erlangC) return null;
  return Math.min(erlangC({ arrivals: r.offered, intervalSeconds: r.intervalSeconds, ahtSeconds: r.ahtSeconds, agents: r.agentsStaffed, targetAnswerSeconds: r.slTargetSeconds }).asaSeconds, 86_400);
}

function guarded<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** The lines an alert on the projection carries: the model, the basis for the rest of the day, the accuracy. */
export function projectionDetail(b: ProjectionBasis): string[] {
  const rest = b.volumes ? `${b.volumes.note} × today's volume ratio so far` : "the same weekday's median of the last 4 weeks × today's volume ratio so far";
  const agents = b.volumes && [...b.volumes.byMinute.values()].some((v) => v.agents !== null) ? 'planned agents' : "the usual roster × today's staffing ratio";
  return [
    `Projected with ${b.model}${b.fallbackReason ? ` (${b.fallbackReason})` : ''}`,
    `Rest of the day: volumes from ${rest}; agents: ${agents}`,
    b.accuracy ? `Accuracy: ${b.accuracy}` : 'Accuracy: no backtest (uncalibrated)',
  ];
}

const inLever = (lever: AgentsLever, m: number) => (lever.fromMinute < lever.toMinute ? m >= lever.fromMinute && m < lever.toMinute : m >= lever.fromMinute || m < lever.toMinute);

/**
 * End-of-day SL if the day continues as it is going: realised answered-within-target so far, plus for each
 * remaining slot of the day (the plan's / forecast's slots when the basis has volumes, else the slots the
 * same-weekday baseline has) the basis model's SL with
 *   volume  = expected (plan / forecast, else baseline median) × today's volume ratio so far (clamped 0.5…2),
 *   agents  = planned agents, else baseline roster × today's staffing ratio (clamped 0.3…2) [+ lever in its window],
 *   AHT     = today's handled-weighted AHT (≥ 20 handled), else the expected AHT, else the slot's baseline AHT,
 * the slot index and the previous slot's inputs passed (a calibration's corrections read them). The textbook
 * fallback shifts each slot by today's realised − modelled SL so far (clamped ±0.5); a calibration is applied as
 * fitted. Each slot is clamped to [0, 1]. Projected = (Σ answered within target so far + Σ volume·SL) ÷
 * (Σ offered so far + Σ volume). Rows must be one local day in time order, all completed. O(rows + slots) model calls.
 */
export function projectDay(rows: readonly Row[], base: SlotBaseline, basis: ProjectionBasis, lever?: AgentsLever): Projection {
  let offered = 0;
  let awt = 0;
  let handled = 0;
  let hAht = 0;
  let agents = 0;
  let baseAgents = 0;
  let expectedSoFar = 0;
  let offeredWithExpected = 0;
  let modelAwt = 0;
  let modelOffered = 0;
  const vols = basis.volumes?.byMinute ?? null;
  const planned = vols !== null && [...vols.values()].some((v) => v.agents !== null);
  const last = rows[rows.length - 1];
  const intervalSeconds = last?.intervalSeconds ?? 1800;
  const targetSeconds = last?.slTargetSeconds ?? 20;
  const slotOf = (minute: number) => Math.floor((minute * 60) / intervalSeconds);
  for (const r of rows) {
    offered += r.offered;
    awt += r.answeredWithinTarget;
    if (r.handled > 0 && r.ahtSeconds !== null) {
      handled += r.handled;
      hAht += r.handled * r.ahtSeconds;
    }
    const b = base.slots.get(r.localMinute);
    const expected = vols ? (vols.get(r.localMinute)?.offered ?? r.forecastOffered) : (b?.offered ?? null);
    if (expected !== null) {
      expectedSoFar += expected;
      offeredWithExpected += r.offered;
    }
    if (b && b.agents > 0) {
      agents += r.agentsStaffed;
      baseAgents += b.agents;
    }
    if (basis.offset && r.offered > 0 && r.ahtSeconds !== null) {
      modelAwt += r.offered * basis.sl({ offered: r.offered, intervalSeconds: r.intervalSeconds, ahtSeconds: r.ahtSeconds, agents: r.agentsStaffed, targetSeconds: r.slTargetSeconds });
      modelOffered += r.offered;
    }
  }
  const through = last ? last.localMinute : -1;
  const volumeRatio = expectedSoFar >= 20 ? clamp(offeredWithExpected / expectedSoFar, 0.5, 2) : 1;
  const staffingRatio = !planned && baseAgents > 0 ? clamp(agents / baseAgents, 0.3, 2) : 1;
  const calibration = basis.offset && modelOffered > 0 && offered > 0 ? clamp(awt / offered - modelAwt / modelOffered, -0.5, 0.5) : 0;
  const todayAht = handled >= 20 ? hAht / handled : null;
  const remaining: ProjectionSlot[] = [];
  let remOffered = 0;
  let remAwt = 0;
  const minutes = [...(vols ?? base.slots).keys()].filter((m) => m > through).sort((a, b) => a - b);
  let previous: { offered: number; ahtSeconds: number; agents: number } | null = last && last.ahtSeconds !== null ? { offered: last.offered, ahtSeconds: last.ahtSeconds, agents: last.agentsStaffed } : null;
  for (const m of minutes) {
    const b = base.slots.get(m);
    const v = vols?.get(m);
    const vol = (v ? v.offered : (b?.offered ?? 0)) * volumeRatio;
    const aht = todayAht ?? v?.ahtSeconds ?? b?.aht ?? 300;
    let n = v && v.agents !== null ? v.agents : (b?.agents ?? 0) * staffingRatio;
    if (lever && inLever(lever, m)) n = Math.max(0, n + lever.agents);
    const sl = vol > 0 ? clamp(basis.sl({ offered: vol, intervalSeconds, ahtSeconds: aht, agents: n, targetSeconds, slot: slotOf(m), previous }) + calibration, 0, 1) : 1;
    remaining.push({ localMinute: m, offered: vol, ahtSeconds: aht, agents: n, sl });
    remOffered += vol;
    remAwt += vol * sl;
    previous = { offered: vol, ahtSeconds: aht, agents: n };
  }
  const total = offered + remOffered;
  const noReference = planned ? false : base.days === 0;
  return {
    sl: noReference || total <= 0 ? null : (awt + remAwt) / total,
    offeredSoFar: offered,
    slSoFar: offered > 0 ? awt / offered : null,
    volumeRatio,
    staffingRatio,
    calibration,
    remaining,
    throughMinute: through,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Interval metrics

const RATIO_METRICS: ReadonlySet<Metric> = new Set(['sl', 'abandon', 'sl_day', 'projected_sl']);

/** Robust z of offered vs forecast (when given) or the same-slot baseline median; scale max(1.4826·MAD, √expected, 1). */
export function arrivalsZ(offered: number, forecast: number | null, slot: { offered: number; offeredMad: number; n: number } | undefined): number | null {
  const expected = forecast ?? (slot && slot.n >= 2 ? slot.offered : null);
  if (expected === null) return null;
  const scale = Math.max(slot && slot.n >= 2 ? 1.4826 * slot.offeredMad : 0, Math.sqrt(Math.max(expected, 0)), 1);
  return (offered - expected) / scale;
}

/**
 * Observations of an interval metric for one queue: one per row whose interval ends in (since, until].
 * Day-to-date metrics read the whole local day before the first emitted row. O(rows of the days touched).
 */
export function intervalObservations(rule: Rule, src: QueueRows, since: number, until: number, engines: Engines): Observation[] {
  const spec = rule.spec;
  const metric = spec.metric;
  const out: Observation[] = [];
  const minVol = Math.max(1, spec.minVolume);
  const firstDate = localParts(since, src.tz).date;
  const lastDate = localParts(until, src.tz).date;
  const needsBaseline = metric === 'arrivals_z' || metric === 'projected_sl';
  const pf = `pf|${firstDate}|${lastDate}|${needsBaseline}`;
  if (!src.memo.has(pf)) {
    src.memo.set(pf, null);
    if (firstDate === lastDate || addDays(firstDate, 1) === lastDate) {
      // The live tick: one or two days, plus their same-weekday references, in one query per queue.
      const dates = [firstDate, lastDate];
      if (needsBaseline) for (const d of [firstDate, lastDate]) for (let w = 1; w <= 4; w++) dates.push(addDays(d, -7 * w));
      src.prefetch(dates);
    }
  }
  for (let date = firstDate; date <= lastDate; date = date === lastDate ? '\uffff' : addDays(date, 1)) {
    const rows = src.rowsOn(date);
    if (!rows.length) continue;
    let cumOffered = 0;
    let cumAwt = 0;
    const base = needsBaseline ? src.baseline(date) : null;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      cumOffered += r.offered;
      cumAwt += r.answeredWithinTarget;
      if (r.endMs > until) break;
      if (r.endMs <= since) continue;
      let value: number | null = null;
      switch (metric) {
        case 'sl':
          value = r.offered >= minVol ? (100 * r.answeredWithinTarget) / r.offered : null;
          break;
        case 'abandon':
          value = r.offered >= minVol ? (100 * r.abandoned) / r.offered : null;
          break;
        case 'sl_day':
          value = cumOffered >= minVol ? (100 * cumAwt) / cumOffered : null;
          break;
        case 'projected_sl': {
          const basis = cumOffered >= minVol ? projectionBasis(src, date, engines) : null;
          if (!basis) break;
          // The projection depends on the queue's day, not on the rule: computed once per row for every rule.
          const key = `proj|${date}|${i}`;
          if (!src.memo.has(key)) {
            const p = projectDay(rows.slice(0, i + 1), base!, basis);
            src.memo.set(key, p.sl === null ? null : 100 * p.sl);
          }
          value = src.memo.get(key)!;
          break;
        }
        case 'asa': {
          if (!engines.erlangC || r.offered < minVol || r.ahtSeconds === null) break;
          value = modelledAsa(r, i > 0 ? rows[i - 1] : null, calibratedModelOn(src, date, engines), engines.erlangC);
          break;
        }
        case 'arrivals_z':
          value = arrivalsZ(r.offered, r.forecastOffered, base!.slots.get(r.localMinute));
          break;
        default:
          throw new Error(`${metric} is not an interval metric`);
      }
      if (value !== null && !Number.isFinite(value)) value = null;
      out.push({
        start: r.startMs,
        at: r.endMs,
        value,
        threshold: resolveLevel(spec.threshold, r.slTargetPct),
        clear: spec.clear ? resolveLevel(spec.clear, r.slTargetPct) : null,
        critical: spec.critical,
        applicable: applicableAt(spec, r.startMs),
      });
    }
  }
  return out;
}

export function isRatioMetric(m: Metric): boolean {
  return RATIO_METRICS.has(m);
}

// ---------------------------------------------------------------------------------------------------------
// Tick metrics

export function toDriftRecord(r: Row): DriftRecord {
  return {
    queue: r.queue, intervalStart: r.intervalStart, localDate: r.localDate, localMinute: r.localMinute, localDow: r.localDow,
    intervalSeconds: r.intervalSeconds, offered: r.offered, handled: r.handled, abandoned: r.abandoned,
    answeredWithinTarget: r.answeredWithinTarget, ahtSeconds: r.ahtSeconds, acwSeconds: r.acwSeconds,
    agentsStaffed: r.agentsStaffed, slTargetPct: r.slTargetPct, slTargetSeconds: r.slTargetSeconds, forecastOffered: r.forecastOffered,
  };
}

/** Completed rows of the local days from..to (inclusive) as drift records. */
export function recordsBetween(src: QueueRows, from: string, to: string, until: number): DriftRecord[] {
  src.preload(from, to);
  const out: DriftRecord[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) for (const r of src.rowsOn(d)) if (r.endMs <= until) out.push(toDriftRecord(r));
  return out;
}

/** Cache that lives as long as the evaluator (drift runs only when a queue has new data). */
export interface EvaluatorCache {
  drift: Map<string, { key: string; events: DriftEventLike[] }>;
  /** Calibrated CUSUM thresholds per queue for a monitoring start date: the costly part, reused all day. */
  driftThresholds: Map<string, { from: string; thresholds: Record<string, number> }>;
}

export function newCache(): EvaluatorCache {
  return { drift: new Map(), driftThresholds: new Map() };
}

/** Open drift events of a queue at `now`: detectDrift over the last 35 days, monitoring the last 7. */
export function openDriftEvents(src: QueueRows, now: number, engines: Engines, cache: EvaluatorCache): DriftEventLike[] {
  if (!engines.detectDrift) return [];
  const today = localParts(now, src.tz).date;
  const from = addDays(today, -34);
  const records = recordsBetween(src, from, today, now);
  if (!records.length) return [];
  const key = `${records.length}|${records[records.length - 1].intervalStart}`;
  const hit = cache.drift.get(src.queue.queue);
  if (hit && hit.key === key) return hit.events;
  let events: DriftEventLike[] = [];
  try {
    const monitorFrom = addDays(today, -6);
    if (records.some((r) => r.localDate < monitorFrom)) {
      const known = cache.driftThresholds.get(src.queue.queue);
      const thresholds = known && known.from === monitorFrom ? known.thresholds : undefined;
      const r = engines.detectDrift(records, { from: monitorFrom, to: today, trainDays: 28, ...(thresholds ? { thresholds } : {}) });
      events = r.events.filter((e) => e.status === 'open');
      if (!thresholds && r.calibration) {
        const t: Record<string, number> = {};
        for (const [d, c] of Object.entries(r.calibration)) if (c) t[d] = c.threshold;
        cache.driftThresholds.set(src.queue.queue, { from: monitorFrom, thresholds: t });
      }
    }
  } catch {
    events = [];
  }
  cache.drift.set(src.queue.queue, { key, events });
  return events;
}

export interface TickInputs {
  view: WarehouseView;
  now: number;
  engines: Engines;
  cache: EvaluatorCache;
  /** Risk scores of open tickets, computed once per tick on first use. */
  risk: () => RiskScoreLike[];
  /** Open tickets with a due time, read once per tick on first use (tickets_due). */
  due?: () => DueTicketLike[];
  businessHours?: BusinessHoursConfig;
}

export interface DueTicketLike {
  ticketId: string;
  queue: string;
  dueAt: string;
  subject: string | null;
}

const fmtLeft = (ms: number) => {
  const m = Math.round(Math.abs(ms) / 60_000);
  const t = m < 60 ? `${m}m` : m < 2880 ? `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m` : `${Math.floor(m / 1440)}d`;
  return ms <= 0 ? `overdue ${t}` : `due in ${t}`;
};

/** Observation at `now` for a tick metric and a queue scope; `detail` is shown in the message. */
export function tickObservation(rule: Rule, scope: string, t: TickInputs): { obs: Observation; detail: string[] } {
  const spec = rule.spec;
  const q = t.view.queue(scope);
  const target = q?.slTargetPct ?? 80;
  const base = { start: t.now, at: t.now, threshold: resolveLevel(spec.threshold, target), clear: spec.clear ? resolveLevel(spec.clear, target) : null, critical: spec.critical, applicable: applicableAt(spec, t.now) };
  if (spec.metric === 'drift') {
    const src = t.view.rowsOf(scope);
    const events = src ? openDriftEvents(src, t.now, t.engines, t.cache).filter((e) => !spec.driver || e.driver === spec.driver) : [];
    return {
      obs: { ...base, value: src ? events.length : null },
      detail: events.map((e) => `${e.driver} ${e.direction === 'up' ? '↑' : '↓'} ${(e.magnitude * 100).toFixed(0)} % since ${e.onsetEstimate.slice(0, 16).replace('T', ' ')} UTC`),
    };
  }
  if (spec.metric === 'risk_count') {
    const thr = spec.risk ?? 0.7;
    const hits = t.risk().filter((s) => s.queue === scope && s.score >= thr).sort((a, b) => b.score - a.score);
    return { obs: { ...base, value: hits.length }, detail: hits.slice(0, 5).map((h) => `${h.ticketId} ${(h.score * 100).toFixed(0)} %${h.subject ? ` — ${h.subject}` : ''}`) };
  }
  if (spec.metric === 'tickets_due') {
    const window = (spec.withinMinutes ?? 60) * 60_000;
    // In business hours where configured (the queue's zone): a ticket due Monday 09:05 is "due in 5 min" at
    // Friday 17:55 closing time if the day ends at 18:00.
    const hours = t.businessHours ? hoursFor(t.businessHours, scope) : null;
    const tz = q ? t.view.tzOf(q) : 'UTC';
    const left = (dueMs: number) => (hours ? businessMinutesBetween(t.now, dueMs, hours, tz) * 60_000 : dueMs - t.now);
    const hits = (t.due?.() ?? [])
      .filter((d) => d.queue === scope)
      .map((d) => ({ ...d, left: left(Date.parse(d.dueAt)) }))
      .filter((d) => d.left <= window)
      .sort((a, b) => a.left - b.left);
    return { obs: { ...base, value: hits.length }, detail: hits.slice(0, 8).map((h) => `${h.ticketId} ${fmtLeft(h.left)}${h.subject ? ` — ${h.subject}` : ''}`) };
  }
  if (spec.metric === 'risk_ticket') {
    const id = scope.replace(/^ticket:/, '');
    const s = t.risk().find((x) => x.ticketId === id);
    return { obs: { ...base, value: s ? s.score * 100 : null }, detail: s ? [`${s.ticketId} (${s.queue})${s.subject ? ` — ${s.subject}` : ''}`] : [] };
  }
  throw new Error(`${spec.metric} is not a tick metric`);
}

export function isTickMetric(m: Metric): boolean {
  return METRIC_INFO[m].cadence === 'tick';
}
