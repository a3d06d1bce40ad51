/**
 * Per-ticket KPI facts and first-contact resolution (FCR).
 *
 * FCR: a ticket is resolved on first contact when it is resolved, was never reopened, and the same customer
 * opened no other ticket in the same category after it and up to 7 days after it was resolved (a chaser
 * while it was open counts as a repeat too). Tickets without a customer cannot have repeats; a missing
 * category is its own category. FCR % = FCR tickets / resolved tickets.
 */

export const REPEAT_WINDOW_MS = 7 * 86_400_000;

/** One ticket as the warehouse gives it: instants in epoch ms. */
export interface TicketRecord {
  ticketId: string;
  createdMs: number;
  firstResponseMs: number | null;
  resolvedMs: number | null;
  dueMs: number | null;
  csat: number | null;
  reopenCount: number;
  escalated: number | null;
  customerId: string | null;
  category: string | null;
}

/** What the KPIs need of one ticket. */
export interface TicketFact {
  createdMs: number;
  /** Whole seconds created → first response (null: no response yet). */
  firstResponseS: number | null;
  /** Whole seconds created → resolved (null: unresolved). */
  resolutionS: number | null;
  resolvedMs: number | null;
  dueMs: number | null;
  csat: number | null;
  reopened: boolean;
  escalated: boolean | null;
  fcr: boolean;
}

/**
 * For each ticket, whether the same customer opened another ticket in the same category after it (created at
 * or after its creation, itself excluded) and no later than its resolution + `windowMs` (unresolved: any
 * later ticket). Sort by (customer, category, created): O(n log n). Tickets with equal creation instants
 * are each other's repeats.
 */
export function repeatContacts(tickets: readonly TicketRecord[], windowMs = REPEAT_WINDOW_MS): boolean[] {
  const out = new Array<boolean>(tickets.length).fill(false);
  const idx: number[] = [];
  for (let i = 0; i < tickets.length; i++) if (tickets[i].customerId !== null) idx.push(i);
  const key = (t: TicketRecord) => `${t.customerId}\u0000${t.category ?? ''}`;
  const keys = new Map<number, string>();
  for (const i of idx) keys.set(i, key(tickets[i]));
  idx.sort((a, b) => {
    const ka = keys.get(a)!;
    const kb = keys.get(b)!;
    return ka < kb ? -1 : ka > kb ? 1 : tickets[a].createdMs - tickets[b].createdMs;
  });
  for (let p = 0; p < idx.length; p++) {
    const i = idx[p];
    const t = tickets[i];
    const k = keys.get(i)!;
    // The next contact of the group: the next in order, or an earlier one with the same instant.
    let nextCreated: number | null = null;
    if (p + 1 < idx.length && keys.get(idx[p + 1]) === k) nextCreated = tickets[idx[p + 1]].createdMs;
    if (p > 0 && keys.get(idx[p - 1]) === k && tickets[idx[p - 1]].createdMs === t.createdMs) nextCreated = t.createdMs;
    if (nextCreated === null) continue;
    out[i] = t.resolvedMs === null || nextCreated <= t.resolvedMs + windowMs;
  }
  return out;
}

const secondsBetween = (a: number, b: number) => Math.round((b - a) / 1000);

/** Ticket records → KPI facts with the FCR flag (repeat contacts looked up among all `tickets` given). */
export function ticketFacts(tickets: readonly TicketRecord[], windowMs = REPEAT_WINDOW_MS): TicketFact[] {
  const repeat = repeatContacts(tickets, windowMs);
  return tickets.map((t, i) => ({
    createdMs: t.createdMs,
    firstResponseS: t.firstResponseMs === null ? null : secondsBetween(t.createdMs, t.firstResponseMs),
    resolutionS: t.resolvedMs === null ? null : secondsBetween(t.createdMs, t.resolvedMs),
    resolvedMs: t.resolvedMs,
    dueMs: t.dueMs,
    csat: t.csat,
    reopened: t.reopenCount > 0,
    escalated: t.escalated === null ? null : t.escalated === 1,
    fcr: t.resolvedMs !== null && t.reopenCount === 0 && !repeat[i],
  }));
}
