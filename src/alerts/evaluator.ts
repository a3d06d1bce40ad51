/**
 * One evaluation tick at `now` (a parameter: tests and the backtest drive it directly).
 *
 * For every enabled rule and each of its scopes: read the observations since the state's cursor (interval metrics:
 * completed data intervals; tick metrics: one at `now`), run the state machine, and — in one transaction with the
 * new states — record an intent for every Slack write the effects call for. Nothing is posted here: the poster
 * (poster.ts) sends recorded intents, so a crash between the two loses nothing and duplicates nothing.
 */
import type { Db } from '../warehouse/db.js';
import type { Rule, Severity } from './rules.js';
import { describeRule } from './rules.js';
import { initialState, step, type Effect, type MachineParams, type MachineState, type Observation, type Transition, type Phase } from './machine.js';
import { METRIC_INFO, formatValue } from './metrics.js';
import { engineAvailable, type Engines, type RiskScoreLike } from './engines.js';
import { WarehouseView } from './data.js';
import type { BusinessHoursConfig } from '../businessHours.js';
import { intervalObservations, projectionDetail, tickObservation, inQuietHours, isTickMetric, newCache, resolveLevel, type EvaluatorCache, type TickInputs, type DueTicketLike } from './providers.js';
import { listRules, loadStates, saveState, saveStateView, moveCursors, getStateView, recordIntent, logEvent, stateKey, type StoredState, type NewIntent } from './store.js';
import { likelyDriver, recoveringWhatIf } from './explain.js';
import type { AlertView } from './view.js';
import { compare } from './metrics.js';
import { localParts } from '../time.js';

export interface EvaluateOptions {
  now: Date;
  engines: Engines;
  /** Time zone of queues without one (RADAR_TZ). */
  defaultTz: string;
  /** When ticket SLA clocks run (RADAR_BUSINESS_HOURS): tickets_due counts its window in business minutes. */
  businessHours?: BusinessHoursConfig;
  cache?: EvaluatorCache;
  /** Only these rules (alerts test). */
  ruleIds?: number[];
  /** Rules not (yet) stored: evaluated with fresh states, never written (alerts test on rule text). */
  adHocRules?: Rule[];
  /** Compute everything, write nothing. */
  dryRun?: boolean;
  /** After downtime, observations older than this are skipped (default 6 h). */
  catchUpMinutes?: number;
  /** Compute the likely driver and recovering what-if for new alerts (default true). */
  explain?: boolean;
}

export interface ScopeResult {
  ruleId: number;
  scope: string;
  phase: Phase;
  value: number | null;
  valueText: string;
  threshold: number | null;
  breached: boolean | null;
  observations: number;
  effects: Effect['kind'][];
  transitions: Transition[];
}

export interface TickReport {
  at: number;
  rules: number;
  scopes: number;
  observations: number;
  intents: number;
  effects: { ruleId: number; scope: string; kind: Effect['kind']; value: number | null }[];
  unavailable: { ruleId: number; metric: string; reason: string }[];
  results: ScopeResult[];
  ms: number;
}

export const alertKey = (ruleId: number, scope: string, episode: number) => `a|${ruleId}|${scope}|${episode}`;

/** Minimum duration in ms for a scope whose data intervals last `intervalSeconds`. */
export function minDurationMs(rule: Rule, intervalSeconds: number): number {
  const f = rule.spec.for;
  if (f.unit === 'minutes') return f.n * 60_000;
  // Interval observations span one interval each, so "for n intervals" = n × interval; point-in-time (tick)
  // observations have no span, so their n-th consecutive sighting comes (n − 1) intervals after the first.
  const n = isTickMetric(rule.spec.metric) ? Math.max(0, f.n - 1) : f.n;
  return n * intervalSeconds * 1000;
}

export function machineParams(rule: Rule, intervalSeconds: number): MachineParams {
  return {
    comparator: rule.spec.comparator,
    minDurationMs: minDurationMs(rule, intervalSeconds),
    cooldownMs: rule.spec.cooldownMinutes * 60_000,
    repeatMs: rule.spec.repeatMinutes === null ? null : rule.spec.repeatMinutes * 60_000,
    severity: rule.spec.severity,
  };
}

function scopesOf(rule: Rule, view: WarehouseView, risk: () => RiskScoreLike[], states: Map<string, StoredState>): string[] {
  const queues = rule.spec.scope.kind === 'all' ? view.queues.map((q) => q.queue) : rule.spec.scope.queues.filter((q) => view.queue(q));
  if (rule.spec.metric !== 'risk_ticket') return queues;
  const set = new Set<string>();
  const thr = rule.spec.threshold.kind === 'value' ? rule.spec.threshold.value : 70;
  for (const s of risk()) if (queues.includes(s.queue) && compare(s.score * 100, rule.spec.comparator, thr)) set.add(`ticket:${s.ticketId}`);
  // Tickets already alerting stay in scope until their alert resolves (they drop out when closed).
  for (const st of states.values()) if (st.ruleId === rule.id && st.phase !== 'ok') set.add(st.scope);
  return [...set];
}

const STATE_FIELDS: (keyof StoredState)[] = [
  'phase', 'breachSince', 'firedAt', 'resolvedAt', 'lastValue', 'peak', 'severity', 'shown', 'shownSeverity', 'lastNotifiedAt', 'episode', 'reopens',
  'cursor', 'watchedMs', 'snoozedUntil', 'snoozedBy', 'ackedBy', 'ackedAt', 'messageChannel', 'messageTs',
];

function sameState(a: StoredState | undefined, b: StoredState): boolean {
  return a !== undefined && STATE_FIELDS.every((k) => Object.is(a[k], b[k]));
}

function onlyCursorMoved(a: StoredState, b: StoredState): boolean {
  return a.cursor !== b.cursor && STATE_FIELDS.every((k) => k === 'cursor' || Object.is(a[k], b[k]));
}

/**
 * Runs a tick. Everything from reading the states to writing them (and the intents) happens in one IMMEDIATE
 * transaction, so a button pressed in another process (ack, snooze) is never overwritten by a stale read.
 */
export function evaluate(db: Db, opts: EvaluateOptions): TickReport {
  if (opts.dryRun || opts.adHocRules?.length) return evaluateInner(db, opts);
  return db.transaction(() => evaluateInner(db, opts)).immediate();
}

function evaluateInner(db: Db, opts: EvaluateOptions): TickReport {
  const t0 = performance.now();
  const now = opts.now.getTime();
  const cache = opts.cache ?? newCache();
  const view = new WarehouseView(db, opts.defaultTz);
  const catchUp = (opts.catchUpMinutes ?? 360) * 60_000;
  const stored = opts.ruleIds?.length ? listRules(db).filter((r) => opts.ruleIds!.includes(r.id)) : listRules(db, { enabledOnly: true });
  const rules = [...stored, ...(opts.adHocRules ?? [])];
  const states = loadStates(db);
  let riskScores: RiskScoreLike[] | null = null;
  let riskError: string | null = null;
  const risk = () => {
    if (riskScores === null) {
      try {
        riskScores = opts.engines.scoreOpenTickets ? opts.engines.scoreOpenTickets(db, opts.now) : [];
      } catch (err) {
        // e.g. no trained model yet: the risk rules are reported unavailable rather than seeing zero tickets.
        riskScores = [];
        riskError = err instanceof Error ? err.message : String(err);
      }
    }
    return riskScores;
  };
  let dueTickets: DueTicketLike[] | null = null;
  const due = () =>
    (dueTickets ??= db
      .prepare(
        `SELECT ticket_id AS ticketId, queue, due_at AS dueAt, subject FROM tickets
         WHERE resolved_at IS NULL AND status IN ('open', 'pending') AND due_at IS NOT NULL AND created_at <= ?`,
      )
      .all(new Date(now).toISOString().slice(0, 19) + 'Z') as DueTicketLike[]);
  const tick: TickInputs = { view, now, engines: opts.engines, cache, risk, due, businessHours: opts.businessHours };
  const report: TickReport = { at: now, rules: 0, scopes: 0, observations: 0, intents: 0, effects: [], unavailable: [], results: [], ms: 0 };
  const writes: { state: StoredState; intents: NewIntent[]; transitions: Transition[]; rule: Rule; view: string | null }[] = [];
  const explainMemo = new Map<string, unknown>();
  const cursorMoves = new Map<string, { scope: string; cursor: number; rules: number[] }>();

  for (const rule of rules) {
    const info = METRIC_INFO[rule.spec.metric];
    if (!engineAvailable(opts.engines, info.engine)) {
      report.unavailable.push({ ruleId: rule.id, metric: rule.spec.metric, reason: `${rule.spec.metric} needs the ${info.engine} engine, which is not available in this build` });
      continue;
    }
    if (info.engine === 'risk') {
      risk();
      if (riskError) {
        report.unavailable.push({ ruleId: rule.id, metric: rule.spec.metric, reason: `risk scores unavailable: ${riskError}` });
        continue;
      }
    }
    report.rules++;
    const muted = rule.mutedUntil !== null && rule.mutedUntil > now;
    const silenced = muted || inQuietHours(rule.spec, now);
    for (const scope of scopesOf(rule, view, risk, states)) {
      report.scopes++;
      const q = scope.startsWith('ticket:') ? undefined : view.queue(scope);
      const intervalSeconds = q?.intervalSeconds ?? 1800;
      const params = machineParams(rule, intervalSeconds);
      const key = stateKey(rule.id, scope);
      const prev = states.get(key);
      const lookback = Math.min(catchUp, params.minDurationMs + 2 * intervalSeconds * 1000);
      const base: StoredState = prev ?? {
        ...initialState(now - lookback), ruleId: rule.id, scope, snoozedUntil: null, snoozedBy: null, ackedBy: null, ackedAt: null, messageChannel: null, messageTs: null, view: null,
      };
      const machine: MachineState = { ...base, cursor: Math.max(base.cursor, now - catchUp) };
      let obs: Observation[];
      let detail: string[] = [];
      if (isTickMetric(rule.spec.metric)) {
        const r = tickObservation(rule, scope, tick);
        obs = [r.obs];
        detail = r.detail;
      } else {
        const src = view.rowsOf(scope);
        obs = src ? intervalObservations(rule, src, machine.cursor, now, opts.engines) : [];
        // The projection names its model, basis and accuracy (the basis is cached per queue-day by the observations).
        const lastAt = obs[obs.length - 1]?.start;
        const basis = src && lastAt !== undefined && rule.spec.metric === 'projected_sl' ? src.bases.get(localParts(lastAt, src.tz).date) : null;
        if (basis) detail = projectionDetail(basis);
      }
      report.observations += obs.length;
      const snoozed = base.snoozedUntil !== null && base.snoozedUntil > now;
      const r = step(machine, obs, now, silenced || snoozed, params);
      const next: StoredState = { ...base, ...r.state };
      if (r.transitions.some((t) => t.kind === 'fired')) {
        next.ackedBy = null;
        next.ackedAt = null;
        next.messageTs = null;
        next.messageChannel = null;
      }
      if (next.snoozedUntil !== null && next.snoozedUntil <= now) {
        next.snoozedUntil = null;
        next.snoozedBy = null;
      }
      const lastObs = obs[obs.length - 1];
      const intents: NewIntent[] = [];
      for (const e of r.effects) {
        report.effects.push({ ruleId: rule.id, scope, kind: e.kind, value: e.value });
        if (!rule.spec.channel) continue;
        if (prev && base.view === null) base.view = getStateView(db, rule.id, scope);
        const v = buildView(rule, scope, q?.displayName ?? scope, next, e, lastObs, detail, opts.explain !== false && !opts.dryRun ? { view, engines: opts.engines, now, memo: explainMemo } : null, base);
        next.view = JSON.stringify(v);
        intents.push(...intentsFor(rule, scope, next, e, v, now));
      }
      report.results.push({
        ruleId: rule.id, scope, phase: next.phase, value: next.lastValue, valueText: formatValue(rule.spec.metric, next.lastValue),
        threshold: lastObs?.threshold ?? null, breached: lastObs ? lastObs.value !== null && compare(lastObs.value, rule.spec.comparator, lastObs.threshold) : null,
        observations: obs.length, effects: r.effects.map((e) => e.kind), transitions: r.transitions,
      });
      if (prev && !intents.length && !r.transitions.length && onlyCursorMoved(prev, next)) {
        // The common case (new data, nothing happened): batched per queue and cursor below.
        const k = `${scope}\u0000${next.cursor}`;
        const g = cursorMoves.get(k) ?? { scope, cursor: next.cursor, rules: [] as number[] };
        g.rules.push(rule.id);
        cursorMoves.set(k, g);
      } else if (!sameState(prev, next) || intents.length || r.transitions.length) writes.push({ state: next, intents, transitions: r.transitions, rule, view: intents.length ? next.view : null });
    }
  }

  if (!opts.dryRun && !opts.adHocRules?.length) {
    db.transaction(() => {
      for (const w of writes) {
        saveState(db, w.state, now);
        if (w.view) saveStateView(db, w.rule.id, w.state.scope, w.view);
      }
      for (const g of cursorMoves.values()) moveCursors(db, g.scope, g.rules, g.cursor, now);
      for (const w of writes) {
        for (const i of w.intents) if (recordIntent(db, i, now)) report.intents++;
        for (const t of w.transitions) {
          logEvent(db, { ruleId: w.rule.id, scope: w.state.scope, kind: t.kind, at: t.at, value: t.value, actor: null, detail: t.kind === 'resolved' ? JSON.stringify({ firedAt: w.state.firedAt, peak: t.peak }) : null });
        }
      }
    })();
  }
  report.ms = performance.now() - t0;
  return report;
}

function levelText(rule: Rule, level: number | undefined, scopeTarget: number | undefined): number {
  if (level !== undefined) return level;
  return resolveLevel(rule.spec.threshold, scopeTarget ?? 80);
}

/** The message data of an alert at an effect. */
export function buildView(
  rule: Rule,
  scope: string,
  scopeLabel: string,
  s: StoredState,
  e: Effect,
  lastObs: Observation | undefined,
  detail: string[],
  explain: { view: WarehouseView; engines: Engines; now: number; memo?: Map<string, unknown> } | null,
  prevState: StoredState,
): AlertView {
  const metric = rule.spec.metric;
  const info = METRIC_INFO[metric];
  const q = explain?.view.queue(scope);
  const threshold = levelText(rule, lastObs?.threshold, q?.slTargetPct);
  const prior = prevState.view ? (JSON.parse(prevState.view) as AlertView) : null;
  const keep = prior && prior.key === alertKey(rule.id, scope, s.episode) ? prior : null;
  let driver = keep?.driver ?? null;
  let whatIf = keep?.whatIf ?? null;
  if (explain && e.kind === 'fire' && q) {
    const src = explain.view.rowsOf(scope);
    if (src && (info.targetRelative || metric === 'abandon' || metric === 'asa' || metric === 'arrivals_z')) {
      // Many rules can fire on one queue in one tick: each explanation is computed once per queue (and target).
      const memo = explain.memo ?? new Map<string, unknown>();
      const once = <T>(key: string, f: () => T): T => {
        if (!memo.has(key)) memo.set(key, f());
        return memo.get(key) as T;
      };
      const d = once(`driver|${scope}`, () => likelyDriver(src, explain.now, explain.engines));
      if (d) driver = `${d.text} (today vs the same weekday of the last 4 weeks; residual ${d.residual >= 0 ? '+' : '−'}${Math.abs(d.residual).toFixed(1)} pts)`;
      const target = info.targetRelative ? (metric === 'sl' ? q.slTargetPct : threshold) : q.slTargetPct;
      const w = once(`whatif|${scope}|${target}`, () => recoveringWhatIf(src, explain.now, target, explain.engines));
      if (w) whatIf = { text: w.text, command: w.command };
    }
  }
  return {
    key: alertKey(rule.id, scope, s.episode),
    ruleId: rule.id,
    ruleName: rule.spec.name,
    ruleSummary: describeRule(rule.spec),
    metric,
    metricLabel: info.label,
    scope,
    scopeLabel,
    status: e.kind === 'resolve' ? 'resolved' : 'firing',
    severity: (s.severity ?? rule.spec.severity) as Severity,
    comparator: rule.spec.comparator,
    value: e.value,
    valueText: formatValue(metric, e.value),
    threshold,
    thresholdText: formatValue(metric, threshold),
    peak: s.peak,
    peakText: formatValue(metric, s.peak),
    firedAt: s.firedAt ?? e.at,
    resolvedAt: e.kind === 'resolve' ? s.resolvedAt : null,
    asOf: e.at,
    tz: rule.spec.tz,
    reopens: s.reopens,
    detail: detail.length ? detail : keep?.detail ?? [],
    driver,
    whatIf,
    whyCommand: q ? `why ${scope} today` : null,
    ackedBy: s.ackedBy,
    ackedAt: s.ackedAt,
    snoozedBy: s.snoozedBy,
    snoozedUntil: s.snoozedUntil,
    mutedUntil: rule.mutedUntil,
    event: e.kind === 'fire' ? 'fired' : e.kind === 'resolve' ? 'resolved' : e.kind === 'reopen' ? 'reopened' : e.kind,
    previousSeverity: e.kind === 'severity' ? prevState.shownSeverity : null,
  };
}

/** Slack writes for an effect. Keys are deterministic, so re-running a tick cannot duplicate them. */
export function intentsFor(rule: Rule, scope: string, s: StoredState, e: Effect, v: AlertView, now: number): NewIntent[] {
  const channel = rule.spec.channel!;
  const parent = alertKey(rule.id, scope, s.episode);
  const base = { ruleId: rule.id, scope, channel };
  const update = (suffix: string): NewIntent => ({ ...base, key: `${parent}|${suffix}|u`, kind: 'update', payload: { render: 'alert', view: v, parentKey: parent, postIfGone: true } });
  const reply = (suffix: string, broadcast: boolean): NewIntent => ({ ...base, key: `${parent}|${suffix}|r`, kind: 'reply', payload: { render: 'alert_reply', view: v, parentKey: parent, broadcast } });
  switch (e.kind) {
    case 'fire':
      return [{ ...base, key: parent, kind: 'post', payload: { render: 'alert', view: v } }];
    case 'reopen':
      return [update(`reopen${s.reopens}`), reply(`reopen${s.reopens}`, true)];
    case 'severity':
      return [update(`sev${now}`), reply(`sev${now}`, true)];
    case 'repeat':
      return [reply(`repeat${now}`, true)];
    case 'resolve':
      return [update(`resolve${s.reopens}`), reply(`resolve${s.reopens}`, false)];
  }
}
