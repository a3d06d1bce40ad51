/**
 * Escalation / SLA-breach risk of one ticket described by its facts (not one stored in the warehouse): what
 * `POST /predict` answers. The facts are zod-parsed here; scoring is the `risk` command's own path
 * (src/engines/risk scoreTickets with the active model of the label, TreeSHAP reasons), so a ticket sent
 * with the same facts and events as one in the warehouse gets the same probability `radar risk` shows.
 */
import { z } from 'zod';
import type { Db } from '../src/warehouse/db.js';
import { listModels, requireActiveModel } from '../src/warehouse/models.js';
import { scoreTickets } from '../src/engines/risk/pipeline.js';
import type { LoadedRiskModel } from '../src/engines/risk/model.js';
import type { Reason } from '../src/engines/risk/explain.js';
import type { RiskAgent, RiskEvent, RiskTicket } from '../src/engines/risk/types.js';
import { parseTimestamp } from '../src/warehouse/validate.js';

const instant = z
  .string()
  .refine((s) => parseTimestamp(s) !== null, { message: 'must be an ISO-8601 time, e.g. 2026-11-20T14:05:00Z' })
  .transform((s) => new Date(parseTimestamp(s)!).toISOString().slice(0, 19) + 'Z');

const event = z.object({
  at: instant,
  type: z.enum(['created', 'comment', 'transfer', 'reassign', 'status', 'escalated', 'resolved', 'reopened']),
  author_type: z.enum(['customer', 'agent', 'system']).nullable().optional(),
  agent_id: z.string().nullable().optional(),
  from_queue: z.string().nullable().optional(),
  to_queue: z.string().nullable().optional(),
  status: z.string().nullable().optional(),
  body: z.string().max(20_000).nullable().optional(),
});

/** The request body of POST /predict (snake_case, as in the tickets CSV). */
export const predictInput = z
  .object({
    label: z.enum(['escalated', 'sla_breached']).default('escalated'),
    ticket_id: z.string().min(1).max(200).default('request'),
    queue: z.string().min(1).max(200),
    priority: z.enum(['low', 'normal', 'high', 'urgent']),
    channel: z.enum(['email', 'chat', 'phone', 'web', 'social']),
    created_at: instant,
    subject: z.string().max(2_000).default(''),
    body: z.string().max(50_000).default(''),
    category: z.string().max(200).nullable().optional(),
    customer_id: z.string().max(200).nullable().optional(),
    customer_tier: z.enum(['standard', 'premium', 'enterprise']).nullable().optional(),
    agent_id: z.string().max(200).nullable().optional(),
    agent_level: z.enum(['junior', 'mid', 'senior', 'lead']).nullable().optional(),
    agent_hired_at: instant.nullable().optional(),
    first_response_at: instant.nullable().optional(),
    due_at: instant.nullable().optional(),
    attributes: z.record(z.string().regex(/^[a-z0-9_]+$/, 'attribute names are lower-case letters, digits and _'), z.union([z.string().max(500), z.number(), z.null()])).nullable().optional(),
    events: z.array(event).max(500).default([]),
    /** Score as of this time (default: now). */
    as_of: instant.optional(),
  })
  .strict();
export type PredictInput = z.output<typeof predictInput>;

/** A correct request body, shown with every 400. */
export const PREDICT_EXAMPLE = {
  queue: 'billing',
  priority: 'high',
  channel: 'email',
  created_at: '2026-11-20T13:05:00Z',
  subject: 'Charged twice for my subscription',
  body: 'I was billed twice this month and nobody answered my last email.',
  category: 'refund',
  customer_tier: 'premium',
  attributes: { region: 'EMEA' },
  events: [{ at: '2026-11-20T14:00:00Z', type: 'comment', author_type: 'customer', body: 'Any update?' }],
};

export interface PredictResult {
  label: 'escalated' | 'sla_breached';
  ticketId: string;
  asOf: string;
  /** Calibrated probability in [0, 1]. */
  probability: number;
  /** At or above the model's flag threshold. */
  flagged: boolean;
  /** The model's calibrated-probability threshold. */
  threshold: number;
  ageHours: number;
  /** Older than the model's training range (or created after as_of): the probability extrapolates. */
  outOfSupport: boolean;
  /** Up to three strongest contributions either way (log-odds), largest first. */
  reasons: Reason[];
  model: { id: number; version: number; trainedAt: string };
}

/** No active model for the label: the caller answers 409 with how to train one. */
export class NoModelError extends Error {}

/** Loaded models by registry id: loading parses the booster, which costs more than scoring one ticket. */
export class ModelCache {
  private loaded = new Map<number, LoadedRiskModel>();
  get(db: Db, label: PredictInput['label']): { id: number; version: number; trainedAt: string; model: LoadedRiskModel } {
    const active = listModels(db, label).find((m) => m.active);
    if (!active) throw new NoModelError(`no active ${label} risk model: train one with \`radar risk train --label ${label}\``);
    let model = this.loaded.get(active.id);
    if (!model) {
      model = requireActiveModel(db, label);
      this.loaded.clear();
      this.loaded.set(active.id, model);
    }
    return { id: active.id, version: active.version, trainedAt: active.trainedAt, model };
  }
}

/** Scores the ticket in `input` as of `as_of` (default `now`). Throws NoModelError without an active model. */
export function predictTicket(db: Db, input: PredictInput, now: Date, cache = new ModelCache()): PredictResult {
  const { id, version, trainedAt, model } = cache.get(db, input.label);
  const asOf = input.as_of ?? now.toISOString().slice(0, 19) + 'Z';
  const ticket: RiskTicket = {
    ticket_id: input.ticket_id,
    created_at: input.created_at,
    first_response_at: input.first_response_at && input.first_response_at <= asOf ? input.first_response_at : null,
    status: 'open',
    priority: input.priority,
    channel: input.channel,
    queue: input.queue,
    customer_id: input.customer_id ?? null,
    customer_tier: input.customer_tier ?? null,
    agent_id: input.agent_id ?? null,
    agent_level: input.agent_level ?? null,
    agent_hired_at: input.agent_hired_at ?? null,
    subject: input.subject,
    body: input.body,
    category: input.category ?? null,
    due_at: input.due_at ?? null,
    attributes: input.attributes ?? null,
  };
  const events: RiskEvent[] = input.events
    .filter((e) => e.at <= asOf)
    .map((e, i) => ({ event_id: `${input.ticket_id}#${i + 1}`, ticket_id: input.ticket_id, author_type: null, agent_id: null, from_queue: null, to_queue: null, status: null, body: null, ...e }));
  // Agents the warehouse knows: an event's agent_id gets its level and tenure, as in `radar risk`.
  const agents = events.some((e) => e.agent_id) ? (db.prepare('SELECT agent_id, level, hired_at FROM v_risk_agents').all() as RiskAgent[]) : [];
  const [s] = scoreTickets(model, [ticket], events, Date.parse(asOf), { agents, reasons: 8 });
  const reasons = [...(s.reasons ?? [])].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution)).slice(0, 3);
  return {
    label: input.label,
    ticketId: input.ticket_id,
    asOf,
    probability: s.probability,
    flagged: s.flagged,
    threshold: model.model.threshold.probability,
    ageHours: s.ageHours,
    outOfSupport: s.outsideSupport || s.ageHours < 0,
    reasons,
    model: { id, version, trainedAt },
  };
}
