/**
 * Risk scores of open tickets with the active model: what the alert evaluator (`risk_count`,
 * `risk_ticket`), the daily digest and `risk` call. The warehouse reads and stores; scoring (the risk
 * engine) happens here, in the caller.
 */
import type { Db } from '../src/warehouse/db.js';
import { readRiskData, requireActiveModel, isoSeconds } from '../src/warehouse/models.js';
import { scoreTickets } from '../src/engines/risk/pipeline.js';
import type { RiskLabel } from '../src/engines/risk/types.js';

export interface OpenTicketRisk {
  ticketId: string;
  queue: string;
  /** Calibrated probability in [0, 1]. */
  score: number;
  flagged: boolean;
  /** The ticket is older than the model's last training cut-off: the score extrapolates. */
  outsideSupport: boolean;
  subject?: string;
  priority?: string;
  createdAt?: string;
}

/** Scores every open ticket as of `now` with the active model (escalated by default). Throws when no model is active. */
export function scoreOpenTickets(db: Db, now: Date, opts: { label?: RiskLabel; queue?: string | null } = {}): OpenTicketRisk[] {
  const model = requireActiveModel(db, opts.label ?? 'escalated');
  const data = readRiskData(db, { openOnly: true, queue: opts.queue ?? null, until: isoSeconds(now) });
  return scoreTickets(model, data.tickets, data.events, now.getTime(), { agents: data.agents }).map((s, i) => {
    const t = data.tickets[i];
    return { ticketId: s.ticket_id, queue: t.queue, score: s.probability, flagged: s.flagged, outsideSupport: s.outsideSupport, subject: t.subject, priority: t.priority, createdAt: t.created_at };
  });
}
