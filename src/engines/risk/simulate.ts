/**
 * Breach-reduction simulation: replay a period; tickets flagged at their cut-off get an intervention that
 * shortens their remaining time to resolve by a fraction s:
 *
 *   resolved' = cutoff + (1 − s)·(resolved − cutoff)      (only when cutoff < resolved)
 *
 * A ticket breaches when its resolution lands after due_at. A breach avoided = breached as recorded but
 * resolved' ≤ due_at. Tickets without resolved_at or due_at keep their recorded `sla_breached` label with
 * and without the intervention (the data cannot say), and are counted as `unevaluable`.
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
  const rows = tickets.map((t) => evaluate(t, s));
  const n = rows.length;
  let base = 0;
  let withI = 0;
  let evaluable = 0;
  for (const r of rows) {
    base += r.base;
    withI += r.with;
    if (r.evaluable) evaluable++;
  }
  const avoided = base - withI;
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
    for (const t of tickets) {
      const r = evaluate(t, sp);
      b0 += r.base;
      w0 += r.with;
    }
    return { speedup: sp, avoided: b0 - w0, reduction: b0 > 0 ? (b0 - w0) / b0 : NaN };
  });
  const notes: string[] = [];
  if (n - evaluable > 0) notes.push(`${n - evaluable} tickets lack resolved_at or due_at: their recorded label is kept with and without the intervention.`);
  if (base === 0) notes.push('No breaches in the period: nothing to avoid.');
  const flagged = tickets.filter((t) => t.flagged).length;
  return {
    tickets: n,
    flagged,
    evaluable,
    unevaluable: n - evaluable,
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
