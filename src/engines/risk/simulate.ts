/**
 * Breach-reduction simulation: replay a period; tickets flagged at their cut-off get an intervention that
 * shortens their remaining time to resolve by a fraction s:
 *
 *   resolved' = cutoff + (1 − s)·(resolved − cutoff)      (only when cutoff < resolved)
 *
 * Assumption (stated in every result): the intervention's effect is this one speed-up, the same for every
 * flagged ticket, and it changes nothing else (no ticket is harmed, unflagged tickets are unaffected).
 *
 * A ticket breaches when its resolution lands after due_at. A breach avoided = breached as recorded but
 * resolved' ≤ due_at. Tickets without resolved_at or due_at cannot be evaluated: they are left out of every
 * count (counted only as `unevaluable`), and with no evaluable ticket the figures are NaN with a note that
 * says why (e.g. the data has no due times).
 *
 * Uncertainty: percentile bootstrap over tickets (B resamples, seeded) of the breaches avoided and of
 * the relative reduction (avoided / breaches without). O(n·B).
 */
import { createRng } from '../shared/rng.js';

export interface SimTicket {
  ticket_id: string;
  created_at: string;
  resolved_at?: string | null;
  due_at?: string | null;
  sla_breached?: number | null;
  /** Epoch ms at which the flag would have been raised (training: created + horizon). */
  cutoffMs: number;
  flagged: boolean;
}

export interface InterventionAssumption {
  /** Fraction of the remaining time-to-resolve removed for a flagged ticket, in [0, 1). */
  speedup: number;
  description: string;
  rationale: string;
}

export const DEFAULT_INTERVENTION: InterventionAssumption = {
  speedup: 0.3,
  description: 'Flagged tickets are routed to a senior queue at the cut-off, which shortens their remaining time to resolve by 30 %.',
  rationale:
    'An assumption, not a measurement: senior handling mainly removes further transfers and waiting between replies, ' +
    'the largest share of the remaining time of at-risk tickets. Replace it with the effect you see (e.g. an A/B test ' +
    'of senior routing); the sensitivity rows show how the result moves with it.',
};

export interface SimOptions {
  intervention?: InterventionAssumption;
  bootstrap?: number;
  seed?: number;
  /** Extra speed-ups to report as a sensitivity table. */
  sensitivity?: number[];
}

export interface SimResult {
  /** Evaluable tickets (the ones counted). */
  tickets: number;
  flagged: number;
  evaluable: number;
  unevaluable: number;
  breachesWithout: number;
  breachesWith: number;
  avoided: number;
  /** avoided / breachesWithout (NaN with no breaches). */
  reduction: number;
  ci95: { avoided: [number, number]; reduction: [number, number] };
  bootstrap: number;
  assumption: InterventionAssumption;
  sensitivity: { speedup: number; avoided: number; reduction: number }[];
  notes: string[];
}

interface Row {
  base: 0 | 1;
  with: 0 | 1;
}

function evaluate(t: SimTicket, speedup: number): Row & { evaluable: boolean } {
  const resolved = t.resolved_at ? Date.parse(t.resolved_at) : NaN;
  const due = t.due_at ? Date.parse(t.due_at) : NaN;
  if (!Number.isFinite(resolved) || !Number.isFinite(due)) {
    const b = t.sla_breached ? 1 : 0;
    return { base: b, with: b, evaluable: false };
  }
  const base = resolved > due ? 1 : 0;
  let after = resolved;
  if (t.flagged && t.cutoffMs < resolved) after = t.cutoffMs + (1 - speedup) * (resolved - t.cutoffMs);
  return { base, with: after > due ? 1 : 0, evaluable: true };
}

/** Simulates the intervention over `tickets`. Pure; deterministic for a seed. */
export function simulateBreachReduction(tickets: readonly SimTicket[], opts: SimOptions = {}): SimResult {
  const assumption = opts.intervention ?? DEFAULT_INTERVENTION;
  const B = opts.bootstrap ?? 1000;
  const s = assumption.speedup;
  if (!(s >= 0 && s < 1)) throw new Error(`speedup must be in [0, 1), got ${s}`);
  const all = tickets.map((t) => evaluate(t, s));
  const rows = all.filter((r) => r.evaluable);
  const evalTickets = tickets.filter((_, i) => all[i].evaluable);
  const n = rows.length;
  const evaluable = n;
  let base = 0;
  let withI = 0;
  for (const r of rows) {
    base += r.base;
    withI += r.with;
  }
  const avoided = n > 0 ? base - withI : NaN;
  const rng = createRng(opts.seed ?? 1);
  const av: number[] = [];
  const red: number[] = [];
  for (let b = 0; b < B && n > 0; b++) {
    let sb = 0;
    let sw = 0;
    for (let k = 0; k < n; k++) {
      const r = rows[rng.int(n)];
      sb += r.base;
      sw += r.with;
    }
    av.push(sb - sw);
    if (sb > 0) red.push((sb - sw) / sb);
  }
  const pct = (xs: number[], q: number) => {
    if (xs.length === 0) return NaN;
    const v = [...xs].sort((a, b) => a - b);
    return v[Math.min(v.length - 1, Math.max(0, Math.round(q * (v.length - 1))))];
  };
  const sensitivity = (opts.sensitivity ?? [0.1, 0.2, 0.3, 0.5]).map((sp) => {
    let b0 = 0;
    let w0 = 0;
    for (const t of evalTickets) {
      const r = evaluate(t, sp);
      b0 += r.base;
      w0 += r.with;
    }
    return { speedup: sp, avoided: n > 0 ? b0 - w0 : NaN, reduction: b0 > 0 ? (b0 - w0) / b0 : NaN };
  });
  const notes: string[] = [`Assumption: ${assumption.description}`];
  const unevaluable = tickets.length - n;
  const noDue = tickets.filter((t) => !t.due_at).length;
  if (n === 0 && noDue === tickets.length && tickets.length > 0) notes.push('The data has no due times (due_at): breaches avoided cannot be evaluated. Load tickets with due_at to run the simulation.');
  else if (unevaluable > 0) notes.push(`${unevaluable} of ${tickets.length} tickets lack resolved_at or due_at and are left out of the simulation.`);
  if (n > 0 && base === 0) notes.push('No breaches in the period: nothing to avoid.');
  const flagged = evalTickets.filter((t) => t.flagged).length;
  return {
    tickets: n,
    flagged,
    evaluable,
    unevaluable,
    breachesWithout: base,
    breachesWith: withI,
    avoided,
    reduction: base > 0 ? avoided / base : NaN,
    ci95: { avoided: [pct(av, 0.025), pct(av, 0.975)], reduction: [pct(red, 0.025), pct(red, 0.975)] },
    bootstrap: B,
    assumption,
    sensitivity,
    notes,
  };
}
