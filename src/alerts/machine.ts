/**
 * The alert state machine of one rule × scope. Pure: no clock, no database, no Slack.
 *
 * Phases: ok → pending (condition true, not yet for the minimum duration) → firing → resolved → ok (after the
 * cooldown). Separately it tracks what the Slack message currently shows (`shown`: none / firing / resolved), so
 * that posts happen only when the phase and the message disagree — i.e. on transitions:
 *
 *   fire      phase firing, no message for this episode, not silenced       → new message
 *   reopen    phase firing again within the cooldown, message shows resolved → same message back to firing
 *   severity  firing, message shows another severity, not silenced          → update + thread reply
 *   repeat    firing, shown, `repeat` elapsed since the last notification     → thread reply (opt-in per rule)
 *   resolve   firing → resolved while the message shows firing               → edit the message + thread reply
 *
 * Minimum duration and cooldown count watched, present windows only: an observation outside the rule's hours
 * (`applicable` false) breaks a pending run, and so does a gap in the data (a breached window that starts after
 * the previous one ended: rows missing between them) — a run never bridges time the rule did not see, and
 * `firedAt` is the start of the run that actually lasted. The cooldown after a resolve likewise elapses only
 * over watched, present, healthy windows (`watchedMs`), not over the night or a feed outage.
 *
 * Silence (snooze, mute, quiet hours) defers fire/reopen/severity/repeat until it ends; a resolve is always told.
 * `observe` consumes one observation (phase changes; it can only emit `resolve`, so an episode that both starts and
 * ends inside one catch-up batch posts nothing); `settle` runs once per tick at `now` and emits the rest.
 */
import { compare, worse, type Comparator } from './metrics.js';
import { SEVERITY_RANK, type Severity } from './rules.js';

export type Phase = 'ok' | 'pending' | 'firing' | 'resolved';
export type Shown = 'none' | 'firing' | 'resolved';

export interface MachineState {
  phase: Phase;
  /** Start (ms) of the current run of breached observations. */
  breachSince: number | null;
  /** When the current/last episode began breaching ("since when"). */
  firedAt: number | null;
  /** When the last episode recovered (start of the first healthy observation). */
  resolvedAt: number | null;
  lastValue: number | null;
  /** Worst value of the current/last episode. */
  peak: number | null;
  severity: Severity | null;
  shown: Shown;
  shownSeverity: Severity | null;
  lastNotifiedAt: number | null;
  /** Increments per new alert (not per reopen); intent keys use it. */
  episode: number;
  reopens: number;
  /** Observations up to this time (ms) have been consumed: the end of the last one seen. */
  cursor: number;
  /** Watched, present, healthy time (ms) since the last resolve: the cooldown has elapsed when it reaches cooldownMs. */
  watchedMs: number;
}

export function initialState(cursor: number): MachineState {
  return {
    phase: 'ok', breachSince: null, firedAt: null, resolvedAt: null, lastValue: null, peak: null, severity: null,
    shown: 'none', shownSeverity: null, lastNotifiedAt: null, episode: 0, reopens: 0, cursor, watchedMs: 0,
  };
}

export interface Observation {
  /** Start of the observed window (ms): a breach lasts from the first breached window's start. */
  start: number;
  /** End of the window (ms): when the value became known. Equal to start for point-in-time metrics. */
  at: number;
  /** null = no data (no calls, closed): counts as not breached. */
  value: number | null;
  /** Resolved threshold for this scope (target-relative thresholds already applied). */
  threshold: number;
  /** Hysteresis level: once firing, stays firing while value is still past `clear`. */
  clear: number | null;
  /** Level at which severity becomes critical. */
  critical: number | null;
  /** false outside business hours: not watched — a pending run breaks, nothing else changes. */
  applicable: boolean;
}

export interface MachineParams {
  comparator: Comparator;
  minDurationMs: number;
  cooldownMs: number;
  repeatMs: number | null;
  severity: Severity;
}

export type EffectKind = 'fire' | 'reopen' | 'severity' | 'repeat' | 'resolve';

export interface Effect {
  kind: EffectKind;
  episode: number;
  /** Time the effect was decided (observation time for resolve, `now` for the others). */
  at: number;
  value: number | null;
  peak: number | null;
  severity: Severity | null;
  firedAt: number | null;
  resolvedAt: number | null;
}

/** Phase transitions (for the backtest and the history log), independent of silence. */
export interface Transition {
  kind: 'fired' | 'reopened' | 'resolved';
  episode: number;
  at: number;
  value: number | null;
  peak: number | null;
}

export interface StepResult {
  state: MachineState;
  effects: Effect[];
  transitions: Transition[];
}

function effect(kind: EffectKind, s: MachineState, at: number): Effect {
  return { kind, episode: s.episode, at, value: s.lastValue, peak: s.peak, severity: s.severity, firedAt: s.firedAt, resolvedAt: s.resolvedAt };
}

function severityOf(o: Observation, p: MachineParams): Severity {
  if (o.value !== null && o.critical !== null && compare(o.value, p.comparator, o.critical) && SEVERITY_RANK[p.severity] < SEVERITY_RANK.critical) return 'critical';
  return p.severity;
}

/** Still inside the cooldown of the last resolve (counted over watched, present, healthy windows)? */
function inCooldown(s: MachineState, p: MachineParams): boolean {
  return s.resolvedAt !== null && s.watchedMs < p.cooldownMs;
}

/** Consumes one observation. O(1). */
export function observe(prev: MachineState, o: Observation, p: MachineParams): StepResult {
  const s: MachineState = { ...prev, cursor: Math.max(prev.cursor, o.at) };
  const effects: Effect[] = [];
  const transitions: Transition[] = [];
  if (!o.applicable) {
    // Out of hours: the rule is not watching. A run in progress cannot bridge it; a firing alert stays firing.
    if (prev.phase === 'pending') {
      s.breachSince = null;
      s.phase = inCooldown(prev, p) ? 'resolved' : 'ok';
    } else if (prev.phase !== 'firing') s.breachSince = null;
    return { state: s, effects, transitions };
  }
  s.lastValue = o.value;
  const level = prev.phase === 'firing' && o.clear !== null ? o.clear : o.threshold;
  const breached = o.value !== null && compare(o.value, p.comparator, level);
  // An interval window that starts after the previous one ended follows missing rows: a new run. Point-in-time
  // (tick) observations have no span, so only applicability breaks their runs.
  const point = o.at === o.start;
  const contiguous = point || o.start <= prev.cursor;

  if (breached) {
    const since = prev.breachSince !== null && contiguous ? prev.breachSince : o.start;
    s.breachSince = since;
    if (prev.phase === 'firing') {
      s.peak = s.peak === null ? o.value : worse(p.comparator, s.peak, o.value!);
      s.severity = severityOf(o, p);
    } else if (o.at - since >= p.minDurationMs) {
      const reopen = prev.firedAt !== null && inCooldown(prev, p);
      s.phase = 'firing';
      s.severity = severityOf(o, p);
      if (reopen) {
        s.reopens = prev.reopens + 1;
        s.peak = s.peak === null ? o.value : worse(p.comparator, s.peak, o.value!);
        transitions.push({ kind: 'reopened', episode: s.episode, at: o.at, value: o.value, peak: s.peak });
      } else {
        s.episode = prev.episode + 1;
        s.firedAt = since;
        s.resolvedAt = null;
        s.watchedMs = 0;
        s.peak = o.value;
        s.reopens = 0;
        s.shown = 'none';
        s.shownSeverity = null;
        s.lastNotifiedAt = null;
        transitions.push({ kind: 'fired', episode: s.episode, at: o.at, value: o.value, peak: s.peak });
      }
    } else {
      s.phase = 'pending';
    }
  } else {
    s.breachSince = null;
    if (prev.phase === 'firing') {
      s.phase = 'resolved';
      s.resolvedAt = o.start;
      // The healthy window that resolved is the cooldown's first watched time.
      s.watchedMs = o.at - o.start;
      transitions.push({ kind: 'resolved', episode: s.episode, at: o.start, value: o.value, peak: s.peak });
      if (prev.shown === 'firing') {
        s.shown = 'resolved';
        effects.push(effect('resolve', s, o.at));
      }
    } else if (inCooldown(prev, p)) {
      // Watched time of this healthy window: its span, or for a point observation the time since the last one.
      s.watchedMs = prev.watchedMs + (point ? Math.max(0, o.at - prev.cursor) : o.at - o.start);
    }
    if (prev.phase === 'pending' || prev.phase === 'resolved') s.phase = inCooldown(s, p) ? 'resolved' : 'ok';
  }
  return { state: s, effects, transitions };
}

/**
 * Time-driven part of a tick at `now`: ends a cooldown already elapsed (e.g. a rule edited to a shorter one), and emits the notifications the phase calls for unless
 * silenced. O(1).
 */
export function settle(prev: MachineState, now: number, silenced: boolean, p: MachineParams): StepResult {
  const s: MachineState = { ...prev };
  const effects: Effect[] = [];
  if (s.phase === 'resolved' && !inCooldown(s, p)) s.phase = 'ok';
  if (s.phase === 'firing' && !silenced) {
    const notify = (kind: EffectKind) => {
      s.shown = 'firing';
      s.shownSeverity = s.severity;
      s.lastNotifiedAt = now;
      effects.push(effect(kind, s, now));
    };
    if (s.shown === 'none') notify('fire');
    else if (s.shown === 'resolved') notify('reopen');
    else if (s.severity !== s.shownSeverity) notify('severity');
    else if (p.repeatMs !== null && s.lastNotifiedAt !== null && now - s.lastNotifiedAt >= p.repeatMs) notify('repeat');
  }
  return { state: s, effects, transitions: [] };
}

/** Runs observations then a settle at `now`; the evaluator's per-tick step. */
export function step(prev: MachineState, obs: readonly Observation[], now: number, silenced: boolean, p: MachineParams): StepResult {
  let s = prev;
  const effects: Effect[] = [];
  const transitions: Transition[] = [];
  for (const o of obs) {
    if (o.at <= s.cursor) continue; // already consumed: replaying a window is harmless
    const r = observe(s, o, p);
    s = r.state;
    effects.push(...r.effects);
    transitions.push(...r.transitions);
  }
  const r = settle(s, now, silenced, p);
  return { state: r.state, effects: [...effects, ...r.effects], transitions };
}
